import { OcrEngine, type OcrOptions, type OcrResult } from '../ocr/engine.js';
import type { FrameInput } from '../ocr/frame.js';
import { boxCentre, notFound, type Grounder, type GroundingHints, type GroundingResult } from './grounder.js';
import { rankText } from './text-match.js';

/**
 * The embedded default grounder (SPEC §2.5 goal (a)): reads the frame's text with the local OCR
 * engine and clicks the centre of the best-matching word, word run or line.
 */

export const OCR_SOURCE = 'ocr';

export class OcrGrounder implements Grounder {
  readonly name = OCR_SOURCE;

  constructor(readonly engine: OcrEngine) {}

  static async create(options: OcrOptions = {}): Promise<OcrGrounder> {
    return new OcrGrounder(await OcrEngine.create(options));
  }

  async locate(description: string, frame: FrameInput, hints?: GroundingHints): Promise<GroundingResult> {
    return groundInText(description, await this.engine.recognize(frame), hints);
  }
}

/** Grounds a description in text already read from a frame (several targets, one OCR pass). */
export function groundInText(description: string, ocr: OcrResult, hints?: GroundingHints): GroundingResult {
  const ranked = rankText(description, ocr.words, ocr, hints);
  const candidates = ranked.candidates.map(({ text, box, score, reason }) => ({ text, box, score, reason }));
  const best = candidates[0];
  if (!ranked.found || !best) {
    return notFound(OCR_SOURCE, ranked.reason ?? 'no match', candidates);
  }
  return { found: true, point: boxCentre(best.box), box: best.box, score: best.score, source: OCR_SOURCE, candidates };
}
