/**
 * Typing text on X11 through XTEST, layout-aware and for any Unicode character: each character
 * is looked up in the server's keyboard mapping (keycode + Shift level); a character the layout
 * lacks is typed by mapping its keysym onto a spare keycode first and restoring the keycode
 * afterwards (what xdotool does). libnut's `typeString` (nut-js `keyboard.type`) cannot: on X11 it
 * types '!' as '1' (no Shift for punctuation) and sends keycodes without a keysym for 'é' or '€'.
 *
 * Its own connection of the project's X11 client (client.ts: setup, errors, round trips) over
 * which it sends XTestFakeInput, GetKeyboardMapping and ChangeKeyboardMapping.
 */
import { newRequest, X11Client } from './client.js';
import {
  KEYSYM_SHIFT_L,
  NO_SYMBOL,
  planTyping,
  spareKeycodes,
  strokeTable,
  type KeyStroke,
  type KeyboardMapping,
} from './keysyms.js';

const OP_CHANGE_KEYBOARD_MAPPING = 100;
const OP_GET_KEYBOARD_MAPPING = 101;
const XTEST_FAKE_INPUT = 2;
const KEY_PRESS = 2;
const KEY_RELEASE = 3;

export interface TypeOptions {
  /** Pause after each character (default 8 ms): some applications drop input that comes faster. */
  readonly delayMs?: number;
  /** Stops typing between characters (the key in progress is released first). */
  readonly signal?: AbortSignal;
  /** Called before each character; throwing stops typing (the fail-safe). */
  readonly beforeChar?: () => Promise<void>;
  /**
   * How long a borrowed keycode keeps its character after the last use, before it is restored
   * (default 150 ms). Clients translate a key event with the mapping they hold when they read
   * it, so restoring too early can turn the last characters into nothing.
   */
  readonly restoreDelayMs?: number;
}

export class X11Keyboard {
  private closed = false;

  private constructor(
    private readonly x11: X11Client,
    private readonly xtestOpcode: number,
  ) {}

  static async open(display: string | undefined = process.env.DISPLAY, timeoutMs = 3000): Promise<X11Keyboard> {
    return X11Client.connectFor(display, timeoutMs, async (x11) => {
      const xtest = await x11.queryExtension('XTEST');
      if (!xtest.present) throw new Error(`the X server on ${x11.address.display} has no XTEST extension`);
      return new X11Keyboard(x11, xtest.majorOpcode);
    });
  }

  close(): void {
    this.closed = true;
    this.x11.close();
  }

  /** Types `text` into the focused window. Newlines press Return, tabs Tab. */
  async type(text: string, options: TypeOptions = {}): Promise<void> {
    const { delayMs = 8, signal, beforeChar, restoreDelayMs = 150 } = options;
    const mapping = await this.keyboardMapping();
    const table = strokeTable(mapping);
    const steps = planTyping(text, table);
    const shift = table.get(KEYSYM_SHIFT_L);
    const spare = spareKeycodes(mapping);
    /** keysym → borrowed keycode, in order of first use. */
    const borrowed = new Map<number, number>();
    try {
      for (const step of steps) {
        signal?.throwIfAborted();
        await beforeChar?.();
        let stroke: KeyStroke;
        if (step.kind === 'stroke') stroke = step.stroke;
        else {
          let keycode = borrowed.get(step.keysym);
          if (keycode === undefined) {
            if (borrowed.size >= spare.length) {
              if (spare.length === 0) throw new Error(`no spare keycode to type ${JSON.stringify(step.char)}`);
              // Every spare keycode is in use: let clients read what was typed, then start over.
              await this.restore(borrowed, mapping.keysymsPerKeycode, restoreDelayMs);
            }
            keycode = spare[borrowed.size]!;
            borrowed.set(step.keysym, keycode);
            this.changeMapping(keycode, mapping.keysymsPerKeycode, [step.keysym, step.keysym]);
          }
          stroke = { keycode, shift: false };
        }
        if (stroke.shift && !shift)
          throw new Error(`no Shift key in the keyboard mapping to type ${JSON.stringify(step.char)}`);
        if (stroke.shift) this.fakeKey(KEY_PRESS, shift!.keycode);
        this.fakeKey(KEY_PRESS, stroke.keycode);
        this.fakeKey(KEY_RELEASE, stroke.keycode);
        if (stroke.shift) this.fakeKey(KEY_RELEASE, shift!.keycode);
        await this.sync();
        if (delayMs > 0) await sleep(delayMs);
      }
    } finally {
      if (borrowed.size > 0 && !this.closed && !this.x11.failed)
        await this.restore(borrowed, mapping.keysymsPerKeycode, restoreDelayMs);
    }
  }

  /** The server's current keyboard mapping, every keycode. */
  async keyboardMapping(): Promise<KeyboardMapping> {
    const { minKeycode, maxKeycode } = this.x11.setup;
    const count = maxKeycode - minKeycode + 1;
    const req = newRequest(OP_GET_KEYBOARD_MAPPING, 8);
    req.writeUInt8(minKeycode, 4);
    req.writeUInt8(count, 5);
    const { header, body } = await this.x11.request(req);
    const per = header[1] ?? 0;
    const keysyms: number[] = [];
    for (let i = 0; i < count * per; i++) keysyms.push(body.readUInt32LE(i * 4));
    return { minKeycode, keysymsPerKeycode: per, keysyms };
  }

  private async restore(borrowed: Map<number, number>, per: number, delayMs: number): Promise<void> {
    await this.sync();
    await sleep(delayMs);
    for (const keycode of borrowed.values()) this.changeMapping(keycode, per, []);
    borrowed.clear();
    await this.sync();
  }

  /** Sets the keysyms of one keycode (missing entries are NoSymbol). */
  private changeMapping(keycode: number, per: number, keysyms: readonly number[]): void {
    const req = newRequest(OP_CHANGE_KEYBOARD_MAPPING, 8 + 4 * per, 1); // keycode count
    req.writeUInt8(keycode, 4);
    req.writeUInt8(per, 5);
    for (let i = 0; i < per; i++) req.writeUInt32LE(keysyms[i] ?? NO_SYMBOL, 8 + 4 * i);
    this.x11.send(req);
  }

  private fakeKey(type: number, keycode: number): void {
    const req = newRequest(this.xtestOpcode, 36, XTEST_FAKE_INPUT);
    req.writeUInt8(type, 4);
    req.writeUInt8(keycode, 5);
    // time 0 (no delay), root None, root x/y 0, device id 0: a core keyboard event.
    this.x11.send(req);
  }

  /** A round trip: every request sent before has been processed once this resolves. */
  sync(): Promise<void> {
    return this.x11.sync();
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
