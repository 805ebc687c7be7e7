/**
 * Typing text on X11 through XTEST, layout-aware and for any Unicode character: each character
 * is looked up in the server's keyboard mapping (keycode + Shift level); a character the layout
 * lacks is typed by mapping its keysym onto a spare keycode first and restoring the keycode
 * afterwards (what xdotool does). libnut's `typeString` (nut-js `keyboard.type`) cannot: on X11 it
 * types '!' as '1' (no Shift for punctuation) and sends keycodes without a keysym for 'é' or '€'.
 *
 * One plain-Node X11 connection (no libX11, no addon): QueryExtension, XTestFakeInput,
 * GetKeyboardMapping, ChangeKeyboardMapping, and GetInputFocus as a round trip that proves the
 * server has processed everything sent before it. Client byte order LSB first.
 */
import net from 'node:net';
import { parseDisplay, setupRequest, type DisplayAddress } from './client.js';
import {
  KEYSYM_SHIFT_L,
  NO_SYMBOL,
  planTyping,
  spareKeycodes,
  strokeTable,
  type KeyStroke,
  type KeyboardMapping,
} from './keysyms.js';

const pad4 = (n: number): number => (n + 3) & ~3;

const OP_GET_INPUT_FOCUS = 43;
const OP_QUERY_EXTENSION = 98;
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

interface Reply {
  readonly header: Buffer;
  readonly body: Buffer;
}

export class X11Keyboard {
  private socket!: net.Socket;
  private seq = 0;
  private readonly pending = new Map<number, { resolve(r: Reply): void; reject(e: Error): void }>();
  private inbox: Buffer = Buffer.alloc(0);
  private setupDone: ((err: Error | null, setup?: Buffer) => void) | null = null;
  private asyncError: Error | null = null;
  private closed: Error | null = null;
  private xtestOpcode = 0;
  private minKeycode = 8;
  private maxKeycode = 255;

  private constructor(readonly address: DisplayAddress) {}

  static async open(display: string | undefined = process.env.DISPLAY, timeoutMs = 3000): Promise<X11Keyboard> {
    const kb = new X11Keyboard(parseDisplay(display));
    await kb.connect(timeoutMs);
    try {
      const xtest = await kb.queryExtension('XTEST');
      if (!xtest.present) throw new Error(`the X server on ${kb.address.display} has no XTEST extension`);
      kb.xtestOpcode = xtest.majorOpcode;
      return kb;
    } catch (err) {
      kb.close();
      throw err;
    }
  }

  close(): void {
    this.closed ??= new Error('X11 keyboard connection closed');
    this.socket.destroy();
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
      if (borrowed.size > 0 && !this.closed) await this.restore(borrowed, mapping.keysymsPerKeycode, restoreDelayMs);
    }
  }

  /** The server's current keyboard mapping, every keycode. */
  async keyboardMapping(): Promise<KeyboardMapping> {
    const count = this.maxKeycode - this.minKeycode + 1;
    const req = Buffer.alloc(8);
    req.writeUInt8(OP_GET_KEYBOARD_MAPPING, 0);
    req.writeUInt16LE(2, 2);
    req.writeUInt8(this.minKeycode, 4);
    req.writeUInt8(count, 5);
    const { header, body } = await this.request(req);
    const per = header[1] ?? 0;
    const keysyms: number[] = [];
    for (let i = 0; i < count * per; i++) keysyms.push(body.readUInt32LE(i * 4));
    return { minKeycode: this.minKeycode, keysymsPerKeycode: per, keysyms };
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
    const req = Buffer.alloc(8 + 4 * per);
    req.writeUInt8(OP_CHANGE_KEYBOARD_MAPPING, 0);
    req.writeUInt8(1, 1); // keycode count
    req.writeUInt16LE(req.length / 4, 2);
    req.writeUInt8(keycode, 4);
    req.writeUInt8(per, 5);
    for (let i = 0; i < per; i++) req.writeUInt32LE(keysyms[i] ?? NO_SYMBOL, 8 + 4 * i);
    this.send(req);
  }

  private fakeKey(type: number, keycode: number): void {
    const req = Buffer.alloc(36);
    req.writeUInt8(this.xtestOpcode, 0);
    req.writeUInt8(XTEST_FAKE_INPUT, 1);
    req.writeUInt16LE(9, 2);
    req.writeUInt8(type, 4);
    req.writeUInt8(keycode, 5);
    // time 0 (no delay), root None, root x/y 0, device id 0: a core keyboard event.
    this.send(req);
  }

  /** A round trip: every request sent before has been processed once this resolves. */
  async sync(): Promise<void> {
    const req = Buffer.alloc(4);
    req.writeUInt8(OP_GET_INPUT_FOCUS, 0);
    req.writeUInt16LE(1, 2);
    await this.request(req);
    const err = this.asyncError;
    this.asyncError = null;
    if (err) throw err;
  }

  private async queryExtension(name: string): Promise<{ present: boolean; majorOpcode: number }> {
    const bytes = Buffer.from(name, 'latin1');
    const req = Buffer.alloc(8 + pad4(bytes.length));
    req.writeUInt8(OP_QUERY_EXTENSION, 0);
    req.writeUInt16LE(req.length / 4, 2);
    req.writeUInt16LE(bytes.length, 4);
    bytes.copy(req, 8);
    const { header } = await this.request(req);
    return { present: header[8] === 1, majorOpcode: header[9] ?? 0 };
  }

  private send(req: Buffer): number {
    if (this.closed) throw this.closed;
    this.seq = (this.seq + 1) & 0xffff;
    this.socket.write(req);
    return this.seq;
  }

  private request(req: Buffer): Promise<Reply> {
    if (this.closed) return Promise.reject(this.closed);
    return new Promise<Reply>((resolve, reject) => {
      const seq = this.send(req);
      this.pending.set(seq, { resolve, reject });
    });
  }

  private connect(timeoutMs: number): Promise<void> {
    const { address } = this;
    const local = address.host === '' || address.host === 'unix';
    this.socket = local
      ? net.connect({ path: `/tmp/.X11-unix/X${address.number}` })
      : net.connect({ host: address.host, port: 6000 + address.number });
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.socket.destroy();
        reject(new Error(`cannot connect to the X server on ${address.display} (timed out)`));
      }, timeoutMs);
      this.setupDone = (err, setup) => {
        clearTimeout(timer);
        this.setupDone = null;
        if (err || !setup) {
          this.socket.destroy();
          reject(err ?? new Error('no setup reply'));
          return;
        }
        this.minKeycode = setup[34] ?? 8;
        this.maxKeycode = setup[35] ?? 255;
        resolve();
      };
      this.socket.once('connect', () => this.socket.write(setupRequest(address)));
      this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
      this.socket.on('error', (err: NodeJS.ErrnoException) => this.fail(err));
      this.socket.on('close', () => this.fail(new Error(`connection to the X server on ${address.display} closed`)));
    });
  }

  private fail(err: Error): void {
    const error = new Error(`X11 keyboard: ${err.message}`);
    this.closed ??= error;
    this.setupDone?.(error);
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }

  private onData(chunk: Buffer): void {
    this.inbox = this.inbox.length === 0 ? chunk : Buffer.concat([this.inbox, chunk]);
    if (this.setupDone) {
      if (this.inbox.length < 8) return;
      const total = 8 + this.inbox.readUInt16LE(6) * 4;
      if (this.inbox.length < total) return;
      const setup = this.inbox.subarray(0, total);
      this.inbox = this.inbox.subarray(total);
      if (setup[0] === 1) this.setupDone(null, Buffer.from(setup));
      else {
        const reason = setup.toString('latin1', 8, total).replace(/\0+$/, '').trim();
        this.setupDone(
          new Error(
            `the X server on ${this.address.display} refused the connection: ${reason || 'authorization required'}`,
          ),
        );
      }
    }
    while (this.inbox.length >= 32) {
      const kind = this.inbox[0]! & 0x7f;
      const extra = kind === 1 || kind === 35 ? this.inbox.readUInt32LE(4) * 4 : 0;
      if (this.inbox.length < 32 + extra) return;
      const header = Buffer.from(this.inbox.subarray(0, 32));
      const body = Buffer.from(this.inbox.subarray(32, 32 + extra));
      this.inbox = this.inbox.subarray(32 + extra);
      const seq = header.readUInt16LE(2);
      if (kind === 0) {
        const error = new Error(`X11 error ${header[1]} for request ${header[10]}.${header.readUInt16LE(8)}`);
        const p = this.pending.get(seq);
        this.pending.delete(seq);
        if (p) p.reject(error);
        else this.asyncError ??= error;
      } else if (kind === 1) {
        const p = this.pending.get(seq);
        this.pending.delete(seq);
        p?.resolve({ header, body });
      }
      // Events (MappingNotify after our own changes, …) are of no interest.
    }
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
