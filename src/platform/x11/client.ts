/**
 * The one X11 protocol client of the project, in plain Node (no libX11, no native addon):
 * connection, authorisation (MIT-MAGIC-COOKIE-1), setup, sequence numbers, extensions and
 * errors, plus the requests the tracker needs: QueryExtension (is RECORD there before uiohook
 * starts, which would otherwise abort the process), GetImage (screen frames: the reply streams
 * straight into one preallocated buffer, asynchronously, so the event loop never blocks on a
 * grab), GetProperty/GetAtomName (Xft.dpi, monitor names), InternAtom/GetGeometry/
 * TranslateCoordinates (the desktop's top-level windows, src/platform/windows/), RandR
 * GetMonitors, and DAMAGE (QueryVersion, Create, Subtract, Destroy, DamageNotify events: what
 * changed on screen, so that an idle screen need not be grabbed at all). The XTEST keyboard (keyboard.ts) sends its
 * own requests over it with `request`, `send` and `sync`.
 *
 * Wire format: X11 core protocol, client byte order LSB first ('l').
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export type X11ErrorReason = 'display-unset' | 'display-unreachable' | 'protocol';

export class X11Error extends Error {
  override readonly name = 'X11Error';
  constructor(
    readonly reason: X11ErrorReason,
    message: string,
  ) {
    super(message);
  }
}

export interface DisplayAddress {
  /** The DISPLAY string as given, e.g. ":99" or "localhost:10.0". */
  readonly display: string;
  /** "" or "unix" means the local Unix socket. */
  readonly host: string;
  readonly number: number;
  readonly screen: number;
}

export function parseDisplay(display: string | undefined): DisplayAddress {
  if (display === undefined || display === '') {
    throw new X11Error('display-unset', 'DISPLAY is not set: an X11 display is required');
  }
  const m = /^(.*):(\d+)(?:\.(\d+))?$/.exec(display);
  if (!m) throw new X11Error('display-unreachable', `cannot parse DISPLAY "${display}"`);
  return { display, host: m[1] ?? '', number: Number(m[2]), screen: Number(m[3] ?? 0) };
}

export interface Visual {
  readonly id: number;
  readonly redMask: number;
  readonly greenMask: number;
  readonly blueMask: number;
}

export interface X11Screen {
  readonly root: number;
  readonly width: number;
  readonly height: number;
  readonly widthMm: number;
  readonly heightMm: number;
  readonly rootDepth: number;
  readonly rootVisual: Visual | undefined;
}

export interface PixmapFormat {
  readonly depth: number;
  readonly bitsPerPixel: number;
  readonly scanlinePad: number;
}

export interface X11Setup {
  readonly vendor: string;
  /** Resource ids this client may allocate: base | (n within mask). */
  readonly resourceIdBase: number;
  readonly resourceIdMask: number;
  readonly imageByteOrder: 'lsb' | 'msb';
  /** The range of keycodes the server uses. */
  readonly minKeycode: number;
  readonly maxKeycode: number;
  readonly pixmapFormats: readonly PixmapFormat[];
  readonly screens: readonly X11Screen[];
}

export interface ExtensionInfo {
  readonly present: boolean;
  readonly majorOpcode: number;
  /** The code of the extension's first event (its events are firstEvent + n). */
  readonly firstEvent: number;
  readonly firstError: number;
}

/** DAMAGE report levels (DamageCreate). */
export const DamageReportLevel = {
  /** An event per damaged rectangle. */
  RawRectangles: 0,
  /** An event per rectangle not already damaged. */
  DeltaRectangles: 1,
  /** An event whenever the bounding box of the damage grows. */
  BoundingBox: 2,
  /** One event when the damage goes from empty to not empty (until the next Subtract). */
  NonEmpty: 3,
} as const;
export type DamageReportLevel = (typeof DamageReportLevel)[keyof typeof DamageReportLevel];

export interface Rectangle {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** A DamageNotify event. */
export interface DamageNotify {
  readonly damage: number;
  readonly drawable: number;
  readonly level: DamageReportLevel;
  /** More DamageNotify events for this damage follow at once. */
  readonly more: boolean;
  readonly timestamp: number;
  /** The damaged area (for NonEmpty and BoundingBox: the damage's bounding box), drawable-relative. */
  readonly area: Rectangle;
  /** The drawable's geometry. */
  readonly geometry: Rectangle;
}

export interface Monitor {
  readonly name: string;
  readonly primary: boolean;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly widthMm: number;
  readonly heightMm: number;
}

interface Reply {
  readonly header: Buffer;
  readonly body: Buffer;
}

interface Pending {
  readonly opcode: number;
  /** Storage for the reply body (bytes after the 32-byte header). */
  readonly allocate: (bytes: number) => Buffer;
  resolve(reply: Reply): void;
  reject(err: Error): void;
}

/** The body being read: a reply's payload, or an event's we skip. */
interface Incoming {
  readonly header: Buffer;
  readonly target: Buffer | null;
  filled: number;
  readonly length: number;
  readonly pending: Pending | undefined;
}

const ATOM_STRING = 31;
const ATOM_RESOURCE_MANAGER = 23;

const pad4 = (n: number): number => (n + 3) & ~3;

/**
 * A request of `size` bytes (a multiple of 4), zero-filled, its header written: the major opcode,
 * the data byte (an extension's minor opcode, or a small argument) and the length in 4-byte units.
 */
export function newRequest(opcode: number, size: number, data = 0): Buffer {
  const req = Buffer.alloc(size);
  req.writeUInt8(opcode, 0);
  req.writeUInt8(data, 1);
  req.writeUInt16LE(size / 4, 2);
  return req;
}

/** One X11 connection. Create with `X11Client.connect()`. */
export class X11Client {
  private socket!: net.Socket;
  private setupInfo: X11Setup | undefined;
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  /** Where the socket reads go unless a reply body is being read straight into its buffer. */
  private readonly scratch = Buffer.allocUnsafe(64 * 1024);
  private direct = false;
  /** The setup reply as it arrives; null once set up. */
  private setupBytes: Buffer | null = Buffer.alloc(0);
  private onSetup: ((err: Error | null) => void) | null = null;
  private readonly header = Buffer.alloc(32);
  private headerFill = 0;
  private incoming: Incoming | null = null;
  private closedError: Error | null = null;
  /** An error for a request sent without a reply to wait for; thrown by the next `sync()`. */
  private asyncError: X11Error | null = null;
  private readonly extensions = new Map<string, Promise<ExtensionInfo>>();
  private randrReady: Promise<boolean> | undefined;
  private damageReady: Promise<{ major: number; minor: number } | null> | undefined;
  private readonly eventHandlers = new Set<(event: Buffer) => void>();
  private readonly damageHandlers = new Set<(event: DamageNotify) => void>();
  private nextResource = 0;
  /** DAMAGE's major opcode and first event code, known once a damage has been created. */
  private damageOpcodeValue: number | undefined;
  private damageFirstEvent = -1;

  private constructor(readonly address: DisplayAddress) {}

  static async connect(display: string | undefined = process.env.DISPLAY, timeoutMs = 3000): Promise<X11Client> {
    const client = new X11Client(parseDisplay(display));
    await client.open(timeoutMs);
    return client;
  }

  /**
   * Connects and makes the connection ready for one use (atoms interned, an extension checked):
   * what `setup` returns. When setup fails the connection is closed and the error goes on.
   */
  static async connectFor<T>(
    display: string | undefined,
    timeoutMs: number | undefined,
    setup: (client: X11Client) => T | Promise<T>,
  ): Promise<T> {
    const client = await X11Client.connect(display, timeoutMs);
    try {
      return await setup(client);
    } catch (err) {
      client.close();
      throw err;
    }
  }

  get setup(): X11Setup {
    if (!this.setupInfo) throw new X11Error('protocol', 'not connected');
    return this.setupInfo;
  }

  /** The screen named by DISPLAY (":0.1" → screen 1). */
  get screen(): X11Screen {
    const s = this.setup.screens[this.address.screen];
    if (!s) throw new X11Error('protocol', `${this.address.display}: no such screen`);
    return s;
  }

  /** Whether the connection has failed or been closed by the server. */
  get failed(): boolean {
    return this.closedError !== null;
  }

  close(): void {
    this.socket.destroy();
  }

  private open(timeoutMs: number): Promise<void> {
    const { address } = this;
    const local = address.host === '' || address.host === 'unix';
    // `onread` lets a reply body (an 8 MB frame) be read by the kernel straight into its
    // final buffer: no per-chunk allocation and no copy in JavaScript.
    const onread = {
      buffer: () => this.nextReadBuffer(),
      callback: (n: number) => {
        this.onRead(n);
        return true;
      },
    };
    this.socket = local
      ? net.connect({ path: `/tmp/.X11-unix/X${address.number}`, onread })
      : net.connect({ host: address.host, port: 6000 + address.number, onread });
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.socket.destroy();
        reject(unreachable(address, 'timed out'));
      }, timeoutMs);
      this.onSetup = (err) => {
        clearTimeout(timer);
        this.onSetup = null;
        if (err) {
          this.socket.destroy();
          reject(err);
        } else resolve();
      };
      this.socket.once('connect', () => this.socket.write(setupRequest(address)));
      this.socket.on('error', (err: NodeJS.ErrnoException) => {
        if (this.onSetup) this.onSetup(unreachable(address, err.code ?? err.message));
        else this.fail(err);
      });
      this.socket.on('close', () => {
        const err = unreachable(address, 'connection closed');
        if (this.onSetup) this.onSetup(err);
        else this.fail(err);
      });
    });
  }

  queryExtension(name: string): Promise<ExtensionInfo> {
    let info = this.extensions.get(name);
    if (!info) {
      const nameBytes = Buffer.from(name, 'latin1');
      const req = newRequest(98, 8 + pad4(nameBytes.length));
      req.writeUInt16LE(nameBytes.length, 4);
      nameBytes.copy(req, 8);
      info = this.request(req).then(({ header }) => ({
        present: header[8] === 1,
        majorOpcode: header[9] ?? 0,
        firstEvent: header[10] ?? 0,
        firstError: header[11] ?? 0,
      }));
      this.extensions.set(name, info);
    }
    return info;
  }

  /**
   * ZPixmap GetImage of a rectangle of `drawable`. The reply body (the pixels, rows padded to
   * the format's scanline pad) lands in the buffer that `allocate` returns. One request does
   * for any size: only requests are length-limited (BIG-REQUESTS), replies are not.
   */
  async getImage(
    drawable: number,
    x: number,
    y: number,
    width: number,
    height: number,
    allocate: (bytes: number) => Buffer = (n) => Buffer.allocUnsafeSlow(n),
  ): Promise<{ depth: number; visual: number; data: Buffer }> {
    const req = newRequest(73, 20, 2); // ZPixmap
    req.writeUInt32LE(drawable, 4);
    req.writeInt16LE(x, 8);
    req.writeInt16LE(y, 10);
    req.writeUInt16LE(width, 12);
    req.writeUInt16LE(height, 14);
    req.writeUInt32LE(0xffffffff, 16);
    const { header, body } = await this.request(req, allocate);
    return { depth: header[1] ?? 0, visual: header.readUInt32LE(8), data: body };
  }

  /** The whole value of a property (up to 1 MiB), or null when it is not set. */
  async getProperty(
    window: number,
    property: number,
    type = 0,
  ): Promise<{ type: number; format: number; value: Buffer } | null> {
    const req = newRequest(20, 24);
    req.writeUInt32LE(window, 4);
    req.writeUInt32LE(property, 8);
    req.writeUInt32LE(type, 12);
    req.writeUInt32LE(0, 16);
    req.writeUInt32LE(256 * 1024, 20); // in 4-byte units
    const { header, body } = await this.request(req);
    const valueType = header.readUInt32LE(8);
    if (valueType === 0) return null;
    const format = header[1] ?? 8;
    const bytes = header.readUInt32LE(16) * (format / 8);
    return { type: valueType, format, value: body.subarray(0, bytes) };
  }

  async getAtomName(atom: number): Promise<string> {
    const req = newRequest(17, 8);
    req.writeUInt32LE(atom, 4);
    const { header, body } = await this.request(req);
    return body.toString('latin1', 0, header.readUInt16LE(8));
  }

  /**
   * InternAtom: the atom for `name`; with `onlyIfExists`, 0 (None) when no client has made it,
   * which reading a property never needs (an atom nobody made names no property).
   */
  async internAtom(name: string, onlyIfExists = false): Promise<number> {
    const nameBytes = Buffer.from(name, 'latin1');
    const req = newRequest(16, 8 + pad4(nameBytes.length), onlyIfExists ? 1 : 0);
    req.writeUInt16LE(nameBytes.length, 4);
    nameBytes.copy(req, 8);
    const { header } = await this.request(req);
    return header.readUInt32LE(8);
  }

  /**
   * GetGeometry: a drawable's size and, for a window, its position relative to its parent's
   * origin (under a reparenting window manager the parent is the frame, not the root).
   * Rejects (X11 error 9, BadDrawable) when the drawable no longer exists.
   */
  async getGeometry(drawable: number): Promise<Rectangle & { depth: number; root: number; borderWidth: number }> {
    const req = newRequest(14, 8);
    req.writeUInt32LE(drawable, 4);
    const { header } = await this.request(req);
    return {
      depth: header[1] ?? 0,
      root: header.readUInt32LE(8),
      x: header.readInt16LE(12),
      y: header.readInt16LE(14),
      width: header.readUInt16LE(16),
      height: header.readUInt16LE(18),
      borderWidth: header.readUInt16LE(20),
    };
  }

  /**
   * TranslateCoordinates: (x, y) in `source`'s frame expressed in `destination`'s, and the
   * child of `destination` that contains the point (0 when none). With the root as the
   * destination this gives a window's position on the screen. Rejects (X11 error 3, BadWindow)
   * when either window no longer exists.
   */
  async translateCoordinates(
    source: number,
    destination: number,
    x: number,
    y: number,
  ): Promise<{ x: number; y: number; child: number; sameScreen: boolean }> {
    const req = newRequest(40, 16);
    req.writeUInt32LE(source, 4);
    req.writeUInt32LE(destination, 8);
    req.writeInt16LE(x, 12);
    req.writeInt16LE(y, 14);
    const { header } = await this.request(req);
    return {
      sameScreen: header[1] === 1,
      child: header.readUInt32LE(8),
      x: header.readInt16LE(12),
      y: header.readInt16LE(14),
    };
  }

  /** The X resource database's Xft.dpi (what toolkits scale by), or null when unset. */
  async xftDpi(): Promise<number | null> {
    const prop = await this.getProperty(this.screen.root, ATOM_RESOURCE_MANAGER, ATOM_STRING);
    const m = prop && /^Xft\.dpi:\s*([\d.]+)\s*$/m.exec(prop.value.toString('latin1'));
    return m ? Number(m[1]) : null;
  }

  /**
   * The monitors RandR 1.5 reports (what `xrandr --listmonitors` shows), in root-window
   * coordinates; [] when the server lacks RandR 1.5.
   */
  async monitors(): Promise<Monitor[]> {
    const randr = await this.queryExtension('RANDR');
    if (!randr.present || !(await this.randrAtLeast15(randr.majorOpcode))) return [];
    const req = newRequest(randr.majorOpcode, 12, 42); // RRGetMonitors
    req.writeUInt32LE(this.screen.root, 4);
    req.writeUInt8(1, 8); // get-active
    const { header, body } = await this.request(req);
    const count = header.readUInt32LE(12);
    const raw: Array<Omit<Monitor, 'name'> & { atom: number }> = [];
    for (let i = 0, off = 0; i < count; i++) {
      const outputs = body.readUInt16LE(off + 6);
      raw.push({
        atom: body.readUInt32LE(off),
        primary: body[off + 4] === 1,
        x: body.readInt16LE(off + 8),
        y: body.readInt16LE(off + 10),
        width: body.readUInt16LE(off + 12),
        height: body.readUInt16LE(off + 14),
        widthMm: body.readUInt32LE(off + 16),
        heightMm: body.readUInt32LE(off + 20),
      });
      off += 24 + 4 * outputs;
    }
    return Promise.all(raw.map(async ({ atom, ...m }) => ({ name: await this.getAtomName(atom), ...m })));
  }

  private randrAtLeast15(opcode: number): Promise<boolean> {
    // RandR answers by the version the client announces, so RRQueryVersion must come first.
    this.randrReady ??= (async () => {
      const req = newRequest(opcode, 12, 0); // RRQueryVersion
      req.writeUInt32LE(1, 4);
      req.writeUInt32LE(5, 8);
      const { header } = await this.request(req);
      const major = header.readUInt32LE(8);
      return major > 1 || (major === 1 && header.readUInt32LE(12) >= 5);
    })();
    return this.randrReady;
  }

  /**
   * Calls `handler` with each event (the 32 bytes; GenericEvents without their extra data)
   * as it arrives, in stream order with replies. Returns the unsubscribe function.
   */
  onEvent(handler: (event: Buffer) => void): () => void {
    this.eventHandlers.add(handler);
    return () => this.eventHandlers.delete(handler);
  }

  /**
   * The DAMAGE version the server speaks (after announcing 1.1, which must precede any
   * other DAMAGE request), or null when the server lacks the extension.
   */
  damageVersion(): Promise<{ major: number; minor: number } | null> {
    this.damageReady ??= (async () => {
      const damage = await this.queryExtension('DAMAGE');
      if (!damage.present) return null;
      const req = newRequest(damage.majorOpcode, 12, 0); // DamageQueryVersion
      req.writeUInt32LE(1, 4);
      req.writeUInt32LE(1, 8);
      const { header } = await this.request(req);
      return { major: header.readUInt32LE(8), minor: header.readUInt32LE(12) };
    })();
    return this.damageReady;
  }

  /**
   * DamageCreate: tracks what is drawn on `drawable` (for a window, its inferiors too: the
   * root window sees the whole screen). Resolves with the damage id once the server has
   * accepted it; rejects when the server lacks DAMAGE or refuses.
   */
  async createDamage(drawable: number, level: DamageReportLevel): Promise<number> {
    const opcode = await this.damageOpcode();
    const id = this.newResourceId();
    const req = newRequest(opcode, 16, 1); // DamageCreate
    req.writeUInt32LE(id, 4);
    req.writeUInt32LE(drawable, 8);
    req.writeUInt8(level, 12);
    await this.checked(req);
    return id;
  }

  /**
   * DamageSubtract with no regions: empties the damage, so that (NonEmpty level) the next
   * drawing sends a new DamageNotify. Unchecked and asynchronous; requests sent after it
   * (a GetImage) are served after it.
   */
  subtractDamage(damage: number): void {
    const req = newRequest(this.damageOpcodeNow(), 16, 3); // DamageSubtract
    req.writeUInt32LE(damage, 4);
    req.writeUInt32LE(0, 8); // repair: None (everything)
    req.writeUInt32LE(0, 12); // parts: None
    this.send(req);
  }

  /** DamageDestroy (unchecked). */
  destroyDamage(damage: number): void {
    if (this.closedError) return;
    const req = newRequest(this.damageOpcodeNow(), 8, 2); // DamageDestroy
    req.writeUInt32LE(damage, 4);
    this.send(req);
  }

  /** Calls `handler` with each DamageNotify event. Returns the unsubscribe function. */
  onDamageNotify(handler: (event: DamageNotify) => void): () => void {
    this.damageHandlers.add(handler);
    return () => this.damageHandlers.delete(handler);
  }

  private async damageOpcode(): Promise<number> {
    if (!(await this.damageVersion())) throw new X11Error('protocol', 'the X server has no DAMAGE extension');
    const info = await this.queryExtension('DAMAGE');
    this.damageOpcodeValue = info.majorOpcode;
    this.damageFirstEvent = info.firstEvent;
    return info.majorOpcode;
  }

  private damageOpcodeNow(): number {
    if (this.damageOpcodeValue === undefined) throw new X11Error('protocol', 'no damage created on this connection');
    return this.damageOpcodeValue;
  }

  /** A fresh resource id (base | n, n placed within the mask). */
  private newResourceId(): number {
    const { resourceIdBase: base, resourceIdMask: mask } = this.setup;
    const shift = mask === 0 ? 0 : 31 - Math.clz32(mask & -mask);
    const id = ((++this.nextResource << shift) & mask) >>> 0;
    if (id === 0) throw new X11Error('protocol', 'out of X resource ids');
    return (base | id) >>> 0;
  }

  /**
   * Sends one request that has no reply; returns its sequence number. An error for it is
   * thrown by the next `sync()`.
   */
  send(req: Buffer): number {
    if (this.closedError) throw this.closedError;
    this.seq = (this.seq + 1) & 0xffff;
    this.socket.write(req);
    return this.seq;
  }

  /**
   * Sends a request that has no reply and waits for the server to have processed it:
   * a GetInputFocus round trip follows, and an error for the request arrives before its reply.
   */
  private checked(req: Buffer): Promise<void> {
    const seq = this.send(req);
    return new Promise<void>((resolve, reject) => {
      const entry: Pending = {
        opcode: req[0] ?? 0,
        allocate: (n) => Buffer.alloc(n),
        resolve: () => resolve(),
        reject,
      };
      this.pending.set(seq, entry);
      const sync = newRequest(43, 4); // GetInputFocus
      this.request(sync).then(
        () => {
          if (this.pending.get(seq) === entry) this.pending.delete(seq);
          resolve();
        },
        (err: Error) => {
          if (this.pending.get(seq) === entry) this.pending.delete(seq);
          reject(err);
        },
      );
    });
  }

  /** Runs the event handlers; one that throws must not derail the reading of the stream. */
  private dispatchEvent(event: Buffer): void {
    const call = <T>(handler: (e: T) => void, e: T): void => {
      try {
        handler(e);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    };
    for (const handler of this.eventHandlers) call(handler, event);
    if ((event[0]! & 0x7f) === this.damageFirstEvent && this.damageHandlers.size > 0) {
      const notify: DamageNotify = {
        level: (event[1]! & 0x7f) as DamageReportLevel,
        more: (event[1]! & 0x80) !== 0,
        drawable: event.readUInt32LE(4),
        damage: event.readUInt32LE(8),
        timestamp: event.readUInt32LE(12),
        area: readRectangle(event, 16),
        geometry: readRectangle(event, 24),
      };
      for (const handler of this.damageHandlers) call(handler, notify);
    }
  }

  /**
   * A round trip (GetInputFocus): every request sent before has been processed once this
   * resolves; throws the first error of an unchecked request sent since the last sync.
   */
  async sync(): Promise<void> {
    const req = newRequest(43, 4); // GetInputFocus
    await this.request(req);
    const err = this.asyncError;
    this.asyncError = null;
    if (err) throw err;
  }

  /** Sends one request that has a reply. */
  request(req: Buffer, allocate: (bytes: number) => Buffer = (n) => Buffer.allocUnsafe(n)): Promise<Reply> {
    if (this.closedError) return Promise.reject(this.closedError);
    this.seq = (this.seq + 1) & 0xffff;
    const seq = this.seq;
    return new Promise<Reply>((resolve, reject) => {
      this.pending.set(seq, { opcode: req[0] ?? 0, allocate, resolve, reject });
      this.socket.write(req);
    });
  }

  private nextReadBuffer(): Buffer {
    const inc = this.incoming;
    this.direct = inc?.target != null;
    return inc?.target ? inc.target.subarray(inc.filled) : this.scratch;
  }

  private onRead(n: number): void {
    if (this.direct) {
      const inc = this.incoming!;
      inc.filled += n;
      if (inc.filled === inc.length) this.finishIncoming(inc);
    } else if (this.setupBytes) {
      this.onSetupBytes(Buffer.from(this.scratch.subarray(0, n)));
    } else {
      this.onData(this.scratch.subarray(0, n));
    }
  }

  private onSetupBytes(chunk: Buffer): void {
    const got = Buffer.concat([this.setupBytes!, chunk]);
    this.setupBytes = got;
    if (got.length < 8) return;
    const total = 8 + got.readUInt16LE(6) * 4;
    if (got.length < total) return;
    this.setupBytes = null;
    const status = got[0];
    if (status === 1) {
      this.setupInfo = parseSetup(got.subarray(0, total));
      this.onSetup?.(null);
      // The server sends nothing unasked, so nothing follows the setup reply; just in case.
      if (got.length > total) this.onData(got.subarray(total));
      return;
    }
    const reason =
      status === 0
        ? got.toString('latin1', 8, 8 + (got[1] ?? 0))
        : got.toString('latin1', 8, total).replace(/\0+$/, '');
    this.onSetup?.(
      new X11Error(
        'display-unreachable',
        `the X server on ${this.address.display} refused the connection: ${reason.trim() || 'authorization required'}`,
      ),
    );
  }

  private onData(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) {
      const inc = this.incoming;
      if (inc) {
        const n = Math.min(inc.length - inc.filled, chunk.length - off);
        if (inc.target) chunk.copy(inc.target, inc.filled, off, off + n);
        inc.filled += n;
        off += n;
        if (inc.filled === inc.length) this.finishIncoming(inc);
        continue;
      }
      const n = Math.min(32 - this.headerFill, chunk.length - off);
      chunk.copy(this.header, this.headerFill, off, off + n);
      this.headerFill += n;
      off += n;
      if (this.headerFill === 32) {
        this.headerFill = 0;
        this.onHeader(Buffer.from(this.header));
      }
    }
  }

  private onHeader(header: Buffer): void {
    const kind = header[0] ?? 0;
    const seq = header.readUInt16LE(2);
    if (kind === 0) {
      const pending = this.pending.get(seq);
      this.pending.delete(seq);
      if (pending)
        pending.reject(new X11Error('protocol', `X11 error ${header[1]} for request opcode ${pending.opcode}`));
      else {
        const request = `${header[10]}.${header.readUInt16LE(8)}`; // major.minor opcode
        this.asyncError ??= new X11Error('protocol', `X11 error ${header[1]} for request ${request}`);
      }
      return;
    }
    // Replies and GenericEvents carry extra length; core events are exactly 32 bytes.
    const length = kind === 1 || (kind & 0x7f) === 35 ? header.readUInt32LE(4) * 4 : 0;
    const pending = kind === 1 ? this.pending.get(seq) : undefined;
    const target = pending ? pending.allocate(length) : null;
    const inc: Incoming = { header, target, filled: 0, length, pending };
    // A core or extension event (2–34, bit 7: sent by SendEvent); its handlers run now, in
    // stream order: everything the server did before a later reply has been seen by then.
    if (kind !== 1) this.dispatchEvent(header);
    if (length === 0) this.finishIncoming(inc);
    else this.incoming = inc;
  }

  private finishIncoming(inc: Incoming): void {
    this.incoming = null;
    if (!inc.pending) return; // an event, or a reply nobody waits for
    this.pending.delete(inc.header.readUInt16LE(2));
    inc.pending.resolve({ header: inc.header, body: inc.target ?? Buffer.alloc(0) });
  }

  private fail(err: Error): void {
    this.closedError ??= err;
    for (const p of this.pending.values()) p.reject(this.closedError);
    this.pending.clear();
  }
}

function readRectangle(b: Buffer, off: number): Rectangle {
  return {
    x: b.readInt16LE(off),
    y: b.readInt16LE(off + 2),
    width: b.readUInt16LE(off + 4),
    height: b.readUInt16LE(off + 6),
  };
}

function unreachable(address: DisplayAddress, why: string): X11Error {
  return new X11Error('display-unreachable', `cannot connect to the X server on ${address.display} (${why})`);
}

/** The connection setup request, with the display's MIT-MAGIC-COOKIE-1 when there is one. */
function setupRequest(address: DisplayAddress): Buffer {
  const cookie = findCookie(address);
  const name = Buffer.from(cookie ? 'MIT-MAGIC-COOKIE-1' : '', 'latin1');
  const data = cookie ?? Buffer.alloc(0);
  const req = Buffer.alloc(12 + pad4(name.length) + pad4(data.length));
  req.write('l', 0, 'latin1');
  req.writeUInt16LE(11, 2);
  req.writeUInt16LE(0, 4);
  req.writeUInt16LE(name.length, 6);
  req.writeUInt16LE(data.length, 8);
  name.copy(req, 12);
  data.copy(req, 12 + pad4(name.length));
  return req;
}

function parseSetup(b: Buffer): X11Setup {
  const vendorLength = b.readUInt16LE(24);
  const screenCount = b[28] ?? 0;
  const formatCount = b[29] ?? 0;
  const vendor = b.toString('latin1', 40, 40 + vendorLength);
  let off = 40 + pad4(vendorLength);
  const pixmapFormats: PixmapFormat[] = [];
  for (let i = 0; i < formatCount; i++, off += 8) {
    pixmapFormats.push({ depth: b[off] ?? 0, bitsPerPixel: b[off + 1] ?? 0, scanlinePad: b[off + 2] ?? 0 });
  }
  const screens: X11Screen[] = [];
  for (let i = 0; i < screenCount; i++) {
    const rootVisualId = b.readUInt32LE(off + 32);
    const depthCount = b[off + 39] ?? 0;
    const screen = {
      root: b.readUInt32LE(off),
      width: b.readUInt16LE(off + 20),
      height: b.readUInt16LE(off + 22),
      widthMm: b.readUInt16LE(off + 24),
      heightMm: b.readUInt16LE(off + 26),
      rootDepth: b[off + 38] ?? 0,
    };
    off += 40;
    let rootVisual: Visual | undefined;
    for (let d = 0; d < depthCount; d++) {
      const visualCount = b.readUInt16LE(off + 2);
      off += 8;
      for (let v = 0; v < visualCount; v++, off += 24) {
        if (b.readUInt32LE(off) === rootVisualId) {
          rootVisual = {
            id: rootVisualId,
            redMask: b.readUInt32LE(off + 8),
            greenMask: b.readUInt32LE(off + 12),
            blueMask: b.readUInt32LE(off + 16),
          };
        }
      }
    }
    screens.push({ ...screen, rootVisual });
  }
  return {
    vendor,
    resourceIdBase: b.readUInt32LE(12),
    resourceIdMask: b.readUInt32LE(16),
    imageByteOrder: b[30] === 0 ? 'lsb' : 'msb',
    minKeycode: b[34] ?? 8,
    maxKeycode: b[35] ?? 255,
    pixmapFormats,
    screens,
  };
}

/**
 * The MIT-MAGIC-COOKIE-1 for this display from $XAUTHORITY or ~/.Xauthority, as Xlib would
 * pick it: an entry for this host (or any host) and this display number (or any number).
 * Undefined when there is none; servers without access control (Xvfb's default) accept that.
 */
function findCookie(address: DisplayAddress): Buffer | undefined {
  const file = process.env.XAUTHORITY || path.join(os.homedir(), '.Xauthority');
  let raw: Buffer;
  try {
    raw = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  const local = address.host === '' || address.host === 'unix' || address.host === 'localhost';
  const host = local ? os.hostname() : address.host;
  let fallback: Buffer | undefined;
  for (const e of readXauthority(raw)) {
    if (e.name !== 'MIT-MAGIC-COOKIE-1') continue;
    if (e.number !== '' && e.number !== String(address.number)) continue;
    const wild = e.family === 0xffff;
    if (wild || (e.family === 256 && e.address === host)) return e.data;
    fallback ??= e.data;
  }
  return fallback;
}

interface XauthEntry {
  readonly family: number;
  readonly address: string;
  readonly number: string;
  readonly name: string;
  readonly data: Buffer;
}

/** Parses an Xauthority file: records of big-endian length-prefixed fields. */
function readXauthority(raw: Buffer): XauthEntry[] {
  const entries: XauthEntry[] = [];
  let off = 0;
  const field = (): Buffer => {
    const n = raw.readUInt16BE(off);
    const v = raw.subarray(off + 2, off + 2 + n);
    off += 2 + n;
    return v;
  };
  try {
    while (off + 2 <= raw.length) {
      const family = raw.readUInt16BE(off);
      off += 2;
      const address = field().toString('latin1');
      const number = field().toString('latin1');
      const name = field().toString('latin1');
      entries.push({ family, address, number, name, data: Buffer.from(field()) });
    }
  } catch {
    // A truncated trailing record: keep what was complete.
  }
  return entries;
}
