/**
 * Screen capture and frame encoding against a real X server (Xvfb) showing known pixels:
 * a 640×480 root background of four coloured quadrants.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import sharp from 'sharp';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseBackend } from '../../src/platform/capture/backend.js';
import type { RawFrame } from '../../src/platform/capture/capture-types.js';
import { FrameEncoder } from '../../src/platform/capture/encoder.js';
import { FrameCapture, type CapturedFrame } from '../../src/platform/capture/frame-capture.js';
import { readScreenLayout, screenGeometry } from '../../src/platform/capture/screen-layout.js';
import { openX11Backend } from '../../src/platform/capture/x11-backend.js';
import { DamageReportLevel, X11Client, type DamageNotify } from '../../src/platform/x11/client.js';
import { exec, startDisplay, type XSession } from '../support/xsession.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WIDTH = 640;
const HEIGHT = 480;
type Rgb = [number, number, number];
const RED: Rgb = [255, 0, 0];
const GREEN: Rgb = [0, 255, 0];
const BLUE: Rgb = [0, 0, 255];
const WHITE: Rgb = [255, 255, 255];
/** One point inside each quadrant: top-left red, top-right green, bottom-left blue, bottom-right white. */
const QUADRANTS: Array<[number, number, Rgb]> = [
  [10, 10, RED],
  [630, 10, GREEN],
  [10, 470, BLUE],
  [630, 470, WHITE],
];

function rgbAt(frame: Pick<RawFrame, 'data' | 'width' | 'format'>, x: number, y: number): Rgb {
  const i = (y * frame.width + x) * 4;
  const [a, g, b] = [frame.data[i]!, frame.data[i + 1]!, frame.data[i + 2]!];
  return frame.format === 'rgba' ? [a, g, b] : [b, g, a];
}

function expectQuadrants(frame: Pick<RawFrame, 'data' | 'width' | 'format'>): void {
  for (const [x, y, rgb] of QUADRANTS) expect(rgbAt(frame, x, y), `pixel ${x},${y}`).toEqual(rgb);
}

/** A node process's stdout (JSON), for code that must not run in the test process. */
function runNode(args: string[], env: NodeJS.ProcessEnv): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, cwd: ROOT });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out) as unknown) : reject(new Error(`exit ${code}: ${err}`)),
    );
  });
}

let session: XSession;
let tmp: string;

beforeAll(async () => {
  session = await startDisplay({ width: WIDTH, height: HEIGHT });
  // Under the repository (test-output/ is ignored) so compiled code there resolves packages.
  mkdirSync(join(ROOT, 'test-output'), { recursive: true });
  tmp = await mkdtemp(join(ROOT, 'test-output', 'capture-'));
  const quad = join(tmp, 'quadrants.png');
  const half = (rgb: Rgb) =>
    sharp({ create: { width: 320, height: 240, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
      .png()
      .toBuffer();
  await sharp({ create: { width: WIDTH, height: HEIGHT, channels: 3, background: '#000' } })
    .composite([
      { input: await half(RED), left: 0, top: 0 },
      { input: await half(GREEN), left: 320, top: 0 },
      { input: await half(BLUE), left: 0, top: 240 },
      { input: await half(WHITE), left: 320, top: 240 },
    ])
    .png()
    .toFile(quad);
  await showOnRoot(quad);
}, 60_000);

/** Makes `png` the root window's background (ImageMagick `display`, which exits 1 after doing so). */
async function showOnRoot(png: string): Promise<void> {
  await exec(session, 'display', ['-window', 'root', png]).catch(() => undefined);
}

/** A bare private Xvfb (no window manager), e.g. with some extension switched off. */
async function bareXvfb(args: string[]): Promise<{ display: string; stop(): void }> {
  const xvfb = spawn('Xvfb', ['-displayfd', '1', ...args, '-nolisten', 'tcp'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const number = await new Promise<string>((resolve, reject) => {
    xvfb.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
    xvfb.once('exit', (code) => reject(new Error(`Xvfb exited (${code})`)));
  });
  return { display: `:${number}`, stop: () => xvfb.kill() };
}

afterAll(async () => {
  await session?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** Every frame the capture delivers from now on, appended as it arrives. */
function collectFrames(capture: FrameCapture): CapturedFrame[] {
  const frames: CapturedFrame[] = [];
  const next = (): void => {
    capture.nextFrame().then(
      (f) => {
        frames.push(f);
        next();
      },
      () => undefined,
    );
  };
  next();
  return frames;
}

describe('capture backends', () => {
  it('x11: GetImage over the socket returns the root window as BGRA', async () => {
    const backend = await openX11Backend({ display: session.display });
    try {
      const frame = await backend.grab();
      expect({ width: frame.width, height: frame.height, format: frame.format, bytes: frame.data.length }).toEqual({
        width: WIDTH,
        height: HEIGHT,
        format: 'bgra',
        bytes: WIDTH * HEIGHT * 4,
      });
      expectQuadrants(frame);
    } finally {
      backend.close();
    }
  });

  it('x11: a region grabs only that rectangle', async () => {
    const backend = await openX11Backend({
      display: session.display,
      region: { x: 310, y: 230, width: 20, height: 20 },
    });
    try {
      const frame = await backend.grab();
      expect([frame.width, frame.height]).toEqual([20, 20]);
      expect(rgbAt(frame, 0, 0)).toEqual(RED);
      expect(rgbAt(frame, 19, 0)).toEqual(GREEN);
      expect(rgbAt(frame, 0, 19)).toEqual(BLUE);
      expect(rgbAt(frame, 19, 19)).toEqual(WHITE);
    } finally {
      backend.close();
    }
  });

  it('auto picks x11 first and says so', async () => {
    const { backend, frame, skipped } = await chooseBackend('auto', { display: session.display });
    backend.close();
    expect([backend.name, skipped]).toEqual(['x11', []]);
    expectQuadrants(frame);
  });

  it('auto falls back past a backend that fails, reporting why', async () => {
    // nut-js and screenshot-desktop grab the process's DISPLAY, so on a display that is not
    // the process's they refuse; an unreachable display leaves nothing to fall back to.
    const err = await chooseBackend('auto', { display: ':64999' }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(
      /^no screen capture backend works \(x11: cannot connect to the X server on :64999 \(ENOENT\); nutjs: .*; screenshot-desktop: .*\)$/,
    );
  });

  it('screenshot-desktop: ImageMagick import, decoded to RGBA', async () => {
    const saved = process.env.DISPLAY;
    process.env.DISPLAY = session.display; // it runs xrandr and import with this environment
    try {
      const { backend, frame } = await chooseBackend('screenshot-desktop');
      expect([backend.name, frame.width, frame.height, frame.format]).toEqual([
        'screenshot-desktop',
        WIDTH,
        HEIGHT,
        'rgba',
      ]);
      expectQuadrants(frame);
    } finally {
      process.env.DISPLAY = saved;
    }
  });

  it('nutjs: libnut grab, BGRA (in a child: libnut keeps an Xlib connection that would take this process down with the display)', async () => {
    const code = `
      import { chooseBackend } from ${JSON.stringify(pathToFileURL(join(ROOT, 'src/platform/capture/backend.ts')).href)};
      const { backend, frame } = await chooseBackend('nutjs');
      const px = (x, y) => [...frame.data.subarray((y * frame.width + x) * 4, (y * frame.width + x) * 4 + 3)];
      console.log(JSON.stringify({ name: backend.name, width: frame.width, height: frame.height, format: frame.format,
        pixels: ${JSON.stringify(QUADRANTS.map(([x, y]) => [x, y]))}.map(([x, y]) => px(x, y)) }));
      process.exit(0);`;
    const got = await runNode(['--import', 'tsx', '--input-type=module', '-e', code], session.env);
    expect(got).toEqual({
      name: 'nutjs',
      width: WIDTH,
      height: HEIGHT,
      format: 'bgra',
      pixels: QUADRANTS.map(([, , [r, g, b]]) => [b, g, r]),
    });
  });
});

describe('X11 connection', () => {
  it('authenticates with the MIT-MAGIC-COOKIE-1 from $XAUTHORITY when the server requires one', async () => {
    const cookie = createHash('md5').update(String(Math.random())).digest('hex');
    const serverAuth = join(tmp, 'server.auth');
    const clientAuth = join(tmp, 'client.auth');
    await exec(session, 'xauth', ['-f', serverAuth, 'add', ':0', '.', cookie]);
    const xvfb = spawn(
      'Xvfb',
      ['-displayfd', '1', '-auth', serverAuth, '-screen', '0', '64x48x24', '-nolisten', 'tcp'],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    const saved = process.env.XAUTHORITY;
    try {
      const number = await new Promise<string>((resolve) =>
        xvfb.stdout.once('data', (d: Buffer) => resolve(d.toString().trim())),
      );
      const display = `:${number}`;
      process.env.XAUTHORITY = join(tmp, 'none.auth');
      await expect(X11Client.connect(display)).rejects.toThrow(
        `the X server on ${display} refused the connection: Authorization required`,
      );
      await exec(session, 'xauth', ['-f', clientAuth, 'add', display, '.', cookie]);
      process.env.XAUTHORITY = clientAuth;
      const client = await X11Client.connect(display);
      expect([client.screen.width, client.screen.height]).toEqual([64, 48]);
      client.close();
    } finally {
      process.env.XAUTHORITY = saved;
      if (saved === undefined) delete process.env.XAUTHORITY;
      xvfb.kill();
    }
  });
});

describe('X11 DAMAGE', () => {
  it('reports drawing on the root window once per Subtract (NonEmpty), in stream order', async () => {
    const client = await X11Client.connect(session.display);
    try {
      expect(await client.damageVersion()).toEqual({ major: 1, minor: 1 });
      const events: DamageNotify[] = [];
      client.onDamageNotify((e) => events.push(e));
      // A round trip: every event the server sent before it has been handled when it resolves.
      const sync = () => client.getImage(client.screen.root, 0, 0, 1, 1);
      const damage = await client.createDamage(client.screen.root, DamageReportLevel.NonEmpty);
      client.subtractDamage(damage);
      await sync();
      events.length = 0;

      await exec(session, 'xsetroot', ['-solid', '#204060']);
      await sync();
      expect(events).toEqual([
        expect.objectContaining({
          damage,
          drawable: client.screen.root,
          level: DamageReportLevel.NonEmpty,
          geometry: { x: 0, y: 0, width: WIDTH, height: HEIGHT },
        }),
      ]);
      // Still damaged: more drawing reports nothing until the damage is subtracted.
      await exec(session, 'xsetroot', ['-solid', '#204061']);
      await sync();
      expect(events).toHaveLength(1);
      client.subtractDamage(damage);
      await sync();
      expect(events).toHaveLength(1);
      await exec(session, 'xsetroot', ['-solid', '#204062']);
      await sync();
      expect(events).toHaveLength(2);
      // The pointer is not part of the screen's pixels: moving it damages nothing.
      client.subtractDamage(damage);
      await exec(session, 'xdotool', ['mousemove', '--sync', '100', '100']);
      await exec(session, 'xdotool', ['mousemove', '--sync', '300', '200']);
      await sync();
      expect(events).toHaveLength(2);

      // A refused request without a reply still fails its caller, and the connection goes on.
      await expect(client.createDamage(0x12345, DamageReportLevel.NonEmpty)).rejects.toThrow(
        /^X11 error 9 for request opcode \d+$/, // BadDrawable
      );
      expect((await sync()).data.length).toBe(4);
      client.destroyDamage(damage);
    } finally {
      client.close();
      await showOnRoot(join(tmp, 'quadrants.png'));
    }
  });

  it('a server without DAMAGE says so', async () => {
    const x = await bareXvfb(['-extension', 'DAMAGE', '-screen', '0', '64x48x24']);
    try {
      const client = await X11Client.connect(x.display);
      expect(await client.damageVersion()).toBeNull();
      await expect(client.createDamage(client.screen.root, DamageReportLevel.NonEmpty)).rejects.toThrow(
        'the X server has no DAMAGE extension',
      );
      const backend = await openX11Backend({ display: x.display });
      expect(await backend.trackChanges()).toBeNull();
      backend.close();
      client.close();
    } finally {
      x.stop();
    }
  });
});

describe('FrameCapture', () => {
  it('keeps the latest frame, detects unchanged screens and follows changes', async () => {
    const capture = new FrameCapture({ display: session.display, fps: 20 });
    try {
      const info = await capture.start();
      expect(info).toMatchObject({
        backend: 'x11',
        changeDetection: 'damage',
        skipped: [],
        region: { x: 0, y: 0, width: WIDTH, height: HEIGHT },
        geometry: {
          physical: { width: WIDTH, height: HEIGHT },
          logical: { width: WIDTH, height: HEIGHT },
          scaleFactor: 1,
          origin: { x: 0, y: 0 },
        },
        layout: { desktop: { width: WIDTH, height: HEIGHT } },
      });

      const first = capture.latest() ?? (await capture.nextFrame());
      expect(first.changed).toBe(true);
      expect(first.hash).toBe(createHash('sha1').update(first.data).digest('hex'));
      expectQuadrants(first);
      // FrameCapture frames live in shared memory: encoders read them without a copy.
      expect(first.data.buffer).toBeInstanceOf(SharedArrayBuffer);

      const second = await capture.nextFrame();
      expect(second.id).toBeGreaterThan(first.id);
      expect(second).toMatchObject({ changed: false, hash: first.hash });
      expect(second.data).toBe(first.data);

      await exec(session, 'xsetroot', ['-solid', '#123456']);
      let next: CapturedFrame;
      do next = await capture.nextFrame();
      while (!next.changed);
      expect(next.hash).not.toBe(first.hash);
      expect(rgbAt(next, 320, 240)).toEqual([0x12, 0x34, 0x56]);
      expect(capture.latest()).toBe(next);
      expect(capture.frameAt(next.capturedAt)).toBe(next);
      expect(capture.frameAt(next.capturedAt - 1)!.id).toBeLessThan(next.id);
      expect(capture.lastError).toBeNull();

      await capture.stop();
      const last = capture.latest();
      await new Promise((r) => setTimeout(r, 150));
      expect(capture.latest()).toBe(last);
    } finally {
      await capture.stop();
      await showOnRoot(join(tmp, 'quadrants.png'));
    }
  });

  it('with DAMAGE grabs only when the screen changes, and at once', async () => {
    const capture = new FrameCapture({ display: session.display, fps: 20 });
    try {
      expect((await capture.start()).changeDetection).toBe('damage');
      // The probe frame, then one grab at once (frames before tracking began may be stale).
      const first = capture.latest() ?? (await capture.nextFrame());
      const settled = first.id < 2 ? await capture.nextFrame() : capture.latest()!;
      expect(settled.hash).toBe(first.hash);

      // An unchanged screen: polling at 20 fps would grab ~20 frames a second; with damage the
      // only grab due is the safety grab, SAFETY_GRAB_MS (5 s) after the last.
      const frames = collectFrames(capture);
      await new Promise((r) => setTimeout(r, 1500));
      expect(frames.length).toBeLessThanOrEqual(1);

      // A change: a damage-prompted grab shows it (an unprompted one would have switched the
      // capture to polling: drawing that DAMAGE did not report).
      const seen = frames.length;
      await exec(session, 'xsetroot', ['-solid', '#654321']);
      let next: CapturedFrame;
      do next = await capture.nextFrame();
      while (!next.changed);
      expect(frames.length - seen).toBeLessThanOrEqual(2); // at most a safety grab before it
      expect(rgbAt(next, 320, 240)).toEqual([0x65, 0x43, 0x21]);
      expect(capture.latest()).toBe(next);
      expect(capture.info?.changeDetection).toBe('damage');

      // Drawing that leaves the pixels as they were (xrefresh maps and unmaps a window over
      // everything): grabbed, found unchanged, and still damage-driven.
      await exec(session, 'xrefresh', []);
      let same: CapturedFrame;
      do same = await capture.nextFrame();
      while (same.id <= next.id);
      expect(same).toMatchObject({ changed: false, hash: next.hash });
      expect(capture.info?.changeDetection).toBe('damage');
      expect(capture.lastError).toBeNull();
    } finally {
      await capture.stop();
      await showOnRoot(join(tmp, 'quadrants.png'));
    }
  });

  it('with DAMAGE still grabs at most `fps` frames a second', async () => {
    const capture = new FrameCapture({ display: session.display, fps: 5 });
    try {
      await capture.start();
      const frames = collectFrames(capture);
      // Ninety changes as fast as xsetroot goes.
      await exec(session, 'sh', ['-c', 'for i in $(seq 10 99); do xsetroot -solid "#0000$i"; done']);
      let last: CapturedFrame;
      do last = await capture.nextFrame();
      while (rgbAt(last, 320, 240)[2] !== 0x99);
      expect(frames.filter((f) => f.changed).length).toBeGreaterThanOrEqual(2);
      // Grabs start at least 1/fps apart (capturedAt is when a grab was requested).
      for (let i = 1; i < frames.length; i++) {
        expect(frames[i]!.capturedAt - frames[i - 1]!.capturedAt).toBeGreaterThanOrEqual(200 - 2);
      }
      expect(capture.info?.changeDetection).toBe('damage');
    } finally {
      await capture.stop();
      await showOnRoot(join(tmp, 'quadrants.png'));
    }
  });

  it('reuses a few frame buffers over many changes; a frame still held keeps its pixels', async () => {
    const capture = new FrameCapture({ display: session.display, fps: 20 });
    try {
      await capture.start();
      await exec(session, 'xsetroot', ['-solid', '#010203']);
      let held: CapturedFrame;
      do held = await capture.nextFrame();
      while (rgbAt(held, 320, 240)[2] !== 0x03);
      // Many changed frames, each dropped once seen: their buffers go back to the pool, so
      // the pool stays at a few buffers instead of one per change (8 MB each at 1080p).
      const changes = 40;
      for (let i = 10; i < 10 + changes; i++) {
        await exec(session, 'xsetroot', ['-solid', `#00${i}00`]);
        let next: CapturedFrame;
        do next = await capture.nextFrame();
        while (rgbAt(next, 320, 240)[1] !== Number.parseInt(String(i), 16));
        expect(next.hash).toBe(createHash('sha1').update(next.data).digest('hex'));
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(capture.bufferCount).toBeGreaterThan(1);
      expect(capture.bufferCount).toBeLessThanOrEqual(16);
      // The frame kept all along was never refilled.
      expect(rgbAt(held, 320, 240)).toEqual([0x01, 0x02, 0x03]);
      expect(createHash('sha1').update(held.data).digest('hex')).toBe(held.hash);
    } finally {
      await capture.stop();
      await showOnRoot(join(tmp, 'quadrants.png'));
    }
  });

  it('polls at the set rate where the X server lacks DAMAGE', async () => {
    const x = await bareXvfb(['-extension', 'DAMAGE', '-screen', '0', '64x48x24']);
    const capture = new FrameCapture({ display: x.display, fps: 20 });
    try {
      const info = await capture.start();
      expect([info.backend, info.changeDetection]).toEqual(['x11', 'polling']);
      const first = capture.latest() ?? (await capture.nextFrame());
      // Nothing changes, yet grabs go on.
      let last = first;
      for (let i = 0; i < 3; i++) last = await capture.nextFrame();
      expect(last.id).toBe(first.id + 3);
      expect(last).toMatchObject({ changed: false, hash: first.hash });
    } finally {
      await capture.stop();
      x.stop();
    }
  });

  it('captures one RandR monitor and reports its geometry and the Xft.dpi scale', async () => {
    await exec(session, 'xrandr', ['--setmonitor', 'left', '320/85x480/127+0+0', 'none']);
    await exec(session, 'xrandr', ['--setmonitor', 'right', '320/85x480/127+320+0', 'none']);
    await exec(session, 'sh', ['-c', 'echo "Xft.dpi: 192" | xrdb -merge']);
    try {
      const layout = await readScreenLayout(session.display);
      expect(layout.scaleFactor).toBe(2);
      expect(layout.monitors.map((m) => [m.name, m.x, m.y, m.width, m.height])).toEqual(
        expect.arrayContaining([
          ['left', 0, 0, 320, 480],
          ['right', 320, 0, 320, 480],
        ]),
      );

      const capture = new FrameCapture({ display: session.display, monitor: 'right' });
      try {
        const info = await capture.start();
        expect(info.region).toEqual({ x: 320, y: 0, width: 320, height: 480 });
        expect(info.geometry).toEqual(screenGeometry(info.region, 2));
        expect(info.geometry).toEqual({
          physical: { width: 320, height: 480 },
          logical: { width: 160, height: 240 },
          scaleFactor: 2,
          origin: { x: 160, y: 0 },
        });
        const frame = capture.latest() ?? (await capture.nextFrame());
        expect([frame.width, frame.height]).toEqual([320, 480]);
        expect(rgbAt(frame, 5, 5)).toEqual(GREEN);
        expect(rgbAt(frame, 5, 475)).toEqual(WHITE);
      } finally {
        await capture.stop();
      }
      await expect(new FrameCapture({ display: session.display, monitor: 'nope' }).start()).rejects.toThrow(
        /no monitor "nope" \(monitors: .*left.*right/,
      );
    } finally {
      await exec(session, 'xrandr', ['--delmonitor', 'left']);
      await exec(session, 'xrandr', ['--delmonitor', 'right']);
      await exec(session, 'xrdb', ['-remove']);
    }
  });
});

describe('FrameEncoder', () => {
  let encoder: FrameEncoder;
  beforeAll(() => {
    encoder = new FrameEncoder({ workers: 2 });
  });
  afterAll(async () => encoder?.close());

  async function grab(): Promise<RawFrame> {
    const backend = await openX11Backend({ display: session.display });
    try {
      return await backend.grab();
    } finally {
      backend.close();
    }
  }

  it('writes a PNG atomically with its size and sha256, pixels intact', async () => {
    const frame = await grab();
    const dir = join(tmp, 'png');
    const path = join(dir, 'nested', 'frame.png');
    const image = await encoder.encode(frame, path);
    const file = readFileSync(path);
    expect(image).toEqual({
      path,
      format: 'png',
      bytes: file.length,
      width: WIDTH,
      height: HEIGHT,
      sha256: createHash('sha256').update(file).digest('hex'),
    });
    expect(readdirSync(join(dir, 'nested'))).toEqual(['frame.png']); // no .tmp left behind
    const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([WIDTH, HEIGHT, 3]);
    // Every pixel, not just samples: the BGRA → RGB conversion is exact.
    const expected = Buffer.alloc(WIDTH * HEIGHT * 3);
    for (let i = 0; i < WIDTH * HEIGHT; i++) {
      expected[i * 3] = frame.data[i * 4 + 2]!;
      expected[i * 3 + 1] = frame.data[i * 4 + 1]!;
      expected[i * 3 + 2] = frame.data[i * 4]!;
    }
    expect(data.equals(expected)).toBe(true);
    expect(rgbAt({ data: frame.data, width: WIDTH, format: 'bgra' }, 630, 10)).toEqual(GREEN);
    expect(frame.data.length).toBe(WIDTH * HEIGHT * 4); // the caller's buffer was copied, not detached
  });

  it('encodes WebP and JPEG by extension, several jobs in flight, and RGBA input', async () => {
    const frame = await grab();
    const rgba: RawFrame = { ...frame, format: 'rgba', data: Buffer.alloc(frame.data.length) };
    for (let i = 0; i < frame.data.length; i += 4) {
      rgba.data[i] = frame.data[i + 2]!;
      rgba.data[i + 1] = frame.data[i + 1]!;
      rgba.data[i + 2] = frame.data[i]!;
      rgba.data[i + 3] = 255;
    }
    const [webp, jpeg, png] = await Promise.all([
      encoder.encode(frame, join(tmp, 'f.webp')),
      encoder.encode(frame, join(tmp, 'f.jpg'), { quality: 90 }),
      encoder.encode(rgba, join(tmp, 'rgba.png')),
    ]);
    expect([webp.format, jpeg.format, png.format]).toEqual(['webp', 'jpeg', 'png']);
    for (const image of [webp, jpeg, png]) {
      const { data, info } = await sharp(image.path).raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height]).toEqual([WIDTH, HEIGHT]);
      for (const [x, y, rgb] of QUADRANTS) {
        const i = (y * WIDTH + x) * info.channels;
        const got = [data[i]!, data[i + 1]!, data[i + 2]!];
        got.forEach((v, c) => expect(Math.abs(v - rgb[c]!), `${image.format} ${x},${y}`).toBeLessThanOrEqual(8));
      }
    }
    expect(readdirSync(tmp).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('rejects a failed write and leaves no temporary file', async () => {
    const frame = await grab();
    const dir = join(tmp, 'fail');
    mkdirSync(join(dir, 'taken.png'), { recursive: true }); // renaming a file onto a directory fails
    await expect(encoder.encode(frame, join(dir, 'taken.png'))).rejects.toThrow(/EISDIR/);
    expect(readdirSync(dir)).toEqual(['taken.png']);
  });
});

describe('compiled JavaScript (dist layout)', () => {
  it('FrameCapture and FrameEncoder start their .js workers without tsx', async () => {
    // Emit src/platform/capture and the X11 client it uses the way `tsc -p tsconfig.build.json`
    // does (isolatedModules: per-file emit), into a dist-like tree under the repository so
    // packages resolve.
    const out = join(tmp, 'dist');
    for (const folder of ['platform/capture', 'platform/x11']) {
      const srcDir = join(ROOT, 'src', folder);
      for (const name of readdirSync(srcDir).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))) {
        const { outputText } = ts.transpileModule(readFileSync(join(srcDir, name), 'utf8'), {
          // ES modules, as NodeNext emits for this "type": "module" package.
          compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
          fileName: name,
        });
        mkdirSync(join(out, folder), { recursive: true });
        writeFileSync(join(out, folder, name.replace(/\.ts$/, '.js')), outputText);
      }
    }
    const dist = (name: string) => pathToFileURL(join(out, 'platform/capture', name)).href;
    const png = join(tmp, 'from-dist.png');
    const code = `
      import { FrameCapture } from ${JSON.stringify(dist('frame-capture.js'))};
      import { FrameEncoder } from ${JSON.stringify(dist('encoder.js'))};
      const capture = new FrameCapture({ display: ${JSON.stringify(session.display)} });
      const info = await capture.start();
      const frame = capture.latest() ?? await capture.nextFrame();
      await capture.stop();
      const encoder = new FrameEncoder();
      const image = await encoder.encode(frame, ${JSON.stringify(png)});
      await encoder.close();
      console.log(JSON.stringify({ backend: info.backend, image }));`;
    // A script file, not `-e`: workers inherit execArgv, and `--input-type` would break them.
    const script = join(tmp, 'from-dist.mjs');
    writeFileSync(script, code);
    const got = (await runNode([script], session.env)) as {
      backend: string;
      image: { path: string; width: number };
    };
    expect(got).toMatchObject({ backend: 'x11', image: { path: png, width: WIDTH } });
    const { data } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect([data[0], data[1], data[2]]).toEqual(RED);
  });
});
