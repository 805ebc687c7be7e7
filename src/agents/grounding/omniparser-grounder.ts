import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import type { Size } from '../../core/geometry.js';
import { decodeRgb, type RgbImage } from '../ocr/frame.js';
import { listModels, modelsDir, type ModelLookup } from '../runtime/manifest.js';
import { loadSession, type Device, type LoadedSession, type ProviderFailure } from '../runtime/session.js';
import { roundHalfEven } from './coordinates.js';
import { parseDescription, type TargetQuery } from './description.js';
import {
  boxCentre,
  type Box,
  type Candidate,
  type FrameInput,
  type Grounder,
  type GroundingHints,
  type GroundingResult,
} from './grounder.js';
import { extremity, inRegion } from './positions.js';
import { rankText, type TextItem } from './text-match.js';

/**
 * The OmniParser-style grounder (SPEC §2.5 goal (c)): an ONNX icon detector (a YOLO export such
 * as OmniParser's `icon_detect`) finds the clickable elements, then the description picks one:
 * (a) quoted (or key-word) text read by OCR inside or next to the box, (b) position words and
 * the prior point, (c) the detector's confidence among the boxes in the described region.
 *
 * The detector reads a letterboxed square (640×640 by default, grey 114 padding, RGB 0–1 in
 * NCHW) and writes `[1, 4+C, N]` or `[1, N, 4+C]`: centre x, centre y, width, height in input
 * pixels, then one score per class. Boxes above the confidence threshold go through NMS and
 * are mapped back to frame pixels.
 */

export const OMNIPARSER_SOURCE = 'omniparser';
export const ICON_MODEL_ID = 'icon-detect';

export interface Detection {
  /** Frame pixels, right/bottom exclusive. */
  readonly box: Box;
  readonly score: number;
  readonly classId: number;
}

export interface Letterbox {
  /** Side of the square input. */
  readonly size: number;
  /** Frame → input scale. */
  readonly scale: number;
  /** Size of the scaled frame inside the input. */
  readonly width: number;
  readonly height: number;
  /** Padding before the scaled frame. */
  readonly left: number;
  readonly top: number;
}

/** Ultralytics' letterbox: scale to fit, centre, pad (the same rounding, so boxes map back exactly). */
export function letterbox(frame: Size, size = 640): Letterbox {
  const scale = Math.min(size / frame.height, size / frame.width);
  const width = roundHalfEven(frame.width * scale);
  const height = roundHalfEven(frame.height * scale);
  const left = roundHalfEven((size - width) / 2 - 0.1);
  const top = roundHalfEven((size - height) / 2 - 0.1);
  return { size, scale, width, height, left, top };
}

const PAD = 114;

/** The detector's input: the letterboxed frame as float32 NCHW, RGB scaled to 0–1. */
export async function letterboxTensor(image: RgbImage, lb: Letterbox): Promise<Float32Array> {
  const { data } = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(lb.width, lb.height, { fit: 'fill', kernel: 'linear' })
    .extend({
      top: lb.top,
      left: lb.left,
      bottom: lb.size - lb.height - lb.top,
      right: lb.size - lb.width - lb.left,
      background: { r: PAD, g: PAD, b: PAD },
    })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const plane = lb.size * lb.size;
  const out = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    out[i] = (data[i * 3] as number) / 255;
    out[plane + i] = (data[i * 3 + 1] as number) / 255;
    out[2 * plane + i] = (data[i * 3 + 2] as number) / 255;
  }
  return out;
}

export interface DecodeOptions {
  /** Detections scoring below this are dropped (default 0.05, OmniParser's box threshold). */
  readonly scoreThreshold?: number;
  /** Boxes overlapping a better one of the same class by more than this IoU are dropped (default 0.7). */
  readonly iouThreshold?: number;
  /** Kept after NMS, best first (default 300). */
  readonly maxDetections?: number;
  /** Force the output layout; by default the shorter of the last two axes (of at least 5) holds the 4+C values. */
  readonly layout?: 'channels-first' | 'channels-last';
}

export const DETECT_DEFAULTS = { scoreThreshold: 0.05, iouThreshold: 0.7, maxDetections: 300 } as const;

export function iou(a: Box, b: Box): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  const area = (r: Box) => (r[2] - r[0]) * (r[3] - r[1]);
  return inter / (area(a) + area(b) - inter);
}

/** Greedy NMS per class, best score first. */
export function nms<T extends { box: Box; score: number; classId: number }>(
  dets: readonly T[],
  threshold: number,
  max = Infinity,
): T[] {
  const sorted = [...dets].sort((a, b) => b.score - a.score);
  const kept: T[] = [];
  for (const d of sorted) {
    if (kept.length >= max) break;
    if (kept.some((k) => k.classId === d.classId && iou(k.box, d.box) > threshold)) continue;
    kept.push(d);
  }
  return kept;
}

/** Decodes a YOLO output tensor into detections in frame pixels (thresholded, NMS applied). */
export function decodeDetections(
  data: Float32Array,
  dims: readonly number[],
  lb: Letterbox,
  frame: Size,
  options: DecodeOptions = {},
): Detection[] {
  const [a, b] = dims.length === 3 ? [dims[1] as number, dims[2] as number] : [dims[0] as number, dims[1] as number];
  if (!(dims.length === 3 || dims.length === 2) || a * b !== data.length) {
    throw new Error(`icon detector output of shape [${dims.join(', ')}] is not [1, 4+C, N] or [1, N, 4+C]`);
  }
  // The axis of 4+C values is the shorter one (C is small, N in the thousands), unless it is too
  // short to hold a box and a class.
  const channelsFirst = options.layout ? options.layout === 'channels-first' : b < 5 || (a >= 5 && a <= b);
  const channels = channelsFirst ? a : b;
  const count = channelsFirst ? b : a;
  if (channels < 5)
    throw new Error(
      `icon detector output has ${channels} values per box; expected 4 box values and at least one class`,
    );
  const at = channelsFirst
    ? (i: number, c: number) => data[c * count + i] as number
    : (i: number, c: number) => data[i * channels + c] as number;
  const threshold = options.scoreThreshold ?? DETECT_DEFAULTS.scoreThreshold;
  const clampX = (v: number) => Math.min(Math.max(Math.round(v), 0), frame.width);
  const clampY = (v: number) => Math.min(Math.max(Math.round(v), 0), frame.height);
  const found: Detection[] = [];
  for (let i = 0; i < count; i++) {
    let score = -Infinity;
    let classId = 0;
    for (let c = 4; c < channels; c++) {
      const s = at(i, c);
      if (s > score) {
        score = s;
        classId = c - 4;
      }
    }
    if (!(score >= threshold)) continue;
    const cx = at(i, 0);
    const cy = at(i, 1);
    const w = at(i, 2);
    const h = at(i, 3);
    const box: Box = [
      clampX((cx - w / 2 - lb.left) / lb.scale),
      clampY((cy - h / 2 - lb.top) / lb.scale),
      clampX((cx + w / 2 - lb.left) / lb.scale),
      clampY((cy + h / 2 - lb.top) / lb.scale),
    ];
    if (box[2] <= box[0] || box[3] <= box[1]) continue;
    found.push({ box, score, classId });
  }
  return nms(
    found,
    options.iouThreshold ?? DETECT_DEFAULTS.iouThreshold,
    options.maxDetections ?? DETECT_DEFAULTS.maxDetections,
  );
}

export interface IconDetectorOptions extends DecodeOptions {
  readonly device?: Device;
  readonly intraOpNumThreads?: number;
  /** Input side when the model does not fix it (default 640). */
  readonly inputSize?: number;
}

export class IconDetector {
  private constructor(
    private readonly loaded: LoadedSession,
    readonly inputSize: number,
    private readonly options: DecodeOptions,
  ) {}

  static async create(modelFile: string, options: IconDetectorOptions = {}): Promise<IconDetector> {
    const loaded = await loadSession(modelFile, {
      device: options.device,
      intraOpNumThreads: options.intraOpNumThreads,
    });
    const meta = loaded.session.inputMetadata[0];
    const side = meta?.isTensor ? meta.shape.at(-1) : undefined;
    const inputSize = typeof side === 'number' && side > 0 ? side : (options.inputSize ?? 640);
    return new IconDetector(loaded, inputSize, options);
  }

  get provider(): string {
    return this.loaded.provider;
  }

  get fallbacks(): readonly ProviderFailure[] {
    return this.loaded.fallbacks;
  }

  async detect(input: FrameInput | RgbImage): Promise<Detection[]> {
    const image = isRgb(input) ? input : await decodeRgb(input);
    const frame = { width: image.width, height: image.height };
    const lb = letterbox(frame, this.inputSize);
    const { session } = this.loaded;
    const feeds: Record<string, ort.Tensor> = {};
    const name = session.inputNames[0];
    if (name !== undefined) {
      feeds[name] = new ort.Tensor('float32', await letterboxTensor(image, lb), [1, 3, lb.size, lb.size]);
    }
    const out = await session.run(feeds);
    const tensor = out[session.outputNames[0] as string] as ort.Tensor;
    return decodeDetections(tensor.data as Float32Array, tensor.dims, lb, frame, this.options);
  }
}

function isRgb(input: FrameInput | RgbImage): input is RgbImage {
  return typeof input === 'object' && !(input instanceof Uint8Array) && !('channels' in input);
}

/** What the grounder needs from OCR: words with boxes (the OCR engine, or a stand-in in tests). */
export interface TextReader {
  recognize(frame: FrameInput): Promise<{ readonly words: readonly TextItem[] }>;
}

const MAX_CANDIDATES = 10;

function area(b: Box): number {
  return (b[2] - b[0]) * (b[3] - b[1]);
}

/** Pixels between two boxes (0 when they touch or overlap). */
export function boxGap(a: Box, b: Box): number {
  const dx = Math.max(0, a[0] - b[2], b[0] - a[2]);
  const dy = Math.max(0, a[1] - b[3], b[1] - a[3]);
  return Math.hypot(dx, dy);
}

function contains(b: Box, p: { x: number; y: number }): boolean {
  return p.x >= b[0] && p.x < b[2] && p.y >= b[1] && p.y < b[3];
}

const fmt = (n: number) => n.toFixed(2);

/**
 * (a) The detection that goes with a text match: the smallest box holding the text's centre,
 * else the box nearest to the text within two text heights (an icon above or beside its label).
 */
export function iconForText(
  textBox: Box,
  detections: readonly Detection[],
): { detection: Detection; how: string } | null {
  const centre = boxCentre(textBox);
  const holding = detections.filter((d) => contains(d.box, centre)).sort((a, b) => area(a.box) - area(b.box));
  if (holding[0]) return { detection: holding[0], how: 'holds the text' };
  const margin = Math.max(16, 2 * (textBox[3] - textBox[1]));
  const near = detections
    .map((d) => ({ d, gap: boxGap(d.box, textBox) }))
    .filter((x) => x.gap <= margin)
    .sort((a, b) => a.gap - b.gap || b.d.score - a.d.score);
  const first = near[0];
  return first ? { detection: first.d, how: `${Math.round(first.gap)} px from the text` } : null;
}

/**
 * (b)(c) Chooses among detections by the description's position words and the prior point, then
 * confidence. Null when nothing narrows the choice (no position, no prior, several boxes) or no
 * box lies where the description says.
 */
export function pickByPosition(
  query: TargetQuery,
  detections: readonly Detection[],
  frame: Size,
  hints: GroundingHints = {},
): { ranked: { detection: Detection; reason: string }[]; winner: Detection | null; reason?: string } {
  const { positions } = query;
  const prior = hints.prior;
  const scored = detections.map((detection) => {
    const c = boxCentre(detection.box);
    const met = positions.filter((p) => inRegion(p, c, frame, positions)).length;
    const edge = positions.reduce((s, p) => s + extremity(p, c, frame), 0) / (positions.length || 1);
    const distance = prior ? Math.hypot(c.x - prior.x, c.y - prior.y) : undefined;
    return { detection, met, edge, distance };
  });
  scored.sort(
    (a, b) =>
      b.met - a.met ||
      (a.distance ?? 0) - (b.distance ?? 0) ||
      b.detection.score - a.detection.score ||
      b.edge - a.edge,
  );
  const describe = (s: (typeof scored)[number]) => {
    const parts = [`confidence ${fmt(s.detection.score)}`];
    if (positions.length) parts.push(`${s.met}/${positions.length} position words (${positions.join(', ')})`);
    if (s.distance !== undefined) parts.push(`${Math.round(s.distance)} px from the prior point`);
    return parts.join('; ');
  };
  const ranked = scored.map((s) => ({ detection: s.detection, reason: describe(s) }));
  const best = scored[0];
  if (!best) return { ranked, winner: null, reason: 'the icon detector found no element' };
  if (positions.length && best.met === 0 && !prior) {
    return { ranked, winner: null, reason: `no detected element lies in the ${positions.join(', ')}` };
  }
  if (!positions.length && !prior && scored.length > 1) {
    return {
      ranked,
      winner: null,
      reason: `the description names no text found on screen, no position and no prior point to choose among ${scored.length} detected elements`,
    };
  }
  return { ranked, winner: best.detection };
}

export interface OmniParserOptions {
  readonly detector: IconDetector;
  /** OCR for rule (a); a factory is called on the first description that names text. */
  readonly ocr?: TextReader | (() => Promise<TextReader>);
}

export class OmniParserGrounder implements Grounder {
  readonly name = OMNIPARSER_SOURCE;
  readonly detector: IconDetector;
  private reader: Promise<TextReader> | undefined;
  private readonly makeReader: (() => Promise<TextReader>) | undefined;

  constructor(options: OmniParserOptions) {
    this.detector = options.detector;
    const ocr = options.ocr;
    this.makeReader = typeof ocr === 'function' ? ocr : ocr ? () => Promise.resolve(ocr) : undefined;
  }

  get provider(): string {
    return this.detector.provider;
  }

  private textReader(): Promise<TextReader> | undefined {
    if (!this.makeReader) return undefined;
    this.reader ??= this.makeReader();
    return this.reader;
  }

  async locate(description: string, input: FrameInput, hints: GroundingHints = {}): Promise<GroundingResult> {
    const image = await decodeRgb(input);
    const frame = { width: image.width, height: image.height };
    const raw = { data: image.data, width: image.width, height: image.height, channels: 3 as const };
    const detections = await this.detector.detect(image);
    const query = parseDescription(description, hints.elementName);
    const iconCandidates = (list: readonly { detection: Detection; reason: string }[]): Candidate[] =>
      list.slice(0, MAX_CANDIDATES).map(({ detection, reason }) => ({
        text: `icon ${detection.classId}`,
        box: detection.box,
        score: Number(detection.score.toFixed(3)),
        reason,
      }));

    const reader = query.text ? this.textReader() : undefined;
    if (reader) {
      const ocr = await (await reader).recognize(raw);
      const ranked = rankText(description, ocr.words, frame, hints);
      const match = ranked.candidates[0];
      if (ranked.found && match) {
        const icon = iconForText(match.box, detections);
        const textCandidates: Candidate[] = ranked.candidates
          .slice(1, MAX_CANDIDATES)
          .map(({ text, box, score, reason }) => ({ text, box, score, reason }));
        if (icon) {
          const reason = `text "${match.text}" (${match.reason}); icon ${icon.how}, confidence ${fmt(icon.detection.score)}`;
          return {
            found: true,
            point: boxCentre(icon.detection.box),
            box: icon.detection.box,
            score: match.score,
            source: OMNIPARSER_SOURCE,
            candidates: [{ text: match.text, box: icon.detection.box, score: match.score, reason }, ...textCandidates],
          };
        }
        return {
          found: true,
          point: boxCentre(match.box),
          box: match.box,
          score: match.score,
          source: OMNIPARSER_SOURCE,
          candidates: [
            {
              text: match.text,
              box: match.box,
              score: match.score,
              reason: `${match.reason}; no detected element at the text, clicking the text`,
            },
            ...textCandidates,
          ],
        };
      }
      if (query.kind === 'quoted') {
        const candidates = ranked.candidates.map(({ text, box, score, reason }) => ({ text, box, score, reason }));
        return { found: false, source: OMNIPARSER_SOURCE, candidates, reason: ranked.reason ?? 'no text match' };
      }
    }

    const picked = pickByPosition(query, detections, frame, hints);
    const candidates = iconCandidates(picked.ranked);
    if (!picked.winner) {
      return { found: false, source: OMNIPARSER_SOURCE, candidates, reason: picked.reason ?? 'no element chosen' };
    }
    return {
      found: true,
      point: boxCentre(picked.winner.box),
      box: picked.winner.box,
      score: Number(picked.winner.score.toFixed(3)),
      source: OMNIPARSER_SOURCE,
      candidates,
    };
  }
}

export interface IconModelLookup extends ModelLookup {
  /** An explicit model file (`--icon-model`), used instead of the manifest's `icon-detect`. */
  readonly iconModel?: string;
}

/**
 * The icon detector's file: `iconModel` when given, else the manifest's `icon-detect` entry.
 * Throws one line naming the missing file and how to get it.
 */
export function resolveIconModel(lookup: IconModelLookup = {}): string {
  if (lookup.iconModel) {
    const file = path.resolve(lookup.iconModel);
    if (!fs.existsSync(file)) throw new Error(`icon detector model ${file} does not exist`);
    return file;
  }
  const entry = listModels(lookup).find((m) => m.id === ICON_MODEL_ID);
  const found = entry?.paths[0];
  if (entry && found) return found;
  const pull = `pcagent models pull ${ICON_MODEL_ID} --from URL`;
  if (!entry) {
    return fail(
      `the omniparser grounder needs the icon detector model "${ICON_MODEL_ID}", which is not installed ` +
        `(models/manifest.json has no ${ICON_MODEL_ID} entry yet): add the entry and run \`${pull}\`, or pass --icon-model PATH`,
    );
  }
  const file = entry.files[0]?.path ?? '';
  const where = lookup.dataDir ? path.join(modelsDir(lookup.dataDir), file) : file;
  return fail(
    `the omniparser grounder needs the icon detector model file ${where} (model ${ICON_MODEL_ID}), which is missing: ` +
      `get it with \`${pull}\` or pass --icon-model PATH`,
  );
}

function fail(message: string): never {
  throw new Error(message);
}
