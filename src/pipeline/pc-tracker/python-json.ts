/**
 * JSON text laid out as Python's `json.dumps` writes it (", " and ": " separators), which is how
 * the reference writes its JSONL lines, so an exported file compares equal, byte for byte, with
 * one the reference wrote. The tracker writes with the default `ensure_ascii=True` (non-ASCII
 * escaped as \uXXXX); the completion pass rewrites files with `ensure_ascii=False`.
 */
export function pythonJson(value: unknown, ensureAscii = true): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return pythonString(value, ensureAscii);
  if (typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => pythonJson(v, ensureAscii)).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${pythonString(k, ensureAscii)}: ${pythonJson(v, ensureAscii)}`).join(', ')}}`;
  }
  throw new TypeError(`cannot serialise ${typeof value}`);
}

function pythonString(s: string, ensureAscii: boolean): string {
  const json = JSON.stringify(s);
  // Python escapes DEL as \u007f only with ensure_ascii; JSON.stringify leaves it raw.
  if (!ensureAscii) return json;
  return json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
