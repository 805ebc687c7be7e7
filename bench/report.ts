import fs from 'node:fs';
import path from 'node:path';

/** Prints a benchmark's numbers as a table and writes them to bench/results/<name>.json. */
export function report(name: string, numbers: Record<string, number | string>): void {
  const width = Math.max(...Object.keys(numbers).map((k) => k.length));
  process.stdout.write(`\n== ${name} ==\n`);
  for (const [k, v] of Object.entries(numbers)) {
    const shown = typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(3) : String(v);
    process.stdout.write(`${k.padEnd(width)}  ${shown}\n`);
  }
  const dir = path.join(import.meta.dirname, 'results');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, `${name}.json`),
    JSON.stringify({ name, at: new Date().toISOString(), machine: machine(), numbers }, null, 2),
  );
}

function machine(): string {
  return `${process.platform} ${process.arch}, node ${process.version}`;
}

/** The median of `xs` (the mean of the middle two for an even count); NaN for none. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
