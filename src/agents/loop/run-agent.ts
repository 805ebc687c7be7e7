/**
 * The agent loop (SPEC §2.5): screenshot, plan, ground click targets, execute, settle — at most
 * `maxSteps` actions — storing every step in the library as an agent recording (kind 'agent',
 * mode 'run') that can be viewed and exported like a human one: the frame, a marked frame at the
 * grounded point, the thought, the action with its point and target, and in `extra.agent` the
 * plan, the grounding result with its candidates, the targets not found, the settle after the
 * action (how long, whether the screen settled, whether it changed) and the step's timings.
 *
 * Settle: after each action the loop waits until the screen has been still for the quiet interval
 * (`settleMs`), at most the cap (`settleCapMs`; longer after opening or saving files, see
 * core/settle-policy.ts). Stuck: after the same action changed nothing on the screen three times
 * in a row the planner is told so; planning it a fourth time ends the run as `stuck` (core/stuck.ts).
 *
 * When a click target is not found, the planner is told which targets were not found and asked
 * for a new plan on the same screenshot (at most `maxReplans` times a step). `wait` sleeps
 * `waitMs`; `finish` / `fail` end the run. Stop (the signal), pause (`whenRunning`), the
 * executor's fail-safe and a confirmation before destructive hotkeys end or hold the run.
 */
import { type Action, isClick } from '../../core/actions.js';
import { formatAction } from '../../core/grammar.js';
import { isModifier, normalizeKeyName } from '../../core/keys.js';
import type { ActionRecord, Library, Recording, ScreenInfo } from '../../library/library.js';
import { FailSafeError, type Executor } from '../executor/executor.js';
import type { Candidate, Grounder, GroundingResult } from '../grounding/grounder.js';
import type { Plan, PlanRequest, PlannerStep } from '../planner/planner.js';
import { PLANNER_HISTORY_STEPS } from '../planner/prompt.js';
import { SETTLE_CAP_MS, SETTLE_QUIET_MS, settleCapMs } from '../../core/settle-policy.js';
import { type ActedStep, isStuck, needsStuckNotice, STUCK_NOTICE_AFTER, unchangedRepeats } from '../../core/stuck.js';
import {
  describeWindowLine,
  type DesktopWindow,
  isDialogWindow,
  unexpectedWindows,
  type WindowWatch,
} from '../../core/windows-diff.js';
import type { ScreenSettler, SettleResult } from '../../platform/capture/settle.js';
import { markedFrame } from './marks.js';
import type { Screenshot } from './screenshot.js';

export interface AgentPlanner {
  plan(request: PlanRequest): Promise<Plan>;
}

export interface RunAgentOptions {
  readonly task: string;
  readonly planner: AgentPlanner;
  readonly grounder: Grounder;
  readonly executor: Executor;
  readonly screenshot: () => Promise<Screenshot>;
  readonly lib: Library;
  /** Actions at most (default 50). */
  readonly maxSteps?: number;
  /** Waits for the screen after each action; without one the loop does not wait (every action then counts as a change). */
  readonly settler?: ScreenSettler;
  /**
   * Quiet interval: after an action the screen must stay unchanged this long (default 300 ms;
   * 0: no wait, and then no stuck detection either: an unchanged screen is not known).
   */
  readonly settleMs?: number;
  /** Longest wait for the screen after an action (default 5000 ms; 15 s after opening or saving files). */
  readonly settleCapMs?: number;
  /** How long `wait` waits (default 3000 ms). */
  readonly waitMs?: number;
  /** New plans a step may ask for when click targets are not found (default 3). */
  readonly maxReplans?: number;
  /**
   * The desktop's windows: a dialog that opens during the run is described to the planner (its
   * title, texts and buttons from the accessibility tree) instead of being clicked blindly.
   */
  readonly windows?: WindowWatch;
  /** Stops the run (RunControl.signal, SIGINT). */
  readonly signal?: AbortSignal;
  /** Checked before each step: while paused the run waits (a RunControl). */
  readonly pause?: { readonly paused: boolean; whenRunning(): Promise<void> };
  /** Asked before a destructive hotkey (Alt+F4, Ctrl+W, …); false ends the run. Default: no question. */
  readonly confirm?: (action: Action, text: string) => Promise<boolean>;
  /** Called after each stored step, and when a target was not found. */
  readonly onStep?: (step: AgentStep) => void;
  readonly onNotFound?: (info: NotFoundInfo) => void;
  /** Called once the recording exists (before the first step). */
  readonly onStart?: (recording: Recording) => void;
  readonly screen?: ScreenInfo | null;
  /** Stored in the recording's meta.agent (planner endpoint and model, grounder, …). */
  readonly meta?: Record<string, unknown>;
}

export interface StepTimings {
  /** Waiting for the screen after the action (0 for finish / fail). */
  readonly settleMs: number;
  /** Grab + PNG encoding (the two parts below). */
  readonly screenshotMs: number;
  readonly grabMs: number;
  readonly encodeMs: number;
  readonly planMs: number;
  readonly groundMs: number;
  readonly executeMs: number;
  readonly storeMs: number;
}

/** What the grounder said about the target that was used. */
export interface GroundingSummary {
  readonly grounder: string;
  readonly target: string;
  readonly found: boolean;
  readonly point?: { readonly x: number; readonly y: number };
  readonly box?: readonly number[];
  readonly score?: number;
  readonly reason?: string;
  /** The winner first, then the candidates it beat (at most CANDIDATES_KEPT). */
  readonly candidates: readonly Candidate[];
}

export interface NotFoundInfo {
  readonly step: number;
  readonly target: string;
  readonly reason: string;
  /** 1-based: which re-plan this triggers; greater than maxReplans when none is left. */
  readonly replan: number;
  readonly maxReplans: number;
}

export interface AgentStep {
  /** 1-based. */
  readonly index: number;
  readonly thought: string;
  /** As executed: clicks carry the grounded point and the target description. */
  readonly action: Action;
  /** The planner form of the action. */
  readonly text: string;
  readonly grounding: GroundingSummary | null;
  /** Targets not found in this step before the plan that was executed. */
  readonly notFound: readonly GroundingSummary[];
  readonly timings: StepTimings;
  /** The wait for the screen after the action; null when nothing was executed (finish / fail). */
  readonly settle: StepSettle | null;
  readonly record: ActionRecord;
}

/** The settle after a step's action, as stored: SettleResult plus the cap it had. */
export interface StepSettle {
  readonly ms: number;
  readonly settled: boolean;
  readonly changed: boolean;
  readonly capMs: number;
}

export type RunStatus = 'finished' | 'failed';

export interface RunResult {
  readonly recording: Recording;
  readonly status: RunStatus;
  readonly reason: string;
  /** Actions stored. */
  readonly steps: number;
}

const CANDIDATES_KEPT = 5;

/** Hotkeys that close windows, quit programs or delete without the bin. */
const DESTRUCTIVE: readonly (readonly string[])[] = [
  ['alt', 'f4'],
  ['ctrl', 'w'],
  ['ctrl', 'q'],
  ['cmd', 'q'],
  ['cmd', 'w'],
  ['shift', 'delete'],
  ['ctrl', 'alt', 'delete'],
];

/** Whether an action is a hotkey that may lose work (see DESTRUCTIVE). */
export function isDestructive(action: Action): boolean {
  if (action.kind !== 'hotkey') return false;
  const keys = action.keys.map((k) => normalizeKeyName(k) ?? k);
  const sorted = (ks: readonly string[]) =>
    [...ks].sort((a, b) => Number(isModifier(b)) - Number(isModifier(a)) || a.localeCompare(b)).join('+');
  const wanted = sorted(keys);
  return DESTRUCTIVE.some((combo) => sorted(combo) === wanted);
}

/** Thrown inside the loop to end the run with a reason. */
class RunEnd extends Error {
  constructor(
    readonly status: RunStatus,
    readonly reason: string,
  ) {
    super(reason);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function summarise(name: string, target: string, result: GroundingResult): GroundingSummary {
  const candidates = result.candidates.slice(0, CANDIDATES_KEPT);
  // The auto cascade answers through one of its stages: name it (`auto → a11y`).
  const grounder = result.found && result.source !== name ? `${name} → ${result.source}` : name;
  return result.found
    ? { grounder, target, found: true, point: result.point, box: result.box, score: result.score, candidates }
    : { grounder, target, found: false, reason: result.reason, candidates };
}

/** The planner form of an action, as shown to the planner in later steps and printed. */
export function actionText(action: Action): string {
  try {
    return formatAction(
      isClick(action) && action.target ? { kind: action.kind, target: action.target } : action,
      'planner',
    );
  } catch {
    return formatAction(action, 'recorded');
  }
}

const round = (ms: number): number => Math.round(ms * 10) / 10;

/** The parts of a step's timings measured before it is stored. */
export type MeasuredTimings = Omit<StepTimings, 'storeMs' | 'grabMs' | 'encodeMs'>;

/** A step's timings as stored: rounded to 0.1 ms, the screenshot split into grab and encoding. */
export function stepTimings(
  measured: MeasuredTimings,
  shot: Pick<Screenshot, 'grabMs' | 'encodeMs'>,
  storeMs: number,
): StepTimings {
  return {
    settleMs: round(measured.settleMs),
    screenshotMs: round(measured.screenshotMs),
    grabMs: round(shot.grabMs),
    encodeMs: round(shot.encodeMs),
    planMs: round(measured.planMs),
    groundMs: round(measured.groundMs),
    executeMs: round(measured.executeMs),
    storeMs: round(storeMs),
  };
}

/** Where each step goes once stored: the caller's live view (CLI printing, the app's events). */
export interface StepSink {
  step(step: AgentStep): void;
  notFound(info: NotFoundInfo): void;
}

/** One step to store: what was seen, planned, grounded and done. */
export interface StepInput {
  readonly index: number;
  readonly shot: Screenshot;
  readonly plan: Plan;
  readonly action: Action;
  readonly grounding: GroundingSummary | null;
  readonly notFound: readonly GroundingSummary[];
  readonly timings: MeasuredTimings;
  readonly settle?: StepSettle | null;
  /** When the action began (for finish / fail: when it was decided). */
  readonly time: number;
}

/**
 * Record: stores a step in the agent recording (frame, marked frame, action row with the plan,
 * grounding and timings in `extra.agent`) and passes the stored step to the sink.
 */
export class StepWriter {
  stored = 0;

  constructor(
    private readonly lib: Library,
    private readonly recordingId: number,
    private readonly scaleFactor: number,
    private readonly sink: StepSink,
  ) {}

  async write(input: StepInput): Promise<AgentStep> {
    const { index, shot, plan, action, grounding, notFound, time } = input;
    const t0 = performance.now();
    const name = `step-${String(index).padStart(3, '0')}`;
    const meta = { format: 'png' as const, width: shot.width, height: shot.height, scaleFactor: this.scaleFactor };
    const frame = this.lib.saveFrame(this.recordingId, `${name}.png`, shot.png, {
      ...meta,
      role: 'screen',
      capturedAt: shot.capturedAt,
    });
    const marked = await markedFrame(shot.rgb, action, grounding?.box as [number, number, number, number] | undefined);
    const markedRow = marked
      ? this.lib.saveFrame(this.recordingId, `${name}-marked.png`, marked, { ...meta, role: 'marked' })
      : null;
    const timings = stepTimings(input.timings, shot, performance.now() - t0);
    const target = isClick(action) ? action.target : undefined;
    const record = this.lib.appendAction(this.recordingId, {
      time,
      action,
      frameId: frame.id,
      markedFrameId: markedRow?.id ?? null,
      thought: plan.thought ? { text: plan.thought, source: 'agent' } : null,
      description: target ? { text: target, source: 'agent' } : null,
      extra: {
        agent: {
          step: index,
          plan: { raw: plan.raw, requests: plan.requests, problems: plan.problems, usage: plan.usage },
          grounding,
          notFound,
          settle: input.settle ?? null,
          timings,
        },
      },
    });
    this.stored++;
    const step: AgentStep = {
      index,
      thought: plan.thought,
      action,
      text: actionText(action),
      grounding,
      notFound,
      timings,
      settle: input.settle ?? null,
      record,
    };
    this.sink.step(step);
    return step;
  }
}

const reasonOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export interface PlanStepOptions {
  readonly index: number;
  readonly task: string;
  /** The latest steps (at most PLANNER_HISTORY_STEPS), oldest first. */
  readonly history: readonly PlannerStep[];
  /** 1-based number of `history[0]`. */
  readonly firstStep?: number;
  readonly shot: Screenshot;
  readonly planner: AgentPlanner;
  readonly grounder: Grounder;
  readonly maxReplans: number;
  readonly sink: StepSink;
  /** The last action changed nothing this many times in a row: the planner is told (stuck detection). */
  readonly noEffect?: number;
  /** Facts for the planner about the screen (open dialogs). */
  readonly notices?: readonly string[];
  readonly signal?: AbortSignal;
}

/** What planning and grounding one step decided. */
export interface PlannedStep {
  readonly plan: Plan;
  /** As planned; a click carries its grounded point. */
  readonly action: Action;
  readonly grounding: GroundingSummary | null;
  readonly notFound: readonly GroundingSummary[];
  readonly planMs: number;
  readonly groundMs: number;
  /** Set when the click target was still not found after `maxReplans` new plans. */
  readonly gaveUp: boolean;
}

/** Ground: locates a planned click's target on the screenshot. */
export async function groundTarget(
  grounder: Grounder,
  target: string,
  shot: Screenshot,
): Promise<{ result: GroundingResult; summary: GroundingSummary; ms: number }> {
  const start = performance.now();
  // The screenshot is the live screen: the accessibility tree may answer (auto's first stage).
  const result = await grounder.locate(target, shot.rgb, { live: true });
  return { result, summary: summarise(grounder.name, target, result), ms: performance.now() - start };
}

/**
 * Plan (and ground): asks the planner for the next action on this screenshot; a click with a
 * target is grounded, and a target not found is reported and re-planned (at most `maxReplans`).
 */
export async function planStep(o: PlanStepOptions): Promise<PlannedStep> {
  let planMs = 0;
  let groundMs = 0;
  const notFound: GroundingSummary[] = [];
  for (;;) {
    const planStart = performance.now();
    let plan: Plan;
    try {
      plan = await o.planner.plan({
        task: o.task,
        history: [...o.history],
        ...(o.firstStep && o.firstStep > 1 ? { firstStep: o.firstStep } : {}),
        screenshot: { png: o.shot.png },
        notFound: notFound.map((n) => n.target),
        ...(o.noEffect ? { noEffect: o.noEffect } : {}),
        ...(o.notices?.length ? { notices: o.notices } : {}),
        signal: o.signal,
      });
    } catch (err) {
      o.signal?.throwIfAborted();
      throw new RunEnd('failed', reasonOf(err));
    }
    planMs += performance.now() - planStart;
    const action = plan.action;
    const done = (rest: Pick<PlannedStep, 'action' | 'grounding' | 'gaveUp'>): PlannedStep => ({
      plan,
      notFound,
      planMs,
      groundMs,
      ...rest,
    });
    if (!isClick(action) || action.at !== undefined || !action.target) {
      return done({ action, grounding: null, gaveUp: false });
    }
    const { result, summary, ms } = await groundTarget(o.grounder, action.target, o.shot);
    groundMs += ms;
    if (result.found) return done({ action: { ...action, at: result.point }, grounding: summary, gaveUp: false });
    notFound.push(summary);
    o.sink.notFound({
      step: o.index,
      target: action.target,
      reason: summary.reason ?? 'not found',
      replan: notFound.length,
      maxReplans: o.maxReplans,
    });
    if (notFound.length > o.maxReplans) return done({ action, grounding: null, gaveUp: true });
  }
}

/** The plan stored when the run gives up on click targets it could not find. */
export function giveUpPlan(plan: Plan, notFound: readonly GroundingSummary[]): Plan {
  const targets = notFound.map((n) => n.target).join('; ');
  return { ...plan, thought: `I could not find ${targets} on the screen.`, action: { kind: 'fail' } };
}

export interface ExecuteStepOptions {
  readonly action: Action;
  readonly executor: Executor;
  readonly waitMs: number;
  readonly confirm?: (action: Action, text: string) => Promise<boolean>;
  readonly signal?: AbortSignal;
}

/** Execute: asks before a destructive hotkey, then performs the action (`wait` sleeps). */
export async function executeStep(o: ExecuteStepOptions): Promise<{ executeMs: number; actedAt: number }> {
  const text = actionText(o.action);
  if (o.confirm && isDestructive(o.action) && !(await o.confirm(o.action, text))) {
    throw new RunEnd('failed', `the user declined "${text}"`);
  }
  const start = performance.now();
  const actedAt = Date.now();
  if (o.action.kind === 'wait') await sleep(o.waitMs, o.signal);
  else await o.executor.perform(o.action, { signal: o.signal });
  return { executeMs: performance.now() - start, actedAt };
}

/** What settling is when the loop has no settler: no wait, and nothing known about the screen. */
const NO_SETTLE: SettleResult = { ms: 0, settled: true, changed: true };

export interface SettleStepOptions {
  readonly settler?: ScreenSettler;
  readonly quietMs: number;
  readonly capMs: number;
  readonly signal?: AbortSignal;
}

/** Settle: waits until the screen has been still for the quiet interval after an action, at most the cap. */
export async function settleStep(o: SettleStepOptions): Promise<StepSettle> {
  const result = o.settler
    ? await o.settler.settle({ quietMs: o.quietMs, capMs: o.capMs, signal: o.signal })
    : NO_SETTLE;
  // Without a quiet interval nothing waited for the screen to answer: "no change" would be a
  // guess, and stuck detection must not act on it.
  const changed = result.changed || o.quietMs === 0;
  return { ms: round(result.ms), settled: result.settled, changed, capMs: o.capMs };
}

/**
 * Before a step: holds while paused (shown in the library) and lets the screen settle after the
 * pause, then checks the fail-safe.
 */
async function beforeStep(
  options: RunAgentOptions,
  recording: { current: Recording },
  settle: SettleStepOptions,
): Promise<void> {
  const { lib, signal } = options;
  if (options.pause?.paused) {
    // A pause shows in the library, so the app can tell a paused run from a stuck one.
    recording.current = lib.updateRecording(recording.current.id, { status: 'paused' });
    await options.pause.whenRunning();
    recording.current = lib.updateRecording(recording.current.id, { status: 'recording' });
    signal?.throwIfAborted();
    await settleStep(settle);
  }
  await options.executor.checkFailSafe();
}

/** How a run that threw ended: its own end, a stop, the fail-safe, or an error. */
function endOf(err: unknown, signal?: AbortSignal): { status: RunStatus; reason: string } {
  if (err instanceof RunEnd) return { status: err.status, reason: err.reason };
  if (signal?.aborted) return { status: 'failed', reason: reasonOf(signal.reason) };
  if (err instanceof FailSafeError) return { status: 'failed', reason: err.message };
  return { status: 'failed', reason: reasonOf(err) };
}

export async function runAgent(options: RunAgentOptions): Promise<RunResult> {
  const { task, planner, grounder, executor, lib, signal } = options;
  const maxSteps = options.maxSteps ?? 50;
  const settleMs = options.settleMs ?? SETTLE_QUIET_MS;
  const settleCap = options.settleCapMs ?? SETTLE_CAP_MS;
  const settler = options.settler;
  const waitMs = options.waitMs ?? 3000;
  const maxReplans = options.maxReplans ?? 3;
  const baseMeta = {
    ...options.meta,
    grounder: grounder.name,
    maxSteps,
    settleMs,
    settleCapMs: settleCap,
    settle: settler?.method ?? 'none',
    waitMs,
    maxReplans,
  };
  const recording = {
    current: lib.createRecording({
      kind: 'agent',
      mode: 'run',
      description: task,
      source: 'agent',
      screen: options.screen ?? null,
      meta: { agent: baseMeta },
    }),
  };
  options.onStart?.(recording.current);
  const sink: StepSink = {
    step: (step) => options.onStep?.(step),
    notFound: (info) => options.onNotFound?.(info),
  };
  const writer = new StepWriter(lib, recording.current.id, options.screen?.scaleFactor ?? 1, sink);
  const history: PlannerStep[] = [];
  const acted: ActedStep[] = [];
  const settleOptions = { settler, quietMs: settleMs, signal };
  const dialogs = await DialogWatch.start(options.windows);

  let end: { status: RunStatus; reason: string };
  // The step before's screenshot, handed back once that step is stored (its pixels are reused).
  let previous: Screenshot | null = null;
  try {
    // The screen as the run found it may still be moving (a window closing, the app hiding).
    await settleStep({ ...settleOptions, capMs: settleCap });
    for (let index = 1; ; index++) {
      if (index > maxSteps) throw new RunEnd('failed', `reached the limit of ${maxSteps} steps without finishing`);
      signal?.throwIfAborted();
      await beforeStep(options, recording, { ...settleOptions, capMs: settleCap });
      previous?.release?.();
      const shotStart = performance.now();
      const shot = await options.screenshot();
      previous = shot;
      const screenshotMs = performance.now() - shotStart;

      const noEffect = needsStuckNotice(acted) ? unchangedRepeats(acted) : 0;
      const notices = await dialogs.notices();
      const planned = await planStep({
        index,
        task,
        history,
        firstStep: index - history.length,
        shot,
        planner,
        grounder,
        maxReplans,
        sink,
        noEffect,
        notices,
        signal,
      });
      const { plan, action, grounding, notFound, planMs, groundMs } = planned;
      const timings = { settleMs: 0, screenshotMs, planMs, groundMs, executeMs: 0 };
      if (planned.gaveUp) {
        const fail = giveUpPlan(plan, notFound);
        await writer.write({
          index,
          shot,
          plan: fail,
          action: fail.action,
          grounding: null,
          notFound,
          timings,
          time: Date.now(),
        });
        const targets = notFound.map((n) => n.target).join('; ');
        throw new RunEnd('failed', `could not find the click target after ${maxReplans} new plans: ${targets}`);
      }
      if (action.kind === 'finish' || action.kind === 'fail') {
        await writer.write({ index, shot, plan, action, grounding: null, notFound, timings, time: Date.now() });
        throw action.kind === 'finish'
          ? new RunEnd('finished', 'the planner finished the task')
          : new RunEnd('failed', `the planner gave up${plan.thought ? `: ${plan.thought}` : ''}`);
      }
      if (isStuck(acted, action)) {
        // Told that it changed nothing, the planner chose it again: repeating it would not help.
        throw new RunEnd(
          'failed',
          `stuck: "${actionText(action)}" changed nothing on the screen ${unchangedRepeats(acted)} times in a row`,
        );
      }
      const capMs = settleCapMs(
        action,
        acted.map((a) => a.action),
        settleCap,
      );
      const markStart = performance.now();
      await settler?.mark();
      const markMs = performance.now() - markStart;
      const { executeMs, actedAt } = await executeStep({ action, executor, waitMs, confirm: options.confirm, signal });
      const settle = await settleStep({ ...settleOptions, capMs });
      await writer.write({
        index,
        shot,
        plan,
        action,
        grounding,
        notFound,
        settle,
        timings: { ...timings, executeMs, settleMs: markMs + settle.ms },
        time: actedAt,
      });
      // Only the latest steps are kept: what the planner is shown and what the stuck and settle
      // rules look back on. A run's memory must not grow with its length (bench/soak.bench.ts).
      keepLatest(history, { thought: plan.thought, action }, PLANNER_HISTORY_STEPS);
      keepLatest(acted, { action, changed: settle.changed }, ACTED_KEPT);
    }
  } catch (err) {
    end = endOf(err, signal);
  }
  previous?.release?.();
  const { status, reason } = end;
  const final = lib.updateRecording(recording.current.id, {
    status,
    endedAt: Date.now(),
    meta: { ...recording.current.meta, agent: { ...baseMeta, outcome: status, reason, steps: writer.stored } },
  });
  return { recording: final, status, reason, steps: writer.stored };
}

/** Steps the stuck and settle rules look back on: stuck ends a run at STUCK_NOTICE_AFTER + 1. */
const ACTED_KEPT = 4 * (STUCK_NOTICE_AFTER + 1);

function keepLatest<T>(list: T[], item: T, most: number): void {
  list.push(item);
  if (list.length > most) list.splice(0, list.length - most);
}

/** Most dialogs described in one planner request (the newest are usually on top). */
const MAX_DIALOG_NOTICES = 2;

/**
 * The dialogs that opened since the run began, in words for the planner: a dialog the planner
 * did not expect (a format question, an error box) is read from the accessibility tree and
 * described, so its next action answers it instead of clicking blindly.
 */
class DialogWatch {
  private constructor(
    private readonly windows: WindowWatch | undefined,
    private readonly before: readonly DesktopWindow[],
  ) {}

  static async start(windows: WindowWatch | undefined): Promise<DialogWatch> {
    return new DialogWatch(windows, (await windows?.list().catch(() => [])) ?? []);
  }

  async notices(): Promise<string[]> {
    if (!this.windows) return [];
    const now = await this.windows.list().catch(() => [] as DesktopWindow[]);
    const open = unexpectedWindows(this.before, now).filter(isDialogWindow).slice(0, MAX_DIALOG_NOTICES);
    return Promise.all(
      open.map(async (w) => describeWindowLine(w, (await this.windows!.describe?.(w).catch(() => null)) ?? null)),
    );
  }
}
