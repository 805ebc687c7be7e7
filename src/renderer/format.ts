import type { StepTimingsDto } from '../api/contract.js';

/** A time as the screens show it (local, to the minute); empty for none. */
export function time(ms: number | null): string {
  if (ms === null) return '';
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** "1 recording", "2 recordings". */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Milliseconds, rounded, with the unit; null for none. */
export function ms(n: number | undefined): string | null {
  return n === undefined ? null : `${Math.round(n)} ms`;
}

/** A step's timings (agent runs, replays): where its time went, settle first. */
export function timingsLine(t: StepTimingsDto): string {
  const parts: [string, number | undefined][] = [
    ['settle', t.settleMs],
    ['screenshot', t.screenshotMs],
    ['plan', t.planMs],
    ['ground', t.groundMs],
    ['execute', t.executeMs],
  ];
  return parts.flatMap(([name, n]) => (n === undefined ? [] : [`${name} ${ms(n)}`])).join(' · ');
}
