import { clampPoint, resizeMapping, scalePoint, scaleRect, type Size } from '../../core/geometry.js';
import type { Box } from '../ocr/frame.js';

/**
 * Coordinate conventions of pointing models (SPEC §2.5 goal (b)): one adapter per convention
 * turns a model's answer into frame pixels. Every adapter knows the size of the image the model
 * is sent (`imageSize`) and the coordinate space of its answers, and maps from that space to
 * the frame through core/geometry.ts.
 *
 * - `molmo`: `<point x="61.5" y="40.2" alt="…">…</point>` (or `<points x1= y1= …>`), percent of
 *   the width and height.
 * - `uitars`: 0–1000 on both axes: `(x,y)`, `click(start_box='(x,y)')`,
 *   `<|box_start|>(x1,y1),(x2,y2)<|box_end|>`, `<point>x y</point>`, `[x1, y1, x2, y2]`.
 * - `qwen25vl`: absolute pixels of the image as the model saw it, i.e. the frame resized by the
 *   Qwen2-VL "smart resize" rule (sides multiples of 28, area within min/max pixels):
 *   `{"bbox_2d": [x1, y1, x2, y2]}`, `{"point_2d": [x, y]}`, `(x, y)`, `[x, y]`. The grounder
 *   sends the image already at that size, so the server's own resize is a no-op.
 * - `showui`: 0–1 on both axes: `[0.73, 0.21]` (or a 4-number box).
 */

export type Convention = 'molmo' | 'uitars' | 'qwen25vl' | 'showui';
export const CONVENTIONS: readonly Convention[] = ['molmo', 'uitars', 'qwen25vl', 'showui'];

/** A parsed answer in frame pixels: the point to click and, when the model gave one, its box. */
export interface ModelPoint {
  readonly x: number;
  readonly y: number;
  readonly box?: Box;
}

export interface CoordinateAdapter {
  readonly convention: Convention;
  /** The size of the image the model is sent (the frame's own size unless the model resizes). */
  imageSize(frame: Size): Size;
  /** The grounding prompt in the wording this family of models was trained on. */
  prompt(description: string): string;
  /** The first point of the answer in frame pixels (clamped into the frame), or null if it holds none. */
  parse(answer: string, frame: Size): ModelPoint | null;
}

export interface QwenResizeOptions {
  /** Side multiple: patch size 14 × merge size 2 (default 28). */
  readonly factor?: number;
  /** Default 56×56 = 3136, as in Qwen2.5-VL's preprocessor_config.json. */
  readonly minPixels?: number;
  /** Default 12845056 (28×28×16384), as in Qwen2.5-VL's preprocessor_config.json. */
  readonly maxPixels?: number;
}

export const QWEN_DEFAULTS = { factor: 28, minPixels: 3136, maxPixels: 12845056 } as const;
/** Qwen2-VL refuses images more elongated than this. */
const QWEN_MAX_RATIO = 200;

/** Python's `round`: halves go to the even neighbour (the resize rule is specified in Python). */
export function roundHalfEven(v: number): number {
  const floor = Math.floor(v);
  const diff = v - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * The Qwen2-VL / Qwen2.5-VL `smart_resize` rule: each side rounded to a multiple of `factor`,
 * then scaled down (floor) when the area exceeds `maxPixels`, or up (ceil) when it is under
 * `minPixels`, keeping the aspect ratio as closely as the multiples allow.
 */
export function qwenSmartResize(frame: Size, options: QwenResizeOptions = {}): Size {
  const factor = options.factor ?? QWEN_DEFAULTS.factor;
  const minPixels = options.minPixels ?? QWEN_DEFAULTS.minPixels;
  const maxPixels = options.maxPixels ?? QWEN_DEFAULTS.maxPixels;
  const { width, height } = frame;
  if (!(width > 0 && height > 0)) throw new RangeError(`image size must be positive, got ${width}×${height}`);
  if (Math.max(width, height) / Math.min(width, height) > QWEN_MAX_RATIO) {
    throw new RangeError(`aspect ratio of ${width}×${height} exceeds ${QWEN_MAX_RATIO}`);
  }
  let h = Math.max(factor, roundHalfEven(height / factor) * factor);
  let w = Math.max(factor, roundHalfEven(width / factor) * factor);
  if (h * w > maxPixels) {
    const beta = Math.sqrt((height * width) / maxPixels);
    h = Math.max(factor, Math.floor(height / beta / factor) * factor);
    w = Math.max(factor, Math.floor(width / beta / factor) * factor);
  } else if (h * w < minPixels) {
    const beta = Math.sqrt(minPixels / (height * width));
    h = Math.ceil((height * beta) / factor) * factor;
    w = Math.ceil((width * beta) / factor) * factor;
  }
  return { width: w, height: h };
}

const NUM = String.raw`[-+]?(?:\d+(?:\.\d*)?|\.\d+)`;

function numbers(text: string): number[] {
  return [...text.matchAll(new RegExp(NUM, 'g'))].map((m) => Number(m[0]));
}

/** Pairs or quadruples read from a fragment: two numbers are a point, four a box. */
function shape(values: readonly number[]): { x: number; y: number; box?: [number, number, number, number] } | null {
  if (values.length >= 4) {
    const [x1, y1, x2, y2] = values as [number, number, number, number];
    const box: [number, number, number, number] = [
      Math.min(x1, x2),
      Math.min(y1, y2),
      Math.max(x1, x2),
      Math.max(y1, y2),
    ];
    return { x: (box[0] + box[2]) / 2, y: (box[1] + box[3]) / 2, box };
  }
  if (values.length >= 2) return { x: values[0] as number, y: values[1] as number };
  return null;
}

/** Maps a point (and box) from a `space` of the given size to frame pixels, clamped into the frame. */
function toFrame(
  raw: { x: number; y: number; box?: [number, number, number, number] },
  space: Size,
  frame: Size,
): ModelPoint | null {
  if (![raw.x, raw.y, ...(raw.box ?? [])].every(Number.isFinite)) return null;
  // An answer far outside the model's own space is not a coordinate in this convention.
  const slack = 0.02;
  const outside = (v: number, max: number) => v < -slack * max || v > (1 + slack) * max;
  if (outside(raw.x, space.width) || outside(raw.y, space.height)) return null;
  const mapping = resizeMapping(space, frame);
  const point = clampPoint(scalePoint({ x: raw.x, y: raw.y }, mapping), frame);
  if (!raw.box) return point;
  const r = scaleRect({ left: raw.box[0], top: raw.box[1], right: raw.box[2], bottom: raw.box[3] }, mapping);
  const clampX = (v: number) => Math.min(Math.max(v, 0), frame.width);
  const clampY = (v: number) => Math.min(Math.max(v, 0), frame.height);
  return { ...point, box: [clampX(r.left), clampY(r.top), clampX(r.right), clampY(r.bottom)] };
}

function attribute(tag: string, name: string): number | undefined {
  const m = new RegExp(String.raw`\b${name}\s*=\s*["']?(${NUM})`, 'i').exec(tag);
  return m ? Number(m[1]) : undefined;
}

const molmo: CoordinateAdapter = {
  convention: 'molmo',
  imageSize: (frame) => frame,
  prompt: (description) => `Point to ${description}`,
  parse(answer, frame) {
    const tag = /<points?\b[^>]*>/i.exec(answer)?.[0];
    if (!tag) return null;
    const x = attribute(tag, 'x') ?? attribute(tag, 'x1');
    const y = attribute(tag, 'y') ?? attribute(tag, 'y1');
    if (x === undefined || y === undefined) return null;
    return toFrame({ x, y }, { width: 100, height: 100 }, frame);
  },
};

/** The coordinate fragment of an answer in the UI-TARS / Qwen styles, most specific form first. */
function fragment(answer: string): string | null {
  const patterns = [
    /<\|box_start\|>([\s\S]*?)<\|box_end\|>/,
    /"bbox_2d"\s*:\s*\[([^\]]*)\]/,
    /"point_2d"\s*:\s*\[([^\]]*)\]/,
    /<point>([^<]*)<\/point>/,
    /<bbox>([^<]*)<\/bbox>/,
    /start_box\s*=\s*['"]?\(?([^'")]*)/,
    new RegExp(String.raw`\[\s*(${NUM}\s*,\s*${NUM}(?:\s*,\s*${NUM}\s*,\s*${NUM})?)\s*\]`),
    new RegExp(String.raw`\(\s*(${NUM}\s*,\s*${NUM})\s*\)(?:\s*,\s*\(\s*(${NUM}\s*,\s*${NUM})\s*\))?`),
  ];
  for (const p of patterns) {
    const m = p.exec(answer);
    if (m)
      return m
        .slice(1)
        .filter((g) => g !== undefined)
        .join(',');
  }
  return null;
}

function fixedSpace(convention: 'uitars' | 'showui', size: number, prompt: (d: string) => string): CoordinateAdapter {
  const space = { width: size, height: size };
  return {
    convention,
    imageSize: (frame) => frame,
    prompt,
    parse(answer, frame) {
      const frag = fragment(answer);
      const raw = frag === null ? null : shape(numbers(frag));
      return raw ? toFrame(raw, space, frame) : null;
    },
  };
}

const uitars = fixedSpace(
  'uitars',
  1000,
  (d) => `Output only the coordinate of one point in your response. What element matches the following task: ${d}`,
);

const showui = fixedSpace(
  'showui',
  1,
  (d) =>
    'Based on the screenshot of the page, I give a text description and you give its corresponding location. ' +
    `The coordinate represents a clickable location [x, y] for an element, which is a relative coordinate on the screenshot, scaled from 0 to 1.\n${d}`,
);

function qwen(options: QwenResizeOptions): CoordinateAdapter {
  return {
    convention: 'qwen25vl',
    imageSize: (frame) => qwenSmartResize(frame, options),
    prompt: (d) =>
      `Locate ${d} in the screenshot and output its point coordinates in JSON format, like {"point_2d": [x, y], "label": "..."}.`,
    parse(answer, frame) {
      const frag = fragment(answer);
      const raw = frag === null ? null : shape(numbers(frag));
      return raw ? toFrame(raw, qwenSmartResize(frame, options), frame) : null;
    },
  };
}

export function coordinateAdapter(
  convention: Convention,
  options: { qwen?: QwenResizeOptions } = {},
): CoordinateAdapter {
  switch (convention) {
    case 'molmo':
      return molmo;
    case 'uitars':
      return uitars;
    case 'qwen25vl':
      return qwen(options.qwen ?? {});
    case 'showui':
      return showui;
  }
}

/** The convention a model's name suggests, for when none is given. */
export function guessConvention(model: string): Convention | undefined {
  const m = model.toLowerCase();
  if (m.includes('molmo')) return 'molmo';
  if (/ui-?tars/.test(m)) return 'uitars';
  if (m.includes('showui')) return 'showui';
  if (/qwen2[._]?5-?vl|qwen2\.5/.test(m)) return 'qwen25vl';
  return undefined;
}

export function isConvention(value: string): value is Convention {
  return (CONVENTIONS as readonly string[]).includes(value);
}
