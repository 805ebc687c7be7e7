import type { Provenance } from '../../core/actions.js';
import type { ActionRecord, Library, Recording } from '../../library/library.js';
import { type ChatResult, type ModelClient, ModelError } from '../../models/client.js';
import {
  checkRequest,
  commitCheck,
  descriptionRequest,
  needsCheck,
  needsDescription,
  pendingCounts,
  type PendingCounts,
  promptSteps,
  type Target,
  thoughtRequest,
  thoughtsReady,
} from './plan.js';
import {
  type ChatMessage,
  cleanDescription,
  cleanThought,
  descriptionProblem,
  isRefusal,
  MAX_TOKENS,
  parseCheckAnswer,
  type Pass,
  reaskMessages,
} from './prompts.js';

/**
 * Online completion: the three passes against a live endpoint. Recordings run concurrently
 * (the client bounds the requests in flight); inside a recording each click's description is
 * followed by its check, and once every click is described and checked the thoughts are
 * written in order, each seeing the thoughts before it. Every field is committed the moment
 * its answer arrives, so an interrupted run loses only the requests in flight.
 */

export interface OnlineOptions {
  readonly client: ModelClient;
  /** Answers that break the expected form are asked again, up to this many asks in all (default 3). */
  readonly maxAsks?: number;
  /** Provenance of what this run writes (default 'model'). */
  readonly source?: Provenance;
  /** Called whenever a field is finished with, written or given up. */
  readonly onField?: (event: FieldEvent) => void;
}

export interface FieldEvent {
  readonly recordingId: number;
  readonly actionId: number;
  readonly seq: number;
  readonly pass: Pass;
  readonly outcome: 'written' | 'corrected' | 'unresolved' | 'failed';
}

export interface FieldFailure {
  readonly recordingId: number;
  readonly actionId: number;
  readonly seq: number;
  readonly pass: Pass;
  readonly message: string;
}

export interface RecordingReport {
  id: number;
  refinedFrom?: number;
  described: number;
  checked: number;
  corrected: number;
  thoughts: number;
  /** Checks whose answers stayed malformed after every ask (asked again on the next run). */
  unresolved: FieldFailure[];
  /** Requests refused for this field only (e.g. HTTP 400). */
  failures: FieldFailure[];
  /** Fields whose every answer was a refusal ("I'm sorry, I can't assist…"): left empty. */
  refused: number;
  /** Fields still missing after the run. */
  pending: PendingCounts;
}

export interface OnlineReport {
  recordings: RecordingReport[];
  /** Why the run stopped early (endpoint unreachable, …); null when it ran to the end. */
  stopped: ModelError | null;
}

export async function completeOnline(
  lib: Library,
  targets: readonly Target[],
  options: OnlineOptions,
): Promise<OnlineReport> {
  const recordings = await Promise.all(targets.map((t) => new RecordingRun(lib, t, options).run()));
  return { recordings, stopped: options.client.stopped };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** One line per recording: what this run wrote and what is still missing. */
export function recordingSummary(r: RecordingReport): string {
  const left = r.pending;
  const rest = [
    left.desc && plural(left.desc, 'description'),
    left.check && plural(left.check, 'check'),
    left.thought && plural(left.thought, 'thought'),
  ].filter(Boolean);
  return (
    `recording ${r.id}: ${plural(r.described, 'description')}, ${plural(r.checked, 'check')} (${r.corrected} corrected), ${plural(r.thoughts, 'thought')}; ` +
    (r.refused ? `${plural(r.refused, 'refused answer')} left empty; ` : '') +
    (rest.length ? `still missing: ${rest.join(', ')}` : 'complete')
  );
}

type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

/** A request whose answer must parse; malformed answers are asked again in the same conversation. */
async function ask<T>(
  client: ModelClient,
  build: () => ChatMessage[],
  maxTokens: number,
  parse: (text: string) => Parsed<T>,
  maxAsks: number,
): Promise<{ ok: true; value: T } | { ok: false; answer: string; problem: string }> {
  let conversation: ChatMessage[] | null = null;
  let last = { answer: '', problem: 'no answer' };
  for (let i = 0; i < maxAsks; i++) {
    const prior: ChatMessage[] | null = conversation;
    const result: ChatResult = await client.chat(() => (conversation = prior ?? build()), maxTokens);
    // A refusal is never an answer, however well it parses; it is asked again.
    const parsed: Parsed<T> = isRefusal(result.content)
      ? { ok: false, problem: 'it refuses the request' }
      : parse(result.content);
    if (parsed.ok) return parsed;
    last = { answer: result.content, problem: parsed.problem };
    conversation = reaskMessages(conversation ?? build(), result.content, parsed.problem);
  }
  return { ok: false, ...last };
}

class RecordingRun {
  private readonly report: RecordingReport;
  private readonly client: ModelClient;
  private readonly source: Provenance;
  private readonly maxAsks: number;
  private readonly recording: Recording;

  constructor(
    private readonly lib: Library,
    target: Target,
    private readonly options: OnlineOptions,
  ) {
    this.recording = target.recording;
    this.client = options.client;
    this.source = options.source ?? 'model';
    this.maxAsks = options.maxAsks ?? 3;
    this.report = {
      id: target.recording.id,
      ...(target.refinedFrom === undefined ? {} : { refinedFrom: target.refinedFrom }),
      described: 0,
      checked: 0,
      corrected: 0,
      thoughts: 0,
      unresolved: [],
      failures: [],
      refused: 0,
      pending: { desc: 0, check: 0, thought: 0 },
    };
  }

  async run(): Promise<RecordingReport> {
    const actions = this.lib.listActions(this.recording.id);
    await Promise.all(actions.filter((a) => needsDescription(a) || needsCheck(a)).map((a) => this.describeAndCheck(a)));
    await this.thoughts();
    this.report.pending = pendingCounts(this.lib.listActions(this.recording.id));
    return this.report;
  }

  private async describeAndCheck(a: ActionRecord): Promise<void> {
    if (needsDescription(a)) {
      const described = await this.field(a, 'desc', () => this.describe(a));
      if (!described) return;
      a = this.lib.getAction(a.id);
    }
    if (needsCheck(a)) await this.field(a, 'check', () => this.check(a));
  }

  private async describe(a: ActionRecord): Promise<FieldEvent['outcome']> {
    const result = await ask(
      this.client,
      () => descriptionRequest(this.lib, a),
      MAX_TOKENS.desc,
      (text) => {
        const description = cleanDescription(text);
        const problem = descriptionProblem(description);
        return problem ? { ok: false, problem } : { ok: true, value: description };
      },
      this.maxAsks,
    );
    if (!result.ok && isRefusal(result.answer)) return this.refused();
    // A description that still names the marks after every ask is kept: the check reviews it.
    const text = result.ok ? result.value : cleanDescription(result.answer);
    if (text === '') throw new FieldError(`the model gave no description (${result.ok ? '' : result.problem})`);
    this.lib.updateAction(a.id, { description: { text, source: this.source } });
    this.report.described++;
    return 'written';
  }

  private async check(a: ActionRecord): Promise<FieldEvent['outcome']> {
    const result = await ask(
      this.client,
      () => checkRequest(this.lib, a),
      MAX_TOKENS.check,
      (text) => {
        const answer = parseCheckAnswer(text);
        return answer.kind === 'malformed' ? { ok: false, problem: answer.problem } : { ok: true, value: answer };
      },
      this.maxAsks,
    );
    if (!result.ok && isRefusal(result.answer)) return this.refused();
    if (!result.ok) {
      this.report.unresolved.push(
        this.failure(a, 'check', `malformed answer after ${this.maxAsks} asks (${result.problem})`),
      );
      return 'unresolved';
    }
    commitCheck(this.lib, a.id, result.value, this.source);
    this.report.checked++;
    if (result.value.kind === 'good') return 'written';
    this.report.corrected++;
    return 'corrected';
  }

  private async thoughts(): Promise<void> {
    const actions = this.lib.listActions(this.recording.id);
    if (!thoughtsReady(actions) || this.client.stopped) return;
    const task = this.task();
    const steps = promptSteps(actions);
    for (const [index, a] of actions.entries()) {
      if (a.thought !== null) continue;
      this.lastRefused = false;
      const ok = await this.field(a, 'thought', async () => {
        const result = await ask(
          this.client,
          () => thoughtRequest(this.lib, a, { task, steps, index }),
          MAX_TOKENS.thought,
          (text) => {
            const thought = cleanThought(text);
            return thought === '' ? { ok: false, problem: 'the thought is empty' } : { ok: true, value: thought };
          },
          this.maxAsks,
        );
        if (!result.ok && isRefusal(result.answer)) return this.refused();
        if (!result.ok) throw new FieldError(`no usable thought after ${this.maxAsks} asks (${result.problem})`);
        this.lib.updateAction(a.id, { thought: { text: result.value, source: this.source } });
        steps[index] = { ...steps[index]!, thought: result.value };
        this.report.thoughts++;
        return 'written';
      });
      // Later thoughts build on this one: without it the rest wait for the next run. A refused
      // thought is left empty and skipped, as the reference leaves it out of the history.
      if (!ok && !this.lastRefused) return;
      this.lastRefused = false;
    }
  }

  private task(): string | null {
    if (this.recording.description) return this.recording.description;
    if (this.recording.taskId !== null) return this.lib.getTask(this.recording.taskId).description;
    return null;
  }

  /**
   * Runs one field's work. Request-level failures are recorded and the field skipped; an
   * endpoint failure stops the whole run (the client refuses further requests).
   */
  private async field(a: ActionRecord, pass: Pass, work: () => Promise<FieldEvent['outcome']>): Promise<boolean> {
    if (this.client.stopped) return false;
    let outcome: FieldEvent['outcome'];
    try {
      outcome = await work();
    } catch (err) {
      if (err instanceof ModelError && err.scope === 'endpoint') {
        this.client.stop(err);
        return false;
      }
      const message = err instanceof Error ? err.message : String(err);
      this.report.failures.push(this.failure(a, pass, message.split('\n')[0]!));
      outcome = 'failed';
    }
    this.options.onField?.({ recordingId: this.recording.id, actionId: a.id, seq: a.seq, pass, outcome });
    return outcome === 'written' || outcome === 'corrected';
  }

  private lastRefused = false;

  /** Every ask was refused: nothing is stored, the field stays empty and is counted. */
  private refused(): FieldEvent['outcome'] {
    this.report.refused++;
    this.lastRefused = true;
    return 'unresolved';
  }

  private failure(a: ActionRecord, pass: Pass, message: string): FieldFailure {
    return { recordingId: this.recording.id, actionId: a.id, seq: a.seq, pass, message };
  }
}

/** A field that could not be completed for a reason of its own (not the endpoint's). */
class FieldError extends Error {
  override readonly name = 'FieldError';
}
