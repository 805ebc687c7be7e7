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
  /** Accessibility role recorded for the target (`push button`, `menu item`, …), when known. */
  readonly elementRole?: string;
  /**
   * Replay: the target as it looked when recorded — the recorded frame and the target's box in
   * it (the element's rectangle, or a box around the recorded click point), in that frame's
   * pixels. The visual grounder looks for this picture on today's screen.
   */
  readonly recorded?: { readonly frame: FrameInput; readonly box: Box };
  /**
   * The frame is the screen as it is now (run, replay, `locate --screen`): grounders that read the
   * live desktop (the accessibility tree) may answer. False for an image file.
   */
  readonly live?: boolean;
  readonly signal?: AbortSignal;
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

/** A result that found nothing: `reason` says why, `candidates` what was considered (none by default). */
export function notFound(source: string, reason: string, candidates: readonly Candidate[] = []): GroundingResult {
  return { found: false, source, candidates, reason };
}

export interface Grounder {
  readonly name: string;
  /**
   * Scores are calibrated to 0..1; at or above this one the grounder is confident enough for a
   * click to be executed (the `auto` cascade moves on below it). Default 0.5.
   */
  readonly threshold?: number;
  locate(description: string, frame: FrameInput, hints?: GroundingHints): Promise<GroundingResult>;
  /** Releases what the grounder holds open (an accessibility connection): a process can then end. */
  close?(): Promise<void>;
}

/** Centre of a box, rounded to whole pixels: where a click on the box lands. */
export function boxCentre(box: Box): { x: number; y: number } {
  return { x: Math.round((box[0] + box[2]) / 2), y: Math.round((box[1] + box[3]) / 2) };
}
