import type { Box } from '../ocr/frame.js';

/**
 * Multi-scale template matching by normalised cross-correlation (NCC) on grayscale buffers, the
 * core of the visual grounder. Pure functions over typed arrays, no I/O.
 *
 * Coarse to fine: the screen is reduced by a factor chosen so that the template keeps about a
 * hundred pixels there, every position of that small screen is scored at each scale (the local
 * means and variances come from integral images, so a position costs one pass over the small
 * template, and flat areas — most of a desktop — are skipped outright), then the best few peaks
 * are refined level by level down to full resolution in small windows, where neighbouring scales
 * are tried too. The answer is the best match and the best distinct second peak: how far the
 * second is below the first says whether the match is unique.
 */

/** One grayscale channel, row-major, `width * height` values (0..255 in practice). */
export interface GrayImage {
  readonly data: Float32Array | Uint8Array | Uint8ClampedArray;
  readonly width: number;
  readonly height: number;
}

/** A template scale: its size on the screen is `template.width * x` by `template.height * y`. */
export interface Scale {
  readonly x: number;
  readonly y: number;
}

export interface TemplateMatch {
  /** Where the scaled template lies on the screen, full-resolution pixels. */
  readonly box: Box;
  readonly scale: Scale;
  /** Normalised cross-correlation, -1..1 (1: identical up to brightness and contrast). */
  readonly ncc: number;
}

export interface MatchResult {
  /** Refined peaks, best first, pairwise distinct (see `distinct`). */
  readonly matches: readonly TemplateMatch[];
  readonly best?: TemplateMatch;
  /** The best peak distinct from `best`: its NCC against `best`'s is the uniqueness margin. */
  readonly second?: TemplateMatch;
  /** Reduction factor of the coarse search. */
  readonly coarseFactor: number;
}

export interface MatchOptions {
  /** Template scales to search (default: 1 only). */
  readonly scales?: readonly Scale[];
  /**
   * Multiply-adds the coarse search may take over all scales (default 30 million, some tens of
   * milliseconds): the coarse factor is the smallest that keeps within it. Small templates cost
   * the most, since they keep fewer pixels per reduction.
   */
  readonly coarseBudget?: number;
  /** Smallest template side at the coarse level, the budget notwithstanding (default 5). */
  readonly coarseMinSide?: number;
  /** Peaks kept per scale at the coarse level (default 4). */
  readonly peaksPerScale?: number;
  /** Coarse peaks refined at full resolution (default 6). */
  readonly refine?: number;
  /**
   * Scale multipliers tried around each peak's scale at full resolution, besides 1 (default
   * ±2.5 % and ±5 %: the coarse scale grid is about 10 % apart).
   */
  readonly fineScales?: readonly number[];
  /**
   * A screen window whose standard deviation is below this fraction of the template's is not
   * scored (NCC is undefined on a flat window, and a real match keeps roughly the template's
   * contrast). Default 0.2.
   */
  readonly minContrast?: number;
}

/** Peaks this far (NCC) below the best after positioning are not worth trying more scales on. */
const FINE_SCALE_BAND = 0.2;

const DEFAULTS = {
  coarseBudget: 30e6,
  coarseMinSide: 5,
  peaksPerScale: 6,
  refine: 16,
  fineScales: [0.91, 0.95, 0.975, 1.025, 1.05, 1.1],
  minContrast: 0.2,
};

// ---------------------------------------------------------------------------------------------
// Resampling

interface Taps {
  /** First source index of each output index. */
  readonly start: Int32Array;
  readonly count: Int32Array;
  /** Weights, `maxTaps` per output index, normalised to sum 1. */
  readonly weights: Float32Array;
  readonly maxTaps: number;
}

/**
 * Filter taps for resampling `from` samples to `to`: area averaging when reducing (each output
 * pixel is the mean of the source pixels it covers, as screenshot scalers roughly do, and an
 * integer factor is a plain box average), linear interpolation when enlarging.
 */
function taps(from: number, to: number): Taps {
  const ratio = from / to;
  const maxTaps = ratio >= 1 ? Math.ceil(ratio) + 1 : 2;
  const start = new Int32Array(to);
  const count = new Int32Array(to);
  const weights = new Float32Array(to * maxTaps);
  for (let i = 0; i < to; i++) {
    const o = i * maxTaps;
    if (ratio >= 1) {
      const lo = i * ratio;
      const hi = Math.min(from, (i + 1) * ratio);
      const first = Math.floor(lo);
      let n = 0;
      for (let j = first; j < hi && n < maxTaps; j++, n++) {
        weights[o + n] = (Math.min(j + 1, hi) - Math.max(j, lo)) / ratio;
      }
      start[i] = first;
      count[i] = n;
    } else {
      const centre = Math.max(0, Math.min(from - 1, (i + 0.5) * ratio - 0.5));
      const first = Math.min(Math.floor(centre), Math.max(0, from - 2));
      const frac = centre - first;
      weights[o] = 1 - frac;
      weights[o + 1] = frac;
      start[i] = first;
      count[i] = from > 1 ? 2 : 1;
    }
  }
  return { start, count, weights, maxTaps };
}

/** The image resampled to `width` × `height` (separable triangle filter, antialiased). */
export function resample(image: GrayImage, width: number, height: number): GrayImage & { data: Float32Array } {
  const w = Math.max(1, Math.round(width));
  const h = Math.max(1, Math.round(height));
  const src = image.data;
  const sw = image.width;
  const sh = image.height;
  const tx = taps(sw, w);
  const ty = taps(sh, h);
  // Horizontal pass into a sw→w, sh-row buffer, then vertical.
  const mid = new Float32Array(w * sh);
  for (let y = 0; y < sh; y++) {
    const row = y * sw;
    for (let x = 0; x < w; x++) {
      const s = tx.start[x]!;
      const n = tx.count[x]!;
      const o = x * tx.maxTaps;
      let acc = 0;
      for (let k = 0; k < n; k++) acc += src[row + s + k]! * tx.weights[o + k]!;
      mid[y * w + x] = acc;
    }
  }
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const s = ty.start[y]!;
    const n = ty.count[y]!;
    const o = y * ty.maxTaps;
    for (let k = 0; k < n; k++) {
      const wt = ty.weights[o + k]!;
      const row = (s + k) * w;
      const outRow = y * w;
      for (let x = 0; x < w; x++) out[outRow + x]! += mid[row + x]! * wt;
    }
  }
  return { data: out, width: w, height: h };
}

type FloatImage = GrayImage & { readonly data: Float32Array };

function asFloat(image: GrayImage): FloatImage {
  if (image.data instanceof Float32Array) return image as FloatImage;
  // The constructor converts element by element natively; Float32Array.from iterates.
  return { data: new Float32Array(image.data), width: image.width, height: image.height };
}

interface Level {
  readonly image: FloatImage;
}

interface CoarseLevel extends Level {
  readonly sat: { sum: Float64Array; sq: Float64Array };
}

/**
 * The image reduced by an integer factor: each pixel the mean of a factor×factor block (the
 * last partial blocks are dropped, so level pixel x is exactly full-resolution x × factor).
 */
function boxReduce(image: FloatImage, factor: number): FloatImage {
  const w = Math.max(1, Math.floor(image.width / factor));
  const h = Math.max(1, Math.floor(image.height / factor));
  const src = image.data;
  const sw = image.width;
  const out = new Float32Array(w * h);
  const rows = Math.min(image.height, h * factor);
  const cols = Math.min(sw, w * factor);
  for (let y = 0; y < rows; y++) {
    const o = Math.floor(y / factor) * w;
    const row = y * sw;
    for (let x = 0, ox = 0, k = 0; x < cols; x++) {
      out[o + ox]! += src[row + x]!;
      if (++k === factor) {
        k = 0;
        ox++;
      }
    }
  }
  const area = factor * factor;
  for (let i = 0; i < out.length; i++) out[i]! /= area;
  return { data: out, width: w, height: h };
}

/**
 * The image blurred by a 3×3 binomial kernel (edges repeated). The coarse search runs on
 * smoothed pictures on both sides: a block average alone depends on where the blocks fall, so
 * the same icon at another offset modulo the factor would look different, and the true match
 * could rank below look-alikes.
 */
export function smooth(image: FloatImage): FloatImage {
  const { width: w, height: h, data } = image;
  const mid = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      const l = data[row + Math.max(0, x - 1)]!;
      const r = data[row + Math.min(w - 1, x + 1)]!;
      mid[row + x] = (l + 2 * data[row + x]! + r) / 4;
    }
  }
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const up = Math.max(0, y - 1) * w;
    const row = y * w;
    const down = Math.min(h - 1, y + 1) * w;
    for (let x = 0; x < w; x++) out[row + x] = (mid[up + x]! + 2 * mid[row + x]! + mid[down + x]!) / 4;
  }
  return { data: out, width: w, height: h };
}

/**
 * A screen and its reductions by integer factors, made on demand and kept: several searches on
 * one screen (another template, a wider one) share them.
 */
export class ScreenPyramid {
  private readonly levels = new Map<number, Level>();
  private readonly coarseLevels = new Map<number, CoarseLevel>();

  constructor(readonly image: GrayImage) {}

  get width(): number {
    return this.image.width;
  }

  get height(): number {
    return this.image.height;
  }

  level(factor: number): Level {
    let l = this.levels.get(factor);
    if (!l) {
      const { image } = this;
      // Everything past the input is Float32, so the hot loops see one array type.
      l = { image: factor === 1 ? asFloat(image) : boxReduce(this.level(1).image, factor) };
      this.levels.set(factor, l);
    }
    return l;
  }

  /**
   * The level smoothed (see `smooth`) with its summed-area tables, for the exhaustive coarse
   * search.
   */
  coarse(factor: number): CoarseLevel {
    let l = this.coarseLevels.get(factor);
    if (!l) {
      const image = smooth(this.level(factor).image);
      l = { image, sat: integrals(image) };
      this.coarseLevels.set(factor, l);
    }
    return l;
  }
}

// ---------------------------------------------------------------------------------------------
// Statistics

/** Mean and standard deviation of a rectangle of the image (the whole image by default). */
export function regionStats(
  image: GrayImage,
  box: Box = [0, 0, image.width, image.height],
): { mean: number; std: number } {
  const [l, t, r, b] = clampBox(box, image.width, image.height);
  let sum = 0;
  let sq = 0;
  for (let y = t; y < b; y++) {
    for (let x = l; x < r; x++) {
      const v = image.data[y * image.width + x]!;
      sum += v;
      sq += v * v;
    }
  }
  const n = Math.max(1, (r - l) * (b - t));
  const mean = sum / n;
  return { mean, std: Math.sqrt(Math.max(0, sq / n - mean * mean)) };
}

export function clampBox(box: Box, width: number, height: number): Box {
  const l = Math.max(0, Math.min(width, Math.round(box[0])));
  const t = Math.max(0, Math.min(height, Math.round(box[1])));
  return [l, t, Math.max(l, Math.min(width, Math.round(box[2]))), Math.max(t, Math.min(height, Math.round(box[3])))];
}

/** A template prepared for correlation: zero-mean values and their norm. */
interface Prepared {
  readonly width: number;
  readonly height: number;
  readonly zero: Float32Array;
  /** sqrt(Σ (t - mean)²). */
  readonly norm: number;
  /** Standard deviation per pixel. */
  readonly std: number;
}

function prepare(template: GrayImage): Prepared {
  const n = template.width * template.height;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += template.data[i]!;
  const mean = sum / n;
  const zero = new Float32Array(n);
  let sq = 0;
  for (let i = 0; i < n; i++) {
    const v = template.data[i]! - mean;
    zero[i] = v;
    sq += v * v;
  }
  return { width: template.width, height: template.height, zero, norm: Math.sqrt(sq), std: Math.sqrt(sq / n) };
}

/** Summed-area tables of the values and their squares, (w+1)×(h+1), for O(1) window statistics. */
function integrals(image: GrayImage): { sum: Float64Array; sq: Float64Array } {
  const w = image.width;
  const h = image.height;
  const stride = w + 1;
  const sum = new Float64Array(stride * (h + 1));
  const sq = new Float64Array(stride * (h + 1));
  for (let y = 0; y < h; y++) {
    let rowSum = 0;
    let rowSq = 0;
    for (let x = 0; x < w; x++) {
      const v = image.data[y * w + x]!;
      rowSum += v;
      rowSq += v * v;
      const i = (y + 1) * stride + x + 1;
      sum[i] = sum[i - stride]! + rowSum;
      sq[i] = sq[i - stride]! + rowSq;
    }
  }
  return { sum, sq };
}

// ---------------------------------------------------------------------------------------------
// Correlation

interface Peak {
  readonly x: number;
  readonly y: number;
  readonly ncc: number;
}

/**
 * NCC of the template at every position of the image, windows flatter than `minContrast` of the
 * template scored -1. Positions are top-left corners, (w - tw + 1) × (h - th + 1).
 */
export function nccMap(image: GrayImage, template: GrayImage, minContrast = DEFAULTS.minContrast): Float32Array {
  return correlateAll(image, prepare(template), integrals(image), minContrast);
}

function correlateAll(
  image: GrayImage,
  t: Prepared,
  sat: { sum: Float64Array; sq: Float64Array },
  minContrast: number,
): Float32Array {
  const w = image.width;
  const tw = t.width;
  const th = t.height;
  const mw = w - tw + 1;
  const mh = image.height - th + 1;
  if (mw <= 0 || mh <= 0 || t.norm === 0) return new Float32Array(0);
  const out = new Float32Array(mw * mh).fill(-1);
  const n = tw * th;
  const stride = w + 1;
  const minVar = (minContrast * t.std) ** 2 * n;
  const data = image.data;
  const zero = t.zero;
  for (let y = 0; y < mh; y++) {
    const top = y * stride;
    const bottom = (y + th) * stride;
    for (let x = 0; x < mw; x++) {
      const s = sat.sum[bottom + x + tw]! - sat.sum[bottom + x]! - sat.sum[top + x + tw]! + sat.sum[top + x]!;
      const q = sat.sq[bottom + x + tw]! - sat.sq[bottom + x]! - sat.sq[top + x + tw]! + sat.sq[top + x]!;
      const v = q - (s * s) / n;
      if (!(v > minVar)) continue;
      // Σ I·(T - mean(T)) = Σ (I - mean(I))·(T - mean(T)): the window mean drops out.
      let acc = 0;
      let ti = 0;
      for (let v2 = 0; v2 < th; v2++) {
        let ii = (y + v2) * w + x;
        const end = ti + tw;
        while (ti < end) acc += data[ii++]! * zero[ti++]!;
      }
      out[y * mw + x] = acc / (Math.sqrt(v) * t.norm);
    }
  }
  return out;
}

/** NCC of the template at one position, window statistics computed on the way (refinement). */
function correlateAt(image: GrayImage, t: Prepared, x: number, y: number): number {
  const w = image.width;
  const tw = t.width;
  const th = t.height;
  if (x < 0 || y < 0 || x + tw > w || y + th > image.height || t.norm === 0) return -1;
  const data = image.data;
  const zero = t.zero;
  let acc = 0;
  let s = 0;
  let q = 0;
  let ti = 0;
  for (let v = 0; v < th; v++) {
    let ii = (y + v) * w + x;
    const end = ti + tw;
    while (ti < end) {
      const p = data[ii++]!;
      acc += p * zero[ti++]!;
      s += p;
      q += p * p;
    }
  }
  const variance = q - (s * s) / (tw * th);
  return variance > 1e-6 ? acc / (Math.sqrt(variance) * t.norm) : -1;
}

/**
 * The `count` highest peaks of a score map, each at least `rx`/`ry` away (in map cells) from
 * the ones before it.
 */
export function topPeaks(map: Float32Array, width: number, count: number, rx: number, ry: number): Peak[] {
  const height = width > 0 ? map.length / width : 0;
  const work = map.slice();
  const peaks: Peak[] = [];
  for (let k = 0; k < count; k++) {
    let best = -1;
    let at = -1;
    for (let i = 0; i < work.length; i++) {
      if (work[i]! > best) {
        best = work[i]!;
        at = i;
      }
    }
    if (at < 0) break;
    const x = at % width;
    const y = (at - x) / width;
    peaks.push({ x, y, ncc: best });
    for (let yy = Math.max(0, y - ry); yy <= Math.min(height - 1, y + ry); yy++) {
      work.fill(-1, yy * width + Math.max(0, x - rx), yy * width + Math.min(width - 1, x + rx) + 1);
    }
  }
  return peaks;
}

/** Two matches are distinct when their centres are over half a template apart on some axis. */
export function distinct(a: TemplateMatch, b: TemplateMatch): boolean {
  const w = Math.max(a.box[2] - a.box[0], b.box[2] - b.box[0]);
  const h = Math.max(a.box[3] - a.box[1], b.box[3] - b.box[1]);
  const dx = Math.abs(a.box[0] + a.box[2] - b.box[0] - b.box[2]) / 2;
  const dy = Math.abs(a.box[1] + a.box[3] - b.box[1] - b.box[3]) / 2;
  return dx > w / 2 || dy > h / 2;
}

/** Best first, dropping any match not distinct from a better one. */
function suppress(matches: TemplateMatch[], limit = Infinity): TemplateMatch[] {
  const kept: TemplateMatch[] = [];
  for (const m of [...matches].sort((a, b) => b.ncc - a.ncc)) {
    if (kept.length >= limit) break;
    if (kept.every((k) => distinct(k, m))) kept.push(m);
  }
  return kept;
}

// ---------------------------------------------------------------------------------------------
// Search

/**
 * Coarse reduction factor: the smallest whose exhaustive search (screen positions × template
 * pixels × scales, both shrinking by factor² ) fits in `budget`, unless that would leave the
 * template a side under `minSide`.
 */
export function coarseFactor(
  screen: { width: number; height: number },
  template: { width: number; height: number },
  scales: number,
  budget: number,
  minSide: number,
): number {
  const work = screen.width * screen.height * template.width * template.height * scales;
  const byBudget = Math.ceil((work / budget) ** 0.25);
  const bySide = Math.floor(Math.min(template.width, template.height) / minSide);
  return Math.max(1, Math.min(byBudget, bySide));
}

/**
 * Reduction factors from `coarse` down to 1, each half the one before: small windows at every
 * level cost less than a wide one at full resolution.
 */
function ladder(coarse: number): number[] {
  const out = [coarse];
  while (out[out.length - 1]! > 1) out.push(Math.max(1, Math.floor(out[out.length - 1]! / 2)));
  return out;
}

/**
 * Finds the template on the image over the given scales: the best match, the best distinct
 * second peak, and the other refined peaks. An image smaller than the template at every scale,
 * or a flat template, gives no match.
 */
export function matchTemplate(
  screen: GrayImage | ScreenPyramid,
  template: GrayImage,
  options: MatchOptions = {},
): MatchResult {
  const pyramid = screen instanceof ScreenPyramid ? screen : new ScreenPyramid(screen);
  template = asFloat(template);
  const o = { ...DEFAULTS, ...options };
  const scales = options.scales?.length ? options.scales : [{ x: 1, y: 1 }];
  // One coarse factor for all scales (the scales span well under 2×), from the middle scale.
  const mid = [...scales].sort((a, b) => a.x * a.y - b.x * b.y)[scales.length >> 1]!;
  const W = pyramid.width;
  const H = pyramid.height;
  const f = coarseFactor(
    { width: W, height: H },
    { width: template.width * mid.x, height: template.height * mid.y },
    scales.length,
    o.coarseBudget,
    o.coarseMinSide,
  );
  // Prepared templates per (level, size): the refinement reuses them across peaks.
  const templates = new Map<string, Prepared>();
  const scaled = (factor: number, w: number, h: number): Prepared => {
    const key = `${factor}:${w}x${h}`;
    let t = templates.get(key);
    if (!t) {
      t = prepare(resample(template, w, h));
      templates.set(key, t);
    }
    return t;
  };
  const sizeAt = (scale: Scale, factor: number): [number, number] => [
    Math.max(1, Math.round((template.width * scale.x) / factor)),
    Math.max(1, Math.round((template.height * scale.y) / factor)),
  ];

  // Coarse: every position, every scale.
  const coarse = pyramid.coarse(f);
  const cw = coarse.image.width;
  const ch = coarse.image.height;
  const rough: TemplateMatch[] = [];
  for (const scale of scales) {
    const [tw, th] = sizeAt(scale, f);
    if (tw > cw || th > ch) continue;
    const t = prepare(smooth(resample(template, tw, th)));
    if (t.norm === 0) continue;
    const map = correlateAll(coarse.image, t, coarse.sat, o.minContrast);
    const peaks = topPeaks(map, cw - tw + 1, o.peaksPerScale, Math.ceil(tw / 2), Math.ceil(th / 2));
    for (const p of peaks) {
      if (p.ncc <= -1) continue;
      const fx = f;
      const fy = f;
      const x = p.x * fx;
      const y = p.y * fy;
      rough.push({
        box: [x, y, x + template.width * scale.x, y + template.height * scale.y],
        scale,
        ncc: p.ncc,
      });
    }
  }

  // Refine: level by level to full resolution in a window of about one coarse pixel.
  // Tracked by centre, so that trying another scale keeps the template where it was.
  interface Peak {
    cx: number;
    cy: number;
    ncc: number;
    scale: Scale;
  }
  /** The best of `scales` around the peak at one level, in a window of ±radius level pixels. */
  const search = (p: Peak, factor: number, scales: readonly Scale[], radius: number): Peak => {
    const image = pyramid.level(factor).image;
    let best: Peak = { ...p, ncc: -Infinity };
    for (const s of scales) {
      const [tw, th] = sizeAt(s, factor);
      const t = scaled(factor, tw, th);
      const x0 = Math.round(p.cx / factor - tw / 2);
      const y0 = Math.round(p.cy / factor - th / 2);
      for (let y = y0 - radius; y <= y0 + radius; y++) {
        for (let x = x0 - radius; x <= x0 + radius; x++) {
          const v = correlateAt(image, t, x, y);
          if (v > best.ncc) best = { cx: (x + tw / 2) * factor, cy: (y + th / 2) * factor, ncc: v, scale: s };
        }
      }
    }
    return best.ncc === -Infinity ? p : best;
  };
  // Position, level by level: two coarse pixels either way from the coarse level (a blurred
  // small template can peak a pixel or two off), one from each finer level.
  const steps = ladder(f);
  const positioned = suppress(rough, o.refine).map((start) => {
    let p: Peak = {
      cx: (start.box[0] + start.box[2]) / 2,
      cy: (start.box[1] + start.box[3]) / 2,
      ncc: start.ncc,
      scale: start.scale,
    };
    for (let i = 1; i < steps.length; i++) {
      p = search(p, steps[i]!, [p.scale], (i === 1 ? 2 : 1) * Math.ceil(steps[i - 1]! / steps[i]!) + 1);
    }
    return p;
  });
  // Then the scales between the coarse ones, at full resolution, for the peaks that may still
  // win or be the runner-up: their edges move by a pixel or two, so a small window does.
  const top = Math.max(...positioned.map((p) => p.ncc));
  const refined = positioned.map((p) => {
    const q =
      p.ncc >= top - FINE_SCALE_BAND
        ? search(p, 1, [p.scale, ...o.fineScales.map((k) => ({ x: p.scale.x * k, y: p.scale.y * k }))], 2)
        : p;
    const [tw, th] = sizeAt(q.scale, 1);
    const bx = Math.round(q.cx - tw / 2);
    const by = Math.round(q.cy - th / 2);
    return { box: [bx, by, bx + tw, by + th] as Box, scale: q.scale, ncc: q.ncc };
  });
  const matches = suppress(refined);
  return { matches, best: matches[0], second: matches[1], coarseFactor: f };
}
