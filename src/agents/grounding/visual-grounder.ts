import { decodeGray, type Box, type FrameInput, type GrayFrame } from '../ocr/frame.js';
import { notFound, type Candidate, type Grounder, type GroundingHints, type GroundingResult } from './grounder.js';
import {
  clampBox,
  matchTemplate,
  regionStats,
  ScreenPyramid,
  type GrayImage,
  type MatchResult,
  type Scale,
  type TemplateMatch,
} from './template-match.js';

/**
 * The replay grounder that looks (SPEC §2.5 replay, issue 11 §3): the target as it looked when
 * recorded — the recorded frame cut to the element's box — is found on today's screen by
 * normalised cross-correlation over the scales the two screens imply (the size ratio of the
 * frames, the same pixel size as before, and a little either way for DPI or zoom). It sees what
 * OCR cannot: icon-only buttons, the Start logo, a window's ×.
 *
 * The score combines how well the picture matches (the NCC peak) with how unique the match is
 * (the margin to the best distinct second peak): one of several identical icons scores low,
 * unless more context around the target (a wider picture) or the recorded point scaled to this
 * screen (`hints.prior`) tells them apart.
 */

export const VISUAL_SOURCE = 'visual';

export interface VisualGrounderOptions {
  /** Calibrated score at or above which a match is reported found (default 0.6). */
  readonly threshold?: number;
  /** Smallest template side in recorded pixels: smaller boxes are widened (default 32). */
  readonly minSide?: number;
  /** Largest template side in recorded pixels: larger boxes are cut around their centre (default 160). */
  readonly maxSide?: number;
  /** A template whose gray levels vary less than this (standard deviation) is widened (default 12). */
  readonly minStd?: number;
  /** Ratio between neighbouring searched scales (default 1.1). */
  readonly scaleStep?: number;
}

const DEFAULTS = { threshold: 0.6, minSide: 32, maxSide: 160, minStd: 12, scaleStep: 1.1 };

/** NCC at or below this is no match at all; at or above `NCC_GOOD` the picture matches fully. */
const NCC_FLOOR = 0.5;
const NCC_GOOD = 0.85;
/** A second peak this far (NCC) below the first leaves no doubt about which is meant. */
const CLEAR_MARGIN = 0.15;
/**
 * Factor on the score of a match whose template looked alike in more places than were checked:
 * a near-perfect match still passes, a middling one does not.
 */
const CROWDED_PENALTY = 0.75;
/**
 * Taken off the NCC of a match with inverted gray levels (a target highlighted under the pointer
 * when recorded): an inverted picture is weaker evidence than the picture itself.
 */
const INVERTED_PENALTY = 0.05;
/** Peaks within this of the best are ties that only the prior point may break. */
const TIE_BAND = 0.05;

export class VisualGrounder implements Grounder {
  readonly name = VISUAL_SOURCE;
  readonly threshold: number;
  private readonly options: typeof DEFAULTS;
  private lastRecorded?: { path: string; frame: Promise<GrayFrame> };

  constructor(options: VisualGrounderOptions = {}) {
    this.options = { ...DEFAULTS, ...options };
    this.threshold = this.options.threshold;
  }

  async locate(_description: string, frame: FrameInput, hints?: GroundingHints): Promise<GroundingResult> {
    const recorded = hints?.recorded;
    if (!recorded) {
      return notFound(VISUAL_SOURCE, 'the visual grounder needs the recorded picture (replay only)');
    }
    const [screen, before] = await Promise.all([decodeGray(frame), this.recordedGray(recorded.frame)]);
    hints?.signal?.throwIfAborted();
    return locateVisually(screen, before, recorded.box, hints?.prior, this.options);
  }

  /**
   * The recorded frame decoded, the last file kept: replay grounds a step again on the same
   * recorded frame when it retries (frames in the library are never rewritten).
   */
  private async recordedGray(input: FrameInput): Promise<GrayFrame> {
    if (typeof input !== 'string') return decodeGray(input);
    if (this.lastRecorded?.path !== input) this.lastRecorded = { path: input, frame: decodeGray(input) };
    const kept = this.lastRecorded;
    try {
      return await kept.frame;
    } catch (error) {
      if (this.lastRecorded === kept) this.lastRecorded = undefined;
      throw error;
    }
  }
}

/** One search: the template's region in the recorded frame and what matching it gave. */
interface Search {
  readonly region: Box;
  readonly result: MatchResult;
  readonly verdict: Verdict;
}

interface Verdict {
  readonly match: TemplateMatch;
  readonly score: number;
  /** The peak that counts as the runner-up (absent: none distinct). */
  readonly runnerUp?: TemplateMatch;
  readonly priorBroke: boolean;
}

/**
 * The visual grounding on decoded frames (pure, for tests and benches): `box` is the target in
 * the recorded frame's pixels, `prior` the recorded point scaled to the current frame.
 */
export function locateVisually(
  screen: GrayFrame,
  recordedFrame: GrayFrame,
  box: Box,
  prior: { x: number; y: number } | undefined,
  options: VisualGrounderOptions = {},
): GroundingResult {
  const o = { ...DEFAULTS, ...options };
  const target = clampBox(box, recordedFrame.width, recordedFrame.height);
  if (target[2] - target[0] < 1 || target[3] - target[1] < 1) {
    return notFound(VISUAL_SOURCE, 'the recorded box lies outside the recorded frame');
  }
  const region = templateRegion(recordedFrame, target, o);
  if (!region) {
    return notFound(
      VISUAL_SOURCE,
      `the recorded picture is flat (gray-level spread under ${o.minStd} even widened): nothing to look for`,
    );
  }
  const scales = scaleRange(recordedFrame, screen, o.scaleStep);
  const pyramid = new ScreenPyramid(screen);
  const search = (r: Box, inverted = false): Search | undefined => {
    const result = matchTemplate(pyramid, crop(recordedFrame, r), { scales, inverted });
    if (!result.best) return undefined;
    return { region: r, result, verdict: judge(result, r, target, prior) };
  };
  const better = (a: Search | undefined, b: Search | undefined) =>
    !a || (b && b.verdict.score > a.verdict.score) ? b : a;
  let best = search(region);
  // No good match: the target may have been highlighted under the pointer when recorded, its
  // gray levels inverted (a window's × white on red).
  if (!best || best.verdict.score < o.threshold) best = better(best, search(region, true));
  // Ambiguous (several look alike): more of the surroundings usually tells them apart, and is
  // preferred to the recorded position, which is wrong when the window has moved.
  if (best && (best.verdict.priorBroke || (best.verdict.runnerUp && margin(best.verdict) < CLEAR_MARGIN))) {
    const wider = widen(region, 2, recordedFrame, o.maxSide * 2);
    if (!sameBox(wider, region)) {
      const other = search(wider, best.verdict.match.inverted);
      const unique = other && !other.verdict.priorBroke && other.verdict.score >= o.threshold;
      best = unique ? other : better(best, other);
    }
  }
  if (!best) {
    return notFound(VISUAL_SOURCE, 'the recorded picture does not fit on this screen at any searched scale');
  }
  const candidates = describe(best, target);
  const winner = candidates[0]!;
  if (best.verdict.score < o.threshold) {
    return notFound(
      VISUAL_SOURCE,
      `best match scores ${best.verdict.score.toFixed(2)} < ${o.threshold} (${winner.reason})`,
      candidates,
    );
  }
  const point = targetPoint(best.verdict.match, best.region, target);
  return {
    found: true,
    point,
    box: winner.box,
    score: best.verdict.score,
    source: VISUAL_SOURCE,
    candidates,
  };
}

/** Calibrated 0..1: picture quality × uniqueness (see the module comment). */
function judge(result: MatchResult, region: Box, target: Box, prior?: { x: number; y: number }): Verdict {
  const ranked = [...result.matches].sort((a, b) => evidence(b) - evidence(a));
  let match = ranked[0]!;
  let priorBroke = false;
  const ties = ranked.filter((m) => evidence(m) >= evidence(match) - TIE_BAND);
  if (prior && ties.length > 1) {
    const byDistance = ties
      .map((m) => ({ m, d: distance(targetPoint(m, region, target), prior) }))
      .sort((a, b) => a.d - b.d);
    const [near, next] = byDistance as [{ m: TemplateMatch; d: number }, { m: TemplateMatch; d: number }];
    match = near.m;
    // The prior breaks the tie when one candidate is clearly the nearer: at most half as far.
    priorBroke = near.d <= next.d / 2;
  }
  const runnerUp = priorBroke ? ranked.find((m) => m !== match && !ties.includes(m)) : ranked.find((m) => m !== match);
  const quality = clamp01((evidence(match) - NCC_FLOOR) / (NCC_GOOD - NCC_FLOOR));
  const margin = runnerUp ? evidence(match) - Math.max(evidence(runnerUp), 0) : 1;
  const uniqueness = clamp01(margin / CLEAR_MARGIN);
  // An ambiguous match keeps a third of its quality: under any sensible threshold.
  const score = quality * (0.35 + 0.65 * uniqueness) * (result.crowded ? CROWDED_PENALTY : 1);
  return { match, score, runnerUp, priorBroke };
}

/** How far the match stands above the runner-up (NCC). */
function margin(v: Verdict): number {
  return v.runnerUp ? evidence(v.match) - evidence(v.runnerUp) : 1;
}

/** The NCC a match counts for. */
function evidence(m: TemplateMatch): number {
  return m.inverted ? m.ncc - INVERTED_PENALTY : m.ncc;
}

/** Candidates for the report: the chosen match first, then the other peaks. */
function describe(search: Search, target: Box): Candidate[] {
  const { verdict, region, result } = search;
  const others = result.matches.filter((m) => m !== verdict.match).sort((a, b) => evidence(b) - evidence(a));
  const scaleText = (m: TemplateMatch) =>
    (Math.abs(m.scale.x - m.scale.y) < 0.005
      ? `scale ${m.scale.x.toFixed(2)}`
      : `scale ${m.scale.x.toFixed(2)}×${m.scale.y.toFixed(2)}`) +
    (m.inverted ? ', gray levels inverted (highlighted when recorded)' : '');
  const w = region[2] - region[0];
  const h = region[3] - region[1];
  const first: Candidate = {
    text: 'recorded picture',
    box: targetBox(verdict.match, region, target),
    score: verdict.score,
    reason:
      `NCC ${verdict.match.ncc.toFixed(3)} at ${scaleText(verdict.match)} (template ${w}×${h})` +
      (verdict.runnerUp ? `; next distinct peak NCC ${verdict.runnerUp.ncc.toFixed(3)}` : '; no other peak') +
      (verdict.priorBroke ? '; a look-alike tie broken by the recorded position' : '') +
      (result.crowded ? '; the picture looks alike in too many places to check them all' : ''),
  };
  const rest = others.map<Candidate>((m) => ({
    text: 'recorded picture',
    box: targetBox(m, region, target),
    score: clamp01((evidence(m) - NCC_FLOOR) / (NCC_GOOD - NCC_FLOOR)),
    reason: `NCC ${m.ncc.toFixed(3)} at ${scaleText(m)}: ${evidence(m) > evidence(verdict.match) ? 'farther from the recorded position' : 'weaker'}`,
  }));
  return [first, ...rest];
}

// ---------------------------------------------------------------------------------------------
// Geometry

/** The recorded target's box carried onto the screen by a match of the region around it. */
function targetBox(m: TemplateMatch, region: Box, target: Box): Box {
  const map = (x: number, y: number): [number, number] => [
    m.box[0] + (x - region[0]) * m.scale.x,
    m.box[1] + (y - region[1]) * m.scale.y,
  ];
  const [l, t] = map(target[0], target[1]);
  const [r, b] = map(target[2], target[3]);
  return [Math.round(l), Math.round(t), Math.round(r), Math.round(b)];
}

function targetPoint(m: TemplateMatch, region: Box, target: Box): { x: number; y: number } {
  const [l, t, r, b] = targetBox(m, region, target);
  return { x: Math.round((l + r) / 2), y: Math.round((t + b) / 2) };
}

/**
 * The part of the recorded frame used as the template: the target's box cut to `maxSide` (and to
 * at most 3:1, so a long text field keeps a compact picture) around its centre, then widened
 * around that centre while it is smaller than `minSide` or flatter than `minStd`. Undefined when
 * even the widest allowed picture is flat.
 */
export function templateRegion(
  frame: GrayImage,
  box: Box,
  o: { minSide: number; maxSide: number; minStd: number },
): Box | undefined {
  const cx = (box[0] + box[2]) / 2;
  const cy = (box[1] + box[3]) / 2;
  let w = Math.min(box[2] - box[0], o.maxSide);
  let h = Math.min(box[3] - box[1], o.maxSide);
  w = Math.min(w, h * 3);
  h = Math.min(h, w * 3);
  w = Math.max(w, o.minSide);
  h = Math.max(h, o.minSide);
  const limit = Math.max(o.maxSide, o.minSide) * 2;
  for (;;) {
    const region = centred(cx, cy, w, h, frame);
    if (regionStats(frame, region).std >= o.minStd) return region;
    if (w >= limit && h >= limit) return undefined;
    w = Math.min(limit, w * 1.5);
    h = Math.min(limit, h * 1.5);
  }
}

/** A w×h box centred on (cx, cy), slid to lie inside the frame (cut where the frame is smaller). */
function centred(cx: number, cy: number, w: number, h: number, frame: { width: number; height: number }): Box {
  const ww = Math.min(Math.round(w), frame.width);
  const hh = Math.min(Math.round(h), frame.height);
  const l = Math.max(0, Math.min(frame.width - ww, Math.round(cx - ww / 2)));
  const t = Math.max(0, Math.min(frame.height - hh, Math.round(cy - hh / 2)));
  return [l, t, l + ww, t + hh];
}

function widen(region: Box, factor: number, frame: GrayImage, limit: number): Box {
  const w = Math.min(limit, (region[2] - region[0]) * factor);
  const h = Math.min(limit, (region[3] - region[1]) * factor);
  return centred((region[0] + region[2]) / 2, (region[1] + region[3]) / 2, w, h, frame);
}

/**
 * Scales to search: from the same pixel size (1: a screen at another resolution, same DPI) to the
 * ratio of the frame sizes per axis (a screenshot scaled as a whole), `step` apart, and one step
 * beyond each end (DPI, zoom).
 */
export function scaleRange(
  recorded: { width: number; height: number },
  current: { width: number; height: number },
  step = DEFAULTS.scaleStep,
): Scale[] {
  const rx = current.width / recorded.width;
  const ry = current.height / recorded.height;
  const span = Math.max(Math.abs(Math.log(rx)), Math.abs(Math.log(ry)));
  const n = Math.ceil(span / Math.log(step) - 1e-9);
  const path: Scale[] = [];
  for (let i = 0; i <= n; i++) {
    const t = n === 0 ? 0 : i / n;
    path.push({ x: rx ** t, y: ry ** t });
  }
  const size = (s: Scale) => s.x * s.y;
  const sorted = path.sort((a, b) => size(a) - size(b));
  const low = sorted[0]!;
  const high = sorted[sorted.length - 1]!;
  return [{ x: low.x / step, y: low.y / step }, ...sorted, { x: high.x * step, y: high.y * step }];
}

function crop(frame: GrayImage, [l, t, r, b]: Box): GrayImage {
  const w = r - l;
  const data = new Uint8Array(w * (b - t));
  for (let y = t; y < b; y++) {
    for (let x = 0; x < w; x++) data[(y - t) * w + x] = frame.data[y * frame.width + l + x]!;
  }
  return { data, width: w, height: b - t };
}

function sameBox(a: Box, b: Box): boolean {
  return a.every((v, i) => v === b[i]);
}

function distance(a: { x: number; y: number }, b: { x: number; y: number }): number {
  return Math.hypot(a.x - b.x, a.y - b.y);
}

function clamp01(x: number): number {
  return Math.max(0, Math.min(1, x));
}
