/**
 * A thin, typed client for the AT-SPI accessibility bus, on top of dbus-next.
 *
 * Raw method calls (`MessageBus.call`) instead of dbus-next proxy objects: a proxy
 * introspects every object it is made for, one extra round trip per element, and a hit test
 * touches a dozen elements.
 */
import { Message, sessionBus, type MessageBus, type Variant } from 'dbus-next';

/** An accessible object: the unique bus name of its application and its object path. */
export interface AccessibleRef {
  readonly bus: string;
  readonly path: string;
}

/** Component extents in screen pixels (AT-SPI's x, y, width, height). */
export interface Extents {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** The registry's desktop object: its children are the accessible applications. */
export const DESKTOP: AccessibleRef = { bus: 'org.a11y.atspi.Registry', path: '/org/a11y/atspi/accessible/root' };

/** AT-SPI state bits (AtspiStateType) the hit test and the element list look at. */
export const State = {
  ACTIVE: 1,
  CHECKED: 4,
  EDITABLE: 7,
  ENABLED: 8,
  EXPANDED: 10,
  FOCUSED: 12,
  ICONIFIED: 15,
  PRESSED: 20,
  SELECTED: 23,
  SENSITIVE: 24,
  SHOWING: 25,
  VISIBLE: 30,
} as const;

/** What one `Properties.GetAll` on the Accessible interface tells about an object. */
export interface AccessibleInfo {
  readonly name: string;
  /** Often the tooltip of a toolbar button. */
  readonly description: string;
  readonly childCount: number;
}

const ACCESSIBLE = 'org.a11y.atspi.Accessible';
const COMPONENT = 'org.a11y.atspi.Component';
const NULL_PATH = '/org/a11y/atspi/null';
const COORD_TYPE_SCREEN = 0;
/** Toolkits report hidden or unplaced widgets at INT_MIN (seen from GTK scroll bars). */
const INT_MIN = -2147483648;

type Body = unknown[];

/**
 * Asks the session bus's org.a11y.Bus (at-spi-bus-launcher) where the accessibility bus is.
 * dbus-next leaves a call pending forever when the peer never answers (or the socket never
 * connects), hence the timeout, which also closes the session connection.
 */
async function accessibilityBusAddress(sessionAddress: string | undefined, timeoutMs: number): Promise<string> {
  const session = sessionBus(sessionAddress ? { busAddress: sessionAddress } : undefined);
  let timer: NodeJS.Timeout | undefined;
  try {
    const reply = await Promise.race([
      session.call(
        new Message({
          destination: 'org.a11y.Bus',
          path: '/org/a11y/bus',
          interface: 'org.a11y.Bus',
          member: 'GetAddress',
        }),
      ),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('org.a11y.Bus.GetAddress did not answer')), timeoutMs);
        session.on('error', reject); // e.g. no socket there
      }),
    ]);
    const address = reply?.body[0];
    if (typeof address !== 'string' || address === '') throw new Error('org.a11y.Bus.GetAddress gave no address');
    return address;
  } finally {
    clearTimeout(timer);
    session.disconnect();
  }
}

/**
 * The same Unix socket address in the form dbus-next opens with Node's own `net` socket
 * (`socket=`) rather than the native `usocket` module it uses for `path=` and `abstract=`:
 * usocket writes every message with a blocking system call of its own, which was the largest
 * cost of this process in a walk of a window's thousand calls (the grounding bench), while
 * `net` batches writes. AT-SPI passes no file descriptors, the one thing usocket is for.
 */
export function viaNodeSocket(address: string): string {
  return address
    .split(';')
    .map((one) => {
      const match = /^unix:(.*)$/.exec(one);
      if (!match) return one;
      const params = match[1]!.split(',');
      const rewritten = params.map((p) =>
        p.startsWith('path=') ? `socket=${p.slice(5)}` : p.startsWith('abstract=') ? `socket=\0${p.slice(9)}` : p,
      );
      return `unix:${rewritten.join(',')}`;
    })
    .join(';');
}

export class AtspiBus {
  private closed = false;

  private constructor(private readonly bus: MessageBus) {}

  /**
   * Connects to the accessibility bus of the session bus at `sessionAddress` (default:
   * DBUS_SESSION_BUS_ADDRESS). `onError` hears connection failures after connecting.
   */
  static async connect(
    sessionAddress: string | undefined,
    onError: (err: unknown) => void,
    timeoutMs = 3000,
  ): Promise<AtspiBus> {
    const address = await accessibilityBusAddress(sessionAddress, timeoutMs);
    const bus = sessionBus({ busAddress: viaNodeSocket(address) });
    const client = new AtspiBus(bus);
    bus.on('error', (err: unknown) => {
      client.closed = true;
      onError(err);
    });
    return client;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.bus.disconnect();
  }

  private async call(
    ref: AccessibleRef,
    iface: string,
    member: string,
    signature?: string,
    body?: Body,
  ): Promise<Body> {
    const msg = new Message({ destination: ref.bus, path: ref.path, interface: iface, member, signature, body });
    const reply = await this.bus.call(msg);
    return reply?.body ?? [];
  }

  /** The process behind an application's bus name (the D-Bus daemon knows it), or null. */
  async processId(busName: string): Promise<number | null> {
    const msg = new Message({
      destination: 'org.freedesktop.DBus',
      path: '/org/freedesktop/DBus',
      interface: 'org.freedesktop.DBus',
      member: 'GetConnectionUnixProcessID',
      signature: 's',
      body: [busName],
    });
    const reply = await this.bus.call(msg);
    const pid = reply?.body[0];
    return typeof pid === 'number' ? pid : null;
  }

  async children(ref: AccessibleRef): Promise<AccessibleRef[]> {
    const [list] = await this.call(ref, ACCESSIBLE, 'GetChildren');
    return Array.isArray(list) ? list.map(toRef).filter((r): r is AccessibleRef => r !== null) : [];
  }

  async name(ref: AccessibleRef): Promise<string> {
    const [variant] = await this.call(ref, 'org.freedesktop.DBus.Properties', 'Get', 'ss', [ACCESSIBLE, 'Name']);
    const value = (variant as Variant | undefined)?.value;
    return typeof value === 'string' ? value : '';
  }

  /** Name, description and child count in one round trip. */
  async info(ref: AccessibleRef): Promise<AccessibleInfo> {
    const [props] = await this.call(ref, 'org.freedesktop.DBus.Properties', 'GetAll', 's', [ACCESSIBLE]);
    const value = (key: string): unknown => (props as Record<string, Variant | undefined> | undefined)?.[key]?.value;
    const name = value('Name');
    const description = value('Description');
    const childCount = value('ChildCount');
    return {
      name: typeof name === 'string' ? name : '',
      description: typeof description === 'string' ? description : '',
      childCount: typeof childCount === 'number' ? childCount : 0,
    };
  }

  async roleName(ref: AccessibleRef): Promise<string> {
    const [role] = await this.call(ref, ACCESSIBLE, 'GetRoleName');
    return typeof role === 'string' ? role : '';
  }

  /** The object's AT-SPI states (AtspiStateType numbers). */
  async states(ref: AccessibleRef): Promise<ReadonlySet<number>> {
    const [words] = await this.call(ref, ACCESSIBLE, 'GetState');
    const set = new Set<number>();
    (Array.isArray(words) ? (words as number[]) : []).forEach((word, i) => {
      for (let bit = 0; bit < 32; bit++) if ((word >>> bit) & 1) set.add(i * 32 + bit);
    });
    return set;
  }

  /** Screen extents, or null for objects without a Component or without a place on screen. */
  async extents(ref: AccessibleRef): Promise<Extents | null> {
    let body: Body;
    try {
      body = await this.call(ref, COMPONENT, 'GetExtents', 'u', [COORD_TYPE_SCREEN]);
    } catch {
      return null; // not a Component (e.g. the application object)
    }
    const [x, y, width, height] = (body[0] as number[] | undefined) ?? [];
    if (x === undefined || y === undefined || width === undefined || height === undefined) return null;
    if (x === INT_MIN || y === INT_MIN || width <= 0 || height <= 0) return null;
    return { x, y, width, height };
  }

  /** The toolkit's own hit test among the object's descendants, in screen coordinates. */
  async accessibleAtPoint(ref: AccessibleRef, x: number, y: number): Promise<AccessibleRef | null> {
    const [found] = await this.call(ref, COMPONENT, 'GetAccessibleAtPoint', 'iiu', [x, y, COORD_TYPE_SCREEN]);
    return toRef(found);
  }
}

function toRef(value: unknown): AccessibleRef | null {
  if (!Array.isArray(value)) return null;
  const [bus, path] = value as unknown[];
  if (typeof bus !== 'string' || typeof path !== 'string' || bus === '' || path === NULL_PATH) return null;
  return { bus, path };
}

/**
 * One accessibility-bus connection made on first use and shared by its callers, dropped when it
 * fails so that the next `get()` reconnects (e.g. after the session's accessibility bus
 * restarted). `close()` does not wait for a connection still being made: it closes itself when
 * it completes.
 */
export class AtspiConnection {
  private connection: Promise<AtspiBus> | null = null;
  private connected: AtspiBus | null = null;
  private closed = false;

  /** `sessionAddress`: the session bus whose at-spi-bus-launcher to ask; default DBUS_SESSION_BUS_ADDRESS. */
  constructor(private readonly sessionAddress?: string) {}

  get isClosed(): boolean {
    return this.closed;
  }

  get(): Promise<AtspiBus> {
    if (this.closed) return Promise.reject(new Error('the accessibility connection is closed'));
    if (this.connection) return this.connection;
    const attempt: Promise<AtspiBus> = AtspiBus.connect(this.sessionAddress, () => {
      if (this.connection === attempt) this.connection = null;
    }).then((bus) => {
      if (this.closed) bus.close();
      else this.connected = bus;
      return bus;
    });
    attempt.catch(() => {
      if (this.connection === attempt) this.connection = null;
    });
    this.connection = attempt;
    return attempt;
  }

  close(): void {
    this.closed = true;
    this.connection = null;
    this.connected?.close();
    this.connected = null;
  }
}

/**
 * Runs `work` against a deadline: its result, or `fallback` once `deadlineMs` have passed
 * (or when it fails). `work` gets a `cancelled()` to stop its walk once nobody waits for it.
 */
export function withDeadline<T>(
  work: (cancelled: () => boolean) => Promise<T>,
  deadlineMs: number,
  fallback: T,
): Promise<T> {
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<T>((resolve) => {
    timer = setTimeout(() => {
      timedOut = true;
      resolve(fallback);
    }, deadlineMs);
  });
  const run = work(() => timedOut).catch(() => fallback);
  return Promise.race([run, deadline]).finally(() => clearTimeout(timer));
}
