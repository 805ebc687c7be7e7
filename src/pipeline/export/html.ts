/**
 * `pcagent export --format html`: one self-contained viewer file per recording (plus an
 * `index.html` that links them). Nothing is fetched: CSS and script are inline, frames are data
 * URLs, and a Content-Security-Policy (`default-src 'none'`, images only from `data:`) makes the
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
import { formatTimestamp } from '../../core/wall-clock.js';
import type { Frame, Library, Recording } from '../../library/library.js';
import { marksOverlay } from '../refine/marks.js';
import { type ExportStep, recordingStem } from './steps.js';
import { baseResult, type FormatWriter, type RecordingResult, tempPath } from './writer.js';

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

/** What the page's script knows about a step (JSON in the page). */
export interface ViewerStep {
  seq: number;
  /** ms since the first step; ms since the previous one. */
  t: number;
  dt: number;
  /** Wall-clock time as the pc-tracker format writes it. */
  clock: string;
  kind: string;
  planner: string;
  complete: boolean;
  recorded: string;
  element: string | null;
  role: string | null;
  description: string | null;
  descriptionSource: string | null;
  check: string | null;
  thought: string | null;
  thoughtSource: string | null;
  window: string | null;
  app: string | null;
  /** Frame size; whether it is the marked copy; marks to draw over a plain frame. */
  w: number | null;
  h: number | null;
  marked: boolean;
  overlay: { svg: string; left: number; top: number; width: number; height: number } | null;
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

/** The index page's own rules, on top of STYLE. */
const INDEX_STYLE = `
body{display:block;padding:16px 24px}table{border-collapse:collapse;width:100%;background:var(--panel)}
th,td{padding:6px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}th{color:var(--muted);font-weight:600;font-size:.85rem}
a{color:var(--accent)}td:nth-child(n+5){font-variant-numeric:tabular-nums}`;

/**
 * The head every exported page shares: the strict CSP, no referrer, the shared style sheet plus
 * `extraStyle`; recording pages also name their generator.
 */
function pageHead(title: string, extraStyle: string, generator: boolean): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="referrer" content="no-referrer">
${generator ? '<meta name="generator" content="pcagent export --format html">\n' : ''}<title>${escapeHtml(title)}</title>
<style>${STYLE}${extraStyle}</style>
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

/** `1.2 s`, `1:05.3`, `1:02:03`: a duration for people. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}:${(s - m * 60).toFixed(1).padStart(4, '0')}`;
  const h = Math.floor(m / 60);
  return `${h}:${String(m % 60).padStart(2, '0')}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
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

  async add(
    lib: Library,
    recording: Recording,
    steps: readonly ExportStep[],
    onStep: () => void,
  ): Promise<RecordingResult> {
    const result = baseResult(recording, steps);
    const file = path.join(this.out, `${recordingStem(recording)}.html`);
    const tmp = tempPath(file);
    this.temps.add(tmp);
    const fd = fs.openSync(tmp, 'w');
    try {
      const views = steps.map(viewerStep);
      fs.writeSync(fd, pageStart(recording, steps, views));
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
    fs.writeFileSync(tmp, indexPage(this.entries));
    fs.renameSync(tmp, file);
    return [file];
  }

  abort(): void {
    for (const t of this.temps) fs.rmSync(t, { force: true });
  }
}

const STYLE = `
:root{color-scheme:light dark;--bg:#f4f5f7;--panel:#fff;--fg:#1b1f24;--muted:#5b636e;--line:#d6dae0;--accent:#0b5cd5;--accent-bg:#e3edfc;--warn:#8a4b00;--warn-bg:#fff1dc;--code:#eef0f3;--mark:#d00}
@media (prefers-color-scheme:dark){:root{--bg:#16181c;--panel:#1f2228;--fg:#e6e8eb;--muted:#a0a8b4;--line:#343a43;--accent:#7fb0ff;--accent-bg:#1d2b44;--warn:#ffc27a;--warn-bg:#3a2a12;--code:#2a2e35}}
*{box-sizing:border-box}
[hidden]{display:none!important}
html,body{margin:0;height:100%}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;background:var(--bg);color:var(--fg);display:flex;flex-direction:column}
header{padding:10px 18px;border-bottom:1px solid var(--line);background:var(--panel)}
h1{font-size:1.25rem;margin:0 0 2px;font-weight:600}
.meta{margin:0;color:var(--muted);font-size:.85rem}
main{flex:1;min-height:0;display:grid;grid-template-columns:minmax(0,1fr) 400px;grid-template-rows:minmax(0,1fr)}
.viewer{display:flex;flex-direction:column;min-width:0;min-height:0;padding:10px 14px 14px}
.toolbar{display:flex;align-items:center;gap:8px;margin-bottom:8px;flex-wrap:wrap}
button{font:inherit;color:inherit;background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:5px 12px;cursor:pointer}
button:hover:not(:disabled){border-color:var(--accent)}
button:disabled{opacity:.45;cursor:default}
button:focus-visible,.steps button:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
button[aria-pressed=true]{background:var(--accent-bg);border-color:var(--accent)}
#counter{font-weight:600;min-width:9em;text-align:center;font-variant-numeric:tabular-nums}
.hint{color:var(--muted);font-size:.8rem;margin-left:auto}
kbd{font:.78rem ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;border:1px solid var(--line);border-bottom-width:2px;border-radius:4px;padding:0 4px;background:var(--panel)}
.viewport{flex:1;min-height:0;display:flex;align-items:flex-start;justify-content:center;overflow:hidden}
.viewport.zoom{overflow:auto;justify-content:flex-start}
.stage{position:relative;margin:0;background:#000;box-shadow:0 1px 4px rgba(0,0,0,.25);max-width:100%;max-height:100%}
.viewport.zoom .stage{max-width:none;max-height:none;flex:none}
.stage img{display:block;width:100%;height:100%}
#overlay{position:absolute;inset:0;pointer-events:none}
#overlay div{position:absolute}
#overlay svg{display:block;width:100%;height:100%}
#noframe{position:absolute;inset:0;display:flex;align-items:center;justify-content:center;color:#ccc;margin:0}
.badge{display:inline-block;font-size:.72rem;padding:1px 7px;border-radius:10px;background:var(--code);color:var(--muted);vertical-align:middle}
.badge.warn{background:var(--warn-bg);color:var(--warn)}
aside{border-left:1px solid var(--line);background:var(--panel);display:flex;flex-direction:column;min-height:0}
.details{padding:12px 16px;border-bottom:1px solid var(--line);overflow:auto;max-height:55%}
.details h2,.steps h2{font-size:.78rem;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);margin:0 0 6px}
.thought{margin:0 0 10px;padding:8px 12px;border-left:4px solid var(--accent);background:var(--accent-bg);border-radius:0 6px 6px 0;font-size:1rem}
.thought.none{border-left-color:var(--line);background:var(--code);color:var(--muted);font-style:italic}
dl{margin:0;display:grid;grid-template-columns:max-content minmax(0,1fr);gap:4px 12px}
dt{color:var(--muted);font-size:.85rem}
dd{margin:0;overflow-wrap:anywhere}
code{font:.88rem ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:var(--code);padding:1px 5px;border-radius:4px}
.src{color:var(--muted);font-size:.78rem;text-transform:none;letter-spacing:0;font-weight:400}
.steps{flex:1;min-height:0;display:flex;flex-direction:column;padding:10px 8px 8px 16px}
.steps ol{position:relative;list-style:none;margin:0;padding:0 8px 0 0;overflow:auto;flex:1}
.steps li{margin:0 0 4px}
.steps button{width:100%;display:grid;grid-template-columns:96px minmax(0,1fr);grid-template-rows:auto auto;gap:0 10px;text-align:left;padding:5px;border-color:transparent;background:none}
.steps button[aria-current=step]{background:var(--accent-bg);border-color:var(--accent)}
.steps img{grid-row:span 2;width:96px;aspect-ratio:16/9;object-fit:cover;background:var(--code);border-radius:3px}
.steps .top{font-size:.78rem;color:var(--muted);font-variant-numeric:tabular-nums}
.steps .act{font:.82rem ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
noscript p{margin:12px 18px;padding:8px;background:var(--warn-bg);color:var(--warn)}
@media (max-width:1100px){html,body{height:auto}body{display:block}main{display:block}aside{border-left:0;border-top:1px solid var(--line)}.viewport{flex:none;height:min(60vh,calc((100vw - 28px) * 9 / 16))}.details{max-height:none}.steps ol{max-height:60vh}}
`;

const SCRIPT = `
(function(){
'use strict';
var steps=JSON.parse(document.getElementById('pcv-steps').textContent);
var frames=[],cur=-1,zoom=false;
var $=function(id){return document.getElementById(id)};
var img=$('frame'),stage=$('stage'),viewport=$('viewport'),overlay=$('overlay'),noframe=$('noframe');
var list=document.querySelectorAll('#list button');
function dur(ms){var s=Math.max(0,ms)/1000;if(s<60)return s.toFixed(1)+' s';var m=Math.floor(s/60);if(m<60)return m+':'+(s-m*60).toFixed(1).padStart(4,'0');var h=Math.floor(m/60);return h+':'+String(m%60).padStart(2,'0')+':'+String(Math.floor(s%60)).padStart(2,'0')}
function fit(){var s=steps[cur];if(!s)return;var w=s.w||16,h=s.h||9;
  if(zoom){stage.style.width=(w/(window.devicePixelRatio||1))+'px';stage.style.height='auto';stage.style.aspectRatio=w+' / '+h;return}
  var aw=viewport.clientWidth,ah=viewport.clientHeight,k=Math.min(aw/w,ah/h);stage.style.width=Math.floor(w*k)+'px';stage.style.height=Math.floor(h*k)+'px';stage.style.aspectRatio=''}
// Scrolls the step list (never the page) so that the current step is visible.
function reveal(el){var ol=$('list'),top=el.offsetTop,bottom=top+el.offsetHeight;
  if(top<ol.scrollTop)ol.scrollTop=top;else if(bottom>ol.scrollTop+ol.clientHeight)ol.scrollTop=bottom-ol.clientHeight}
function field(id,text,empty){var el=$(id);el.textContent=text==null||text===''?(empty||'—'):text}
function show(i,fromList){
  if(!steps.length)return;
  i=Math.max(0,Math.min(steps.length-1,i));
  var s=steps[i];cur=i;
  var f=frames[i];
  if(f){img.src=f;img.hidden=false;noframe.hidden=true}else{img.removeAttribute('src');img.hidden=true;noframe.hidden=false;noframe.textContent=s.w?'Loading screenshot…':'No screenshot for this step'}
  img.alt='Screenshot before step '+(i+1)+': '+s.planner;
  overlay.textContent='';
  if(s.overlay&&s.w){var d=document.createElement('div');var o=s.overlay;
    d.style.left=(100*o.left/s.w)+'%';d.style.top=(100*o.top/s.h)+'%';d.style.width=(100*o.width/s.w)+'%';d.style.height=(100*o.height/s.h)+'%';
    d.innerHTML=o.svg;overlay.appendChild(d)}
  fit();
  $('counter').textContent='Step '+(i+1)+' of '+steps.length;
  var th=$('thought');th.textContent=s.thought||'No thought recorded for this step.';th.className='thought'+(s.thought?'':' none');
  $('thought-src').textContent=s.thoughtSource?'('+s.thoughtSource+')':'';
  field('d-time','+'+dur(s.t)+'  ('+(i?'+'+dur(s.dt)+' after the previous step, ':'')+s.clock+')');
  field('d-planner',s.planner);
  var inc=$('d-incomplete');inc.hidden=s.complete;
  field('d-recorded',s.recorded);
  field('d-element',s.element?s.element+(s.role?' ('+s.role+')':''):null,'unknown');
  field('d-description',s.description?s.description+(s.descriptionSource?'  ['+s.descriptionSource+']':''):null);
  field('d-check',s.check);
  field('d-window',[s.app,s.window].filter(Boolean).join(' — '));
  field('d-marks',!s.w?'no frame':s.marked?'marked frame from refinement':s.overlay?'drawn by this viewer on the plain frame':'none for this action');
  $('first').disabled=$('prev').disabled=i===0;$('last').disabled=$('next').disabled=i===steps.length-1;
  for(var k=0;k<list.length;k++){if(k===i)list[k].setAttribute('aria-current','step');else list[k].removeAttribute('aria-current')}
  if(list[i]&&!fromList)reveal(list[i]);
  if(history.replaceState)history.replaceState(null,'','#step-'+(i+1));
}
window.pcv={
  frame:function(i,full,thumb){frames[i]=full;var t=list[i]&&list[i].querySelector('img');if(t)t.src=thumb;if(i===cur)show(cur,true)},
  same:function(i,j){frames[i]=frames[j];var a=list[j]&&list[j].querySelector('img'),b=list[i]&&list[i].querySelector('img');if(a&&b)b.src=a.src;if(i===cur)show(cur,true)},
  loaded:function(){document.body.setAttribute('data-loaded','true')}
};
for(var k=0;k<list.length;k++)(function(k){list[k].addEventListener('click',function(){show(k,true)})})(k);
$('first').onclick=function(){show(0)};$('prev').onclick=function(){show(cur-1)};$('next').onclick=function(){show(cur+1)};$('last').onclick=function(){show(steps.length-1)};
var zb=$('zoom');zb.onclick=function(){zoom=!zoom;zb.setAttribute('aria-pressed',String(zoom));viewport.classList.toggle('zoom',zoom);fit()};
document.addEventListener('keydown',function(e){
  if(e.altKey||e.ctrlKey||e.metaKey)return;
  var t=e.target;if(t&&(t.isContentEditable||/^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName)))return;
  var k=e.key;
  if(k==='ArrowRight'||k==='j'||k==='ArrowDown'&&t===document.body){show(cur+1)}
  else if(k==='ArrowLeft'||k==='k'||k==='ArrowUp'&&t===document.body){show(cur-1)}
  else if(k==='Home'){show(0)}else if(k==='End'){show(steps.length-1)}
  else if(k==='z'){zb.click()}else return;
  e.preventDefault();
  if(list[cur]&&document.activeElement&&document.activeElement.closest&&document.activeElement.closest('#list'))list[cur].focus();
});
window.addEventListener('resize',fit);
var m=/^#step-(\\d+)$/.exec(location.hash);show(m?Number(m[1])-1:0);
})();
`;

function pageStart(recording: Recording, steps: readonly ExportStep[], views: readonly ViewerStep[]): string {
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
        `<li><button type="button" aria-label="${escapeHtml(label)}">` +
        `<img alt="" width="96" height="54"><span class="top">${i + 1} · +${escapeHtml(formatDuration(s.elapsedMs))}${s.planner.complete ? '' : ' · <span class="badge warn">incomplete</span>'}</span>` +
        `<span class="act">${escapeHtml(s.planner.text)}</span></button></li>`
      );
    })
    .join('\n');
  return `${pageHead(`${task} — PC Agent recording ${recording.id}`, '', true)}
<body>
<header>
<h1>${escapeHtml(task)}</h1>
<p class="meta">${meta.map((m) => escapeHtml(String(m))).join(' · ')}</p>
</header>
<noscript><p>This viewer needs JavaScript to step through the screenshots; the step list below still shows every action.</p></noscript>
<main>
<section class="viewer" aria-label="Screenshot">
<div class="toolbar" role="toolbar" aria-label="Step navigation">
<button type="button" id="first" aria-label="First step (Home)" title="First step (Home)">First</button>
<button type="button" id="prev" aria-label="Previous step (Left arrow or k)" title="Previous step (← or k)">◀ Prev</button>
<span id="counter" role="status" aria-live="polite" aria-atomic="true">Step 1 of ${steps.length}</span>
<button type="button" id="next" aria-label="Next step (Right arrow or j)" title="Next step (→ or j)">Next ▶</button>
<button type="button" id="last" aria-label="Last step (End)" title="Last step (End)">Last</button>
<button type="button" id="zoom" aria-pressed="false" aria-label="Actual size (z)" title="Actual size (z)">1:1</button>
<span class="hint"><kbd>←</kbd> <kbd>→</kbd> or <kbd>k</kbd> <kbd>j</kbd> step · <kbd>Home</kbd> <kbd>End</kbd> · <kbd>z</kbd> zoom</span>
</div>
<div class="viewport" id="viewport">
<figure class="stage" id="stage">
<img id="frame" alt="">
<div id="overlay" aria-hidden="true"></div>
<p id="noframe" hidden>Loading screenshot…</p>
</figure>
</div>
</section>
<aside>
<section class="details" aria-label="Step details">
<h2>Thought <span class="src" id="thought-src"></span></h2>
<p class="thought" id="thought"></p>
<dl>
<dt>Time</dt><dd id="d-time"></dd>
<dt>Action</dt><dd><code id="d-planner"></code> <span class="badge warn" id="d-incomplete" hidden title="No planner form: a click without a description, or an unrefined press / drag">incomplete</span></dd>
<dt>Recorded</dt><dd><code id="d-recorded"></code></dd>
<dt>Element</dt><dd id="d-element"></dd>
<dt>Description</dt><dd id="d-description"></dd>
<dt>Check</dt><dd id="d-check"></dd>
<dt>Window</dt><dd id="d-window"></dd>
<dt>Marks</dt><dd id="d-marks"></dd>
</dl>
</section>
<nav class="steps" aria-label="Steps">
<h2>Steps</h2>
<ol id="list">
${items}
</ol>
</nav>
</aside>
</main>
<script type="application/json" id="pcv-steps">${scriptJson(views)}</script>
<script>${SCRIPT}</script>
`;
}

function indexPage(entries: readonly IndexEntry[]): string {
  const rows = entries
    .map(
      (e) =>
        `<tr><td><a href="${escapeHtml(encodeURIComponent(e.file))}">${escapeHtml(e.task || '(no task description)')}</a></td>` +
        `<td>${e.id}</td><td>${escapeHtml(e.name)}</td><td>${escapeHtml(e.stage)}</td><td>${e.steps}</td><td>${e.incomplete}</td>` +
        `<td>${escapeHtml(formatDuration(e.duration))}</td><td>${escapeHtml(e.started)}</td></tr>`,
    )
    .join('\n');
  return `${pageHead('PC Agent recordings', INDEX_STYLE, false)}
<body>
<h1>PC Agent recordings</h1>
<p class="meta">${entries.length} recordings, ${entries.reduce((n, e) => n + e.steps, 0)} steps</p>
<table>
<thead><tr><th scope="col">Task</th><th scope="col">ID</th><th scope="col">Name</th><th scope="col">Stage</th><th scope="col">Steps</th><th scope="col">Incomplete</th><th scope="col">Duration</th><th scope="col">Started</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
</body>
</html>
`;
}
