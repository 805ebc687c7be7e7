/**
 * Long-session soak, two parts:
 *
 * 1. Recorder: `pcagent record` (the real recorder, X11 capture and encoder workers) on a
 *    1920×1080 Xvfb for SOAK_MINUTES (default 60), driven with 5 input events/s by xdotool
 *    (each second: one click = press + release, one key tap = press + release, one pointer
 *    move) while the root window changes colour every second. Reported: RSS at start, after a
 *    2-minute warm-up (a fifth of shorter runs) and at the end; RSS growth per hour both
 *    extrapolated (least-squares slope of the samples after warm-up) and measured (end minus
 *    after-warm-up, over the minutes between them; goal ≤ 20 MB/h), mean CPU of
 *    the recorder process (goal ≤ 5 % of a core), dropped events (clicks and typed characters
 *    injected minus recorded; goal 0), frame files on disk vs frame rows vs frames referenced
 *    by actions (goal: all equal, no orphan or missing file).
 * 2. Agent loop: `pcagent run` over SOAK_STEPS (default 200) steps on a bare Xvfb, with a local
 *    planner that answers at once (FakeModelServer: the only fake, a real HTTP server speaking
 *    the OpenAI API) and presses a harmless key each step. Reported: RSS growth per step
 *    (slope after the first 20 steps, and over the second half alone; goal ≈ 0), the same for the
 *    lowest RSS of each 20 steps (what stays after collections), and Node warnings printed (goal 0: the
 *    abort-listener leak printed MaxListenersExceededWarning around step 10). The same run with
 *    glibc's allocator left untuned (PCAGENT_ALLOCATOR=system) is the baseline, `baseline_*`.
 *
 * Run: SOAK_MINUTES=15 npm run bench -- soak   (SOAK_PART=recorder|agent for one part)
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Library } from '../src/library/library.js';
import { FakeModelServer } from '../test/support/openai-server.js';
import { startPcagent } from '../test/support/cli.js';
import { startRecorder } from '../test/support/recorder-process.js';
import { startDisplay } from '../test/support/xsession.js';
import { report } from './report.js';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 60);
const STEPS = Number(process.env.SOAK_STEPS ?? 200);
const PART = process.env.SOAK_PART ?? 'both';
const WARMUP_MS = Math.min(120_000, (MINUTES * 60_000) / 5);
const TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), `pcagent-bench-${prefix}-`));

function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

function rssMB(pid: number): number {
  const kb = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

/** Least-squares slope of y over x. */
/** The lowest sample of each window of `size` steps, at the window's middle step. */
function windowMinima(points: readonly (readonly [number, number])[], size: number): [number, number][] {
  const windows = new Map<number, number>();
  for (const [step, mb] of points) {
    const w = Math.floor(step / size);
    windows.set(w, Math.min(windows.get(w) ?? Infinity, mb));
  }
  return [...windows].map(([w, mb]) => [w * size + size / 2, mb]);
}

function slope(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? NaN : num / den;
}

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

async function recorderSoak(): Promise<void> {
  const session = await startDisplay({ width: 1920, height: 1080 });
  const home = tmp('soak-rec');
  const xdo = (...args: string[]) => execFileSync('xdotool', args, { env: session.env });
  try {
    const recorder = await startRecorder(session.env, home, [], false);
    const { child, recordingId: id } = recorder;
    const pid = child.pid!;
    const colours = ['#204080', '#806020', '#208040', '#602080', '#a03030'];
    const letters = 'abcdefghijklmnopqrstuvwxyz';
    const t0 = performance.now();
    let cpu0 = NaN;
    let tWarm = NaN;
    const samples: [number, number][] = [];
    let clicks = 0;
    let typed = 0;
    let nextSample = 0;
    for (let s = 0; performance.now() - t0 < MINUTES * 60_000; s++) {
      const tick = performance.now();
      execFileSync('xsetroot', ['-solid', colours[s % colours.length]!], { env: session.env });
      // Positions walk a grid so that no two clicks in a row are a double click.
      const x = 200 + ((s * 37) % 1500);
      const y = 150 + ((s * 53) % 800);
      xdo('mousemove', String(x), String(y), 'click', '1', 'mousemove', String(x + 5), String(y + 5));
      clicks++;
      xdo('key', letters[s % letters.length]!);
      typed++;
      const elapsed = tick - t0;
      if (Number.isNaN(cpu0) && elapsed >= WARMUP_MS) {
        cpu0 = cpuSeconds(pid);
        tWarm = tick;
      }
      if (elapsed >= nextSample) {
        samples.push([elapsed / 3_600_000, rssMB(pid)]);
        nextSample += 30_000;
      }
      await sleep(Math.max(0, 1000 - (performance.now() - tick)));
    }
    const cpuMean = (cpuSeconds(pid) - cpu0) / ((performance.now() - tWarm) / 1000);
    const rssEnd = rssMB(pid);
    samples.push([(performance.now() - t0) / 3_600_000, rssEnd]);
    await sleep(2_000);
    child.kill('SIGINT');
    const { code } = await recorder.exited;
    const err = recorder.stderr();

    const lib = Library.open(home, { readonly: true });
    const actions = lib.listActions(id);
    const frames = lib.listFrames(id);
    const referenced = new Set(actions.flatMap((a) => [a.frameId, a.markedFrameId]).filter((f) => f !== null));
    const dir = lib.recordingDir(id);
    const onDisk = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => !f.includes('.tmp-')) : [];
    const missing = frames.filter((f) => !fs.existsSync(lib.absolutePath(f.path))).length;
    const clicksRecorded = actions.filter((a) => a.action.kind === 'click').length;
    // A lone letter between clicks is stored as a key action; letters in a row as typed text.
    const typedRecorded = actions.reduce(
      (n, a) => n + (a.action.kind === 'type' ? a.action.text.length : a.action.kind === 'key' ? 1 : 0),
      0,
    );
    const status = lib.getRecording(id).status;
    lib.close();
    const warm = samples.filter(([h]) => h * 3_600_000 >= WARMUP_MS);
    const [hWarm, mbWarm] = warm[0] ?? [NaN, NaN];
    const [hEnd] = warm.at(-1) ?? [NaN];
    report('soak-recorder', {
      minutes: MINUTES,
      screen: '1920x1080 Xvfb',
      input_events_per_s: 5,
      exit_code: code ?? -1,
      status,
      rss_start_mb: round(samples[0]?.[1] ?? NaN),
      rss_after_warmup_mb: round(mbWarm),
      rss_end_mb: round(rssEnd),
      rss_max_mb: round(Math.max(...samples.map(([, mb]) => mb))),
      // Extrapolated: least-squares slope of the samples after warm-up, per hour.
      rss_growth_mb_per_hour: round(slope(warm)),
      // Measured: end minus after-warm-up over the time between them (per hour only when the
      // run lasted less; a 60-minute run measures 58 minutes of it).
      rss_growth_mb_measured: round(rssEnd - mbWarm),
      rss_growth_measured_over_min: round((hEnd - hWarm) * 60),
      cpu_mean_pct_of_core: round(cpuMean * 100),
      clicks_injected: clicks,
      clicks_recorded: clicksRecorded,
      chars_typed: typed,
      chars_recorded: typedRecorded,
      dropped_events: Math.max(0, clicks - clicksRecorded) + Math.max(0, typed - typedRecorded),
      actions: actions.length,
      frame_files_on_disk: onDisk.length,
      frame_rows: frames.length,
      frames_referenced: referenced.size,
      frame_rows_missing_file: missing,
      load_avg_1m: round(os.loadavg()[0]!),
      goal_rss_mb_per_hour: 20,
      goal_cpu_pct: 5,
    });
    // The series itself, to tell a plateau (allocator arenas, caches) from a steady leak.
    fs.writeFileSync(
      path.join(import.meta.dirname, 'results', 'soak-recorder-rss.json'),
      JSON.stringify(samples.map(([h, mb]) => ({ minute: round(h * 60), rss_mb: round(mb) }))),
    );
    if (err.trim()) process.stderr.write(`recorder stderr:\n${err}\n`);
  } finally {
    await session.stop();
    fs.rmSync(home, { recursive: true, force: true });
  }
}

/**
 * One `pcagent run` of STEPS steps; `allocator` 'system' leaves glibc's allocator untuned (the
 * baseline: PCAGENT_ALLOCATOR=system, see src/platform/allocator.ts).
 */
async function agentSoakRun(allocator: 'tuned' | 'system'): Promise<Record<string, number | string>> {
  const session = await startDisplay({ width: 1280, height: 800 });
  // The only fake: a real HTTP server speaking the OpenAI API, answering at once.
  const server = await FakeModelServer.start({ latencyMs: 0 });
  const home = tmp('soak-agent');
  try {
    let n = 0;
    server.setFallback(() => (n++ < STEPS ? 'Action: press key: esc' : 'Action: finish'));
    const args = ['--home', home, '--json', 'run', 'Soak the agent loop'];
    args.push('--planner', server.url, '--planner-model', 'soak', '--settle-ms', '0');
    args.push('--max-steps', String(STEPS + 5), '--device', 'cpu');
    const env = { ...session.env, ...(allocator === 'system' ? { PCAGENT_ALLOCATOR: 'system' } : {}) };
    const agent = startPcagent(args, env);
    const samples: [number, number][] = [];
    let done = false;
    void agent.done.finally(() => (done = true));
    while (!done) {
      // The planner's request count is the step number (one request per step).
      try {
        samples.push([n, rssMB(agent.child.pid!)]);
      } catch {
        break;
      }
      await sleep(250);
    }
    const { code, stderr: err } = await agent.done;
    const warm = samples.filter(([step]) => step >= 20 && step <= STEPS);
    // The second half alone tells a leak (the same slope) from the heap still growing to its
    // working size (a slope that falls towards 0).
    const late = warm.filter(([step]) => step >= STEPS / 2);
    // RSS swings by tens of MB between collections (pixel buffers wait for the garbage
    // collector); the lowest RSS of each window of 20 steps is what the process keeps.
    const floors = windowMinima(warm, 20);
    const warnings = (err.match(/Warning/g) ?? []).length;
    fs.writeFileSync(
      path.join(import.meta.dirname, 'results', `soak-agent-rss-${allocator}.json`),
      JSON.stringify(samples.map(([step, mb]) => ({ step, rss_mb: round(mb) }))),
    );
    if (warnings) process.stderr.write(`agent stderr:\n${err}\n`);
    return {
      steps: Math.min(n, STEPS),
      exit_code: code ?? -1,
      rss_at_step_20_mb: round(warm[0]?.[1] ?? NaN),
      rss_at_half_mb: round(late[0]?.[1] ?? NaN),
      rss_last_mb: round(warm.at(-1)?.[1] ?? NaN),
      rss_max_mb: round(Math.max(...warm.map(([, mb]) => mb))),
      rss_growth_kb_per_step: round(slope(warm) * 1024),
      rss_growth_kb_per_step_second_half: round(slope(late) * 1024),
      rss_floor_first_window_mb: round(floors[0]?.[1] ?? NaN),
      rss_floor_last_window_mb: round(floors.at(-1)?.[1] ?? NaN),
      rss_floor_growth_kb_per_step: round(slope(floors) * 1024),
      node_warnings: warnings,
    };
  } finally {
    await server.close();
    await session.stop();
    fs.rmSync(home, { recursive: true, force: true });
  }
}

async function agentSoak(): Promise<void> {
  const tuned = await agentSoakRun('tuned');
  const system = await agentSoakRun('system');
  const figures: Record<string, number | string> = {};
  for (const [key, value] of Object.entries(tuned)) {
    figures[key] = value;
    figures[`baseline_${key}`] = system[key]!;
  }
  report('soak-agent', {
    ...figures,
    floor_ratio_vs_baseline: round(Number(tuned.rss_floor_last_window_mb) / Number(system.rss_floor_last_window_mb)),
  });
}

if (PART !== 'agent') await recorderSoak();
if (PART !== 'recorder') await agentSoak();
