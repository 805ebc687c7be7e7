/**
 * Follows the accessibility element under the resting pointer, so that a click can be stored
 * with the element that was under the pointer when the button went down.
 *
 * Why not just ask at press: an AT-SPI lookup takes 200–500 ms on a busy machine, and menus
 * and popups close on release, usually well before the lookup has walked down to them — a
 * click on Impress's Slide → New Slide then found the toolbar button beneath the closed menu
 * ("Paste"). So each time the pointer comes to rest (no motion for REST_MS) a lookup starts
 * there, against the tree as it is while the person aims; a press at that same point, with no
 * other input since, takes that lookup's answer (waiting for it if it is still running — it
 * was started before the press). Otherwise, or when the hover lookup found nothing, the
 * lookup is made at press, as before.
 *
 * Nothing here blocks the input path: motion only stores the position and arms a timer.
 */
import type { AccessibilityProvider, ElementAtPoint } from '../platform/a11y/provider.js';

/** The pointer has come to rest after this long without motion. */
export const REST_MS = 40;
/**
 * A hover answer older than this is not trusted at press: the screen under a pointer that
 * rests this long may have changed by itself (a dialog that opened late).
 */
export const HOVER_VALID_MS = 5_000;
/** Rests while this many lookups are still running start no new one (a slow application). */
const MAX_IN_FLIGHT = 2;

interface HoverLookup {
  readonly x: number;
  readonly y: number;
  /** `inputs` when it started: a press, release, key or wheel since then may have changed the UI. */
  readonly inputs: number;
  readonly startedAt: number;
  readonly answer: Promise<ElementAtPoint | null>;
}

export interface PointerElementOptions {
  readonly a11y: AccessibilityProvider;
  readonly deadlineMs: number;
  readonly now?: () => number;
}

export class PointerElement {
  private x = Number.NaN;
  private y = Number.NaN;
  private inputs = 0;
  private timer: NodeJS.Timeout | null = null;
  private lastMove = 0;
  /** `inputs` at the last motion. */
  private inputsAtMove = 0;
  private inFlight = 0;
  private hover: HoverLookup | null = null;
  private stopped = false;
  private readonly now: () => number;
  /** Counts for benchmarks and tests: presses answered from hover, and at press. */
  readonly stats = { hoverLookups: 0, fromHover: 0, atPress: 0 };

  constructor(private readonly o: PointerElementOptions) {
    this.now = o.now ?? Date.now;
  }

  /** Pointer motion (no button held). Cheap: called for every motion event. */
  moved(x: number, y: number): void {
    if (this.stopped) return;
    this.x = x;
    this.y = y;
    this.lastMove = performance.now();
    this.inputsAtMove = this.inputs;
    this.timer ??= setTimeout(() => this.maybeRest(), REST_MS);
  }

  /** Any other input (press, release, key, wheel): what the pointer rests on may change now. */
  input(x?: number, y?: number): void {
    this.inputs++;
    if (x !== undefined && y !== undefined) {
      this.x = x;
      this.y = y;
    }
  }

  /**
   * The element for a press at (x, y), asked for before the press is passed on as input. Call
   * `input()` for the press afterwards.
   */
  atPress(x: number, y: number): Promise<ElementAtPoint | null> {
    const h = this.hover;
    const valid =
      h !== null && h.x === x && h.y === y && h.inputs === this.inputs && this.now() - h.startedAt <= HOVER_VALID_MS;
    if (!valid) {
      this.stats.atPress++;
      return this.lookup(x, y);
    }
    this.stats.fromHover++;
    // Nothing found while hovering (e.g. the walk ran into a window being rebuilt): ask again.
    return h.answer.then((found) => found ?? this.lookup(x, y));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private lookup(x: number, y: number): Promise<ElementAtPoint | null> {
    return this.o.a11y.elementAt(x, y, this.o.deadlineMs).catch(() => null);
  }

  private maybeRest(): void {
    this.timer = null;
    if (this.stopped) return;
    const still = performance.now() - this.lastMove;
    if (still < REST_MS) {
      this.timer = setTimeout(() => this.maybeRest(), REST_MS - still);
      return;
    }
    // A click (or key) since the pointer stopped: the UI is reacting to it, and an answer now
    // could outlive what it shows; the next press asks for itself.
    if (this.inputs !== this.inputsAtMove) return;
    const { x, y } = this;
    if (this.hover && this.hover.x === x && this.hover.y === y && this.hover.inputs === this.inputs) return;
    if (this.inFlight >= MAX_IN_FLIGHT) {
      // Try again once one of them is done (the pointer may still rest here).
      this.timer = setTimeout(() => this.maybeRest(), REST_MS);
      return;
    }
    this.inFlight++;
    this.stats.hoverLookups++;
    const answer = this.lookup(x, y);
    void answer.finally(() => this.inFlight--);
    this.hover = { x, y, inputs: this.inputs, startedAt: this.now(), answer };
  }
}
