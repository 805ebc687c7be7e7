/**
 * The trajectory viewer: the script of the page `pcagent export --format html` writes. Bundled by
 * esbuild (`src/pipeline/export/viewer-bundle.ts`) into one classic script that the exporter
 * inlines, so the page stays one file that works offline from file:// under its strict CSP.
 *
 * It reads the steps from the page's JSON, then frames arrive through `window.pcv` (see
 * `core/viewer-step.ts`) while the file is still loading. Keyboard: ← → or k j step, Home / End,
 * z toggles actual size; the address (`#step-N`) names the step shown.
 */
import { formatDuration } from '../core/duration.js';
import { VIEWER_STEPS_ID, type ViewerApi, type ViewerStep } from '../core/viewer-step.js';

function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`trajectory viewer: no element #${id}`);
  return el as T;
}

const steps = JSON.parse(byId(VIEWER_STEPS_ID).textContent ?? '[]') as ViewerStep[];
const frames: (string | undefined)[] = [];
let cur = -1;
let zoom = false;

const img = byId<HTMLImageElement>('frame');
const stage = byId('stage');
const viewport = byId('viewport');
const overlay = byId('overlay');
const noframe = byId('noframe');
const listEl = byId<HTMLOListElement>('list');
const list = listEl.querySelectorAll<HTMLButtonElement>('button');
const first = byId<HTMLButtonElement>('first');
const prev = byId<HTMLButtonElement>('prev');
const next = byId<HTMLButtonElement>('next');
const last = byId<HTMLButtonElement>('last');
const zoomButton = byId<HTMLButtonElement>('zoom');

/** Sizes the stage: fitted into the viewport, or at the frame's actual (device) pixels when zoomed. */
function fit(): void {
  const s = steps[cur];
  if (!s) return;
  const w = s.w || 16;
  const h = s.h || 9;
  if (zoom) {
    stage.style.width = `${w / (window.devicePixelRatio || 1)}px`;
    stage.style.height = 'auto';
    stage.style.aspectRatio = `${w} / ${h}`;
    return;
  }
  const k = Math.min(viewport.clientWidth / w, viewport.clientHeight / h);
  stage.style.width = `${Math.floor(w * k)}px`;
  stage.style.height = `${Math.floor(h * k)}px`;
  stage.style.aspectRatio = '';
}

/** Scrolls the step list (never the page) so that the current step is visible. */
function reveal(el: HTMLElement): void {
  const top = el.offsetTop;
  const bottom = top + el.offsetHeight;
  if (top < listEl.scrollTop) listEl.scrollTop = top;
  else if (bottom > listEl.scrollTop + listEl.clientHeight) listEl.scrollTop = bottom - listEl.clientHeight;
}

function field(id: string, text: string | null, empty = '—'): void {
  byId(id).textContent = text === null || text === '' ? empty : text;
}

function thumbOf(i: number): HTMLImageElement | null {
  return list[i]?.querySelector('img') ?? null;
}

function show(index: number, fromList = false): void {
  if (!steps.length) return;
  const i = Math.max(0, Math.min(steps.length - 1, index));
  const s = steps[i]!;
  cur = i;
  const f = frames[i];
  if (f) {
    img.src = f;
    img.hidden = false;
    noframe.hidden = true;
  } else {
    img.removeAttribute('src');
    img.hidden = true;
    noframe.hidden = false;
    noframe.textContent = s.w ? 'Loading screenshot…' : 'No screenshot for this step';
  }
  img.alt = `Screenshot before step ${i + 1}: ${s.planner}`;
  overlay.textContent = '';
  if (s.overlay && s.w && s.h) {
    const o = s.overlay;
    const d = document.createElement('div');
    d.className = 'tv-overlay-marks';
    d.style.left = `${(100 * o.left) / s.w}%`;
    d.style.top = `${(100 * o.top) / s.h}%`;
    d.style.width = `${(100 * o.width) / s.w}%`;
    d.style.height = `${(100 * o.height) / s.h}%`;
    // Refinement's own SVG (pure geometry from core, no user text), drawn over the plain frame.
    d.innerHTML = o.svg;
    overlay.appendChild(d);
  }
  fit();
  byId('counter').textContent = `Step ${i + 1} of ${steps.length}`;
  const thought = byId('thought');
  thought.textContent = s.thought || 'No thought recorded for this step.';
  thought.classList.toggle('tv-thought-none', !s.thought);
  byId('thought-src').textContent = s.thoughtSource ? `(${s.thoughtSource})` : '';
  const after = i ? `+${formatDuration(s.dt)} after the previous step, ` : '';
  field('d-time', `+${formatDuration(s.t)}  (${after}${s.clock})`);
  field('d-planner', s.planner);
  byId('d-incomplete').hidden = s.complete;
  field('d-recorded', s.recorded);
  field('d-element', s.element ? s.element + (s.role ? ` (${s.role})` : '') : null, 'unknown');
  field(
    'd-description',
    s.description ? s.description + (s.descriptionSource ? `  [${s.descriptionSource}]` : '') : null,
  );
  field('d-check', s.check);
  field('d-window', [s.app, s.window].filter(Boolean).join(' — '));
  field(
    'd-marks',
    !s.w
      ? 'no frame'
      : s.marked
        ? 'marked frame from refinement'
        : s.overlay
          ? 'drawn by this viewer on the plain frame'
          : 'none for this action',
  );
  first.disabled = prev.disabled = i === 0;
  last.disabled = next.disabled = i === steps.length - 1;
  list.forEach((button, k) => {
    if (k === i) button.setAttribute('aria-current', 'step');
    else button.removeAttribute('aria-current');
  });
  const current = list[i];
  if (current && !fromList) reveal(current);
  history.replaceState(null, '', `#step-${i + 1}`);
}

const api: ViewerApi = {
  frame(i, full, thumb) {
    frames[i] = full;
    const t = thumbOf(i);
    if (t) t.src = thumb;
    if (i === cur) show(cur, true);
  },
  same(i, j) {
    frames[i] = frames[j];
    const a = thumbOf(j);
    const b = thumbOf(i);
    if (a && b) b.src = a.src;
    if (i === cur) show(cur, true);
  },
  loaded() {
    document.body.setAttribute('data-loaded', 'true');
  },
};
// The frame scripts the exporter streams after this one call it by this global name.
(window as Window & { pcv?: ViewerApi }).pcv = api;

list.forEach((button, k) => button.addEventListener('click', () => show(k, true)));
first.addEventListener('click', () => show(0));
prev.addEventListener('click', () => show(cur - 1));
next.addEventListener('click', () => show(cur + 1));
last.addEventListener('click', () => show(steps.length - 1));
zoomButton.addEventListener('click', () => {
  zoom = !zoom;
  zoomButton.setAttribute('aria-pressed', String(zoom));
  viewport.classList.toggle('tv-zoomed', zoom);
  fit();
});

document.addEventListener('keydown', (e) => {
  if (e.altKey || e.ctrlKey || e.metaKey) return;
  const t = e.target instanceof HTMLElement ? e.target : null;
  if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
  const k = e.key;
  // Up / down step only when nothing has focus: in the step list they scroll it as usual.
  if (k === 'ArrowRight' || k === 'j' || (k === 'ArrowDown' && t === document.body)) show(cur + 1);
  else if (k === 'ArrowLeft' || k === 'k' || (k === 'ArrowUp' && t === document.body)) show(cur - 1);
  else if (k === 'Home') show(0);
  else if (k === 'End') show(steps.length - 1);
  else if (k === 'z') zoomButton.click();
  else return;
  e.preventDefault();
  // Keyboard focus in the list follows the step shown.
  if (document.activeElement?.closest('#list')) list[cur]?.focus();
});
window.addEventListener('resize', fit);

const requested = /^#step-(\d+)$/.exec(location.hash);
show(requested ? Number(requested[1]) - 1 : 0);
