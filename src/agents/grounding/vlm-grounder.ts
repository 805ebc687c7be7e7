import sharp, { type Sharp } from 'sharp';
import type { Size } from '../../core/geometry.js';
import { ModelClient } from '../../models/client.js';
import { decodeRgb, type RgbImage } from '../ocr/frame.js';
import {
  coordinateAdapter,
  type CoordinateAdapter,
  type Convention,
  type ModelPoint,
  type QwenResizeOptions,
} from './coordinates.js';
import type { Box, Candidate, FrameInput, Grounder, GroundingHints, GroundingResult } from './grounder.js';
import { notFound } from './grounder.js';

/**
 * The pointing-model grounder (SPEC §2.5 goal (b)): any OpenAI-compatible vision model that
 * answers with a point in one of the conventions of coordinates.ts. As in the reference
 * (Molmo + verification): `samples` answers at temperature 0.8 are clustered and the biggest
 * cluster's median is the proposal; a verification call sees the frame marked at that point
 * (plus the accessibility name there, when known) and answers Accept or Reject; up to
 * `maxTries` proposals. Rejected proposals are reported in the candidates.
 *
 * Samples are separate requests sent together rather than one request with `n`, which
 * Ollama and some other servers ignore.
 */

export const VLM_SOURCE = 'vlm';

export interface VlmGrounderOptions {
  /** Base URL of the OpenAI-compatible API, e.g. `http://127.0.0.1:8000/v1` (`/v1` is added to a bare host). */
  readonly endpoint: string;
  readonly model: string;
  readonly convention: Convention;
  readonly apiKey?: string;
  /** Answers asked per grounding try (default 3). */
  readonly samples?: number;
  /** Sampling temperature of the grounding answers (default 0.8). */
  readonly temperature?: number;
  /** `cluster` (default): median of the biggest group of nearby answers; `median`: of all answers. */
  readonly aggregate?: 'cluster' | 'median';
  /** Answers closer than this many frame pixels are one group (default 2 % of the frame diagonal, at least 8). */
  readonly clusterRadius?: number;
  /** Ask the model to accept or reject each proposal on the marked frame (default true). */
  readonly verify?: boolean;
  /** Proposals at most (default 3). */
  readonly maxTries?: number;
  /** The Qwen2.5-VL resize rule's limits; must match the server's `max_pixels` if it sets one. */
  readonly qwen?: QwenResizeOptions;
  /** Per request (default 60 s). */
  readonly timeoutMs?: number;
  /** Retries of a failed request (429, 5xx, timeouts, connection errors; default 2), with backoff. */
  readonly maxRetries?: number;
  /** Accessibility name of the element at a frame point (a live desktop), for the verification prompt. */
  readonly elementAt?: (point: { x: number; y: number }) => Promise<string | undefined> | string | undefined;
}

/** Extra hints this grounder understands besides the common ones. */
export interface VlmHints extends GroundingHints {
  readonly elementAt?: VlmGrounderOptions['elementAt'];
}

export const VLM_DEFAULTS = {
  samples: 3,
  temperature: 0.8,
  maxTries: 3,
  timeoutMs: 60_000,
  maxRetries: 2,
  groundTokens: 512,
  verifyTokens: 64,
} as const;

interface Sample {
  readonly answer: string;
  readonly point: ModelPoint | null;
}

export interface PointCluster {
  readonly x: number;
  readonly y: number;
  /** Indices into the points given to `clusterPoints`. */
  readonly members: readonly number[];
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Groups points: the point with the most neighbours within `radius` takes them as its group
 * (earliest wins ties), and so on with the rest. Each group's position is its component-wise
 * median, rounded. Biggest group first.
 */
export function clusterPoints(points: readonly { x: number; y: number }[], radius: number): PointCluster[] {
  const left = new Set(points.map((_, i) => i));
  const clusters: PointCluster[] = [];
  const near = (a: number, b: number) => {
    const p = points[a] as { x: number; y: number };
    const q = points[b] as { x: number; y: number };
    return Math.hypot(p.x - q.x, p.y - q.y) <= radius;
  };
  while (left.size > 0) {
    let best: number[] = [];
    for (const i of left) {
      const group = [...left].filter((j) => near(i, j));
      if (group.length > best.length) best = group;
    }
    for (const i of best) left.delete(i);
    clusters.push({
      x: Math.round(median(best.map((i) => (points[i] as { x: number }).x))),
      y: Math.round(median(best.map((i) => (points[i] as { y: number }).y))),
      members: best,
    });
  }
  return clusters.sort((a, b) => b.members.length - a.members.length);
}

/** `Accept`, `Reject`, or null when the answer says neither (the first word that does decides). */
export function readVerdict(answer: string): 'accept' | 'reject' | null {
  const m = /\b(accept|reject)/i.exec(answer);
  if (!m) return null;
  return (m[1] as string).toLowerCase() === 'accept' ? 'accept' : 'reject';
}

const RING_COLOUR = '#ff0000';

/** The frame with a red ring and dot at `point` (frame pixels), as sharp input. */
export async function markFrame(image: RgbImage, point: { x: number; y: number }): Promise<Sharp> {
  const { width, height } = image;
  const r = Math.max(10, Math.round(Math.min(width, height) * 0.02));
  const stroke = Math.max(2, Math.round(r / 5));
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `<circle cx="${point.x + 0.5}" cy="${point.y + 0.5}" r="${r}" fill="none" stroke="${RING_COLOUR}" stroke-width="${stroke}"/>` +
    `<circle cx="${point.x + 0.5}" cy="${point.y + 0.5}" r="${Math.max(2, Math.round(stroke * 0.8))}" fill="${RING_COLOUR}"/>` +
    `</svg>`;
  const marked = await sharp(image.data, { raw: { width, height, channels: 3 } })
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    // Compositing adds an alpha channel; the frame has none.
    .removeAlpha()
    .raw()
    .toBuffer();
  return sharp(marked, { raw: { width, height, channels: 3 } });
}

/** PNG `data:` URL of an image resized (when needed) to the size the model reads. */
async function dataUrl(pipeline: Sharp, frame: Size, size: Size): Promise<string> {
  const resized =
    size.width === frame.width && size.height === frame.height
      ? pipeline
      : pipeline.resize(size.width, size.height, { fit: 'fill', kernel: 'lanczos3' });
  const png = await resized.png({ compressionLevel: 3 }).toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

function snippet(answer: string): string {
  const line = answer.replace(/\s+/g, ' ').trim();
  return line.length > 120 ? `${line.slice(0, 120)}…` : line;
}

/** The box of a group: the median of its answers' boxes when each gave one, else a small box around the point. */
function clusterBox(cluster: PointCluster, samples: readonly ModelPoint[], frame: Size): Box {
  const boxes = cluster.members.map((i) => samples[i]?.box).filter((b): b is Box => b !== undefined);
  if (boxes.length === cluster.members.length && boxes.length > 0) {
    return [0, 1, 2, 3].map((k) => Math.round(median(boxes.map((b) => b[k] as number)))) as Box;
  }
  const xs = cluster.members.map((i) => (samples[i] as ModelPoint).x);
  const ys = cluster.members.map((i) => (samples[i] as ModelPoint).y);
  const pad = 8;
  return [
    Math.max(0, Math.min(...xs) - pad),
    Math.max(0, Math.min(...ys) - pad),
    Math.min(frame.width, Math.max(...xs) + pad + 1),
    Math.min(frame.height, Math.max(...ys) + pad + 1),
  ];
}

export class VlmGrounder implements Grounder {
  readonly name = VLM_SOURCE;
  /** Where the model runs: on the endpoint's machine, whatever its hardware. */
  readonly provider = 'remote';
  readonly endpoint: string;
  readonly adapter: CoordinateAdapter;
  private readonly client: ModelClient;
  private readonly samples: number;
  private readonly temperature: number;
  private readonly maxTries: number;
  private readonly verify: boolean;

  constructor(readonly options: VlmGrounderOptions) {
    if (!options.model) throw new Error('the vlm grounder needs a model name');
    this.adapter = coordinateAdapter(options.convention, { qwen: options.qwen });
    this.samples = Math.max(1, Math.floor(options.samples ?? VLM_DEFAULTS.samples));
    this.temperature = options.temperature ?? VLM_DEFAULTS.temperature;
    this.maxTries = Math.max(1, Math.floor(options.maxTries ?? VLM_DEFAULTS.maxTries));
    this.verify = options.verify ?? true;
    this.client = new ModelClient({
      endpoint: options.endpoint,
      model: options.model,
      apiKey: options.apiKey,
      maxRetries: options.maxRetries ?? VLM_DEFAULTS.maxRetries,
      timeoutMs: options.timeoutMs ?? VLM_DEFAULTS.timeoutMs,
    });
    this.endpoint = this.client.endpoint;
  }

  async locate(description: string, input: FrameInput, hints: VlmHints = {}): Promise<GroundingResult> {
    const image = await decodeRgb(input);
    const frame = { width: image.width, height: image.height };
    const modelSize = this.adapter.imageSize(frame);
    const rgb = () => sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });
    const frameUrl = await dataUrl(rgb(), frame, modelSize);
    const radius = this.options.clusterRadius ?? Math.max(8, Math.round(0.02 * Math.hypot(frame.width, frame.height)));
    const candidates: Candidate[] = [];
    const rejected: { x: number; y: number }[] = [];
    const problems: string[] = [];

    for (let attempt = 1; attempt <= this.maxTries; attempt++) {
      const answers = await Promise.all(
        Array.from({ length: this.samples }, () =>
          this.ask(frameUrl, this.adapter.prompt(description), this.temperature, VLM_DEFAULTS.groundTokens),
        ),
      );
      const samples: Sample[] = answers.map((answer) => ({ answer, point: this.adapter.parse(answer, frame) }));
      const usable = samples.filter((s): s is { answer: string; point: ModelPoint } => s.point !== null);
      const malformed = samples.filter((s) => s.point === null);
      if (usable.length === 0) {
        problems.push(
          `try ${attempt}: no point in ${malformed.length} answer(s), e.g. "${snippet(malformed[0]?.answer ?? '')}"`,
        );
        continue;
      }
      const points = usable.map((s) => s.point);
      const clusters =
        this.options.aggregate === 'median'
          ? [
              {
                x: Math.round(median(points.map((p) => p.x))),
                y: Math.round(median(points.map((p) => p.y))),
                members: points.map((_, i) => i),
              },
            ]
          : clusterPoints(points, radius);
      // A group at a point already rejected is not proposed again; among equal groups the prior point wins.
      const fresh = clusters.filter((c) => !rejected.some((r) => Math.hypot(r.x - c.x, r.y - c.y) <= radius));
      const prior = hints.prior;
      const ordered = [...fresh].sort(
        (a, b) =>
          b.members.length - a.members.length ||
          (prior ? Math.hypot(a.x - prior.x, a.y - prior.y) - Math.hypot(b.x - prior.x, b.y - prior.y) : 0),
      );
      const chosen = ordered[0];
      const agreement = (c: PointCluster) => `${c.members.length}/${this.samples} answers agree`;
      for (const c of clusters) {
        if (c === chosen) continue;
        const why = fresh.includes(c) ? `smaller group (${agreement(c)})` : 'at a point rejected before';
        candidates.push({
          text: snippet(usable[c.members[0] as number]?.answer ?? ''),
          box: clusterBox(c, points, frame),
          score: Number((c.members.length / this.samples).toFixed(3)),
          reason: `try ${attempt}: ${why}`,
        });
      }
      if (!chosen) {
        problems.push(`try ${attempt}: the answers only repeated rejected points`);
        continue;
      }
      const point = { x: chosen.x, y: chosen.y };
      const box = clusterBox(chosen, points, frame);
      const score = Number((chosen.members.length / this.samples).toFixed(3));
      const text = snippet(usable[chosen.members[0] as number]?.answer ?? '');
      const notes = malformed.length ? `; ${malformed.length} answer(s) without a point ignored` : '';
      if (!this.verify) {
        candidates.unshift({ text, box, score, reason: `try ${attempt}: ${agreement(chosen)}${notes}; not verified` });
        return { found: true, point, box, score, source: VLM_SOURCE, candidates };
      }
      const verdict = await this.check(description, image, frame, modelSize, point, hints);
      if (verdict.accepted) {
        candidates.unshift({
          text,
          box,
          score,
          reason: `try ${attempt}: ${agreement(chosen)}${notes}; accepted by verification`,
        });
        return { found: true, point, box, score, source: VLM_SOURCE, candidates };
      }
      rejected.push(point);
      candidates.push({
        text,
        box,
        score,
        reason: `try ${attempt}: ${agreement(chosen)}; rejected by verification ("${snippet(verdict.answer)}")`,
      });
      problems.push(`try ${attempt}: (${point.x}, ${point.y}) rejected`);
    }
    const reason =
      rejected.length === this.maxTries
        ? `all ${this.maxTries} proposed points were rejected by verification`
        : `no accepted point after ${this.maxTries} tries (${problems.join('; ')})`;
    return notFound(VLM_SOURCE, reason, candidates);
  }

  /** The verification call on the frame marked at `point`. */
  private async check(
    description: string,
    image: RgbImage,
    frame: Size,
    modelSize: Size,
    point: { x: number; y: number },
    hints: VlmHints,
  ): Promise<{ accepted: boolean; answer: string }> {
    const marked = await dataUrl(await markFrame(image, point), frame, modelSize);
    const lookup = hints.elementAt ?? this.options.elementAt;
    const nameThere = lookup ? await lookup(point) : undefined;
    const lines = [
      'The screenshot has a red circle with a red dot at its centre. A click would land on the dot.',
      `The click is meant to hit: ${description}.`,
    ];
    if (nameThere) lines.push(`The accessibility name of the element under the dot is "${nameThere}".`);
    if (hints.elementName) lines.push(`The target element is known to be named "${hints.elementName}".`);
    lines.push('Does the dot lie on that target? Answer with one word: Accept or Reject.');
    const answer = await this.ask(marked, lines.join('\n'), 0, VLM_DEFAULTS.verifyTokens);
    // An answer that says neither is not an acceptance.
    return { accepted: readVerdict(answer) === 'accept', answer };
  }

  private async ask(imageUrl: string, text: string, temperature: number, maxTokens: number): Promise<string> {
    const messages = [
      {
        role: 'user' as const,
        content: [
          { type: 'image_url' as const, image_url: { url: imageUrl } },
          { type: 'text' as const, text },
        ],
      },
    ];
    try {
      return (await this.client.chat(messages, maxTokens, { temperature })).content;
    } catch (err) {
      // The client's message names the endpoint and the cause, on one line, with the key redacted.
      throw new Error(`vlm grounder (${this.options.model}): ${(err as Error).message}`);
    }
  }
}
