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
