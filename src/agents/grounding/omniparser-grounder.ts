import fs from 'node:fs';
import path from 'node:path';
import type { Size } from '../../core/geometry.js';
import { decodeRgb } from '../ocr/frame.js';
import { listModels, modelsDir, type ModelLookup } from '../runtime/manifest.js';
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
import type { Detection, IconDetector } from './omniparser/detector.js';
import { extremity, inRegion } from './positions.js';
import { rankText, type TextItem } from './text-match.js';

/**
 * The OmniParser-style grounder (SPEC §2.5 goal (c)): an ONNX icon detector (a YOLO export such
 * as OmniParser's `icon_detect`) finds the clickable elements, then the description picks one:
 * (a) quoted (or key-word) text read by OCR inside or next to the box, (b) position words and
 * the prior point, (c) the detector's confidence among the boxes in the described region.
 * The detector itself (letterbox, YOLO decoding, NMS) is `./omniparser/detector.ts`.
 */

export const OMNIPARSER_SOURCE = 'omniparser';
export const ICON_MODEL_ID = 'icon-detect';

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
