import * as ort from 'onnxruntime-node';
import { loadSession, type Device, type LoadedSession, type ProviderFailure } from '../runtime/session.js';
import { modelPath, type ModelLookup } from '../runtime/manifest.js';
import { boxesFromProbability, DEFAULT_DETECT, prepareDetInput, type DetectParams } from './detect.js';
import { decodeRgb, type Box, type FrameInput, type RgbImage } from './frame.js';
import {
  DEFAULT_RECOGNIZE,
  loadCharset,
  recognizeBoxes,
  type RecognizeParams,
  type RecognizedLine,
} from './recognize.js';
import { LineCache } from './line-cache.js';
import { splitWords } from './words.js';

/**
 * The OCR engine: PP-OCRv4 detection + recognition on onnxruntime-node, returning text lines
 * and the words inside them with boxes in frame pixels.
 */

export interface OcrLine {
  readonly text: string;
  readonly score: number;
  readonly box: Box;
}

export interface OcrWord {
  readonly text: string;
  readonly score: number;
  readonly box: Box;
  /** Index into `lines` of the line the word was read in. */
  readonly lineIndex: number;
}

export interface OcrTimings {
  /** Decoding the input into RGB pixels (0 for a raw RGB frame). */
  readonly decodeMs: number;
  readonly detectMs: number;
  readonly recognizeMs: number;
  readonly totalMs: number;
  /** Text boxes found, and how many of them were read from the line cache. */
  readonly boxes: number;
  readonly cachedBoxes: number;
}

export interface OcrResult {
  readonly width: number;
  readonly height: number;
  /** In reading order: top to bottom, left to right within a row. */
  readonly lines: readonly OcrLine[];
  readonly words: readonly OcrWord[];
  readonly timings: OcrTimings;
  /** Execution provider that ran the models, e.g. `cpu`; `det+rec` names when they differ. */
  readonly provider: string;
}

export interface OcrOptions extends ModelLookup {
  readonly device?: Device;
  readonly intraOpNumThreads?: number;
  readonly detect?: Partial<DetectParams>;
  readonly recognize?: Partial<RecognizeParams>;
  /** Lines the recogniser is less sure of are dropped (icons read as letters). */
  readonly minScore?: number;
  /** Boxes whose pixels were read before are not read again; 0 turns this off. */
  readonly lineCacheSize?: number;
  /** Model ids in the manifest. */
  readonly models?: { readonly det: string; readonly rec: string; readonly dict: string };
}

export const DEFAULT_MODELS = { det: 'ppocr-v4-det', rec: 'ppocr-v4-rec', dict: 'ppocr-keys-v1' } as const;
const DEFAULT_MIN_SCORE = 0.5;
/** About twenty busy frames' worth of text boxes. */
const DEFAULT_LINE_CACHE = 2000;

export class OcrEngine {
  private constructor(
    private readonly det: LoadedSession,
    private readonly rec: LoadedSession,
    private readonly charset: readonly string[],
    readonly detectParams: DetectParams,
    readonly recognizeParams: RecognizeParams,
    private readonly minScore: number,
    private readonly cache: LineCache,
  ) {}

  static async create(options: OcrOptions = {}): Promise<OcrEngine> {
    const ids = options.models ?? DEFAULT_MODELS;
    const sessionOptions = { device: options.device, intraOpNumThreads: options.intraOpNumThreads };
    const dictionary = modelPath(ids.dict, options);
    const [det, rec] = await Promise.all([
      loadSession(modelPath(ids.det, options), { ...sessionOptions, fuse: true }),
      loadSession(modelPath(ids.rec, options), { ...sessionOptions, fuse: true }),
    ]);
    const charset = loadCharset(dictionary);
    const classes = rec.session.outputMetadata[0];
    const last = classes?.isTensor ? classes.shape.at(-1) : undefined;
    if (typeof last === 'number' && last !== charset.length) {
      throw new Error(`recognition model has ${last} classes but the dictionary gives ${charset.length}`);
    }
    return new OcrEngine(
      det,
      rec,
      charset,
      { ...DEFAULT_DETECT, ...options.detect },
      { ...DEFAULT_RECOGNIZE, ...options.recognize },
      options.minScore ?? DEFAULT_MIN_SCORE,
      new LineCache(options.lineCacheSize ?? DEFAULT_LINE_CACHE),
    );
  }

  get provider(): string {
    return this.det.provider === this.rec.provider ? this.det.provider : `${this.det.provider}+${this.rec.provider}`;
  }

  /** Providers that were tried and failed before the ones running (GPU missing, …). */
  get fallbacks(): readonly ProviderFailure[] {
    return [...this.det.fallbacks, ...this.rec.fallbacks];
  }

  async recognize(frame: FrameInput): Promise<OcrResult> {
    const t0 = performance.now();
    const image = await decodeRgb(frame);
    const t1 = performance.now();
    const boxes = await this.detect(image);
    const t2 = performance.now();
    const { read, cached } = await this.read(image, boxes);
    const t3 = performance.now();

    const kept = readingOrder(read.filter((l): l is RecognizedLine => l !== null && l.score >= this.minScore));
    const lines: OcrLine[] = [];
    const words: OcrWord[] = [];
    kept.forEach((line, lineIndex) => {
      lines.push({ text: line.text, score: line.score, box: line.box });
      for (const w of splitWords(line.chars, line.box)) words.push({ ...w, lineIndex });
    });
    return {
      width: image.width,
      height: image.height,
      lines,
      words,
      timings: {
        decodeMs: t1 - t0,
        detectMs: t2 - t1,
        recognizeMs: t3 - t2,
        totalMs: performance.now() - t0,
        boxes: boxes.length,
        cachedBoxes: cached,
      },
      provider: this.provider,
    };
  }

  /** Reads each box, from the line cache when the same text was read before. */
  private async read(
    image: RgbImage,
    boxes: readonly Box[],
  ): Promise<{ read: (RecognizedLine | null)[]; cached: number }> {
    const useCache = this.cache.capacity > 0;
    const probes = useCache ? boxes.map((box) => this.cache.probe(image, box)) : [];
    const read = boxes.map((_, i) => probes[i]?.line);
    const pending = boxes.flatMap((_, i) => (read[i] === undefined ? [i] : []));
    const fresh = await recognizeBoxes(
      this.rec.session,
      this.charset,
      image,
      pending.map((i) => boxes[i] as Box),
      this.recognizeParams,
    );
    pending.forEach((boxIndex, j) => {
      const line = fresh[j] ?? null;
      read[boxIndex] = line;
      const probe = probes[boxIndex];
      if (probe) this.cache.store(probe, line);
    });
    return { read: read.map((l) => l ?? null), cached: boxes.length - pending.length };
  }

  /** Text boxes in frame pixels. */
  async detect(image: RgbImage): Promise<Box[]> {
    const input = await prepareDetInput(image, this.detectParams.limit);
    const { session } = this.det;
    const feeds = {
      [session.inputNames[0] as string]: new ort.Tensor('float32', input.data, [1, 3, input.height, input.width]),
    };
    const out = await session.run(feeds);
    const prob = (out[session.outputNames[0] as string] as ort.Tensor).data as Float32Array;
    return boxesFromProbability(prob, input, image, this.detectParams).map((b) => b.box);
  }
}

/**
 * Rows top to bottom, left to right within a row. A line joins the current row when its
 * vertical centre is within half a line height of the row's first line.
 */
function readingOrder(lines: readonly RecognizedLine[]): RecognizedLine[] {
  const centre = (l: RecognizedLine): number => (l.box[1] + l.box[3]) / 2;
  const byTop = [...lines].sort((a, b) => centre(a) - centre(b));
  const rows: RecognizedLine[][] = [];
  for (const line of byTop) {
    const row = rows.at(-1);
    const head = row?.[0];
    if (row && head && centre(line) - centre(head) <= (head.box[3] - head.box[1]) / 2) row.push(line);
    else rows.push([line]);
  }
  return rows.flatMap((row) => row.sort((a, b) => a.box[0] - b.box[0]));
}
