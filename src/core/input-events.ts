/**
 * Raw input events as the tracker's OS hooks deliver them to the aggregation state machine
 * (`aggregate.ts`). Platform adapters translate their native events into these; the core
 * never sees OS key codes. Pure types, no I/O.
 *
 * Every event carries the time it happened (ms since the Unix epoch) and `frame`: an opaque
 * reference (generic `F`, e.g. a frame id) to the screen frame that was current when it
 * happened, or null when none had been captured yet. An action is stored with the frame of
 * the event where it began (SPEC §2.1).
 */

export type MouseButton = 'left' | 'right' | 'middle';

interface Timed<F> {
  readonly time: number;
  readonly frame: F | null;
}

interface PointerFields {
  /**
   * True when the event hit one of the app's own windows (SPEC §2.1 goal: exclude them by
   * id/rect at record time). The aggregator records nothing for it, but it still ends the
   * typing, scroll or click sequence going on.
   */
  readonly excluded?: boolean;
}

export interface MouseDownInput<F> extends Timed<F>, PointerFields {
  readonly type: 'mousedown';
  readonly button: MouseButton;
  readonly x: number;
  readonly y: number;
}

export interface MouseUpInput<F> extends Timed<F>, PointerFields {
  readonly type: 'mouseup';
  readonly button: MouseButton;
  readonly x: number;
  readonly y: number;
}

/** Wheel movement in notches, already in the grammar's sign convention (dy > 0 = up). */
export interface WheelInput<F> extends Timed<F>, PointerFields {
  readonly type: 'wheel';
  readonly dx: number;
  readonly dy: number;
}

export interface KeyDownInput<F> extends Timed<F> {
  readonly type: 'keydown';
  /**
   * Canonical key name (keys.ts): a named key such as `enter`, `shift`, `f5`, or for a
   * printable key its unshifted base character on a US layout (`a`, `1`, `;`). Auto-repeat
   * arrives as further keydowns without a keyup.
   */
  readonly key: string;
  /**
   * The character(s) the OS composed for this key press, when it reports them and they are
   * not simply the US-layout character of `key`: IME commits, other layouts, dead keys,
   * AltGr/Option compositions. Used as typed text as-is. Adapters leave it out for control
   * characters and for Ctrl/Cmd shortcuts.
   */
  readonly text?: string;
}

export interface KeyUpInput<F> extends Timed<F> {
  readonly type: 'keyup';
  readonly key: string;
}

/** Names avoid the DOM's global event types (the project compiles with lib DOM). */
export type RawInput<F> = MouseDownInput<F> | MouseUpInput<F> | WheelInput<F> | KeyDownInput<F> | KeyUpInput<F>;
