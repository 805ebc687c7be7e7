/**
 * Wall-clock time as the reference writes it. The reference stores local time without a zone;
 * we keep epoch milliseconds plus the recording's UTC offset, so formatting back gives the
 * same text on any machine, whatever its time zone.
 */
export interface WallClockParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export function toWallClock(epochMs: number, utcOffsetMin: number): WallClockParts {
  const d = new Date(epochMs + utcOffsetMin * 60_000);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}

export function fromWallClock(p: WallClockParts, utcOffsetMin: number): number {
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - utcOffsetMin * 60_000;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `2024-11-26_16:15:19`: the JSONL `timestamp` field. */
export function formatTimestamp(epochMs: number, utcOffsetMin: number): string {
  const p = toWallClock(epochMs, utcOffsetMin);
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}_${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}`;
}

/** `20241126_161519`: the compact form used in file names. */
export function formatCompactTimestamp(epochMs: number, utcOffsetMin: number): string {
  const p = toWallClock(epochMs, utcOffsetMin);
  return `${pad(p.year, 4)}${pad(p.month)}${pad(p.day)}_${pad(p.hour)}${pad(p.minute)}${pad(p.second)}`;
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})_(\d{2}):(\d{2}):(\d{2})$/;
const COMPACT = /(\d{4})(\d{2})(\d{2})_(\d{2})(\d{2})(\d{2})/;

function partsOf(m: RegExpExecArray): WallClockParts {
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return { year, month, day, hour, minute, second };
}

/** Parses the JSONL `timestamp` field; null when it is not in the reference's form. */
export function parseTimestamp(text: string, utcOffsetMin: number): number | null {
  const m = TIMESTAMP.exec(text);
  return m ? fromWallClock(partsOf(m), utcOffsetMin) : null;
}

/** Finds a compact timestamp inside a name such as `free_task_20241126_161517`. */
export function parseCompactTimestamp(text: string, utcOffsetMin: number): number | null {
  const m = COMPACT.exec(text);
  return m ? fromWallClock(partsOf(m), utcOffsetMin) : null;
}
