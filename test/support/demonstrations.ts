/**
 * Human demonstrations for replay tests and benches: a person's session in LibreOffice Impress
 * recorded by `pcagent record` on a 1920×1080 Xvfb desktop, the input injected with xdotool
 * (XTEST, like a person's) at places found on the screen by the OCR engine (the demonstrator's
 * eyes), then refined and completed offline so that `pcagent replay` can ground every click.
 *
 * - recordTwoSlideDeck: the multi-step deck of the replay e2e tests (title, subtitle, a second
 *   slide through the Slide menu, saved through the Save dialog under a full path).
 * - recordSuiteDemonstrations: a few impress-basic tasks, each recorded with the task's
 *   instruction as its task (`{dir}` = a demonstration folder), which is how
 *   `pcagent eval --replay` finds them. The Save dialog starts in that folder (LibreOffice's
 *   work folder, set as the eval runner sets it for an attempt: impress.ts workFolderEnv), so
 *   the demonstrator types the file name only and the replay saves into the attempt's folder.
 *
 * Failures are plain errors, not test assertions: the replay-robustness bench uses it too.
 */
import fs from 'node:fs';
import path from 'node:path';
import { OcrEngine } from '../../src/agents/ocr/engine.js';
import { workFolderEnv } from '../../src/eval/impress.js';
import { instructionFor } from '../../src/eval/setup.js';
import { loadSuite } from '../../src/eval/suite.js';
import type { ChildExit } from './child.js';
import { pcagent, pcagentAsync } from './cli.js';
import { tempDir } from './fixture.js';
import { startRecorder } from './recorder-process.js';
import {
  type Impress,
  readSlideTexts,
  startDisplay,
  startImpress,
  waitFor,
  waitForStillScreen,
  type XSession,
  xdo,
} from './xsession.js';
import { findOnScreen as findText } from './screen-text.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The screen size demonstrations are recorded at. */
export const DEMO_SCREEN = { width: 1920, height: 1080 } as const;

let ocr: Promise<OcrEngine> | null = null;
/** One OCR engine for all demonstrations of this process. */
export function demoOcr(): Promise<OcrEngine> {
  return (ocr ??= OcrEngine.create({ device: 'cpu' }));
}

/** Where the OCR engine reads `text` on the screen now (test/support/screen-text.ts). */
export async function findOnScreen(session: XSession, text: string): Promise<{ x: number; y: number }> {
  return findText(await demoOcr(), session, text);
}

/** A demonstrator's hands on one desktop. */
export interface Demonstrator {
  readonly session: XSession;
  /** Clicks the text where the OCR reads it, then gives the screen time to react. */
  click(text: string): Promise<void>;
  type(text: string): Promise<void>;
  key(...keys: string[]): Promise<void>;
  /** Ctrl+S, the Save dialog, `name` typed (a full path or a name in the dialog's folder), Enter; waits for `file`. */
  save(name: string, file: string): Promise<void>;
  still(): Promise<void>;
}

function demonstrator(session: XSession): Demonstrator {
  const x = (...args: string[]) => xdo(session, ...args);
  return {
    session,
    async click(text) {
      const p = await findOnScreen(session, text);
      await x('mousemove', String(p.x), String(p.y), 'click', '1');
      await sleep(700);
    },
    async type(text) {
      await x('type', '--delay', '40', text);
    },
    async key(...keys) {
      await x('key', ...keys);
      await sleep(300);
    },
    async save(name, file) {
      await x('key', 'ctrl+s');
      await waitFor(
        'the Save dialog',
        async () => (await x('search', '--onlyvisible', '--name', 'Save').catch(() => '')) || null,
      );
      await sleep(800);
      await x('type', '--delay', '30', name);
      await x('key', 'Return');
      await waitFor(`the file ${file}`, async () => fs.existsSync(file), 20_000);
      await sleep(800);
    },
    still: () => waitForStillScreen(session),
  };
}

/** Runs `fn` with Impress on a fresh desktop of the given size; everything is stopped afterwards. */
export async function withImpress<T>(
  size: { readonly width: number; readonly height: number },
  fn: (session: XSession, impress: Impress) => Promise<T>,
  options: { readonly workDir?: string; readonly file?: string } = {},
): Promise<T> {
  const session = await startDisplay(size);
  let impress: Impress | undefined;
  try {
    const profileDir = tempDir('demo-profile');
    // The Save dialog of a new document starts in the work folder, as in an eval attempt.
    const desktop = options.workDir
      ? { ...session, env: workFolderEnv(session.env, options.workDir, profileDir) }
      : session;
    impress = await startImpress(desktop, { profileDir, file: options.file });
    return await fn(session, impress);
  } finally {
    await impress?.stop();
    await session.stop();
  }
}

/**
 * Records one demonstration: `pcagent record --task TASK` runs while `act` works on the
 * desktop, then is stopped (SIGINT) and saves the recording as finished. Returns its id.
 */
export async function recordDemonstration(
  session: XSession,
  home: string,
  task: string,
  act: (d: Demonstrator) => Promise<void>,
): Promise<number> {
  const rec = await startRecorder(session.env, home, ['--mode', 'free', '--task', task]);
  try {
    await act(demonstrator(session));
  } finally {
    rec.child.kill('SIGINT');
  }
  const exit = await rec.exited;
  if (exit.code !== 0) throw new Error(`pcagent record exited with ${exit.code ?? exit.signal}: ${rec.stderr()}`);
  return rec.recordingId;
}

/** `pcagent refine` then `complete --offline`: the recording can be replayed semantically. */
export function refineAndComplete(home: string, id: number): void {
  const refine = pcagent(['--home', home, '--json', 'refine', String(id)]);
  if (refine.status !== 0) throw new Error(`refine ${id}: ${refine.stderr}`);
  const complete = pcagent(['--home', home, 'complete', String(id), '--offline'], { PCAGENT_DEVICE: 'cpu' });
  if (complete.status !== 0) throw new Error(`complete ${id}: ${complete.stderr}`);
}

/** The texts of the two-slide deck, slide by slide. */
export const TWO_SLIDE_DECK = [['Quarterly Review', 'Prepared by PC Agent'], ['Next Steps']] as const;
export const TWO_SLIDE_TASK = 'Make a two-slide deck';

/**
 * Records the two-slide deck at 1920×1080 (saved as `deck`, a full path, which must not exist
 * yet), checks the saved deck, removes it and its lock file, and refines and completes the
 * recording. Returns the raw recording's id.
 */
export async function recordTwoSlideDeck(home: string, deck: string): Promise<number> {
  const id = await withImpress(DEMO_SCREEN, (session) =>
    recordDemonstration(session, home, TWO_SLIDE_TASK, async (d) => {
      await d.click('Click to add Title');
      await d.type('Quarterly Review');
      await d.click('Click to add Text');
      await d.type('Prepared by PC Agent');
      await d.click('Slide');
      await d.click('New Slide');
      await d.still();
      await d.click('Click to add Title');
      await d.type('Next Steps');
      await d.save(deck, deck);
    }),
  );
  const saved = await readSlideTexts(deck);
  if (JSON.stringify(saved) !== JSON.stringify(TWO_SLIDE_DECK))
    throw new Error(`the demonstration saved ${JSON.stringify(saved)}, not the two-slide deck`);
  clearFolder(path.dirname(deck));
  refineAndComplete(home, id);
  return id;
}

/**
 * Empties a folder: a saved deck and LibreOffice's lock file (`.~lock.NAME#`), left behind
 * because Impress is stopped with the deck open. A stale lock makes the next save ask
 * "Document in Use" instead of writing the file.
 */
export function clearFolder(dir: string): void {
  for (const name of fs.readdirSync(dir)) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
}

/** A step of a demonstration: click the text where the OCR reads it, type, or wait for a still screen. */
type DemoStep = { readonly click: string } | { readonly type: string } | 'still';

const TITLE = { click: 'Click to add Title' };

/**
 * How a person does some impress-basic tasks: a new presentation each, the steps, then saving
 * it as `file` in the Save dialog's folder.
 */
export const IMPRESS_BASIC_DEMOS: Readonly<Record<string, { file: string; steps: readonly DemoStep[] }>> = {
  'title-only': { file: 'review.odp', steps: [TITLE, { type: 'Quarterly Review' }] },
  'title-subtitle': {
    file: 'offsite.odp',
    steps: [TITLE, { type: 'Team Offsite' }, { click: 'Click to add Text' }, { type: 'Prepared by Ana' }],
  },
  'two-slides': {
    file: 'plan.odp',
    steps: [TITLE, { type: 'Plan' }, { click: 'Slide' }, { click: 'New Slide' }, 'still', TITLE, { type: 'Budget' }],
  },
};

/** Does a demonstration's steps and saves the deck as `file` (its full path). */
async function perform(d: Demonstrator, demo: (typeof IMPRESS_BASIC_DEMOS)[string], file: string): Promise<void> {
  for (const step of demo.steps) {
    if (step === 'still') await d.still();
    else if ('click' in step) await d.click(step.click);
    else await d.type(step.type);
  }
  await d.save(demo.file, file);
}

/**
 * Records a demonstration of each of `taskIds` (impress-basic tasks that IMPRESS_BASIC_DEMOS
 * knows), each at 1920×1080 on a fresh desktop and Impress, with the task's instruction as its
 * task; refines and completes each. Returns task id → raw recording id.
 */
export async function recordSuiteDemonstrations(
  home: string,
  taskIds: readonly string[] = Object.keys(IMPRESS_BASIC_DEMOS),
): Promise<Map<string, number>> {
  const suite = loadSuite('impress-basic');
  const ids = new Map<string, number>();
  for (const taskId of taskIds) {
    const task = suite.tasks.find((t) => t.id === taskId);
    const demo = IMPRESS_BASIC_DEMOS[taskId];
    if (!task || !demo) throw new Error(`no demonstration of impress-basic task "${taskId}"`);
    const dir = tempDir(`demo-${taskId}`);
    const file = path.join(dir, demo.file);
    const id = await withImpress(
      DEMO_SCREEN,
      (session) => recordDemonstration(session, home, instructionFor(task, dir), (d) => perform(d, demo, file)),
      { workDir: dir },
    );
    refineAndComplete(home, id);
    fs.rmSync(dir, { recursive: true, force: true });
    ids.set(taskId, id);
  }
  return ids;
}

/** The fields of an eval report.json that the replay checks read. */
export interface ReplayReport {
  readonly agent: string;
  readonly baseline: string;
  readonly attempts: ReadonlyArray<{
    task: string;
    by: string;
    perturbation: string;
    outcome: string;
    reason: string;
    agent: { recordingId: number | null; reason: string } | null;
  }>;
  readonly summary: { byAgent: Record<string, Record<string, { total: number; successes: number }>> };
}

/**
 * `pcagent eval impress-basic --replay --compare-coordinates` of `tasks` under `perturbations`
 * (the CPU models, no DISPLAY: the runner starts its own desktops), the report written into
 * `reportDir`; `args` go before `--report`. Resolves with the run and the parsed report.json.
 */
export async function replaySuite(
  home: string,
  tasks: readonly string[],
  perturbations: readonly string[],
  reportDir: string,
  options: { readonly args?: readonly string[]; readonly timeoutMs: number },
): Promise<{ run: ChildExit; report: ReplayReport | null }> {
  const env: NodeJS.ProcessEnv = { ...process.env, PCAGENT_DEVICE: 'cpu' };
  delete env.DISPLAY;
  const run = await pcagentAsync(
    [
      ...['--home', home, 'eval', 'impress-basic', '--replay', '--compare-coordinates'],
      ...['--tasks', tasks.join(','), '--perturb', perturbations.join(','), ...(options.args ?? [])],
      ...['--report', reportDir],
    ],
    env,
    options.timeoutMs,
  );
  const file = path.join(reportDir, 'report.json');
  const report = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as ReplayReport) : null;
  return { run, report };
}
