import type { FrameInput } from '../ocr/frame.js';
import type { Candidate, Grounder, GroundingHints, GroundingResult } from './grounder.js';

/**
 * The `auto` grounder (the default of run, replay and locate): asks its stages in order — the
 * live accessibility tree, OCR, the recorded picture (replay), a VLM when one is configured — and
 * takes the first answer whose calibrated score reaches that stage's threshold. A stage that
 * cannot answer here (no live tree for an image file, no recorded picture outside replay) is
 * passed over; a stage that throws is reported and passed over, so one broken provider never
 * stops a run that another stage could ground.
 */

export const AUTO_SOURCE = 'auto';
/** Used for a stage that does not declare its own threshold. */
export const DEFAULT_THRESHOLD = 0.5;

export interface CascadeStage {
  readonly grounder: Grounder;
  /** Whether the stage can answer for this frame (e.g. a11y only on the live screen). */
  readonly applies?: (hints: GroundingHints) => boolean;
}

export interface CascadeAnswer {
  /** The stage that answered, or null when none did. */
  readonly stage: string | null;
  /** Per stage: what it said, in order (skipped stages say why). */
  readonly trail: readonly { readonly stage: string; readonly outcome: string; readonly ms: number }[];
}

export type CascadeResult = GroundingResult & CascadeAnswer;

export function thresholdOf(grounder: Grounder): number {
  return grounder.threshold ?? DEFAULT_THRESHOLD;
}

/** Whether a grounder's answer is confident enough for a click to be executed. */
export function confident(grounder: Grounder, result: GroundingResult): boolean {
  return result.found && result.score >= thresholdOf(grounder);
}

export class CascadeGrounder implements Grounder {
  readonly name = AUTO_SOURCE;
  /** Each stage applies its own threshold; the cascade's answer is always confident. */
  readonly threshold = 0;

  constructor(readonly stages: readonly CascadeStage[]) {
    if (stages.length === 0) throw new Error('the auto grounder needs at least one stage');
  }

  /** Stage names in order, e.g. `a11y → ocr → visual`. */
  describe(): string {
    return this.stages.map((s) => s.grounder.name).join(' → ');
  }

  async locate(description: string, frame: FrameInput, hints: GroundingHints = {}): Promise<CascadeResult> {
    const trail: { stage: string; outcome: string; ms: number }[] = [];
    const below: Candidate[] = [];
    for (const { grounder, applies } of this.stages) {
      if (hints.signal?.aborted) break;
      if (applies && !applies(hints)) {
        trail.push({ stage: grounder.name, outcome: 'not applicable', ms: 0 });
        continue;
      }
      const t0 = performance.now();
      let result: GroundingResult;
      try {
        result = await grounder.locate(description, frame, hints);
      } catch (err) {
        trail.push({ stage: grounder.name, outcome: `error: ${(err as Error).message}`, ms: ms(t0) });
        continue;
      }
      if (result.found && result.score >= thresholdOf(grounder)) {
        trail.push({ stage: grounder.name, outcome: `found, score ${result.score.toFixed(2)}`, ms: ms(t0) });
        return { ...result, source: grounder.name, stage: grounder.name, trail };
      }
      const outcome = result.found
        ? `score ${result.score.toFixed(2)} below ${thresholdOf(grounder)}`
        : `not found: ${result.reason}`;
      trail.push({ stage: grounder.name, outcome, ms: ms(t0) });
      below.push(...result.candidates.slice(0, 3).map((c) => ({ ...c, reason: `${grounder.name}: ${c.reason}` })));
    }
    const reason = trail.map((t) => `${t.stage}: ${t.outcome}`).join('; ');
    return { found: false, source: AUTO_SOURCE, candidates: below, reason, stage: null, trail };
  }
}

const ms = (t0: number) => Math.round(performance.now() - t0);
