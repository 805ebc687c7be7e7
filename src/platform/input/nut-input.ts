/**
 * Input injection primitives: pointer and keys through nut-js (libnut: XTEST on X11, SendInput on
 * Windows, CGEvent on macOS); text on X11 through our own XTEST keyboard (../x11/keyboard.ts),
 * which types any Unicode character and Shift-level punctuation that libnut's typeString gets
 * wrong. Points are in the input system's own coordinates; the agents' executor maps actions
 * and frame pixels onto these calls.
 *
 * Warning (libnut, uiohook): once the native code has opened the display, the process exits if
 * that X server goes away. Tests run input injection in a child process.
 */
import type { Point } from '../../core/actions.js';
import type { Size } from '../../core/geometry.js';
import type { X11Keyboard } from '../x11/keyboard.js';
import type { NutKeyName } from './nut-keys.js';
import type * as NutJsModule from '@nut-tree-fork/nut-js';

type NutJs = typeof NutJsModule;

export type MouseButton = 'left' | 'right';

export interface NutInputOptions {
  /** How old the last button or key event must be before the pointer moves (default 30 ms; see moveTo). */
  readonly settleMs?: number;
  /** Pause after each typed character or key (default 8 ms). */
  readonly keyDelayMs?: number;
}

const sleep = (ms: number): Promise<void> =>
  ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();

export class NutInput {
  private keyboard11: Promise<X11Keyboard> | null = null;
  private lastInputAt = 0;

  private constructor(
    private readonly nut: NutJs,
    private readonly options: NutInputOptions,
  ) {}

  static async open(options: NutInputOptions = {}): Promise<NutInput> {
    const nut = await import('@nut-tree-fork/nut-js');
    // nut-js sleeps before every call (100 ms mouse, 300 ms keyboard) and libnut after every
    // event; the callers pace themselves.
    nut.mouse.config.autoDelayMs = 0;
    nut.keyboard.config.autoDelayMs = 0;
    nut.providerRegistry.getMouse().setMouseDelay(0);
    nut.providerRegistry.getKeyboard().setKeyboardDelay(0);
    return new NutInput(nut, options);
  }

  /** The input system's screen size (logical pixels on HiDPI Windows/macOS). */
  async screenSize(): Promise<Size> {
    return { width: await this.nut.screen.width(), height: await this.nut.screen.height() };
  }

  async position(): Promise<Point> {
    const p = await this.nut.mouse.getPosition();
    return { x: p.x, y: p.y };
  }

  /**
   * libnut moves the pointer with XWarpPointer, which the X server applies at once, while XTEST
   * button and key events wait in its input queue: a warp right after a click can overtake the
   * release (seen on Xvfb: the release reported at the next point). So a move waits until the
   * last button or key event is a few milliseconds old; the queue is drained by then.
   */
  async moveTo({ x, y }: Point): Promise<void> {
    await sleep(this.lastInputAt + (this.options.settleMs ?? 30) - Date.now());
    await this.nut.mouse.setPosition(new this.nut.Point(x, y));
  }

  async click(button: MouseButton): Promise<void> {
    await this.nut.mouse.click(this.button(button));
    this.sent();
  }

  async pressButton(button: MouseButton): Promise<void> {
    await this.nut.mouse.pressButton(this.button(button));
    this.sent();
  }

  async releaseButton(button: MouseButton): Promise<void> {
    await this.nut.mouse.releaseButton(this.button(button));
    this.sent();
  }

  /** Wheel notches: dy > 0 up, dx > 0 right. */
  async scroll(dx: number, dy: number): Promise<void> {
    const { mouse } = this.nut;
    this.sent();
    if (dy > 0) await mouse.scrollUp(dy);
    else if (dy < 0) await mouse.scrollDown(-dy);
    if (dx === 0) return;
    // libnut's horizontal wheel is mirrored on X11: scrollRight sends button 6, which is left.
    const mirrored = process.platform === 'linux';
    const right = dx > 0 !== mirrored;
    if (right) await mouse.scrollRight(Math.abs(dx));
    else await mouse.scrollLeft(Math.abs(dx));
    this.sent();
  }

  /** Presses the keys in order and releases them in reverse. */
  async chord(names: readonly NutKeyName[]): Promise<void> {
    const { keyboard, Key } = this.nut;
    const keys = names.map((n) => {
      const k = (Key as unknown as Record<string, number | undefined>)[n];
      if (k === undefined) throw new RangeError(`nut-js has no key ${n}`);
      return k as (typeof Key)[keyof typeof Key];
    });
    const delay = this.options.keyDelayMs ?? 8;
    const pressed: typeof keys = [];
    this.sent();
    try {
      for (const k of keys) {
        await keyboard.pressKey(k);
        pressed.push(k);
        await sleep(delay);
      }
    } finally {
      for (const k of pressed.reverse()) {
        await keyboard.releaseKey(k);
        await sleep(delay);
      }
      this.sent();
    }
  }

  /** Types `text` into the focused window; newlines press Return. */
  async type(text: string, signal: AbortSignal | undefined): Promise<void> {
    const delayMs = this.options.keyDelayMs ?? 8;
    if (process.platform === 'linux') {
      this.keyboard11 ??= import('../x11/keyboard.js').then(({ X11Keyboard }) => X11Keyboard.open());
      const kb = await this.keyboard11;
      try {
        await kb.type(text, { delayMs, signal });
      } finally {
        this.sent();
      }
      return;
    }
    // libnut types Unicode itself on Windows (KEYEVENTF_UNICODE) and macOS; newlines are Return.
    const { keyboard } = this.nut;
    const lines = text.replace(/\r\n/g, '\n').split('\n');
    for (const [i, line] of lines.entries()) {
      signal?.throwIfAborted();
      if (i > 0) await this.chord(['Return']);
      for (const char of line) {
        signal?.throwIfAborted();
        await keyboard.type(char);
        this.sent();
        await sleep(delayMs);
      }
    }
  }

  async close(): Promise<void> {
    // libnut leaves XTEST events in Xlib's output buffer until the next request that waits
    // for a reply: without this round trip, the last key of a run (Enter in a Save dialog) is
    // lost when the process exits.
    await this.nut.mouse.getPosition().catch(() => undefined);
    const kb = this.keyboard11;
    this.keyboard11 = null;
    if (kb) (await kb.catch(() => null))?.close();
  }

  private button(button: MouseButton): NutJs['Button'][keyof NutJs['Button']] {
    return button === 'right' ? this.nut.Button.RIGHT : this.nut.Button.LEFT;
  }

  /** Marks that a button, wheel or key event was just sent (see moveTo). */
  private sent(): void {
    this.lastInputAt = Date.now();
  }
}
