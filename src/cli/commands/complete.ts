import { type Command, InvalidArgumentError } from 'commander';
import type { Library } from '../../library/library.js';
import type { Target } from '../../pipeline/complete/plan.js';
import { output, parseId, UsageError, withLibrary } from '../context.js';
import { progressBar } from '../progress.js';

interface CompleteOptions {
  all?: boolean;
  includeInterrupted?: boolean;
  offline?: boolean;
  endpoint?: string;
  model?: string;
  concurrency: number;
  timeout: number;
  retries: number;
  backoffMs: number;
  batchOut?: string;
  batchIn?: string;
  priceIn?: number;
  priceOut?: number;
}

function wholeNumber(min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`expected a whole number ≥ ${min}`);
    return n;
  };
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number ≥ 0');
  return n;
}

export function registerCompleteCommands(program: Command): void {
  program
    .command('complete')
    .description(
      'cognition completion: describe click targets, check the descriptions and write a thought for every action, ' +
        'with any OpenAI-compatible model (or offline from local OCR, or through batch files)',
    )
    .argument('[ids...]', 'recording ids (a raw recording with a refined version is completed through it)')
    .option('--all', 'every finished human recording')
    .option('--include-interrupted', 'with --all: also interrupted recordings (their recorder died)')
    .option('--offline', 'describe clicks from local OCR and accessibility names only (no model, no thoughts)')
    .option('--endpoint <url>', 'OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1 (default: settings.json)')
    .option('--model <name>', 'model name (default: settings.json)')
    .option('--concurrency <n>', 'requests in flight at most', wholeNumber(1), 8)
    .option('--timeout <seconds>', 'per-request timeout', positiveNumber, 60)
    .option('--retries <n>', 'retries per request on 429, 5xx, timeouts and connection errors', wholeNumber(0), 5)
    .option(
      '--backoff-ms <ms>',
      'first retry delay; doubles per retry, with jitter (Retry-After wins)',
      wholeNumber(0),
      1000,
    )
    .option('--batch-out <file>', 'write the pending requests of the next round as OpenAI Batch input JSONL')
    .option('--batch-in <file>', 'read an OpenAI Batch / vLLM run_batch results file into the library')
    .option('--price-in <usd>', 'price per 1M prompt tokens, for the cost line', positiveNumber)
    .option('--price-out <usd>', 'price per 1M completion tokens, for the cost line', positiveNumber)
    .addHelpText(
      'after',
      '\nThe API key comes from OPENAI_API_KEY or settings.json {"completion": {"endpoint", "model", "apiKey"}} in the data\n' +
        'directory; it is sent to the endpoint only. Finished fields are kept and skipped, so an interrupted run resumes.\n' +
        'Exit status: 0 when every chosen recording is complete (or a batch file was written/read), 1 otherwise.',
    )
    .action(async (ids: string[], opts: CompleteOptions, cmd: Command) =>
      withLibrary(cmd, async (lib) => {
        if (opts.offline && (opts.batchIn || opts.batchOut || opts.endpoint)) {
          throw new UsageError(
            '--offline uses no model: it cannot be combined with --endpoint, --batch-in or --batch-out',
          );
        }
        if (ids.length === 0 && !opts.all && !opts.batchIn) throw new UsageError('name recording ids or use --all');
        if (ids.length > 0 && opts.all) throw new UsageError('name recording ids or use --all, not both');
        const { resolveTargets } = await import('../../pipeline/complete/plan.js');
        const targets =
          ids.length || opts.all
            ? resolveTargets(lib, ids.map(parseId), Boolean(opts.all), Boolean(opts.includeInterrupted))
            : [];
        if (opts.offline) return runOffline(lib, cmd, targets);
        if (opts.batchIn || opts.batchOut) return runBatch(lib, cmd, targets, opts);
        return runOnline(lib, cmd, targets, opts);
      }),
    );
}

function moved(targets: readonly Target[]): string[] {
  return targets
    .filter((t) => t.refinedFrom !== undefined)
    .map((t) => `recording ${t.refinedFrom} has a refined version: completing recording ${t.recording.id}`);
}

function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

async function runOffline(lib: Library, cmd: Command, targets: readonly Target[]): Promise<void> {
  const [{ completeOffline, createOcrReader }, { pendingTotals }] = await Promise.all([
    import('../../pipeline/complete/offline.js'),
    import('../../pipeline/complete/plan.js'),
  ]);
  const total = pendingTotals(lib, targets).desc;
  const reader = total > 0 ? await createOcrReader({ dataDir: lib.home }) : null;
  const bar = progressBar('complete --offline', total);
  const report = reader
    ? await completeOffline(lib, targets, { reader, onField: () => bar.increment() })
    : { recordings: [] };
  bar.stop();
  const failures = report.recordings.flatMap((r) => r.failures.map((f) => ({ recordingId: r.id, ...f })));
  output(cmd, { mode: 'offline', ocrProvider: reader?.provider ?? null, ...report }, () =>
    [
      ...moved(targets),
      ...report.recordings.map((r) => `recording ${r.id}: ${plural(r.described, 'description')} from OCR (offline)`),
      total === 0 ? 'nothing to describe: every click already has a description' : '',
      ...failures.map((f) => `  recording ${f.recordingId} step ${f.seq}: ${f.message}`),
    ]
      .filter(Boolean)
      .join('\n'),
  );
  if (failures.length)
    throw new Error(`${plural(failures.length, 'click')} could not be described offline (see above)`);
}

async function runBatch(lib: Library, cmd: Command, targets: readonly Target[], opts: CompleteOptions): Promise<void> {
  const [{ ingestBatch, writeBatch }, { resolveTargets, roundsLeft }, { readCompletionSettings }, pricing] =
    await Promise.all([
      import('../../pipeline/complete/batch.js'),
      import('../../pipeline/complete/plan.js'),
      import('../../pipeline/complete/settings.js'),
      import('../../pipeline/complete/pricing.js'),
    ]);
  const settings = readCompletionSettings(lib.home);
  const model = opts.model ?? settings.model;
  if (opts.batchOut && !model) throw new UsageError('--batch-out needs --model (or completion.model in settings.json)');
  const lines: string[] = [...moved(targets)];
  const result: Record<string, unknown> = { mode: 'batch' };
  let chosen = targets;
  if (opts.batchIn) {
    const ingest = ingestBatch(lib, opts.batchIn);
    if (chosen.length === 0) chosen = resolveTargets(lib, ingest.recordingIds, false);
    const prices = pricing.resolvePrices(model ?? ingest.model ?? undefined, opts, true);
    const costUsd = prices ? pricing.cost(prices, ingest.usage.promptTokens, ingest.usage.completionTokens) : null;
    result.ingested = { ...ingest, costUsd };
    const a = ingest.applied;
    lines.push(
      `read ${plural(ingest.lines, 'result')} from ${ingest.file}: ${plural(a.desc, 'description')}, ${plural(a.check, 'check')} (${a.corrected} corrected), ${plural(a.thought, 'thought')}` +
        (ingest.skipped ? `; ${ingest.skipped} already present, left as they were` : ''),
      ...ingest.malformed.map(
        (m) => `  line ${m.line} ${m.customId}: malformed check answer (${m.message}); asked again next round`,
      ),
      ...ingest.failed.map((f) => `  line ${f.line}${f.customId ? ` ${f.customId}` : ''}: ${f.message}`),
      `tokens: ${ingest.usage.promptTokens} prompt + ${ingest.usage.completionTokens} completion` +
        (costUsd === null ? '' : `, cost $${costUsd.toFixed(4)}`),
    );
  }
  if (opts.batchOut) {
    const written = writeBatch(lib, chosen, { file: opts.batchOut, model: model! });
    result.written = written;
    result.roundsLeft = written.roundsLeft;
    const r = written.requests;
    const n = r.desc + r.check + r.thought;
    lines.push(
      n === 0
        ? `nothing pending: ${written.file} is empty`
        : `wrote ${plural(n, 'request')} to ${written.file}: ${r.desc} descriptions, ${r.check} checks, ${r.thought} thoughts`,
      written.roundsLeft === 0
        ? 'every chosen recording is complete'
        : `${plural(written.roundsLeft, 'round')} left, this one included: run the file, then \`pcagent complete --batch-in RESULTS\``,
    );
  } else {
    const left = Math.max(0, ...chosen.map((t) => roundsLeft(lib.listActions(t.recording.id))));
    result.roundsLeft = left;
    lines.push(
      left === 0
        ? 'every recording of this batch is complete'
        : `${plural(left, 'batch round')} left (next: --batch-out FILE)`,
    );
  }
  output(cmd, result, () => lines.join('\n'));
}

async function runOnline(lib: Library, cmd: Command, targets: readonly Target[], opts: CompleteOptions): Promise<void> {
  const [
    { ModelClient, ModelError },
    { redact: redactKey },
    { completeOnline, recordingSummary },
    { pendingTotals },
    settingsModule,
    pricing,
  ] = await Promise.all([
    import('../../models/client.js'),
    import('../../models/secrets.js'),
    import('../../pipeline/complete/online.js'),
    import('../../pipeline/complete/plan.js'),
    import('../../pipeline/complete/settings.js'),
    import('../../pipeline/complete/pricing.js'),
  ]);
  const resolved = settingsModule.resolveEndpoint(opts, settingsModule.readCompletionSettings(lib.home));
  if (!resolved.endpoint) {
    throw new UsageError(
      'no model endpoint: pass --endpoint URL (and --model NAME) or set completion.endpoint in settings.json',
    );
  }
  if (!resolved.model)
    throw new UsageError('no model name: pass --model NAME or set completion.model in settings.json');
  let retrySaid = false;
  const client = new ModelClient({
    endpoint: resolved.endpoint,
    model: resolved.model,
    apiKey: resolved.apiKey,
    concurrency: opts.concurrency,
    timeoutMs: Math.round(opts.timeout * 1000),
    maxRetries: opts.retries,
    backoffMs: opts.backoffMs,
    // Said once, at the first failure: the run keeps retrying (quietly) after that.
    onRetry: ({ delayMs, reason }) => {
      if (retrySaid) return;
      retrySaid = true;
      process.stderr.write(
        `${process.stderr.isTTY ? '\n' : ''}pcagent: ${redact(reason)}; retrying (in ${(delayMs / 1000).toFixed(1)} s)…\n`,
      );
    },
  });
  // Ctrl+C: stop sending, keep every finished field, say what was kept and how to resume.
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
    client.stop(new ModelError('interrupted', 'endpoint'));
  };
  process.once('SIGINT', onSigint);
  const redact = (text: string) => redactKey(text, resolved.apiKey);
  const before = pendingTotals(lib, targets);
  const total = before.desc + before.check + before.thought;
  const started = performance.now();
  const bar = progressBar('complete', total);
  const report = await completeOnline(lib, targets, { client, onField: () => bar.increment() }).finally(() =>
    process.off('SIGINT', onSigint),
  );
  bar.stop();
  const seconds = (performance.now() - started) / 1000;

  const prices = pricing.resolvePrices(client.model, opts);
  const s = client.stats;
  const costUsd = prices ? pricing.cost(prices, s.promptTokens, s.completionTokens) : null;
  const pending = report.recordings.reduce((n, r) => n + r.pending.desc + r.pending.check + r.pending.thought, 0);
  const summary = {
    mode: 'online',
    endpoint: client.endpoint,
    model: client.model,
    recordings: report.recordings,
    requests: s.requests,
    retries: s.retries,
    promptTokens: s.promptTokens,
    completionTokens: s.completionTokens,
    costUsd,
    seconds: Number(seconds.toFixed(2)),
    pending,
    stopped: report.stopped ? redact(report.stopped.message) : null,
  };
  output(cmd, summary, () =>
    redact(
      [
        ...moved(targets),
        ...report.recordings.flatMap((r) => [
          recordingSummary(r),
          ...[...r.unresolved, ...r.failures].map((f) => `  step ${f.seq} ${f.pass}: ${f.message}`),
        ]),
        `requests: ${s.requests} (${plural(s.retries, 'retry', 'retries')}) in ${seconds.toFixed(1)} s; tokens: ${s.promptTokens} prompt + ${s.completionTokens} completion` +
          (costUsd === null
            ? ''
            : `; cost $${costUsd.toFixed(4)}${prices?.source === 'known' ? ` (${client.model} list price)` : ''}`),
      ].join('\n'),
    ),
  );
  const kept = Math.max(0, total - pending);
  if (interrupted) {
    process.stderr.write(
      `pcagent: interrupted: ${plural(kept, 'field')} completed and kept, ${pending} still missing; run the same command again to resume\n`,
    );
    process.exitCode = 130;
    return;
  }
  if (report.stopped) {
    throw new Error(
      `${redact(report.stopped.message)}; ${plural(kept, 'finished field')} kept, ${pending} still missing: run again to resume`,
    );
  }
  if (pending > 0) throw new Error(`${plural(pending, 'field')} still missing (see above); run again to resume`);
}
