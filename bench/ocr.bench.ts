/**
 * OCR engine and OCR grounder benchmark on the pc-tracker fixture (1920×1080 PowerPoint frames).
 *
 *   npx tsx bench/ocr.bench.ts [--limits 960,1280] [--runs 3] [--fixture DIR]
 *
 * The fixture defaults to ../shared/fixtures/pc-tracker-example beside the checkout
 * ($PCAGENT_SHARED/fixtures/… when that is set).
 *
 * Per detection resize limit: decode / detect / recognise / total wall time and process CPU time
 * per frame on the CPU provider, median of `runs` runs after one warm-up run, with the line cache
 * off (every frame read from scratch). Then the frames once in recorded order with the line cache
 * on, as an agent run sees them. Then grounding accuracy: each recorded click's element name, in
 * quotes, as the description; a hit is a point inside the recorded rect. Writes
 * bench/results/ocr.json.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { groundInText } from '../src/agents/grounding/ocr-grounder.js';
import { DEFAULT_DETECT } from '../src/agents/ocr/detect.js';
import { OcrEngine, type OcrResult } from '../src/agents/ocr/engine.js';
import { median } from './report.js';

interface Rect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}
interface Click {
  frame: string;
  description: string;
  rect: Rect;
}

const args = process.argv.slice(2);
const arg = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? (args[i + 1] as string) : fallback;
};
const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
// The shared reference data lives beside the checkout (../shared), unless PCAGENT_SHARED says where.
const shared = process.env.PCAGENT_SHARED || path.join(root, '..', 'shared');
const fixture = arg('fixture', path.join(shared, 'fixtures', 'pc-tracker-example'));
const limits = arg('limits', `960,${DEFAULT_DETECT.limit}`).split(',').map(Number);
const runs = Number(arg('runs', '3'));

const records = fs
  .readdirSync(fixture)
  .filter((f) => f.endsWith('.jsonl'))
  .flatMap((f) => fs.readFileSync(path.join(fixture, f), 'utf8').split('\n').filter(Boolean))
  .map((l) => JSON.parse(l) as { screenshot: string; element: string | null; rect: Rect | null; action: string });
const frames = records.map((r) => r.screenshot);
const clicks: Click[] = records.flatMap((r) =>
  r.element && r.rect ? [{ frame: r.screenshot, description: `'${r.element}'`, rect: r.rect }] : [],
);

/**
 * Labels visible in the fixture frames, with the area a click on them may land in, measured on
 * the images (label extent plus a few pixels): a larger set than the six recorded clicks.
 */
const label = (
  frame: string,
  description: string,
  left: number,
  top: number,
  right: number,
  bottom: number,
): Click => ({
  frame: `screenshot/${frame}`,
  description,
  rect: { left, top, right, bottom },
});
const screenLabels: Click[] = [
  label('20241126_161521_2.png', "'Word'", 870, 280, 930, 360),
  label('20241126_161521_2.png', "'Google Chrome'", 720, 330, 840, 360),
  label('20241126_161521_2.png', "'To Do'", 1235, 540, 1285, 570),
  label('20241126_161521_2.png', "'Excel'", 990, 280, 1050, 360),
  label('20241126_161521_2.png', "'OneNote'", 1220, 280, 1300, 360),
  label('20241126_161521_2.png', "'Henry He'", 690, 950, 760, 980),
  label('20241126_161524_3.png', "the 'Open' entry in the left panel", 55, 465, 120, 510),
  label('20241126_161524_3.png', "'More themes'", 1715, 400, 1850, 430),
  label('20241126_161524_3.png', "the 'Pinned' tab", 315, 510, 385, 548),
  label('20241126_161524_3.png', "'Options'", 50, 960, 125, 995),
  label('20241126_161528_5.png', "the 'Insert' tab", 145, 62, 208, 100),
  label('20241126_161528_5.png', "the 'Design' tab", 272, 62, 346, 100),
  label('20241126_161528_5.png', "the 'Review' tab", 748, 62, 812, 100),
  label('20241126_161528_5.png', "the 'Layout' button", 205, 100, 295, 135),
  label('20241126_161528_5.png', "the 'Text Direction' button", 940, 102, 1080, 132),
  label('20241126_161528_5.png', "'Click to add notes'", 300, 955, 460, 985),
  label('20241126_161528_5.png', "the 'Record' tab", 670, 62, 740, 100),
  label('20241126_161528_5.png', "'Find'", 1605, 102, 1670, 132),
  label('20241126_161528_5.png', "'Replace'", 1605, 135, 1700, 165),
  label('20241126_161528_5.png', "'Section'", 205, 167, 300, 197),
  label('20241126_161528_5.png', "'Convert to SmartArt'", 940, 167, 1115, 196),
  label('20241126_161528_5.png', "the 'Search' box", 745, 12, 1200, 46),
  label('20241126_161528_5.png', "the 'Share' button", 1815, 65, 1900, 95),
  label('20241126_161528_5.png', "'English (United States)' in the status bar", 115, 995, 265, 1020),
  label('20241126_161528_5.png', "'Accessibility: Good to go'", 270, 995, 445, 1020),
  label('20241126_161528_5.png', "'Notes'", 1420, 993, 1490, 1020),
  label('20241126_161536_6.png', "the 'Shape Format' tab", 945, 65, 1065, 98),
  label('20241126_161536_6.png', "the 'Hello, world' title in the center", 900, 500, 1290, 585),
  label('20241126_161538_7.png', "the 'Cancel' button", 1120, 645, 1210, 675),
  label('20241126_161538_7.png', 'the "Don\'t Save" button', 1000, 645, 1110, 675),
  label('20241126_161538_7.png', "'More options...'", 710, 645, 830, 678),
];

const round = (x: number): number => Math.round(x * 10) / 10;
const cpuNow = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function timeFrames(engine: OcrEngine): Promise<{ perFrame: object[]; median: Record<string, number> }> {
  const perFrame: Record<string, number | string>[] = [];
  for (const frame of frames) {
    const file = path.join(fixture, frame);
    await engine.recognize(file);
    const samples: { decode: number; det: number; rec: number; total: number; cpu: number; r: OcrResult }[] = [];
    for (let i = 0; i < runs; i++) {
      const c0 = cpuNow();
      const r = await engine.recognize(file);
      const t = r.timings;
      samples.push({
        decode: t.decodeMs,
        det: t.detectMs,
        rec: t.recognizeMs,
        total: t.totalMs,
        cpu: cpuNow() - c0,
        r,
      });
    }
    const last = (samples.at(-1) as (typeof samples)[number]).r;
    perFrame.push({
      frame,
      decodeMs: round(median(samples.map((s) => s.decode))),
      detectMs: round(median(samples.map((s) => s.det))),
      recognizeMs: round(median(samples.map((s) => s.rec))),
      totalMs: round(median(samples.map((s) => s.total))),
      cpuMs: round(median(samples.map((s) => s.cpu))),
      boxes: last.timings.boxes,
      words: last.words.length,
    });
    console.log(`  ${JSON.stringify(perFrame.at(-1))}`);
  }
  const col = (k: string): number => round(median(perFrame.map((f) => f[k] as number)));
  return {
    perFrame,
    median: {
      decodeMs: col('decodeMs'),
      detectMs: col('detectMs'),
      recognizeMs: col('recognizeMs'),
      totalMs: col('totalMs'),
      cpuMs: col('cpuMs'),
    },
  };
}

function score(set: Click[], ocr: Map<string, OcrResult>): { hits: number; total: number; items: object[] } {
  const items = set.map((c) => {
    const g = groundInText(c.description, ocr.get(c.frame) as OcrResult);
    const hit =
      g.found &&
      g.point.x >= c.rect.left &&
      g.point.x < c.rect.right &&
      g.point.y >= c.rect.top &&
      g.point.y < c.rect.bottom;
    return {
      frame: c.frame,
      description: c.description,
      rect: c.rect,
      hit,
      ...(g.found ? { point: g.point, text: g.candidates[0]?.text } : { reason: g.reason }),
    };
  });
  return { hits: items.filter((i) => i.hit).length, total: items.length, items };
}

const loadBefore = os.loadavg();
const out: Record<string, unknown> = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
  runsPerFrame: runs,
  frames: frames.length,
};
const byLimit: object[] = [];
let grounding: Record<string, unknown> = {};
for (const limit of limits) {
  const engine = await OcrEngine.create({ device: 'cpu', detect: { limit }, lineCacheSize: 0 });
  console.log(`det limit ${limit} (${engine.provider}), line cache off:`);
  const timing = await timeFrames(engine);
  const ocr = new Map<string, OcrResult>();
  for (const frame of new Set([...clicks, ...screenLabels].map((c) => c.frame)))
    ocr.set(frame, await engine.recognize(path.join(fixture, frame)));
  const recorded = score(clicks, ocr);
  const labels = score(screenLabels, ocr);
  console.log(
    `  median ${JSON.stringify(timing.median)}; recorded clicks ${recorded.hits}/${recorded.total}, screen labels ${labels.hits}/${labels.total}`,
  );
  byLimit.push({
    detLimit: limit,
    provider: engine.provider,
    ...timing,
    grounding: { recordedClicks: `${recorded.hits}/${recorded.total}`, screenLabels: `${labels.hits}/${labels.total}` },
  });
  if (limit === DEFAULT_DETECT.limit || Object.keys(grounding).length === 0) {
    grounding = { detLimit: limit, recordedClicks: recorded, screenLabels: labels };
  }
}
out.byDetLimit = byLimit;
out.grounding = grounding;

// An agent run: frames in recorded order, line cache on, each frame read once.
// Sessions are shared with the runs above, so they are already warm.
const fresh = await OcrEngine.create({ device: 'cpu', detect: { limit: DEFAULT_DETECT.limit } });
const sequence: object[] = [];
for (const frame of frames) {
  const r = await fresh.recognize(path.join(fixture, frame));
  sequence.push({
    frame,
    totalMs: round(r.timings.totalMs),
    recognizeMs: round(r.timings.recognizeMs),
    boxes: r.timings.boxes,
    cachedBoxes: r.timings.cachedBoxes,
  });
}
console.log(`recorded order with the line cache (det limit ${DEFAULT_DETECT.limit}):`);
for (const s of sequence) console.log(`  ${JSON.stringify(s)}`);
out.sequenceWithLineCache = { detLimit: DEFAULT_DETECT.limit, frames: sequence };
out.loadAverage = { before: loadBefore.map(round), after: os.loadavg().map(round) };

const file = path.join(root, 'bench', 'results', 'ocr.json');
fs.mkdirSync(path.dirname(file), { recursive: true });
fs.writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
console.log(`wrote ${path.relative(process.cwd(), file)}`);
