/**
 * Errors the library raises for conditions a user can act on. The CLI prints `message` as the
 * one-line reason; `code` lets callers branch without matching text.
 */
export type LibraryErrorCode = 'corrupt' | 'newer-schema' | 'bad-home' | 'not-found' | 'invalid-state' | 'missing-file';

export class LibraryError extends Error {
  override readonly name = 'LibraryError';
  constructor(
    readonly code: LibraryErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Whether an error means the disk (or quota) is full: a file write (ENOSPC, EDQUOT) or SQLite
 * (SQLITE_FULL). Callers stop and keep what is committed instead of failing half-way.
 */
export function isDiskFull(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (!e) return false;
  if (e.code === 'ENOSPC' || e.code === 'EDQUOT' || e.code === 'SQLITE_FULL') return true;
  return typeof e.message === 'string' && /no space left on device|database or disk is full/i.test(e.message);
}
