/**
 * What the Electron shell shows for the back end's state — the window hidden or not, the tray's
 * icon, tooltip and menu — as plain data, so the policy is tested without Electron (app.ts only
 * applies it). No electron import here.
 */
import type { AgentRunDto, SettingsDto, TrackerStateDto } from '../api/contract.js';
import type { TrayState } from './tray-icons.js';

export type ShellCommand = 'pause' | 'resume' | 'finish' | 'fail' | 'stop-agent' | 'show' | 'quit';

export type MenuEntry =
  | { readonly type: 'item'; readonly label: string; readonly enabled: boolean; readonly command?: ShellCommand }
  | { readonly type: 'separator' };

export interface ShellView {
  /**
   * Out of the way while a person is recorded (they work in other programs; the tray and the
   * hotkey finish) and while the agent acts (it must be neither in the agent's screenshots nor
   * under its clicks); back when the recording ends or the agent pauses or ends.
   */
  readonly windowHidden: boolean;
  readonly tray: TrayState;
  readonly tooltip: string;
  readonly menu: readonly MenuEntry[];
}

export function agentActing(run: AgentRunDto | null): boolean {
  return run !== null && (run.status === 'starting' || run.status === 'running');
}

export function shellView(
  tracker: TrackerStateDto | null,
  agent: AgentRunDto | null,
  keys: SettingsDto['hotkeys'],
): ShellView {
  const live = tracker?.live ?? null;
  const acting = agentActing(agent);
  const tray: TrayState = live ? live.status : 'idle';
  const doing = live
    ? `${live.status === 'paused' ? 'paused' : 'recording'} #${live.id} · ${live.actions} actions`
    : acting
      ? `agent ${agent!.status}, step ${agent!.steps.length}`
      : 'idle';
  const item = (label: string, enabled: boolean, command?: ShellCommand): MenuEntry => ({
    type: 'item',
    label,
    enabled,
    ...(command ? { command } : {}),
  });
  const separator: MenuEntry = { type: 'separator' };
  return {
    windowHidden: live !== null || acting,
    tray,
    tooltip: `PC Agent — ${doing}`,
    menu: [
      item(`PC Agent — ${live ? `${tray} #${live.id}` : acting ? 'agent running' : 'idle'}`, false),
      separator,
      tray === 'paused'
        ? item('Resume recording', true, 'resume')
        : item('Pause recording', tray === 'recording', 'pause'),
      item(`Finish recording (${keys.stopRecording})`, live !== null, 'finish'),
      item('Fail recording', live !== null, 'fail'),
      separator,
      item(`Stop the agent (${keys.abortAgent})`, acting || agent?.status === 'paused', 'stop-agent'),
      separator,
      item('Show PC Agent', true, 'show'),
      item('Quit', true, 'quit'),
    ],
  };
}

/** A key that changes only when the menu's items change (the tooltip changes far more often). */
export function menuKey(view: ShellView): string {
  return `${view.tray}:${JSON.stringify(view.menu)}`;
}
