import { type Action, isClick, type Point } from '../../core/actions.js';
import { formatAction } from '../../core/grammar.js';
import type { ReplayMode } from '../../core/vocabulary.js';
import { resizeMapping, scaleAction, scalePoint, type Size } from '../../core/geometry.js';
import type { ActionRecord, Library, Recording } from '../../library/library.js';
import type { Executor } from '../executor/executor.js';
import type { Box, Candidate, FrameInput, Grounder } from '../grounding/grounder.js';
import { thresholdOf } from '../grounding/cascade.js';
import type { SettleResult as ScreenSettle } from '../../platform/capture/settle.js';
import { frameLookup } from '../../library/frame-lookup.js';
import { screenChange } from '../screen-change.js';
import { replayStepOk, replayStop, type ReplayStepOutcome } from '../../core/replay-report.js';
import { isSignificantWindow, type DesktopWindow, type WindowWatch } from '../../core/windows-diff.js';

/**
 * Replay (SPEC §2.5, beyond the reference): re-runs a completed recording on today's screen.
 * Clicks are grounded again from their action description — the recorded point, scaled to the
 * current screen, only breaks ties — so a replay survives another resolution or a moved window.
 * `coordinates` mode is the naive baseline: every point scaled proportionally, nothing grounded.
 */
export type { ReplayMode } from '../../core/vocabulary.js';

export interface ScreenShot {
  /** PNG bytes of the whole screen, in the executor's frame pixels. */
  readonly png: Buffer;
  readonly width: number;
  readonly height: number;
}

/** What settling after an action found: the platform settler's answer (a fixed pause: no `changed` to tell). */
export type SettleResult = Pick<ScreenSettle, 'ms' | 'settled'>;

export interface ReplayOptions {
  readonly lib: Library;
  /** A refined and completed recording (a raw id is replaced by its newest refined version). */
  readonly recordingId: number;
  readonly executor: Executor;
  readonly grounder: Grounder | null;
  readonly screenshot: () => Promise<ScreenShot>;
  readonly mode?: ReplayMode;
  /** Go on after a click that cannot be grounded (default: stop there). */
  readonly keepGoing?: boolean;
  /**
   * Waits after each action until the screen is still (the platform's settler: quiet interval,
   * capped by the action's kind). Without one, a fixed pause of `settleMs`.
   */
  readonly settle?: (action: Action, signal?: AbortSignal) => Promise<SettleResult>;
  /** The fixed pause after each action when there is no settler (default 1500 ms). */
  readonly settleMs?: number;
  /** The desktop's windows: a window the recording never saw stops the replay ("never type into a window the recording did not type into"). */
  readonly windows?: WindowWatch;
  /** The text on a frame (OCR), to tell whether a new window was on the recorded screen. */
  readonly readText?: (frame: FrameInput) => Promise<string>;
  /** How long a recorded `wait` waits (SPEC: 3 s). */
  readonly waitMs?: number;
  readonly signal?: AbortSignal;
  /** Checked before each step: while paused the replay waits (a RunControl). */
  readonly pause?: { whenRunning(): Promise<void> };
  /** Called once the replay's agent recording exists (before the first step). */
  readonly onStart?: (replay: Recording) => void;
  /** Called after each step is stored, with its row (frame id) in the replay recording. */
  readonly onStep?: (step: ReplayStep, record: ActionRecord) => void;
}

/** What became of a step (core/replay-report.ts). */
export type StepOutcome = ReplayStepOutcome;

/** One replayed step as stored (`extra.replay` of the replay recording's action) and reported. */
export interface ReplayStep {
  readonly seq: number;
  readonly action: string;
  readonly outcome: StepOutcome;
  readonly description?: string;
  readonly point?: Point;
  readonly score?: number;
  /** The grounder (for `auto`: the cascade stage) that found the target. */
  readonly grounder?: string;
  readonly candidates?: readonly Candidate[];
  /** The step's effect matched the recording's (the screen changed when it had changed then). */
  readonly verified?: boolean;
  /** Re-grounded and executed a second time after the first try had no effect. */
  readonly retried?: boolean;
  /** How long the screen took to settle after the action. */
  readonly settleMs?: number;
  /** The unexpected window or dialog that stopped the replay. */
  readonly window?: { readonly title: string; readonly buttons?: readonly string[] };
  readonly error?: string;
  readonly ms: number;
}

export interface ReplayReport {
  readonly source: number;
  /** The agent recording that stores this replay. */
  readonly replay: number;
  readonly mode: ReplayMode;
  readonly steps: readonly ReplayStep[];
  readonly found: number;
  readonly notFound: number;
  /** Steps whose effect matched the recording's. */
  readonly verified: number;
  /**
   * Every step ran, was executed and verified: the replay recording is `finished`. False exactly
   * when the stored status is `failed` (SPEC §3: `completed` or `stopped at step N`).
   */
  readonly completed: boolean;
  /** Where and why it stopped (1-based step number), or null when completed. */
  readonly stoppedAt: { readonly step: number; readonly reason: string } | null;
}

/** The final line of `replay` (SPEC §3): `completed`, else `stopped at step N: <reason>`. */
export function replayVerdict(report: ReplayReport): string {
  return report.stoppedAt ? `stopped at step ${report.stoppedAt.step}: ${report.stoppedAt.reason}` : 'completed';
}

const abortReason = (r: unknown): string => (r instanceof Error ? r.message : r ? String(r) : 'stopped');
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** A box around a recorded click with no usable element rectangle: the visual grounder's picture. */
const POINT_BOX = { width: 96, height: 64 };
/** Larger element rectangles (a document canvas, a whole panel) say little about the click. */
const MAX_ELEMENT_BOX = { width: 400, height: 200 };

/** The recording to replay: the newest refined version of a raw one, if there is one. */
export function replaySource(lib: Library, id: number): Recording {
  const rec = lib.getRecording(id);
  if (rec.stage === 'refined') return rec;
  const refined = lib.listRecordings({ parentId: id, stage: 'refined' });
  return refined[refined.length - 1] ?? rec;
}

/** Size of the frames the recording's coordinates refer to. */
function recordedSize(lib: Library, rec: Recording, actions: readonly ActionRecord[]): Size {
  const framed = actions.find((a) => a.frameId !== null);
  if (framed) {
    const f = lib.getFrame(framed.frameId!);
    return { width: f.width, height: f.height };
  }
  if (rec.screen) return { width: rec.screen.physicalWidth, height: rec.screen.physicalHeight };
  throw new Error(`recording ${rec.id} has no frames and no screen size: its coordinates cannot be mapped`);
}

/** What to look for: the completed description, else the planner's target, else the element name. */
function describe(a: ActionRecord): string | null {
  if (a.description?.text) return a.description.text;
  if (isClick(a.action) && a.action.target) return a.action.target;
  if (a.element?.name && a.element.name !== 'Unknown') return `'${a.element.name.trim()}'`;
  return null;
}

/**
 * The recorded picture of a click's target: the element's rectangle when it is a small one around
 * the click, else a box around the click point, clipped to the frame.
 */
export function recordedBox(a: ActionRecord, frame: Size): Box | null {
  if (!isClick(a.action) || !a.action.at) return null;
  const { x, y } = a.action.at;
  const r = a.element?.rect;
  if (
    r &&
    x >= r.left &&
    x < r.right &&
    y >= r.top &&
    y < r.bottom &&
    r.right - r.left <= MAX_ELEMENT_BOX.width &&
    r.bottom - r.top <= MAX_ELEMENT_BOX.height &&
    r.right - r.left >= 4 &&
    r.bottom - r.top >= 4
  ) {
    return [r.left, r.top, r.right, r.bottom];
  }
  const left = Math.max(0, Math.round(x - POINT_BOX.width / 2));
  const top = Math.max(0, Math.round(y - POINT_BOX.height / 2));
  return [left, top, Math.min(frame.width, left + POINT_BOX.width), Math.min(frame.height, top + POINT_BOX.height)];
}

/** Loose text form for "is this title on that screen": lower case, letters and digits only. */
const loose = (t: string) =>
  t
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

/** A window on today's screen, as the replay report names it. */
interface SeenWindow {
  readonly title: string;
  /** Its first words besides the title (a question, an error message). */
  readonly text?: string;
  readonly buttons: readonly string[];
}

export async function replayRecording(o: ReplayOptions): Promise<ReplayReport> {
  const { lib, executor } = o;
  const mode = o.mode ?? 'semantic';
  const source = replaySource(lib, o.recordingId);
  const actions = lib.listActions(source.id);
  if (actions.length === 0) throw new Error(`recording ${source.id} has no actions to replay`);
  if (mode === 'semantic' && !o.grounder) throw new Error('semantic replay needs a grounder');
  const frameOf = frameLookup(lib, source.id);
  const framePath = (a: ActionRecord | undefined): string | null => {
    const f = a ? frameOf(a.frameId) : null;
    return f ? lib.absolutePath(f.path) : null;
  };
  const recorded = recordedSize(lib, source, actions);
  const settleAfter = async (action: Action): Promise<SettleResult> => {
    if (o.settle) return o.settle(action, o.signal);
    const t0 = performance.now();
    await sleep(o.settleMs ?? 1_500);
    return { ms: performance.now() - t0, settled: true };
  };
  // The screen may still be drawing what happened just before the replay was started.
  await settleAfter({ kind: 'wait' });
  const first = await o.screenshot();
  const mapping = resizeMapping(recorded, { width: first.width, height: first.height });
  // Windows open before the first step are the stage the replay was started on.
  const known = new Map<number, DesktopWindow>();
  for (const w of (await o.windows?.list().catch(() => [])) ?? []) known.set(w.id, w);
  const replay = lib.createRecording({
    kind: 'agent',
    mode: 'replay',
    description: source.description,
    level: source.level,
    source: `replay:${source.id}`,
    parentId: source.id,
    screen: {
      logicalWidth: first.width,
      logicalHeight: first.height,
      physicalWidth: first.width,
      physicalHeight: first.height,
      scaleFactor: 1,
    },
    meta: { mode, grounder: o.grounder?.name ?? null },
  });

  o.onStart?.(replay);

  /** A window that appeared since the replay began and that the recorded screen of this step does not show. */
  const unexpectedWindow = async (a: ActionRecord | undefined): Promise<SeenWindow | null> => {
    if (!o.windows) return null;
    const now = await o.windows.list().catch(() => [] as DesktopWindow[]);
    // Menus, tooltips and minimised windows come and go with any action: not "a window".
    const fresh = now.filter((w) => !known.has(w.id) && isSignificantWindow(w));
    if (fresh.length === 0) return null;
    // No recorded screen to compare with (after the last step): every new window is unexpected.
    const recordedFrame = framePath(a);
    const recordedText = recordedFrame && o.readText ? loose(await o.readText(recordedFrame)) : null;
    for (const w of fresh) {
      const about = await o.windows.describe?.(w).catch(() => null);
      const title = w.title.trim() || about?.title.trim() || about?.text?.[0]?.trim() || '';
      // Seen when recorded: the title (or, for an untitled box, its first line) is on the recorded screen.
      const seen = recordedText !== null && title !== '' && recordedText.includes(loose(title));
      if (!seen) {
        const words = about?.text?.find((t) => t.trim() && t.trim() !== title)?.trim();
        return { title: title || `window ${w.id}`, text: words, buttons: about?.buttons ?? [] };
      }
      known.set(w.id, w);
    }
    return null;
  };

  /** Did the recorded step change the screen (its frame vs the next step's)? */
  const recordedEffect = async (index: number): Promise<boolean> => {
    const before = framePath(actions[index]);
    const after = framePath(actions[index + 1]);
    if (!before || !after || before === after) return false;
    return (await screenChange(before, after)).changed;
  };

  const steps: ReplayStep[] = [];
  let shot: ScreenShot = first;
  for (const [index, a] of actions.entries()) {
    await o.pause?.whenRunning();
    if (o.signal?.aborted) break;
    const t0 = performance.now();
    const text = formatAction(a.action, isClick(a.action) && !a.action.at ? 'completed' : 'recorded');
    const description = describe(a) ?? undefined;
    /** A step stopped by a window the recording never saw: named by its title and first words. */
    const windowStep = (window: SeenWindow, when: string) => {
      const said = window.text ? `: "${window.text}"` : '';
      const buttons = window.buttons.length ? ` (buttons: ${window.buttons.join(', ')})` : '';
      return {
        seq: a.seq,
        action: text,
        outcome: 'unexpected-window' as const,
        window: { title: window.title, buttons: window.buttons },
        error: `unexpected window "${window.title}"${said}${buttons}${when}: the recording never saw it`,
      };
    };
    const frameShot = shot;
    let performed: Action = scaleAction(a.action, mapping);
    let step: ReplayStep;
    try {
      if (a.action.kind === 'finish' || a.action.kind === 'fail') {
        step = { seq: a.seq, action: text, outcome: 'done', verified: true, ms: 0 };
      } else if (a.action.kind === 'wait') {
        await sleep(o.waitMs ?? 3_000);
        shot = await o.screenshot();
        step = { seq: a.seq, action: text, outcome: 'done', verified: true, ms: performance.now() - t0 };
      } else {
        const window = await unexpectedWindow(a);
        if (window) {
          step = { ...windowStep(window, ''), description, ms: performance.now() - t0 };
        } else {
          const semantic = isClick(a.action) && mode === 'semantic';
          const ground = async (png: Buffer) => {
            const prior = isClick(a.action) && a.action.at ? scalePoint(a.action.at, mapping) : undefined;
            const recordedFrame = framePath(a);
            const box = recordedFrame ? recordedBox(a, recorded) : null;
            const g = await o.grounder!.locate(description!, png, {
              prior,
              elementName: a.element?.name || undefined,
              elementRole: a.element?.role || undefined,
              recorded: recordedFrame && box ? { frame: recordedFrame, box } : undefined,
              live: true,
              signal: o.signal,
            });
            const threshold = thresholdOf(o.grounder!);
            if (!g.found || g.score >= threshold) return g;
            // Grounded, but not surely enough to click: a wrong click is worse than a stop.
            const reason = `best match scored ${g.score.toFixed(2)}, below the threshold ${threshold}`;
            return { found: false as const, source: g.source, candidates: g.candidates, reason };
          };
          if (semantic && !description) {
            step = { seq: a.seq, action: text, outcome: 'no-description', ms: performance.now() - t0 };
          } else {
            let grounded = semantic ? await ground(frameShot.png) : null;
            if (grounded && !grounded.found) {
              const reason = grounded.reason;
              step = {
                seq: a.seq,
                action: text,
                outcome: 'not-found',
                description,
                grounder: grounded.source,
                candidates: grounded.candidates.slice(0, 5),
                error: `target not found: ${description} (${reason})`,
                ms: performance.now() - t0,
              };
            } else {
              const act = async (): Promise<SettleResult> => {
                if (grounded?.found)
                  performed = { kind: a.action.kind, at: grounded.point, target: description } as Action;
                await executor.perform(performed, { signal: o.signal });
                return settleAfter(performed);
              };
              let settled = await act();
              let settleMs = settled.ms;
              shot = await o.screenshot();
              const expectChange = await recordedEffect(index);
              let changed = !expectChange || (await screenChange(frameShot.png, shot.png)).changed;
              let retried = false;
              if (!changed) {
                // Slow to react: one more settle before deciding the step did nothing.
                settled = await settleAfter({ kind: 'wait' });
                settleMs += settled.ms;
                shot = await o.screenshot();
                changed = (await screenChange(frameShot.png, shot.png)).changed;
              }
              if (!changed && !o.signal?.aborted) {
                // Ground again on today's screen (it may have moved) and try once more.
                retried = true;
                if (semantic) grounded = await ground(shot.png);
                if (!semantic || grounded?.found) {
                  settled = await act();
                  settleMs += settled.ms;
                  shot = await o.screenshot();
                  changed = (await screenChange(frameShot.png, shot.png)).changed;
                }
              }
              const g = grounded?.found ? grounded : null;
              // After the recording's last action nothing shows what should be on the screen
              // next but its final frame: a window opened by this step (an overwrite question
              // after the Enter that saves) is checked now, or never.
              const next = actions[index + 1];
              const last = !next || next.action.kind === 'finish' || next.action.kind === 'fail';
              const after = changed && last ? await unexpectedWindow(next) : null;
              if (after) {
                step = {
                  ...windowStep(after, ' after this step'),
                  description,
                  ...(isClick(performed) && performed.at ? { point: performed.at } : {}),
                  settleMs: Math.round(settleMs),
                  ms: performance.now() - t0,
                };
              } else
                step = {
                  seq: a.seq,
                  action: text,
                  outcome: changed ? (g ? 'found' : 'done') : 'no-effect',
                  description,
                  ...(isClick(performed) && performed.at ? { point: performed.at } : {}),
                  ...(g ? { score: g.score, grounder: g.source, candidates: g.candidates.slice(0, 5) } : {}),
                  verified: changed,
                  retried,
                  settleMs: Math.round(settleMs),
                  ...(changed
                    ? {}
                    : { error: `had no effect: ${text} changed the screen when recorded, not now (tried twice)` }),
                  ms: performance.now() - t0,
                };
            }
          }
        }
      }
    } catch (err) {
      step = { seq: a.seq, action: text, outcome: 'failed', error: (err as Error).message, ms: performance.now() - t0 };
    }
    steps.push(step);
    // The replay is itself a trajectory: each step with the screen it acted on (for an
    // unexpected window: the screen showing it).
    const frame = lib.saveFrame(replay.id, `${a.seq}.png`, frameShot.png, {
      format: 'png',
      width: frameShot.width,
      height: frameShot.height,
    });
    const record = lib.appendAction(replay.id, {
      time: Date.now(),
      action: replayStepOk(step.outcome) ? performed : a.action,
      frameId: frame.id,
      description: step.description ? { text: step.description, source: 'agent' } : null,
      extra: {
        replay: {
          ...step,
          candidates: step.candidates?.map((c) => ({ text: c.text, score: c.score, reason: c.reason })),
        },
      },
    });
    o.onStep?.(step, record);
    if (!replayStepOk(step.outcome)) {
      // --keep-going passes over targets it cannot find; anything else ends the replay.
      const skippable = step.outcome === 'not-found' || step.outcome === 'no-description';
      if (!(skippable && o.keepGoing)) break;
    }
  }
  // One verdict for the stored status, the report and the exit code: a step that was skipped
  // (not grounded, --keep-going) means the task was not replayed, so the replay failed.
  const stoppedAt = replayStop(steps, actions.length, o.signal?.aborted ? abortReason(o.signal.reason) : 'stopped');
  const completed = stoppedAt === null;
  lib.updateRecording(replay.id, { status: completed ? 'finished' : 'failed', endedAt: Date.now() });
  return {
    source: source.id,
    replay: replay.id,
    mode,
    steps,
    found: steps.filter((s) => s.outcome === 'found').length,
    notFound: steps.filter((s) => s.outcome === 'not-found' || s.outcome === 'no-description').length,
    verified: steps.filter((s) => s.verified).length,
    completed,
    stoppedAt,
  };
}
