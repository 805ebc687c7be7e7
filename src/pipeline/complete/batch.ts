import { outputLimits } from '../../models/reasoning.js';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Provenance } from '../../core/actions.js';
import type { ActionRecord, Library } from '../../library/library.js';
import { prepareOutputDir } from '../../library/output-dir.js';
import {
  checkRequest,
  commitCheck,
  customId,
  descriptionRequest,
  needsCheck,
  needsDescription,
  parseCustomId,
  promptSteps,
  roundsLeft,
  type Target,
  thoughtRequest,
  thoughtsReady,
} from './plan.js';
import {
  type ChatMessage,
  cleanDescription,
  cleanThought,
  MAX_TOKENS,
  isRefusal,
  parseCheckAnswer,
  type Pass,
} from './prompts.js';

/**
 * Batch completion for large datasets on batch engines (OpenAI Batch API, vLLM `run_batch`).
 *
 * `writeBatch` writes every request that can be made now as OpenAI Batch input JSONL
 * (`{"custom_id": "r<rec>-a<action>-<pass>", "method": "POST", "url": "/v1/chat/completions",
 * "body": {…}}`); `ingestBatch` reads a results file (`{"id", "custom_id", "response":
 * {"status_code", "body"}, "error"}`) and commits each answer with provenance 'batch'.
 *
 * Passes depend on each other, so a dataset goes in rounds: descriptions, then their checks,
 * then thoughts. Thoughts of one recording all go in ONE round (a step-by-step chain would
 * need one batch round per action): each thought request lists the earlier steps' actions
 * and the thoughts already in the library; thoughts written in the same round are not seen
 * by one another. A malformed check answer leaves its check pending for the next round.
 */

export interface BatchRequestLine {
  custom_id: string;
  method: 'POST';
  url: '/v1/chat/completions';
  body: { model: string; messages: ChatMessage[]; max_tokens?: number; max_completion_tokens?: number };
}

export interface WriteBatchReport {
  file: string;
  requests: Record<Pass, number>;
  /** Batch rounds still needed, this file's included (0: everything is complete). */
  roundsLeft: number;
}

/** Writes the pending requests of the next round (atomically: a temporary file, then rename). */
export function writeBatch(
  lib: Library,
  targets: readonly Target[],
  options: { file: string; model: string },
): WriteBatchReport {
  const requests: Record<Pass, number> = { desc: 0, check: 0, thought: 0 };
  const file = path.resolve(options.file);
  prepareOutputDir(path.dirname(file));
  const temp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(temp, 'w');
  let rounds = 0;
  try {
    const write = (recordingId: number, a: ActionRecord, pass: Pass, messages: ChatMessage[]) => {
      const line: BatchRequestLine = {
        custom_id: customId(recordingId, a.id, pass),
        method: 'POST',
        url: '/v1/chat/completions',
        body: { model: options.model, messages, ...outputLimits(options.model, MAX_TOKENS[pass]) },
      };
      fs.writeSync(fd, `${JSON.stringify(line)}\n`);
      requests[pass]++;
    };
    for (const { recording } of targets) {
      const actions = lib.listActions(recording.id);
      rounds = Math.max(rounds, roundsLeft(actions));
      for (const a of actions) {
        if (needsDescription(a)) write(recording.id, a, 'desc', descriptionRequest(lib, a));
        else if (needsCheck(a)) write(recording.id, a, 'check', checkRequest(lib, a));
      }
      if (!thoughtsReady(actions)) continue;
      const task =
        recording.description ?? (recording.taskId !== null ? lib.getTask(recording.taskId).description : null);
      const steps = promptSteps(actions);
      actions.forEach((a, index) => {
        if (a.thought !== null) return;
        write(recording.id, a, 'thought', thoughtRequest(lib, a, { task, steps, index }));
      });
    }
    fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  fs.renameSync(temp, file);
  return { file, requests, roundsLeft: rounds };
}

/** One line of a results file, as the OpenAI Batch API and vLLM `run_batch` write them. */
const ResultLineSchema = z.looseObject({
  id: z.string().optional(),
  custom_id: z.string(),
  response: z
    .looseObject({
      status_code: z.number().int(),
      request_id: z.string().nullable().optional(),
      body: z.unknown().optional(),
    })
    .nullable()
    .optional(),
  error: z.unknown().optional(),
});

const ChatBodySchema = z.looseObject({
  model: z.string().optional(),
  choices: z
    .array(z.looseObject({ message: z.looseObject({ content: z.string().nullable().optional() }).optional() }))
    .optional(),
  usage: z
    .looseObject({ prompt_tokens: z.number().optional(), completion_tokens: z.number().optional() })
    .nullable()
    .optional(),
});

export interface IngestProblem {
  line: number;
  customId: string | null;
  message: string;
}

export interface IngestReport {
  file: string;
  lines: number;
  applied: { desc: number; check: number; corrected: number; thought: number };
  /** Answers for fields that were already filled (or no longer asked for): left as they were. */
  skipped: number;
  /** Checks whose answer was neither Good nor a correction: still pending. */
  malformed: IngestProblem[];
  /** Lines with an error, a non-200 status, an unknown id or no usable answer. */
  failed: IngestProblem[];
  usage: { promptTokens: number; completionTokens: number };
  /** The model named in the results (the first one seen), for pricing. */
  model: string | null;
  /** Recordings the file's answers belong to. */
  recordingIds: number[];
}

/** Commits every usable answer of a results file, each field on its own (crash-safe, resumable). */
export function ingestBatch(lib: Library, fileName: string, options: { source?: Provenance } = {}): IngestReport {
  const source = options.source ?? 'batch';
  const file = path.resolve(fileName);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(
      `cannot read batch results ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  const report: IngestReport = {
    file,
    lines: 0,
    applied: { desc: 0, check: 0, corrected: 0, thought: 0 },
    skipped: 0,
    malformed: [],
    failed: [],
    usage: { promptTokens: 0, completionTokens: 0 },
    model: null,
    recordingIds: [],
  };
  const recordings = new Set<number>();
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return;
    report.lines++;
    const line = i + 1;
    const fail = (id: string | null, message: string) => report.failed.push({ line, customId: id, message });
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return fail(null, 'not valid JSON');
    }
    const parsed = ResultLineSchema.safeParse(json);
    if (!parsed.success) return fail(null, 'not a batch result line (no custom_id)');
    const result = parsed.data;
    const id = parseCustomId(result.custom_id);
    if (!id)
      return fail(
        result.custom_id,
        `unknown custom_id "${result.custom_id}" (expected r<recording>-a<action>-desc|check|thought)`,
      );
    if (result.error) return fail(result.custom_id, `error: ${errorText(result.error)}`);
    const response = result.response;
    if (!response) return fail(result.custom_id, 'no response');
    const body = ChatBodySchema.safeParse(response.body);
    if (response.status_code !== 200) {
      return fail(
        result.custom_id,
        `HTTP ${response.status_code}: ${errorText((response.body as { error?: unknown } | undefined)?.error)}`,
      );
    }
    if (!body.success) return fail(result.custom_id, 'the response body is not a chat completion');
    report.model ??= body.data.model ?? null;
    report.usage.promptTokens += body.data.usage?.prompt_tokens ?? 0;
    report.usage.completionTokens += body.data.usage?.completion_tokens ?? 0;
    const content = body.data.choices?.[0]?.message?.content ?? '';
    let a: ActionRecord;
    try {
      a = lib.getAction(id.actionId);
    } catch {
      return fail(result.custom_id, `no action ${id.actionId} in the library`);
    }
    if (a.recordingId !== id.recordingId)
      return fail(result.custom_id, `action ${id.actionId} is not in recording ${id.recordingId}`);
    recordings.add(id.recordingId);
    // A refusal is never stored: the field stays empty and the next batch asks for it again.
    if (isRefusal(content)) return fail(result.custom_id, 'the model refused (left empty)');
    switch (id.pass) {
      case 'desc': {
        if (!needsDescription(a)) return void report.skipped++;
        const description = cleanDescription(content);
        if (description === '') return fail(result.custom_id, 'empty description');
        lib.updateAction(a.id, { description: { text: description, source } });
        report.applied.desc++;
        return;
      }
      case 'check': {
        if (!needsCheck(a)) return void report.skipped++;
        const answer = parseCheckAnswer(content);
        if (answer.kind === 'malformed')
          return void report.malformed.push({ line, customId: result.custom_id, message: answer.problem });
        commitCheck(lib, a.id, answer, source);
        if (answer.kind === 'wrong') report.applied.corrected++;
        report.applied.check++;
        return;
      }
      case 'thought': {
        if (a.thought !== null) return void report.skipped++;
        const thought = cleanThought(content);
        if (thought === '') return fail(result.custom_id, 'empty thought');
        lib.updateAction(a.id, { thought: { text: thought, source } });
        report.applied.thought++;
        return;
      }
    }
  });
  report.recordingIds = [...recordings].sort((x, y) => x - y);
  return report;
}

function errorText(error: unknown): string {
  if (typeof error === 'string') return error;
  if (error && typeof error === 'object') {
    const e = error as { message?: unknown; code?: unknown };
    if (typeof e.message === 'string') return e.message;
    if (typeof e.code === 'string') return e.code;
  }
  return 'unknown error';
}
