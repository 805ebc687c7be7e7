/**
 * `pcagent export --format html`: one self-contained viewer file per recording (plus an
 * `index.html` that links them). Nothing is fetched: the trajectory viewer's CSS and script
 * (`src/viewer/`, bundled at build time: `viewer-bundle.ts`) are inline, frames are data URLs, and a Content-Security-Policy (`default-src 'none'`, images only from `data:`) makes the
 * browser refuse any request the page could still try.
 *
 * Frames are shown WITH marks: the marked frame where refinement made one, otherwise the plain
 * frame with the same marks (refinement's own geometry, `marksOverlay`) drawn over it as SVG. Each
 * frame is embedded once at full resolution as JPEG (quality 85, no chroma subsampling, so text
 * stays sharp; `lossless` embeds the stored file instead) plus a small thumbnail for the step list.
 *
 * Streaming: the page skeleton and the step metadata are written first, then one `<script>` per
 * frame as it is encoded (two frames in flight), so a recording's encoded frames are never all in
 * memory and the browser shows the first step before the file has finished loading.
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { formatDuration } from '../../core/duration.js';
import { VIEWER_STEPS_ID, type ViewerStep } from '../../core/viewer-step.js';
import { formatTimestamp } from '../../core/wall-clock.js';
import type { Frame, Recording } from '../../library/library.js';
import { marksOverlay } from '../../core/marks.js';
import type { ExportStep } from './steps.js';
import { loadViewerBundle, type ViewerBundle } from './viewer-bundle.js';
import { type FormatWriter, type RecordingInput, type RecordingResult, tempPath } from './writer.js';

export const INDEX_FILE = 'index.html';
export const JPEG_QUALITY = 85;
export const THUMB_WIDTH = 320;
const THUMB_QUALITY = 70;
/** Frames encoded ahead of the one being written. */
const LOOKAHEAD = 2;

const CSP =
  "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

export interface HtmlOptions {
  /** Embed frames as stored instead of re-encoding them as JPEG. */
  readonly lossless?: boolean;
}

export function viewerStep(step: ExportStep): ViewerStep {
  const r = step.record;
  const frame = step.markedFrame ?? step.plainFrame;
  const marked = step.markedFrame !== null;
  const overlay =
    frame && !marked ? marksOverlay(step.action, r.element, { width: frame.width, height: frame.height }) : null;
  return {
    seq: r.seq,
    t: step.elapsedMs,
    dt: step.deltaMs,
    clock: formatTimestamp(r.time, step.recording.utcOffsetMin),
    kind: step.action.kind,
    planner: step.planner.text,
    complete: step.planner.complete,
    recorded: step.recordedText,
    element: r.element?.name || null,
    role: r.element?.role ?? null,
    description: step.description,
    descriptionSource: step.description === null ? null : (r.description?.source ?? null),
    check: r.check?.text ?? null,
    thought: step.thought,
    thoughtSource: step.thought === null ? null : (r.thought?.source ?? null),
    window: r.windowTitle,
    app: r.appName,
    w: frame?.width ?? null,
    h: frame?.height ?? null,
    marked,
    overlay: overlay && {
      svg: overlay.svg.replace('shape-rendering="crispEdges"', 'shape-rendering="geometricPrecision"'),
      left: overlay.left,
      top: overlay.top,
      width: overlay.width,
      height: overlay.height,
    },
  };
}

const MIME = { png: 'image/png', webp: 'image/webp', jpeg: 'image/jpeg' } as const;

interface Encoded {
  full: string;
  thumb: string;
}

async function encodeFrame(file: string, frame: Frame, lossless: boolean): Promise<Encoded> {
  const thumbOf = (input: string | Buffer) =>
    sharp(input).resize({ width: THUMB_WIDTH, withoutEnlargement: true }).jpeg({ quality: THUMB_QUALITY }).toBuffer();
  let full: Buffer;
  let thumb: Buffer;
  if (lossless) {
    [full, thumb] = await Promise.all([fs.promises.readFile(file), thumbOf(file)]);
  } else {
    full = await sharp(file).jpeg({ quality: JPEG_QUALITY, chromaSubsampling: '4:4:4' }).toBuffer();
    // From the JPEG: libjpeg decodes it straight at 1/4 or 1/8 scale, far cheaper than the PNG again.
    thumb = await thumbOf(full);
  }
  const fullMime = lossless ? MIME[frame.format] : MIME.jpeg;
  return {
    full: `data:${fullMime};base64,${full.toString('base64')}`,
    thumb: `data:image/jpeg;base64,${thumb.toString('base64')}`,
  };
}

/**
 * The head every exported page shares: the strict CSP, no referrer, the trajectory viewer's style
 * sheet (`src/viewer/trajectory.css`, inlined); recording pages also name their generator.
 */
function pageHead(title: string, css: string, generator: boolean): string {
  return `<!doctype html>
<html lang="en" class="tv-document">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="referrer" content="no-referrer">
${generator ? '<meta name="generator" content="pcagent export --format html">\n' : ''}<title>${escapeHtml(title)}</title>
<style>${css}</style>
</head>`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that is safe inside a `<script>` element (no `</script>`, no `<!--`). */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

interface IndexEntry {
  file: string;
  id: number;
  name: string;
  stage: string;
  task: string;
  steps: number;
  incomplete: number;
  duration: number;
  started: string;
}

export class HtmlWriter implements FormatWriter {
  private readonly entries: IndexEntry[] = [];
  private readonly temps = new Set<string>();

  constructor(
    private readonly out: string,
    private readonly options: HtmlOptions = {},
  ) {
    fs.mkdirSync(out, { recursive: true });
  }

  async add({ lib, recording, steps, stem, result, onStep }: RecordingInput): Promise<RecordingResult> {
    const file = path.join(this.out, `${stem}.html`);
    const viewer = await loadViewerBundle();
    const tmp = tempPath(file);
    this.temps.add(tmp);
    const fd = fs.openSync(tmp, 'w');
    try {
      const views = steps.map(viewerStep);
      fs.writeSync(fd, pageStart(viewer, recording, steps, views));
      // The frame each step shows; a frame shared by several steps is embedded once.
      const shown = steps.map((s) => s.markedFrame ?? s.plainFrame);
      const firstUse = new Map<number, number>();
      const jobs = new Map<number, Promise<Encoded>>();
      const start = (i: number): void => {
        const frame = shown[i];
        if (!frame || firstUse.has(frame.id) || jobs.has(i)) return;
        firstUse.set(frame.id, i);
        const job = encodeFrame(lib.absolutePath(frame.path), frame, Boolean(this.options.lossless));
        job.catch(() => {}); // awaited below; avoids an unhandled rejection while it waits its turn
        jobs.set(i, job);
      };
      for (let i = 0; i < steps.length; i++) {
        for (let k = i; k < Math.min(steps.length, i + LOOKAHEAD); k++) start(k);
        const frame = shown[i];
        const job = jobs.get(i);
        if (job) {
          const encoded = await job;
          jobs.delete(i);
          fs.writeSync(fd, `<script>pcv.frame(${i},"${encoded.full}","${encoded.thumb}")</script>\n`);
          result.images++;
        } else if (frame) {
          fs.writeSync(fd, `<script>pcv.same(${i},${firstUse.get(frame.id)!})</script>\n`);
        }
        onStep();
      }
      fs.writeSync(fd, '<script>pcv.loaded()</script>\n</body>\n</html>\n');
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
    this.temps.delete(tmp);
    result.files.push(file);
    const last = steps.at(-1);
    this.entries.push({
      file: path.basename(file),
      id: recording.id,
      name: recording.name,
      stage: recording.stage,
      task: recording.description?.trim() ?? '',
      steps: steps.length,
      incomplete: result.incompleteSteps,
      duration: last?.elapsedMs ?? 0,
      started: formatTimestamp(steps[0]?.record.time ?? recording.startedAt, recording.utcOffsetMin),
    });
    return result;
  }

  async finish(): Promise<string[]> {
    const file = path.join(this.out, INDEX_FILE);
    const tmp = tempPath(file);
    fs.writeFileSync(tmp, indexPage((await loadViewerBundle()).css, this.entries));
    fs.renameSync(tmp, file);
    return [file];
  }

  abort(): void {
    for (const t of this.temps) fs.rmSync(t, { force: true });
  }
}

function pageStart(
  viewer: ViewerBundle,
  recording: Recording,
  steps: readonly ExportStep[],
  views: readonly ViewerStep[],
): string {
  const task = recording.description?.trim() || '(no task description)';
  const first = steps[0];
  const duration = steps.at(-1)?.elapsedMs ?? 0;
  const screen = recording.screen ? `${recording.screen.physicalWidth}×${recording.screen.physicalHeight}` : null;
  const meta = [
    `recording ${recording.id}`,
    recording.name,
    recording.stage === 'refined' ? `refined from ${recording.parentId ?? '?'}` : 'raw',
    `${recording.kind}, ${recording.mode}, ${recording.status}`,
    recording.level,
    screen,
    first ? `started ${formatTimestamp(first.record.time, recording.utcOffsetMin)}` : null,
    `${steps.length} steps in ${formatDuration(duration)}`,
  ].filter(Boolean);
  const items = steps
    .map((s, i) => {
      const label = `Step ${i + 1}: ${s.planner.text}`;
      return (
        `<li><button type="button" class="tv-button tv-step" aria-label="${escapeHtml(label)}">` +
        `<img class="tv-step-thumb" alt="" width="96" height="54"><span class="tv-step-time">${i + 1} · +${escapeHtml(formatDuration(s.elapsedMs))}${s.planner.complete ? '' : ' · <span class="tv-badge tv-badge-warn">incomplete</span>'}</span>` +
        `<span class="tv-step-action">${escapeHtml(s.planner.text)}</span></button></li>`
      );
    })
    .join('\n');
  return `${pageHead(`${task} — PC Agent recording ${recording.id}`, viewer.css, true)}
<body class="tv tv-page">
<header class="tv-header">
<h1 class="tv-title">${escapeHtml(task)}</h1>
<p class="tv-meta">${meta.map((m) => escapeHtml(String(m))).join(' · ')}</p>
</header>
<noscript><p class="tv-noscript">This viewer needs JavaScript to step through the screenshots; the step list below still shows every action.</p></noscript>
<main class="tv-main">
<section class="tv-viewer" aria-label="Screenshot">
<div class="tv-toolbar" role="toolbar" aria-label="Step navigation">
<button type="button" class="tv-button" id="first" aria-label="First step (Home)" title="First step (Home)">First</button>
<button type="button" class="tv-button" id="prev" aria-label="Previous step (Left arrow or k)" title="Previous step (← or k)">◀ Prev</button>
<span class="tv-counter" id="counter" role="status" aria-live="polite" aria-atomic="true">Step 1 of ${steps.length}</span>
<button type="button" class="tv-button" id="next" aria-label="Next step (Right arrow or j)" title="Next step (→ or j)">Next ▶</button>
<button type="button" class="tv-button" id="last" aria-label="Last step (End)" title="Last step (End)">Last</button>
<button type="button" class="tv-button" id="zoom" aria-pressed="false" aria-label="Actual size (z)" title="Actual size (z)">1:1</button>
<span class="tv-hint"><kbd>←</kbd> <kbd>→</kbd> or <kbd>k</kbd> <kbd>j</kbd> step · <kbd>Home</kbd> <kbd>End</kbd> · <kbd>z</kbd> zoom</span>
</div>
<div class="tv-viewport" id="viewport">
<figure class="tv-stage" id="stage">
<img class="tv-frame" id="frame" alt="">
<div class="tv-overlay" id="overlay" aria-hidden="true"></div>
<p class="tv-noframe" id="noframe" hidden>Loading screenshot…</p>
</figure>
</div>
</section>
<aside class="tv-side">
<section class="tv-details" aria-label="Step details">
<h2 class="tv-heading">Thought <span class="tv-source" id="thought-src"></span></h2>
<p class="tv-thought" id="thought"></p>
<dl class="tv-fields">
<dt>Time</dt><dd id="d-time"></dd>
<dt>Action</dt><dd><code class="tv-code" id="d-planner"></code> <span class="tv-badge tv-badge-warn" id="d-incomplete" hidden title="No planner form: a click without a description, or an unrefined press / drag">incomplete</span></dd>
<dt>Recorded</dt><dd><code class="tv-code" id="d-recorded"></code></dd>
<dt>Element</dt><dd id="d-element"></dd>
<dt>Description</dt><dd id="d-description"></dd>
<dt>Check</dt><dd id="d-check"></dd>
<dt>Window</dt><dd id="d-window"></dd>
<dt>Marks</dt><dd id="d-marks"></dd>
</dl>
</section>
<nav class="tv-steps" aria-label="Steps">
<h2 class="tv-heading">Steps</h2>
<ol class="tv-step-list" id="list">
${items}
</ol>
</nav>
</aside>
</main>
<script type="application/json" id="${VIEWER_STEPS_ID}">${scriptJson(views)}</script>
<script>${viewer.js}</script>
`;
}

function indexPage(css: string, entries: readonly IndexEntry[]): string {
  const rows = entries
    .map(
      (e) =>
        `<tr><td><a href="${escapeHtml(encodeURIComponent(e.file))}">${escapeHtml(e.task || '(no task description)')}</a></td>` +
        `<td>${e.id}</td><td>${escapeHtml(e.name)}</td><td>${escapeHtml(e.stage)}</td><td>${e.steps}</td><td>${e.incomplete}</td>` +
        `<td>${escapeHtml(formatDuration(e.duration))}</td><td>${escapeHtml(e.started)}</td></tr>`,
    )
    .join('\n');
  return `${pageHead('PC Agent recordings', css, false)}
<body class="tv tv-index">
<h1 class="tv-title">PC Agent recordings</h1>
<p class="tv-meta">${entries.length} recordings, ${entries.reduce((n, e) => n + e.steps, 0)} steps</p>
<table class="tv-table">
<thead><tr><th scope="col">Task</th><th scope="col">ID</th><th scope="col">Name</th><th scope="col">Stage</th><th scope="col">Steps</th><th scope="col">Incomplete</th><th scope="col">Duration</th><th scope="col">Started</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
</body>
</html>
`;
}
