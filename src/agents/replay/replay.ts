import { type Action, isClick, type Point } from '../../core/actions.js';
import { formatAction } from '../../core/grammar.js';
import type { ReplayMode } from '../../core/vocabulary.js';
import { resizeMapping, scaleAction, scalePoint, type Size } from '../../core/geometry.js';
import type { ActionRecord, Library, Recording } from '../../library/library.js';
import type { Executor } from '../executor/executor.js';
import type { Candidate, Grounder } from '../grounding/grounder.js';

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
  /** Pause before each screenshot, so the screen has reacted to the previous action. */
  readonly settleMs?: number;
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

/**
 * What became of a step: `done` (executed, no target to ground), `found` (grounded and executed),
 * `not-found`, `no-description`, `no-effect` (executed twice, the screen did not change as it did
 * when recorded), `unexpected-window` (a window or dialog the recording never saw), `failed`.
 */
export type StepOutcome =
  | 'done'
  | 'found'
  | 'not-found'
  | 'no-description'
  | 'no-effect'
  | 'unexpected-window'
  | 'failed';

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
  /**
   * Every step ran and was executed (each click grounded): the replay recording is `finished`.
   * False exactly when the stored status is `failed` (SPEC §3: `completed` or `stopped at step N`).
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
/** Pause before a non-click step (see the settle comment in replayRecording). */
const KEY_PAUSE_MS = 250;

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

export async function replayRecording(o: ReplayOptions): Promise<ReplayReport> {
  const { lib, executor } = o;
  const mode = o.mode ?? 'semantic';
  const source = replaySource(lib, o.recordingId);
  const actions = lib.listActions(source.id);
  if (actions.length === 0) throw new Error(`recording ${source.id} has no actions to replay`);
  if (mode === 'semantic' && !o.grounder) throw new Error('semantic replay needs a grounder');
  const first = await o.screenshot();
  const mapping = resizeMapping(recordedSize(lib, source, actions), { width: first.width, height: first.height });
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

  const steps: ReplayStep[] = [];
  let shot: ScreenShot | null = first;
  for (const a of actions) {
    await o.pause?.whenRunning();
    if (o.signal?.aborted) break;
    const t0 = performance.now();
    const text = formatAction(a.action, isClick(a.action) && !a.action.at ? 'completed' : 'recorded');
    let step: ReplayStep;
    let performed: Action = scaleAction(a.action, mapping);
    let frameShot: ScreenShot | null = null;
    try {
      if (a.action.kind === 'finish' || a.action.kind === 'fail') {
        step = { seq: a.seq, action: text, outcome: 'done', ms: 0 };
      } else if (a.action.kind === 'wait') {
        await sleep(o.waitMs ?? 3_000);
        step = { seq: a.seq, action: text, outcome: 'done', ms: performance.now() - t0 };
      } else {
        // Clicks are grounded on a settled screen. Keys and typing keep roughly the recorded
        // pace: a long pause between typing a file name and Enter lets a dialog's
        // autocompletion pop up and take the Enter.
        const settle = o.settleMs ?? 1_500;
        await sleep(isClick(a.action) ? settle : Math.min(settle, KEY_PAUSE_MS));
        frameShot = shot ?? (await o.screenshot());
        shot = null;
        const description = describe(a);
        if (isClick(a.action) && mode === 'semantic') {
          const prior = a.action.at ? scalePoint(a.action.at, mapping) : undefined;
          if (!description) {
            step = { seq: a.seq, action: text, outcome: 'no-description', ms: performance.now() - t0 };
          } else {
            const g = await o.grounder!.locate(description, frameShot.png, {
              prior,
              elementName: a.element?.name || undefined,
            });
            if (g.found) {
              performed = { kind: a.action.kind, at: g.point, target: description };
              await executor.perform(performed, { signal: o.signal });
              step = {
                seq: a.seq,
                action: text,
                outcome: 'found',
                description,
                point: g.point,
                score: g.score,
                candidates: g.candidates.slice(0, 5),
                ms: performance.now() - t0,
              };
            } else {
              step = {
                seq: a.seq,
                action: text,
                outcome: 'not-found',
                description,
                candidates: g.candidates.slice(0, 5),
                error: g.reason,
                ms: performance.now() - t0,
              };
            }
          }
        } else {
          await executor.perform(performed, { signal: o.signal });
          step = {
            seq: a.seq,
            action: text,
            outcome: 'done',
            ...(isClick(performed) && performed.at ? { point: performed.at } : {}),
            ms: performance.now() - t0,
          };
        }
      }
    } catch (err) {
      step = { seq: a.seq, action: text, outcome: 'failed', error: (err as Error).message, ms: performance.now() - t0 };
    }
    steps.push(step);
    // The replay is itself a trajectory: each step with the screen it acted on.
    const frame = frameShot
      ? lib.saveFrame(replay.id, `${a.seq}.png`, frameShot.png, {
          format: 'png',
          width: frameShot.width,
          height: frameShot.height,
        })
      : null;
    const record = lib.appendAction(replay.id, {
      time: Date.now(),
      action: step.outcome === 'found' || step.outcome === 'done' ? performed : a.action,
      frameId: frame?.id ?? null,
      description: step.description ? { text: step.description, source: 'agent' } : null,
      extra: {
        replay: {
          ...step,
          candidates: step.candidates?.map((c) => ({ text: c.text, score: c.score, reason: c.reason })),
        },
      },
    });
    o.onStep?.(step, record);
    if (step.outcome === 'failed' || (step.outcome !== 'done' && step.outcome !== 'found' && !o.keepGoing)) {
      break;
    }
  }
  // One verdict for the stored status, the report and the exit code: a step that was skipped
  // (not grounded, --keep-going) means the task was not replayed, so the replay failed.
  const missed = steps.findIndex((s) => s.outcome !== 'done' && s.outcome !== 'found');
  let stoppedAt: ReplayReport['stoppedAt'] = null;
  if (missed >= 0) {
    const s = steps[missed]!;
    stoppedAt = { step: missed + 1, reason: s.error ?? `${s.outcome.replace('-', ' ')}: ${s.action}` };
  } else if (steps.length < actions.length) {
    stoppedAt = {
      step: steps.length + 1,
      reason: o.signal?.aborted ? abortReason(o.signal.reason) : 'stopped',
    };
  }
  const completed = stoppedAt === null;
  lib.updateRecording(replay.id, { status: completed ? 'finished' : 'failed', endedAt: Date.now() });
  return {
    source: source.id,
    replay: replay.id,
    mode,
    steps,
    found: steps.filter((s) => s.outcome === 'found').length,
    notFound: steps.filter((s) => s.outcome === 'not-found' || s.outcome === 'no-description').length,
    completed,
    stoppedAt,
  };
}
