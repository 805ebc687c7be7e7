import type { Command } from 'commander';
import type { Library } from '../library/library.js';

/** Options every command inherits from the root program. */
export interface GlobalOptions {
  home?: string;
  json?: boolean;
}

export function globalOptions(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals<GlobalOptions>();
}

/**
 * Opens the library of the data directory chosen by --home / PCAGENT_HOME / the OS default.
 * Service modules are imported when a command runs, not when the CLI starts, so that `--help`
 * and light commands do not pay for native modules (sharp, onnxruntime) they never use.
 */
export async function openLibrary(cmd: Command): Promise<Library> {
  const [{ Library }, { resolveHome }] = await Promise.all([
    import('../library/library.js'),
    import('../library/home.js'),
  ]);
  return Library.open(resolveHome(globalOptions(cmd).home));
}

/** Runs `fn` with an open library and always closes it (the WAL is checkpointed on close). */
export async function withLibrary<T>(cmd: Command, fn: (lib: Library) => T | Promise<T>): Promise<T> {
  const lib = await openLibrary(cmd);
  try {
    return await fn(lib);
  } finally {
    lib.close();
  }
}

/** Prints machine output with --json, otherwise the human text. */
export function output(cmd: Command, data: unknown, human: () => string): void {
  if (globalOptions(cmd).json) process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
  else {
    const text = human();
    if (text) process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }
}

/** Parses a recording id argument, with a clear error for anything else. */
export function parseId(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new UsageError(`"${value}" is not a recording id (a positive whole number)`);
  return n;
}

/** An error in how the command was called (exit code 2, like commander's own). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Left-aligned text table; the last column is not padded. */
/** Text on one table cell: whitespace folded, cut at `max` characters with "…" when longer. */
export function oneLine(text: string | null, max = 60): string {
  if (!text) return '';
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [fmt(header), ...rows.map(fmt)].join('\n');
}
