/**
 * The real executor: turns actions into input through the platform's nut-js input
 * (platform/input/nut-input.ts: nut-js pointer and keys, the XTEST keyboard for text on X11),
 * mapping frame pixels to input coordinates and checking the fail-safe before each action.
 *
 * Warning (libnut, uiohook): once the native code has opened the display, the process exits if
 * that X server goes away. Tests run the executor in a child process.
 */
import type { Action, Point } from '../../core/actions.js';
import { logicalToPhysical, physicalToLogical, type ScreenGeometry, type Size } from '../../core/geometry.js';
import { NutInput } from '../../platform/input/nut-input.js';
import { nutHotkey, nutKeysFor, type NutKeyName } from '../../platform/input/nut-keys.js';
import { dragPath, ExecutorError, FailSafeError, inCorner, type Executor, type PerformOptions } from './executor.js';

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

  private constructor(
    private readonly input: NutInput,
    readonly screen: ScreenGeometry,
    private readonly options: NutExecutorOptions,
  ) {}

  static async create(options: NutExecutorOptions = {}): Promise<NutExecutor> {
    const input = await NutInput.open({ settleMs: options.settleMs, keyDelayMs: options.keyDelayMs });
    let screen = options.screen;
    if (!screen) {
      const logical = await input.screenSize();
      const physical = options.frameSize ?? logical;
      screen = { logical, physical, scaleFactor: physical.width / logical.width, origin: { x: 0, y: 0 } };
    }
    return new NutExecutor(input, screen, options);
  }

  get frameSize(): Size {
    return this.screen.physical;
  }

  /** A frame pixel → the input system's coordinates. */
  toInput(p: Point): Point {
    return physicalToLogical(p, this.screen);
  }

  async pointer(): Promise<Point> {
    return logicalToPhysical(await this.input.position(), this.screen);
  }

  async checkFailSafe(): Promise<void> {
    const p = await this.input.position();
    const { origin, logical } = this.screen;
    const local = { x: p.x - origin.x, y: p.y - origin.y };
    if (inCorner(local, logical)) throw new FailSafeError({ x: p.x, y: p.y });
  }

  async perform(action: Action, options: PerformOptions = {}): Promise<void> {
    const { signal } = options;
    signal?.throwIfAborted();
    if (this.options.failSafe !== false) await this.checkFailSafe();
    const { input } = this;
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
        const button = action.kind === 'right_click' ? 'right' : 'left';
        await input.click(button);
        if (action.kind === 'double_click') {
          await sleep(this.options.doubleClickMs ?? 60);
          await input.click(button);
        }
        return;
      }
      case 'press':
        await this.moveTo(action.at);
        await sleep(settle);
        await input.pressButton('left');
        return;
      case 'drag_to':
        await this.moveTo(action.at);
        await sleep(settle);
        await input.releaseButton('left');
        return;
      case 'drag': {
        await this.moveTo(action.from);
        await sleep(settle);
        await input.pressButton('left');
        try {
          for (const p of dragPath(action.from, action.to, this.options.dragSteps ?? 12)) {
            await sleep(this.options.dragStepMs ?? 15);
            await this.moveTo(p);
          }
          await sleep(settle);
        } finally {
          await input.releaseButton('left');
        }
        return;
      }
      case 'scroll':
        return input.scroll(action.dx, action.dy);
      case 'key': {
        const plan = nutKeysFor(action.key);
        if ('char' in plan) return input.type(plan.char, signal);
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
        return input.type(action.text, signal);
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

  close(): Promise<void> {
    return this.input.close();
  }

  private moveTo(p: Point): Promise<void> {
    return this.input.moveTo(this.toInput(p));
  }

  /** Presses the keys in order and releases them in reverse. */
  private async chord(names: readonly NutKeyName[]): Promise<void> {
    try {
      await this.input.chord(names);
    } catch (err) {
      throw err instanceof RangeError ? new ExecutorError(err.message) : err;
    }
  }
}

/** The executor of this machine's screen (see NutExecutorOptions). */
export function createExecutor(options: NutExecutorOptions = {}): Promise<NutExecutor> {
  return NutExecutor.create(options);
}
