/**
 * Preflight for the input hooks on X11: uiohook-napi listens through the X RECORD extension
 * and takes the whole process down when the server lacks it, so the tracker asks the server
 * itself first (plain X11 protocol over the socket, no xdpyinfo needed) and fails with one
 * clear line instead.
 */
import { X11Client, X11Error, type X11ErrorReason } from '../../platform/x11/client.js';

/** Why the hooks cannot start: the X connection's reasons (a protocol error counts as unreachable), or no RECORD. */
export type InputHooksUnavailableReason = Exclude<X11ErrorReason, 'protocol'> | 'record-missing';

export class InputHooksUnavailableError extends Error {
  override readonly name = 'InputHooksUnavailableError';
  constructor(
    readonly reason: InputHooksUnavailableReason,
    message: string,
  ) {
    super(message);
  }
}

/** Resolves when the X server on `display` has RECORD; rejects with InputHooksUnavailableError. */
export async function checkRecordExtension(display: string | undefined = process.env.DISPLAY): Promise<void> {
  let client: X11Client;
  try {
    client = await X11Client.connect(display);
  } catch (err) {
    if (err instanceof X11Error && err.reason === 'display-unset') {
      throw new InputHooksUnavailableError(
        'display-unset',
        'DISPLAY is not set; the input hooks need an X11 display (Xorg, Xvfb or XWayland)',
      );
    }
    throw new InputHooksUnavailableError('display-unreachable', (err as Error).message);
  }
  try {
    const record = await client.queryExtension('RECORD');
    if (!record.present) {
      throw new InputHooksUnavailableError(
        'record-missing',
        `the X server on ${display} has no RECORD extension; start Xvfb with +extension RECORD`,
      );
    }
  } finally {
    client.close();
  }
}
