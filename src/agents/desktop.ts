/**
 * The agent on this desktop: wires a planner, a grounder, screen capture and real input into a
 * run of the agent loop, or a replay of a recording — the one place both `pcagent run` /
 * `pcagent replay` and the app's agent console set them up. Everything opened here is closed
 * when the run ends, however it ends.
 */
import type { ActionRecord, Library, Recording } from '../library/library.js';
import type { Device } from './runtime/session.js';
import type { RunControl } from './loop/control.js';
import type { AgentPlanner, AgentStep, NotFoundInfo, RunResult } from './loop/run-agent.js';
import type { Action } from '../core/actions.js';
import type { SelectOptions } from './grounding/select.js';
import type { ReplayMode, ReplayReport, ReplayStep } from './replay/replay.js';
import { assertDisplay } from './display.js';
import type { BackendPreference } from '../platform/capture/capture-types.js';
import type { PlannerOptions } from './planner/planner.js';
import type { FrameInput, Grounder } from './grounding/grounder.js';
import type { OcrEngine } from './ocr/engine.js';
import type { NutExecutor } from './executor/nut-executor.js';
import type { ScreenSettler, SettlerOptions } from '../platform/capture/settle.js';
import type { DesktopWindows } from '../platform/windows/desktop-windows.js';

/** What was set up for a run: printed by the CLI, shown by the app. */
export interface DesktopInfo {
  readonly planner: string | null;
  readonly grounder: string;
  /** What runs the grounder's models (`cpu`, `cuda`, …, or `remote`). */
  readonly provider: string;
  readonly capture: string;
  /** How the loop sees the screen settle after an action: X11 DAMAGE or frame hashes. */
  readonly settle: string;
  readonly input: string;
  readonly size: { readonly width: number; readonly height: number };
}

export interface DesktopRunOptions {
  readonly lib: Library;
  readonly task: string;
  /** A model endpoint (with its profile), or a planner of the caller's own (the eval runner's scripted plans). */
  readonly planner: PlannerOptions | { readonly custom: AgentPlanner; readonly name: string };
  readonly grounder: string;
  readonly grounderOptions?: Omit<SelectOptions, 'device' | 'dataDir'>;
  readonly device?: Device;
  readonly capture?: BackendPreference;
  readonly maxSteps?: number;
  /** Quiet interval after each action (see runAgent's settleMs; default 300 ms). */
  readonly settleMs?: number;
  /** Longest wait for the screen after an action (default 5 s; 15 s after opening or saving files). */
  readonly settleCapMs?: number;
  readonly waitMs?: number;
  readonly control: RunControl;
  readonly confirm?: (action: Action, text: string) => Promise<boolean>;
  /** Everything is set up; the run starts next. */
  readonly onReady?: (info: DesktopInfo) => void;
  readonly onStart?: (recording: Recording) => void;
  readonly onStep?: (step: AgentStep) => void;
  readonly onNotFound?: (info: NotFoundInfo) => void;
}

/** Runs the agent loop for a task on this screen (SPEC §2.5); the run is an agent recording. */
export async function runOnDesktop(o: DesktopRunOptions): Promise<RunResult> {
  await assertDisplay('the agent');
  const [{ Planner }, { selectGrounder }, { openScreenshotter }, { runAgent }] = await Promise.all([
    import('./planner/planner.js'),
    import('./grounding/select.js'),
    import('./loop/screenshot.js'),
    import('./loop/run-agent.js'),
  ]);
  const custom = 'custom' in o.planner ? o.planner : null;
  const model = 'custom' in o.planner ? null : o.planner;
  const planner: AgentPlanner & { endpoint?: string } = custom ? custom.custom : new Planner(model!);
  const { grounder, provider } = await selectGrounder(o.grounder, {
    ...o.grounderOptions,
    device: o.device,
    dataDir: o.lib.home,
  });
  const screenshots = await openScreenshotter({ backend: o.capture ?? 'auto' });
  try {
    const frameSize = { width: screenshots.region.width, height: screenshots.region.height };
    return await withDesktopInput(screenshots, frameSize, async ({ windows, settler, executor }) => {
      const { screen } = executor;
      o.onReady?.({
        planner: custom ? custom.name : `${model!.model} at ${planner.endpoint}`,
        grounder: grounder.name,
        provider,
        capture: screenshots.backend,
        settle: settler.method,
        input: executor.name,
        size: { width: screen.logical.width, height: screen.logical.height },
      });
      return await runAgent({
        task: o.task,
        planner,
        grounder,
        executor,
        screenshot: () => screenshots.take(),
        lib: o.lib,
        maxSteps: o.maxSteps,
        settler,
        settleMs: o.settleMs,
        settleCapMs: o.settleCapMs,
        windows: windows ?? undefined,
        waitMs: o.waitMs,
        signal: o.control.signal,
        pause: o.control,
        confirm: o.confirm,
        screen: {
          logicalWidth: screen.logical.width,
          logicalHeight: screen.logical.height,
          physicalWidth: screen.physical.width,
          physicalHeight: screen.physical.height,
          scaleFactor: screen.scaleFactor,
          originX: screenshots.region.x,
          originY: screenshots.region.y,
        },
        meta: {
          planner: custom ? { name: custom.name } : { endpoint: planner.endpoint, model: model!.model },
          provider,
          capture: screenshots.backend,
        },
        onStart: o.onStart,
        onNotFound: o.onNotFound,
        onStep: o.onStep,
      });
    });
  } finally {
    screenshots.close();
    await grounder.close?.();
  }
}

export interface DesktopReplayOptions {
  readonly lib: Library;
  readonly recordingId: number;
  readonly mode: ReplayMode;
  readonly grounder: string;
  readonly grounderOptions?: Omit<SelectOptions, 'device' | 'dataDir'>;
  readonly device?: Device;
  readonly keepGoing?: boolean;
  /** Quiet interval after each action (default 300 ms). */
  readonly settleMs?: number;
  /** Longest wait for the screen after an action (default 5 s; 15 s after opening or saving files). */
  readonly settleCapMs?: number;
  readonly control: RunControl;
  readonly onReady?: (info: DesktopInfo) => void;
  readonly onStart?: (replay: Recording) => void;
  readonly onStep?: (step: ReplayStep, record: ActionRecord) => void;
}

/** Replays a recording on this screen (semantic: clicks grounded again; or coordinates). */
export async function replayOnDesktop(o: DesktopReplayOptions): Promise<ReplayReport> {
  await assertDisplay('replay');
  const [{ replayRecording }, { openScreen }, { selectGrounder }, { settleCapMs }] = await Promise.all([
    import('./replay/replay.js'),
    import('./screen.js'),
    import('./grounding/select.js'),
    import('../core/settle-policy.js'),
  ]);
  const selected =
    o.mode === 'coordinates'
      ? null
      : await selectGrounder(o.grounder, { ...o.grounderOptions, device: o.device, dataDir: o.lib.home });
  const screen = await openScreen();
  try {
    const frameSize = { width: screen.width, height: screen.height };
    return await withDesktopInput(screen, frameSize, async ({ windows, settler, executor }) => {
      o.onReady?.({
        planner: null,
        grounder: selected?.grounder.name ?? 'none (coordinates)',
        provider: selected?.provider ?? 'none',
        capture: screen.backend,
        settle: settler.method,
        input: executor.name,
        size: { width: screen.width, height: screen.height },
      });
      const done: Action[] = [];
      const quietMs = o.settleMs;
      const capMs = o.settleCapMs;
      return await replayRecording({
        readText: textReader(selected?.grounder ?? null, { device: o.device, dataDir: o.lib.home }),
        lib: o.lib,
        recordingId: o.recordingId,
        executor,
        grounder: selected?.grounder ?? null,
        screenshot: () => screen.shot(),
        mode: o.mode,
        keepGoing: o.keepGoing,
        // After opening or saving a file the screen gets longer to settle (core/settle-policy.ts).
        settle: async (action, signal) => {
          const cap = settleCapMs(action, done, capMs);
          done.push(action);
          return settler.settle({ quietMs, capMs: cap, signal });
        },
        windows: windows ?? undefined,
        signal: o.control.signal,
        pause: o.control,
        onStart: o.onStart,
        onStep: o.onStep,
      });
    });
  } finally {
    screen.close();
    await selected?.grounder.close?.();
  }
}

/** What a run and a replay act and watch the desktop through, besides the screen. */
interface DesktopInput {
  /** Null without a window list (no EWMH window manager, no X): see `withDesktopInput`. */
  readonly windows: DesktopWindows | null;
  readonly settler: ScreenSettler;
  readonly executor: NutExecutor;
}

/**
 * Opens the window list, the screen settler (watching `screen`) and the input executor (for a
 * frame of `frameSize`), gives them to `use`, and closes them however it ends. The window list
 * is opened before the first step; one that cannot start leaves the planner seeing dialogs only
 * in the picture and replay without the unexpected-window rule (DesktopInfo says so).
 */
async function withDesktopInput<T>(
  screen: SettlerOptions['backend'],
  frameSize: { readonly width: number; readonly height: number },
  use: (input: DesktopInput) => Promise<T>,
): Promise<T> {
  const [{ createExecutor }, { openSettler }, { openDesktopWindows }] = await Promise.all([
    import('./executor/nut-executor.js'),
    import('../platform/capture/settle.js'),
    import('../platform/windows/open-desktop-windows.js'),
  ]);
  const windows = await openDesktopWindows().catch(() => null);
  await windows?.ready().catch(() => false);
  let settler: ScreenSettler | undefined;
  try {
    settler = await openSettler({ backend: screen });
    const executor = await createExecutor({ frameSize });
    try {
      return await use({ windows, settler, executor });
    } finally {
      await executor.close();
    }
  } finally {
    settler?.close();
    windows?.close();
  }
}

/**
 * Reads the text of a frame (replay: is a new window's title on the recorded screen?), with the
 * grounder's own OCR engine when it has one, else one loaded on first use.
 */
function textReader(
  grounder: Grounder | null,
  options: { device?: Device; dataDir: string },
): (frame: FrameInput) => Promise<string> {
  let engine: Promise<OcrEngine> | null = null;
  // The OCR grounder, or the auto cascade's OCR stage (shapes, not classes: nothing loads early).
  const own = (g: Grounder | null): OcrEngine | null => {
    if (g && 'engine' in g && g.name === 'ocr') return g.engine as OcrEngine;
    if (g && 'stages' in g) {
      const stages = g.stages as readonly { grounder: Grounder }[];
      return stages.map((s) => own(s.grounder)).find(Boolean) ?? null;
    }
    return null;
  };
  return async (frame) => {
    engine ??= Promise.resolve(own(grounder)).then(
      async (e) => e ?? (await import('./ocr/engine.js')).OcrEngine.create(options),
    );
    const { lines } = await (await engine).recognize(frame);
    return lines.map((l) => l.text).join('\n');
  };
}
