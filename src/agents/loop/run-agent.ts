/**
 * The agent loop (SPEC §2.5): settle, screenshot, plan, ground click targets, execute — at most
 * `maxSteps` actions — storing every step in the library as an agent recording (kind 'agent',
 * mode 'run') that can be viewed and exported like a human one: the frame, a marked frame at the
 * grounded point, the thought, the action with its point and target, and in `extra.agent` the
 * plan, the grounding result with its candidates, the targets not found and the step's timings.
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
  /** Pause before each screenshot so the screen settles after the last action (default 2000 ms). */
  readonly settleMs?: number;
  /** How long `wait` waits (default 3000 ms). */
  readonly waitMs?: number;
  /** New plans a step may ask for when click targets are not found (default 3). */
  readonly maxReplans?: number;
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
  readonly record: ActionRecord;
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

function summarise(grounder: string, target: string, result: GroundingResult): GroundingSummary {
  const candidates = result.candidates.slice(0, CANDIDATES_KEPT);
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

export async function runAgent(options: RunAgentOptions): Promise<RunResult> {
  const { task, planner, grounder, executor, lib, signal } = options;
  const maxSteps = options.maxSteps ?? 50;
  const settleMs = options.settleMs ?? 2000;
  const waitMs = options.waitMs ?? 3000;
  const maxReplans = options.maxReplans ?? 3;
  const baseMeta = { ...options.meta, grounder: grounder.name, maxSteps, settleMs, waitMs, maxReplans };
  let recording = lib.createRecording({
    kind: 'agent',
    mode: 'run',
    description: task,
    source: 'agent',
    screen: options.screen ?? null,
    meta: { agent: baseMeta },
  });
  options.onStart?.(recording);
  const history: PlannerStep[] = [];
  let stored = 0;
  const reasonOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

  const storeStep = async (
    index: number,
    shot: Screenshot,
    plan: Plan,
    action: Action,
    grounding: GroundingSummary | null,
    notFound: GroundingSummary[],
    timings: Omit<StepTimings, 'storeMs' | 'grabMs' | 'encodeMs'>,
    /** When the action began (for finish / fail: when it was decided). */
    time: number,
  ): Promise<AgentStep> => {
    const t0 = performance.now();
    const name = `step-${String(index).padStart(3, '0')}`;
    const meta = {
      format: 'png' as const,
      width: shot.width,
      height: shot.height,
      scaleFactor: options.screen?.scaleFactor ?? 1,
    };
    const frame = lib.saveFrame(recording.id, `${name}.png`, shot.png, {
      ...meta,
      role: 'screen',
      capturedAt: shot.capturedAt,
    });
    const marked = await markedFrame(shot.rgb, action, grounding?.box as [number, number, number, number] | undefined);
    const markedRow = marked
      ? lib.saveFrame(recording.id, `${name}-marked.png`, marked, { ...meta, role: 'marked' })
      : null;
    const storeMs = performance.now() - t0;
    const allTimings: StepTimings = {
      settleMs: round(timings.settleMs),
      screenshotMs: round(timings.screenshotMs),
      grabMs: round(shot.grabMs),
      encodeMs: round(shot.encodeMs),
      planMs: round(timings.planMs),
      groundMs: round(timings.groundMs),
      executeMs: round(timings.executeMs),
      storeMs: round(storeMs),
    };
    const target = isClick(action) ? action.target : undefined;
    const record = lib.appendAction(recording.id, {
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
          timings: allTimings,
        },
      },
    });
    stored++;
    const step: AgentStep = {
      index,
      thought: plan.thought,
      action,
      text: actionText(action),
      grounding,
      notFound,
      timings: allTimings,
      record,
    };
    options.onStep?.(step);
    return step;
  };

  let status: RunStatus = 'failed';
  let reason = '';
  try {
    for (let index = 1; ; index++) {
      if (index > maxSteps) throw new RunEnd('failed', `reached the limit of ${maxSteps} steps without finishing`);
      signal?.throwIfAborted();
      if (options.pause?.paused) {
        // A pause shows in the library, so the app can tell a paused run from a stuck one.
        recording = lib.updateRecording(recording.id, { status: 'paused' });
        await options.pause.whenRunning();
        recording = lib.updateRecording(recording.id, { status: 'recording' });
        signal?.throwIfAborted();
      }
      const settleStart = performance.now();
      await sleep(settleMs, signal);
      await executor.checkFailSafe();
      const settleTook = performance.now() - settleStart;

      const shotStart = performance.now();
      const shot = await options.screenshot();
      const screenshotMs = performance.now() - shotStart;
      const screenshot = { png: shot.png };

      let planMs = 0;
      let groundMs = 0;
      const notFound: GroundingSummary[] = [];
      let plan: Plan;
      let action: Action;
      let grounding: GroundingSummary | null = null;
      for (;;) {
        const planStart = performance.now();
        try {
          plan = await planner.plan({
            task,
            history,
            screenshot,
            notFound: notFound.map((n) => n.target),
            signal,
          });
        } catch (err) {
          signal?.throwIfAborted();
          throw new RunEnd('failed', reasonOf(err));
        }
        planMs += performance.now() - planStart;
        action = plan.action;
        if (!isClick(action) || action.at !== undefined || !action.target) break;
        const groundStart = performance.now();
        const result = await grounder.locate(action.target, shot.rgb);
        groundMs += performance.now() - groundStart;
        const summary = summarise(grounder.name, action.target, result);
        if (result.found) {
          grounding = summary;
          action = { ...action, at: result.point };
          break;
        }
        notFound.push(summary);
        options.onNotFound?.({
          step: index,
          target: action.target,
          reason: summary.reason ?? 'not found',
          replan: notFound.length,
          maxReplans,
        });
        if (notFound.length > maxReplans) {
          const targets = notFound.map((n) => n.target).join('; ');
          const failPlan: Plan = {
            ...plan,
            thought: `I could not find ${targets} on the screen.`,
            action: { kind: 'fail' },
          };
          await storeStep(
            index,
            shot,
            failPlan,
            { kind: 'fail' },
            null,
            notFound,
            { settleMs: settleTook, screenshotMs, planMs, groundMs, executeMs: 0 },
            Date.now(),
          );
          throw new RunEnd('failed', `could not find the click target after ${maxReplans} new plans: ${targets}`);
        }
      }

      if (action.kind === 'finish' || action.kind === 'fail') {
        await storeStep(
          index,
          shot,
          plan,
          action,
          null,
          notFound,
          { settleMs: settleTook, screenshotMs, planMs, groundMs, executeMs: 0 },
          Date.now(),
        );
        throw action.kind === 'finish'
          ? new RunEnd('finished', 'the planner finished the task')
          : new RunEnd('failed', `the planner gave up${plan.thought ? `: ${plan.thought}` : ''}`);
      }
      const text = actionText(action);
      if (options.confirm && isDestructive(action) && !(await options.confirm(action, text))) {
        throw new RunEnd('failed', `the user declined "${text}"`);
      }
      const executeStart = performance.now();
      const actedAt = Date.now();
      if (action.kind === 'wait') await sleep(waitMs, signal);
      else await executor.perform(action, { signal });
      const executeMs = performance.now() - executeStart;
      await storeStep(
        index,
        shot,
        plan,
        action,
        grounding,
        notFound,
        { settleMs: settleTook, screenshotMs, planMs, groundMs, executeMs },
        actedAt,
      );
      history.push({ thought: plan.thought, action });
    }
  } catch (err) {
    if (err instanceof RunEnd) {
      status = err.status;
      reason = err.reason;
    } else if (signal?.aborted) {
      reason = reasonOf(signal.reason);
    } else if (err instanceof FailSafeError) {
      reason = err.message;
    } else {
      reason = reasonOf(err);
    }
  }
  recording = lib.updateRecording(recording.id, {
    status,
    endedAt: Date.now(),
    meta: { ...recording.meta, agent: { ...baseMeta, outcome: status, reason, steps: stored } },
  });
  return { recording, status, reason, steps: stored };
}
