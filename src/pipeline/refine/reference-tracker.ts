import fs from 'node:fs';
import sharp from 'sharp';
import { isTerminal } from '../../core/actions.js';
import type { RefineStep } from './model.js';

/**
 * Step 8 for recordings imported from the reference tracker, which recorded its own window and
 * kept no record of it. A frame shows that window when (the reference's rule, facts):
 * - its file is at most 83 KB (size in KB rounded to one decimal, as the reference rounds it), and
 * - in each of four 100×100 regions, the top corners 40 px below the top edge and the bottom
 *   corners 80 px above the bottom edge, at least 80 % of the pixels are exactly #f0f0f0 (the
 *   window's background).
 */
export const TRACKER_FRAME_MAX_KB = 83;
const REGION = 100;
const TOP_OFFSET = 40;
const BOTTOM_OFFSET = 80;
const BACKGROUND = [0xf0, 0xf0, 0xf0] as const;
const BACKGROUND_SHARE = 0.8;

export async function isReferenceTrackerFrame(file: string): Promise<boolean> {
  const kb = Math.round((fs.statSync(file).size / 1024) * 10) / 10;
  if (kb > TRACKER_FRAME_MAX_KB) return false;
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const { width, height, channels } = info;
  const regions: [number, number][] = [
    [0, TOP_OFFSET],
    [width - REGION, TOP_OFFSET],
    [0, height - REGION - BOTTOM_OFFSET],
    [width - REGION, height - REGION - BOTTOM_OFFSET],
  ];
  for (const [left, top] of regions) {
    let matches = 0;
    let total = 0;
    // PIL's crop pads outside the image; those pixels never match, as here.
    for (let y = top; y < top + REGION; y++) {
      for (let x = left; x < left + REGION; x++) {
        total++;
        if (x < 0 || y < 0 || x >= width || y >= height) continue;
        const i = (y * width + x) * channels;
        if (data[i] === BACKGROUND[0] && data[i + 1] === BACKGROUND[1] && data[i + 2] === BACKGROUND[2]) matches++;
      }
    }
    if (matches / total < BACKGROUND_SHARE) return false;
  }
  return true;
}

export interface TrackerRunsResult {
  steps: RefineStep[];
  /** Actions removed. */
  removed: number;
  /** False when nothing would be left (the reference deletes such a recording). */
  empty: boolean;
}

/**
 * Removes runs of steps whose frames show the tracker, as the reference does: a run in the
 * middle goes together with the step before it (the click that brought the tracker up); a run
 * that reaches the end is cut from its start, and the last remaining step becomes the
 * recording's final action (`finish` / `fail`, without an element).
 */
export function removeTrackerRuns(steps: readonly RefineStep[], shows: readonly boolean[]): TrackerRunsResult {
  const runs: [number, number][] = [];
  let begin = -1;
  shows.forEach((own, i) => {
    if (own && begin === -1) begin = i;
    if (!own && begin !== -1) {
      runs.push([begin, i]);
      begin = -1;
    }
  });
  let kept = [...steps];
  const last = steps.at(-1);
  if (begin !== -1) {
    kept = kept.slice(0, begin);
    const tail = kept.at(-1);
    if (!tail || !last) return { steps: [], removed: steps.length, empty: true };
    // The final action keeps its meaning; the step that carries it keeps its frame and time.
    kept[kept.length - 1] = {
      ...tail,
      action: isTerminal(last.action) ? last.action : { kind: 'finish' },
      element: null,
    };
  }
  const drop = new Set<number>();
  for (const [b, e] of runs) for (let i = Math.max(0, b - 1); i < e; i++) drop.add(i);
  const out = kept.filter((_, i) => !drop.has(i));
  return { steps: out, removed: steps.length - out.length, empty: out.length === 0 };
}
