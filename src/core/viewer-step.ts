/**
 * The contract between the HTML export (`pipeline/export/html.ts`, which writes the page) and the
 * trajectory viewer's script (`src/viewer/trajectory.ts`, which runs in it): what the page's JSON
 * says about each step, and the calls the streamed frame scripts make. Pure data; shared here
 * because the viewer may import nothing but core.
 */

/** What the viewer knows about a step (JSON in the page, element `#pcv-steps`). */
export interface ViewerStep {
  seq: number;
  /** ms since the first step; ms since the previous one. */
  t: number;
  dt: number;
  /** Wall-clock time as the pc-tracker format writes it. */
  clock: string;
  kind: string;
  planner: string;
  complete: boolean;
  recorded: string;
  element: string | null;
  role: string | null;
  description: string | null;
  descriptionSource: string | null;
  check: string | null;
  thought: string | null;
  thoughtSource: string | null;
  window: string | null;
  app: string | null;
  /** Frame size; whether it is the marked copy; marks to draw over a plain frame. */
  w: number | null;
  h: number | null;
  marked: boolean;
  overlay: { svg: string; left: number; top: number; width: number; height: number } | null;
}

/** The id of the `<script type="application/json">` holding the steps. */
export const VIEWER_STEPS_ID = 'pcv-steps';

/**
 * `window.pcv`: what the page's streamed `<script>` elements call after the viewer script, one per
 * step, as the exporter encodes frames (so the first step shows before the file has loaded).
 */
export interface ViewerApi {
  /** Step `i`'s frame (full size) and its thumbnail, as data URLs. */
  frame(i: number, full: string, thumb: string): void;
  /** Step `i` shows the same frame as the earlier step `j` (embedded once). */
  same(i: number, j: number): void;
  /** Every frame is in: sets `data-loaded="true"` on the body. */
  loaded(): void;
}
