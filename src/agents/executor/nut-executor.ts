/**
 * The real executor: mouse and keys through nut-js (libnut: XTEST on X11, SendInput on Windows,
 * CGEvent on macOS); text on X11 through our own XTEST connection (platform/x11/keyboard.ts), which types
 * any Unicode character and Shift-level punctuation that libnut's typeString gets wrong.
 *
 * Warning (libnut, uiohook): once the native code has opened the display, the process exits if
 * that X server goes away. Tests run the executor in a child process.
 */
import type { Action, Point } from '../../core/actions.js';
import { logicalToPhysical, physicalToLogical, type ScreenGeometry, type Size } from '../../core/geometry.js';
import { dragPath, ExecutorError, FailSafeError, inCorner, type Executor, type PerformOptions } from './executor.js';
import { nutHotkey, nutKeysFor, type NutKeyName } from './nut-keys.js';
import type { X11Keyboard } from '../../platform/x11/keyboard.js';
import type * as NutJsModule from '@nut-tree-fork/nut-js';

type NutJs = typeof NutJsModule;

export interface NutExecutorOptions {
  /**
   * Size of the screenshots whose pixels actions use (the capture's region). Default: the input
   * system's own screen size (the same pixels on X11).
   */
  readonly frameSize?: Size;
  /** The full mapping between frame pixels and input coordinates; overrides `frameSize`. */
  readonly screen?: ScreenGeometry;
  /** Pause between moving onto a point and pressing there (default 30 ms: hover states update). */
  readonly settleMs?: number;
  /** Between the two clicks of a double click (default 60 ms). */
  readonly doubleClickMs?: number;
  /** Pointer moves between press and release of a drag (default 12), and the pause after each (15 ms). */
  readonly dragSteps?: number;
  readonly dragStepMs?: number;
  /** Pause after each typed character or key (default 8 ms). */
  readonly keyDelayMs?: number;
  /** Check the fail-safe before each action (default true). */
  readonly failSafe?: boolean;
}

const sleep = (ms: number): Promise<void> =>
  ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();

export class NutExecutor implements Executor {
  readonly name = 'nut-js';
  private keyboard11: Promise<X11Keyboard> | null = null;
  private lastInputAt = 0;

  private constructor(
    private readonly nut: NutJs,
    readonly screen: ScreenGeometry,
    private readonly options: NutExecutorOptions,
  ) {}

  static async create(options: NutExecutorOptions = {}): Promise<NutExecutor> {
    const nut = await import('@nut-tree-fork/nut-js');
    // nut-js sleeps before every call (100 ms mouse, 300 ms keyboard) and libnut after every
    // event; this executor paces itself.
    nut.mouse.config.autoDelayMs = 0;
    nut.keyboard.config.autoDelayMs = 0;
    nut.providerRegistry.getMouse().setMouseDelay(0);
    nut.providerRegistry.getKeyboard().setKeyboardDelay(0);
    let screen = options.screen;
    if (!screen) {
      const logical = { width: await nut.screen.width(), height: await nut.screen.height() };
      const physical = options.frameSize ?? logical;
      screen = { logical, physical, scaleFactor: physical.width / logical.width, origin: { x: 0, y: 0 } };
    }
    return new NutExecutor(nut, screen, options);
  }

  get frameSize(): Size {
    return this.screen.physical;
  }

  /** A frame pixel → the input system's coordinates. */
  toInput(p: Point): Point {
    return physicalToLogical(p, this.screen);
  }

  async pointer(): Promise<Point> {
    const p = await this.nut.mouse.getPosition();
    return logicalToPhysical({ x: p.x, y: p.y }, this.screen);
  }

  async checkFailSafe(): Promise<void> {
    const p = await this.nut.mouse.getPosition();
    const { origin, logical } = this.screen;
    const local = { x: p.x - origin.x, y: p.y - origin.y };
    if (inCorner(local, logical)) throw new FailSafeError({ x: p.x, y: p.y });
  }

  async perform(action: Action, options: PerformOptions = {}): Promise<void> {
    const { signal } = options;
    signal?.throwIfAborted();
    if (this.options.failSafe !== false) await this.checkFailSafe();
    const { mouse, Button } = this.nut;
    const settle = this.options.settleMs ?? 30;
    switch (action.kind) {
      case 'click':
      case 'right_click':
      case 'double_click': {
        if (!action.at)
          throw new ExecutorError(
            `cannot ${action.kind.replace('_', ' ')} "${action.target ?? ''}": no point (ground it first)`,
          );
        await this.moveTo(action.at);
        await sleep(settle);
        const button = action.kind === 'right_click' ? Button.RIGHT : Button.LEFT;
        await mouse.click(button);
        if (action.kind === 'double_click') {
          await sleep(this.options.doubleClickMs ?? 60);
          await mouse.click(button);
        }
        this.sent();
        return;
      }
      case 'press':
        await this.moveTo(action.at);
        await sleep(settle);
        await mouse.pressButton(Button.LEFT);
        this.sent();
        return;
      case 'drag_to':
        await this.moveTo(action.at);
        await sleep(settle);
        await mouse.releaseButton(Button.LEFT);
        this.sent();
        return;
      case 'drag': {
        await this.moveTo(action.from);
        await sleep(settle);
        await mouse.pressButton(Button.LEFT);
        this.sent();
        try {
          for (const p of dragPath(action.from, action.to, this.options.dragSteps ?? 12)) {
            await sleep(this.options.dragStepMs ?? 15);
            await this.moveTo(p);
          }
          await sleep(settle);
        } finally {
          await mouse.releaseButton(Button.LEFT);
          this.sent();
        }
        return;
      }
      case 'scroll':
        return this.scroll(action.dx, action.dy);
      case 'key': {
        const plan = nutKeysFor(action.key);
        if ('char' in plan) return this.typeText(plan.char, signal);
        return this.chord(plan.keys);
      }
      case 'hotkey': {
        let keys: NutKeyName[];
        try {
          keys = nutHotkey(action.keys);
        } catch (err) {
          throw new ExecutorError((err as Error).message);
        }
        return this.chord(keys);
      }
      case 'type':
        return this.typeText(action.text, signal);
      case 'wait':
      case 'finish':
      case 'fail':
        return;
      default: {
        const unknown: never = action;
        throw new ExecutorError(`not an action: ${JSON.stringify(unknown)}`);
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

  /**
   * libnut moves the pointer with XWarpPointer, which the X server applies at once, while XTEST
   * button and key events wait in its input queue: a warp right after a click can overtake the
   * release (seen on Xvfb: the release reported at the next point). So a move waits until the
   * last button or key event is a few milliseconds old; the queue is drained by then.
   */
  private async moveTo(p: Point): Promise<void> {
    const { x, y } = this.toInput(p);
    await sleep(this.lastInputAt + (this.options.settleMs ?? 30) - Date.now());
    await this.nut.mouse.setPosition(new this.nut.Point(x, y));
  }

  /** Marks that a button, wheel or key event was just sent (see moveTo). */
  private sent(): void {
    this.lastInputAt = Date.now();
  }

  /** Wheel notches: dy > 0 up, dx > 0 right. */
  private async scroll(dx: number, dy: number): Promise<void> {
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
  private async chord(names: readonly NutKeyName[]): Promise<void> {
    const { keyboard, Key } = this.nut;
    const keys = names.map((n) => {
      const k = (Key as unknown as Record<string, number | undefined>)[n];
      if (k === undefined) throw new ExecutorError(`nut-js has no key ${n}`);
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

  private async typeText(text: string, signal: AbortSignal | undefined): Promise<void> {
    const delayMs = this.options.keyDelayMs ?? 8;
    if (process.platform === 'linux') {
      this.keyboard11 ??= import('../../platform/x11/keyboard.js').then(({ X11Keyboard }) => X11Keyboard.open());
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
}

/** The executor of this machine's screen (see NutExecutorOptions). */
export function createExecutor(options: NutExecutorOptions = {}): Promise<NutExecutor> {
  return NutExecutor.create(options);
}
