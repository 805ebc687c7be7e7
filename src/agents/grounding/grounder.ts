import type { Box, FrameInput } from '../ocr/frame.js';

/**
 * The interface every grounder implements (SPEC §2.5): turn the description of a click target
 * into a point in the frame's pixel space. Grounders are interchangeable: the embedded OCR one,
 * OpenAI-compatible pointing models, an icon detector.
 */

export type { Box, FrameInput, RawFrame } from '../ocr/frame.js';

export interface GroundingHints {
  /** Where the target was before (replay) or is expected: the closest match wins ties. */
  readonly prior?: { readonly x: number; readonly y: number };
  /** Accessibility name recorded for the target, when known. */
  readonly elementName?: string;
}

/** Something a grounder considered, and why it won or lost. */
export interface Candidate {
  readonly text: string;
  readonly box: Box;
  readonly score: number;
  readonly reason: string;
}

export type GroundingResult =
  | {
      readonly found: true;
      readonly point: { readonly x: number; readonly y: number };
      readonly box: Box;
      readonly score: number;
      readonly source: string;
      readonly candidates: readonly Candidate[];
    }
  | {
      readonly found: false;
      readonly source: string;
      readonly candidates: readonly Candidate[];
      readonly reason: string;
    };

export interface Grounder {
  readonly name: string;
  locate(description: string, frame: FrameInput, hints?: GroundingHints): Promise<GroundingResult>;
}

/** Centre of a box, rounded to whole pixels: where a click on the box lands. */
export function boxCentre(box: Box): { x: number; y: number } {
  return { x: Math.round((box[0] + box[2]) / 2), y: Math.round((box[1] + box[3]) / 2) };
}
