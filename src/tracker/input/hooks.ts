/**
 * Global input hooks: uiohook-napi (listen only — its keyTap does not go through XTEST) turned
 * into the core's raw input events. Each event is stamped on receipt with Date.now() and the
 * frame that was current then (`currentFrame`), so the recorder can pair an action with what
 * the person saw before acting. The callback runs on the main thread for every event: keep it
 * to queueing.
 *
 * Once uiohook has started, the process lives and dies with its X server: when the server goes
 * away, Xlib's default I/O error handler exits the process (even after stop()).
 */
import type { EventEmitter } from 'node:events';
import type { UiohookKeyboardEvent, UiohookMouseEvent, UiohookWheelEvent } from 'uiohook-napi';
import type { MouseButton, RawInput } from '../../core/input-events.js';
import { buildKeymap } from './keymap.js';
import { checkRecordExtension } from './record-extension.js';

export interface InputHookOptions<F> {
  /** The frame reference current at receipt (e.g. the capture's latest frame id). */
  readonly currentFrame?: () => F | null;
  /**
   * Pointer motion with no button held, at the rate the OS reports it (often hundreds a
   * second): the recorder follows the element under the resting pointer. Keep it to storing.
   */
  readonly onPointerMove?: (x: number, y: number) => void;
}

export interface InputHooks {
  stop(): void;
}

/** uiohook's button numbers, already normalised across platforms (X11's 2/3 swapped back). */
const BUTTONS: ReadonlyMap<unknown, MouseButton> = new Map([
  [1, 'left'],
  [2, 'right'],
  [3, 'middle'],
]);

type Listener = Parameters<EventEmitter['on']>[1];

// uiohook keeps one process-wide hook.
let running = false;

/**
 * Starts listening. On Linux the X server is asked for RECORD first, since uiohook aborts the
 * process without it; rejects with InputHooksUnavailableError then. Back/forward buttons and
 * keys without a canonical name are not reported; pointer motion only to `onPointerMove`.
 */
export async function startInputHooks<F = never>(
  onEvent: (event: RawInput<F>) => void,
  options: InputHookOptions<F> = {},
): Promise<InputHooks> {
  if (running) throw new Error('the input hooks are already running');
  running = true;
  try {
    if (process.platform === 'linux') await checkRecordExtension(process.env.DISPLAY);
    // Loaded only now: the addon opens the display as it loads.
    const { uIOhook, UiohookKey, WheelDirection } = await import('uiohook-napi');
    const keymap = buildKeymap(UiohookKey);
    const frame = options.currentFrame ?? (() => null);

    const mouse = (type: 'mousedown' | 'mouseup') => (e: UiohookMouseEvent) => {
      const button = BUTTONS.get(e.button);
      if (button) onEvent({ type, button, x: e.x, y: e.y, time: Date.now(), frame: frame() });
    };
    const key = (type: 'keydown' | 'keyup') => (e: UiohookKeyboardEvent) => {
      const name = keymap.get(e.keycode);
      if (name !== undefined) onEvent({ type, key: name, time: Date.now(), frame: frame() });
    };
    // uiohook: rotation < 0 is wheel up (X11 button 4) or left (button 6), one unit a notch.
    // The grammar: dy > 0 scrolls up, dx > 0 scrolls right.
    const wheel = (e: UiohookWheelEvent) => {
      const vertical = e.direction === WheelDirection.VERTICAL;
      const dx = vertical ? 0 : e.rotation;
      const dy = vertical ? -e.rotation : 0;
      onEvent({ type: 'wheel', dx, dy, time: Date.now(), frame: frame() });
    };

    // One table subscribes and unsubscribes: no listener outlives stop().
    const listeners = new Map<string, Listener>([
      ['mousedown', mouse('mousedown')],
      ['mouseup', mouse('mouseup')],
      ['keydown', key('keydown')],
      ['keyup', key('keyup')],
      ['wheel', wheel],
    ]);
    const onMove = options.onPointerMove;
    if (onMove) listeners.set('mousemove', (e: UiohookMouseEvent) => onMove(e.x, e.y));
    const hook: EventEmitter = uIOhook;
    for (const [event, listener] of listeners) hook.on(event, listener);
    const detach = (): void => {
      for (const [event, listener] of listeners) hook.off(event, listener);
    };
    try {
      uIOhook.start();
    } catch (err) {
      detach();
      throw err;
    }

    let stopped = false;
    return {
      stop() {
        if (stopped) return;
        stopped = true;
        uIOhook.stop();
        detach();
        running = false;
      },
    };
  } catch (err) {
    running = false;
    throw err;
  }
}
