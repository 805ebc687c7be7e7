/**
 * Waiting for the screen to settle after an action: no change for a quiet interval, capped.
 *
 * On X11 the change signal is the DAMAGE extension on the root window, on a connection of the
 * settler's own (report level NonEmpty: one DamageNotify each time the damage goes from empty to
 * not empty, re-armed by a DamageSubtract on each notify), so an idle screen costs no grabs at
 * all. Where DAMAGE is missing (Windows, macOS, an X server without it) the capture backend is
 * polled and each frame hashed. One settler serves a whole run: it holds one connection and
 * one event handler, and each call adds nothing that outlives it (the abort listener of its
 * sleeps is removed when they end).
 */
import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { CaptureBackend, CaptureRegion, RawFrame } from './capture-types.js';
import { DamageReportLevel, X11Client } from '../x11/client.js';
import { intersects } from './x11-backend.js';
import { SETTLE_CAP_MS, SETTLE_QUIET_MS } from '../../core/settle-policy.js';
/** A damaged area this thin (pixels, either side) is a caret or a focus line, not a change. */
const CARET_PX = 3;
/** Frame-hash polling interval (the DAMAGE settler does not poll). */
const DEFAULT_POLL_MS = 100;

export type SettleMethod = 'damage' | 'frame-hash';

export interface SettleOptions {
  /** Settled after this long without a change (default SETTLE_QUIET_MS, core/settle-policy.ts). */
  readonly quietMs?: number;
  /** Gives up after this long (default SETTLE_CAP_MS). */
  readonly capMs?: number;
  readonly signal?: AbortSignal;
}

export interface SettleResult {
  /** How long the settle took. */
  readonly ms: number;
  /** The screen stayed unchanged for the quiet interval before the cap. */
  readonly settled: boolean;
  /**
   * Some change was seen since mark() (or since the settle began when nothing was marked). With
   * DAMAGE a change no thicker than a text caret (CARET_PX) does not count: a blinking caret is
   * not the screen answering an action. It still counts against the quiet interval.
   */
  readonly changed: boolean;
}

export interface ScreenSettler {
  readonly method: SettleMethod;
  /** Call just before an action: changes from here on are the action's (SettleResult.changed). */
  mark(): Promise<void>;
  /** Waits until the screen has not changed for the quiet interval, or the cap. Rejects on abort. */
  settle(options?: SettleOptions): Promise<SettleResult>;
  close(): void;
}

export interface SettlerOptions {
  /** Frames for the frame-hash fallback; its region limits what counts as a change. */
  readonly backend: Pick<CaptureBackend, 'grab' | 'region'>;
  /** X DISPLAY for the DAMAGE connection (default the process's). */
  readonly display?: string;
  /** 'auto' (default): DAMAGE when the X server has it (not on Windows / macOS), else the frame hash. */
  readonly method?: 'auto' | SettleMethod;
  /** Frame-hash polling interval (default 100 ms). */
  readonly pollMs?: number;
}

/** Opens a settler: DAMAGE when the display has it (and 'auto' or 'damage' was asked), else frame hashes. */
export async function openSettler(options: SettlerOptions): Promise<ScreenSettler> {
  const method = options.method ?? 'auto';
  // An X server on Windows or macOS (XQuartz, VcXsrv) is not the screen the agent sees.
  const foreign = process.platform === 'win32' || process.platform === 'darwin';
  if (method === 'damage' || (method === 'auto' && !foreign)) {
    const damage = await openDamageSettler(options.backend.region, options.display);
    if (damage) return damage;
    if (method === 'damage') throw new Error('the X server has no DAMAGE extension (or there is no X display)');
  }
  return new FrameHashSettler(options.backend, options.pollMs ?? DEFAULT_POLL_MS);
}

/** A hash of a frame's pixels: equal hashes, same picture. */
export function frameHash(frame: Pick<RawFrame, 'data'>): string {
  return createHash('sha1').update(frame.data).digest('base64');
}

/** Waits `ms`; on abort rejects with the signal's reason (the caller's "stopped by …"), not an AbortError. */
async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await delay(Math.max(0, ms), undefined, { signal });
  } catch (err) {
    signal?.throwIfAborted();
    throw err;
  }
}

const limits = (o: SettleOptions) => ({
  quietMs: Math.max(0, o.quietMs ?? SETTLE_QUIET_MS),
  capMs: Math.max(0, o.capMs ?? SETTLE_CAP_MS),
});

async function openDamageSettler(region: CaptureRegion, display: string | undefined): Promise<ScreenSettler | null> {
  let client: X11Client;
  try {
    client = await X11Client.connect(display ?? process.env.DISPLAY, 2000);
  } catch {
    return null;
  }
  try {
    if (!(await client.damageVersion())) {
      client.close();
      return null;
    }
    const damage = await client.createDamage(client.screen.root, DamageReportLevel.NonEmpty);
    return new DamageSettler(client, damage, region);
  } catch {
    client.close();
    return null;
  }
}

class DamageSettler implements ScreenSettler {
  readonly method = 'damage';
  /** performance.now() when the last DamageNotify inside the region arrived. */
  private lastChange = -Infinity;
  /** The same, for damage larger than a caret. */
  private lastRealChange = -Infinity;
  private markedAt: number | null = null;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly client: X11Client,
    private readonly damage: number,
    private readonly region: CaptureRegion,
  ) {
    this.unsubscribe = client.onDamageNotify((e) => {
      if (e.damage !== damage) return;
      // Re-arm: the next drawing sends a new notify (NonEmpty reports only empty → not empty).
      client.subtractDamage(damage);
      if (!intersects(e.area, region)) return;
      this.lastChange = performance.now();
      if (e.area.width > CARET_PX && e.area.height > CARET_PX) this.lastRealChange = this.lastChange;
    });
    // Drawing before the damage existed is not reported; start armed.
    client.subtractDamage(damage);
  }

  async mark(): Promise<void> {
    // A round trip: notifies for everything drawn before now have arrived once it returns.
    await this.client.sync();
    this.markedAt = performance.now();
  }

  async settle(options: SettleOptions = {}): Promise<SettleResult> {
    const { quietMs, capMs } = limits(options);
    const start = performance.now();
    const since = this.markedAt ?? start;
    this.markedAt = null;
    const result = (settled: boolean): SettleResult => ({
      ms: performance.now() - start,
      settled,
      changed: this.lastRealChange >= since,
    });
    // The quiet interval counts from the settle's start at the earliest: an application often
    // starts redrawing some time after the input reached it.
    for (;;) {
      options.signal?.throwIfAborted();
      await this.client.sync();
      const now = performance.now();
      const quietFrom = Math.max(start, this.lastChange);
      if (now - quietFrom >= quietMs) return result(true);
      if (now - start >= capMs) return result(false);
      await sleep(Math.min(quietFrom + quietMs, start + capMs) - now, options.signal);
    }
  }

  close(): void {
    this.unsubscribe();
    try {
      this.client.destroyDamage(this.damage);
    } finally {
      this.client.close();
    }
  }
}

class FrameHashSettler implements ScreenSettler {
  readonly method = 'frame-hash';
  private marked: string | null = null;

  constructor(
    private readonly backend: Pick<CaptureBackend, 'grab'>,
    private readonly pollMs: number,
  ) {}

  private async hash(): Promise<string> {
    return frameHash(await this.backend.grab());
  }

  async mark(): Promise<void> {
    this.marked = await this.hash();
  }

  async settle(options: SettleOptions = {}): Promise<SettleResult> {
    const { quietMs, capMs } = limits(options);
    const start = performance.now();
    let last = await this.hash();
    let changed = this.marked !== null && this.marked !== last;
    this.marked = null;
    let quietFrom = start;
    for (;;) {
      const now = performance.now();
      if (now - quietFrom >= quietMs) return { ms: now - start, settled: true, changed };
      if (now - start >= capMs) return { ms: now - start, settled: false, changed };
      await sleep(Math.min(this.pollMs, quietFrom + quietMs - now, start + capMs - now), options.signal);
      const hash = await this.hash();
      if (hash !== last) {
        last = hash;
        changed = true;
        quietFrom = performance.now();
      }
    }
  }

  close(): void {}
}
