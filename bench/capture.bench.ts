/**
 * Screen capture costs at 1920×1080 on a private Xvfb showing a real desktop screenshot
 * (PowerPoint start screen from the pc-tracker fixture):
 * - ms per grab for each backend (median of 20; screenshot-desktop 10) and fast /
 *   screenshot-desktop ratios, plus this process's CPU per x11 grab (the read is asynchronous);
 * - change detection and hash cost per frame (memcmp, sha1, md5, sha256);
 * - encode ms and bytes per frame for PNG levels, WebP, JPEG, on the app screenshot and on a
 *   photo-wallpaper desktop; and FrameEncoder end to end (worker, write, fsync, rename);
 * - FrameCapture at 10 fps: frames delivered, CPU per frame, and the main thread's event-loop
 *   delay meanwhile against a baseline without capture (the machine's own noise) — on an X
 *   server without DAMAGE, so that every frame is grabbed as on a busy screen;
 * - idle CPU (% of one core, this process and the X server) of a FrameCapture on an unchanging
 *   screen: polling (an Xvfb started with -extension DAMAGE) at 10 and 2 fps against
 *   damage-driven at 10 fps, in the same run, and the ratio damage / polling.
 * Run: npx tsx bench/capture.bench.ts (or npm run bench -- capture). Needs Xvfb, ImageMagick.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import sharp, { type Sharp } from 'sharp';
import { chooseBackend } from '../src/platform/capture/backend.js';
import type { BackendName, RawFrame } from '../src/platform/capture/capture-types.js';
import { FrameEncoder } from '../src/platform/capture/encoder.js';
import { FrameCapture } from '../src/platform/capture/frame-capture.js';
import { report } from './report.js';

const FIXTURES = path.join(import.meta.dirname, '../../shared/fixtures/pc-tracker-example/screenshot');
const APP = path.join(FIXTURES, '20241126_161524_3.png'); // PowerPoint start screen
const PHOTO = path.join(FIXTURES, '20241126_161519_1.png'); // desktop with a photo wallpaper
const GRABS = 20;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
};

async function timeIt(n: number, f: () => unknown): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await f();
    times.push(performance.now() - t);
  }
  return median(times);
}

async function startXvfb(extra: string[] = []): Promise<{ display: string; pid: number; stop(): void }> {
  const xvfb = spawn(
    'Xvfb',
    [
      '-displayfd',
      '1',
      '-screen',
      '0',
      '1920x1080x24',
      '+extension',
      'RECORD',
      ...extra,
      '-nolisten',
      'tcp',
      '-noreset',
    ],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const number = await new Promise<string>((resolve) =>
    xvfb.stdout.once('data', (d: Buffer) => resolve(d.toString().trim())),
  );
  return { display: `:${number}`, pid: xvfb.pid!, stop: () => xvfb.kill() };
}

/** `display` sets the root background and exits 1 doing so. */
function showOnRoot(display: string, png: string): void {
  try {
    execFileSync('display', ['-display', display, '-window', 'root', png], { stdio: 'ignore' });
  } catch {
    // expected
  }
}

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** CPU time (user + system) a process has used, ms, from /proc (clock-tick resolution). */
function processCpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // from field 3 (state) on
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK; // utime, stime
}

/**
 * A FrameCapture on an unchanging screen: CPU of this process (the capture worker included)
 * and of the X server, in % of one core, over `seconds` once started and settled.
 */
async function idleCpu(
  server: { display: string; pid: number },
  fps: number,
  seconds: number,
): Promise<{ mode: string; process: number; server: number; frames: number }> {
  const capture = new FrameCapture({ fps, display: server.display });
  const info = await capture.start();
  try {
    await capture.nextFrame();
    await sleep(1000); // settle: with damage, the grab right after tracking starts
    const id = capture.latest()!.id;
    const cpu = process.cpuUsage();
    const x0 = processCpuMs(server.pid);
    const t0 = performance.now();
    await sleep(seconds * 1000);
    const wall = performance.now() - t0;
    const used = process.cpuUsage(cpu);
    return {
      mode: info.changeDetection,
      process: ((used.user + used.system) / 1000 / wall) * 100,
      server: ((processCpuMs(server.pid) - x0) / wall) * 100,
      frames: capture.latest()!.id - id,
    };
  } finally {
    await capture.stop();
  }
}

const numbers: Record<string, number | string> = {};
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pcagent-bench-capture-'));
const x = await startXvfb();
// The same desktop on a server without DAMAGE: FrameCapture polls there.
const xPoll = await startXvfb(['-extension', 'DAMAGE']);
// screenshot-desktop (and the nut-js child) capture the process's display.
process.env.DISPLAY = x.display;

/**
 * Median nut-js grab, in a child process: libnut keeps an Xlib connection, and Xlib ends its
 * process with an I/O error once the X server goes away — this process stops the server.
 */
function nutjsGrabMs(): number {
  const backend = pathToFileURL(path.join(import.meta.dirname, '../src/platform/capture/backend.ts')).href;
  const code = `
    import { chooseBackend } from ${JSON.stringify(backend)};
    const { backend } = await chooseBackend('nutjs');
    await backend.grab();
    const times = [];
    for (let i = 0; i < ${GRABS}; i++) { const t = performance.now(); await backend.grab(); times.push(performance.now() - t); }
    times.sort((a, b) => a - b);
    console.log(times[times.length >> 1]);
    process.exit(0);`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    encoding: 'utf8',
  });
  return Number(out.trim());
}
try {
  showOnRoot(x.display, APP);
  showOnRoot(xPoll.display, APP);

  // --- backends -------------------------------------------------------------------------
  const grabMs: Partial<Record<BackendName, number>> = {};
  let frame: RawFrame | undefined; // an x11 frame, for the hashing and encoding below
  grabMs.nutjs = numbers['grab ms nutjs'] = nutjsGrabMs();
  for (const name of ['x11', 'screenshot-desktop'] as const) {
    const { backend } = await chooseBackend(name);
    await backend.grab(); // warm-up
    grabMs[name] = await timeIt(name === 'screenshot-desktop' ? 10 : GRABS, () => backend.grab());
    numbers[`grab ms ${name}`] = grabMs[name]!;
    if (name === 'x11') {
      const cpu = process.cpuUsage();
      for (let i = 0; i < GRABS; i++) frame = await backend.grab();
      const used = process.cpuUsage(cpu);
      numbers['grab x11: this process CPU ms (user+sys)'] = (used.user + used.system) / 1000 / GRABS;
    }
    backend.close();
  }
  numbers['ratio nutjs / screenshot-desktop'] = grabMs.nutjs! / grabMs['screenshot-desktop']!;
  numbers['ratio x11 / screenshot-desktop'] = grabMs.x11! / grabMs['screenshot-desktop']!;

  // --- change detection and hashing ------------------------------------------------------
  const data = frame!.data;
  const copy = Buffer.from(data);
  numbers['memcmp ms (unchanged check)'] = await timeIt(GRABS, () => data.equals(copy));
  for (const alg of ['sha1', 'md5', 'sha256']) {
    numbers[`hash ms ${alg}`] = await timeIt(GRABS, () => createHash(alg).update(data).digest());
  }

  // --- encoding ------------------------------------------------------------------------------
  const desktops: Array<[string, Buffer]> = [];
  for (const [label, file] of [
    ['app', APP],
    ['photo', PHOTO],
  ] as const) {
    const raw = await sharp(file).removeAlpha().raw().toBuffer();
    desktops.push([label, raw]);
  }
  const variants: Array<[string, (s: Sharp) => Sharp]> = [
    ['png level 1', (s) => s.png({ compressionLevel: 1, adaptiveFiltering: false })],
    ['png level 3', (s) => s.png({ compressionLevel: 3, adaptiveFiltering: false })],
    ['png level 6', (s) => s.png({ compressionLevel: 6, adaptiveFiltering: false })],
    ['png level 1 adaptive', (s) => s.png({ compressionLevel: 1, adaptiveFiltering: true })],
    ['png level 6 adaptive', (s) => s.png({ compressionLevel: 6, adaptiveFiltering: true })],
    ['webp q85 effort 1', (s) => s.webp({ quality: 85, effort: 1 })],
    ['webp lossless effort 1', (s) => s.webp({ lossless: true, effort: 1 })],
    ['jpeg q85', (s) => s.jpeg({ quality: 85 })],
  ];
  for (const [label, rgb] of desktops) {
    for (const [variant, apply] of variants) {
      let bytes = 0;
      numbers[`encode ms ${variant} (${label})`] = await timeIt(5, async () => {
        bytes = (await apply(sharp(rgb, { raw: { width: 1920, height: 1080, channels: 3 } })).toBuffer()).length;
      });
      numbers[`encode KB ${variant} (${label})`] = Math.round(bytes / 1024);
    }
  }

  const encoder = new FrameEncoder();
  await encoder.encode(frame!, path.join(tmp, 'warm.png')); // worker start-up
  let i = 0;
  numbers['FrameEncoder png ms end to end (worker, write, fsync)'] = await timeIt(10, () =>
    encoder.encode(frame!, path.join(tmp, `f${i++}.png`)),
  );
  await encoder.close();

  // --- FrameCapture at 10 fps: what the main thread feels ---------------------------------
  const idle = monitorEventLoopDelay({ resolution: 1 });
  idle.enable();
  await sleep(3000);
  idle.disable();
  numbers['main event-loop delay p99 ms, no capture (baseline)'] = idle.percentile(99) / 1e6;
  numbers['main event-loop delay max ms, no capture (baseline)'] = idle.max / 1e6;
  // Without DAMAGE: a grab every 100 ms, as on a screen that keeps changing.
  const capture = new FrameCapture({ fps: 10, display: xPoll.display });
  await capture.start();
  await capture.nextFrame();
  const first = capture.latest()!.id;
  const delay = monitorEventLoopDelay({ resolution: 1 });
  const cpu = process.cpuUsage();
  delay.enable();
  await sleep(3000);
  delay.disable();
  const used = process.cpuUsage(cpu); // the whole process, capture worker included
  const frames = capture.latest()!.id - first;
  await capture.stop();
  numbers['FrameCapture frames in 3 s at 10 fps'] = frames;
  numbers['FrameCapture process CPU ms per frame (worker included)'] = (used.user + used.system) / 1000 / frames;
  numbers['main event-loop delay p99 ms, capturing'] = delay.percentile(99) / 1e6;
  numbers['main event-loop delay max ms, capturing'] = delay.max / 1e6;

  // --- FrameCapture on an idle screen: polling against DAMAGE ------------------------------
  const IDLE_S = 10; // two safety grabs (one per 5 s) with damage
  // What this process uses doing nothing (module loader thread, GC), to net the others of.
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await sleep(IDLE_S * 1000);
  const used0 = process.cpuUsage(cpu0);
  const baseline = ((used0.user + used0.system) / 1000 / (performance.now() - t0)) * 100;
  numbers[`idle ${IDLE_S} s, no capture: this process CPU % (baseline)`] = baseline;
  // Damage first: the polling runs leave garbage (8 MB frames) for later collections.
  const damage10 = await idleCpu(x, 10, IDLE_S);
  const polling10 = await idleCpu(xPoll, 10, IDLE_S);
  const polling2 = await idleCpu(xPoll, 2, IDLE_S);
  if (polling10.mode !== 'polling' || damage10.mode !== 'damage') {
    throw new Error(`change detection: expected polling and damage, got ${polling10.mode} and ${damage10.mode}`);
  }
  for (const [label, r] of [
    ['polling 10 fps', polling10],
    ['polling 2 fps', polling2],
    ['damage 10 fps', damage10],
  ] as const) {
    numbers[`idle ${IDLE_S} s, ${label}: frames grabbed`] = r.frames;
    numbers[`idle ${IDLE_S} s, ${label}: this process CPU %`] = r.process;
    numbers[`idle ${IDLE_S} s, ${label}: X server CPU %`] = r.server;
  }
  numbers['idle CPU ratio damage / polling at 10 fps (this process)'] = damage10.process / polling10.process;
  numbers['idle CPU ratio damage / polling at 10 fps (process + X server)'] =
    (damage10.process + damage10.server) / (polling10.process + polling10.server);
  const net = (r: typeof damage10): number => Math.max(0, r.process - baseline) + r.server;
  numbers['idle capture CPU % net of baseline, polling 10 fps (process + X server)'] = net(polling10);
  numbers['idle capture CPU % net of baseline, damage 10 fps (process + X server)'] = net(damage10);
  numbers['idle CPU ratio damage / polling at 10 fps, net of baseline'] = net(damage10) / net(polling10);

  numbers.cpus = `${os.cpus().length}× ${os.cpus()[0]?.model ?? '?'}`;
  numbers['load average at end'] = os.loadavg()[0]!;

  report('capture', numbers);
} catch (err) {
  console.error(err);
  process.exitCode = 1;
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
  x.stop();
  xPoll.stop();
}
