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
