import { isClick, type Point, type Rect } from '../../core/actions.js';
import type { ActionRecord, Library } from '../../library/library.js';
import { normalise, similarity } from '../../agents/grounding/text-match.js';
import { needsDescription, type Target } from './plan.js';

/**
 * Offline completion (`pcagent complete --offline`): action semantics without any model
 * server, from the local OCR engine's words near the click and the accessibility name, with
 * provenance 'offline'. Thoughts are never invented; checks need a model and are left to an
 * online run (which then checks, and may correct, the offline descriptions).
 *
 * The composer is a pure function of words + boxes + click point + element name + frame size,
 * so it is tested on hand-made word lists. Its position words ("in the menu bar at the
 * top-left") come from the coordinates alone and are the ones the OCR grounder
 * (`agents/grounding/positions.ts`) understands, so a replay can find the target again.
 */

/** A word read from the frame: [left, top, right, bottom] in frame pixels. */
export interface OfflineWord {
  readonly text: string;
  readonly box: readonly [number, number, number, number];
  /** Words with the same lineIndex were read as one line, left to right. */
  readonly lineIndex?: number;
}

export interface ComposeInput {
  readonly words: readonly OfflineWord[];
  readonly point: Point;
  readonly frame: { readonly width: number; readonly height: number };
  /** Accessibility name; '' or a placeholder such as 'Unknown' counts as none. */
  readonly elementName?: string | null;
  readonly elementRect?: Rect | null;
  readonly role?: string | null;
}

/** Where a point is, in the words the grounder's position parser reads back. */
export function positionPhrase(point: Point, frame: { width: number; height: number }): string {
  const x = point.x / frame.width;
  const y = point.y / frame.height;
  const col = x < 1 / 3 ? 'left' : x > 2 / 3 ? 'right' : 'center';
  const at = (row: 'top' | 'bottom') => (col === 'center' ? row : `${row}-${col}`);
  // Bars first: they are thin bands at the top and bottom of a maximised window or screen.
  if (y < 0.03) return `in the title bar at the ${at('top')}`;
  if (y < 0.1) return `in the menu bar at the ${at('top')}`;
  if (y > 0.95) return `in the taskbar at the ${at('bottom')}`;
  if (y > 0.9) return `in the status bar at the ${at('bottom')}`;
  if (y < 0.22) return `in the toolbar at the ${at('top')}`;
  if (x < 0.15) return 'in the left panel';
  if (x > 0.85) return 'in the right panel';
  if (y < 1 / 3) return `at the ${at('top')} of the screen`;
  if (y > 2 / 3) return `at the ${at('bottom')} of the screen`;
  return col === 'center' ? 'in the center of the screen' : `on the ${col} side of the screen`;
}

/** Accessibility roles as nouns; none of them is a position word of the grounder. */
const ROLE_NOUNS: readonly [RegExp, string][] = [
  [/^(?:push |toggle )?button$/, 'button'],
  [/^(?:check |radio )?menu item$/, 'menu item'],
  [/^menu$/, 'menu'],
  [/^page tab$|^tab$/, 'tab'],
  [/^check ?box$/, 'checkbox'],
  [/^radio button$/, 'radio button'],
  [/^(?:password )?text$|^entry$|^edit$|^spin button$/, 'text field'],
  [/^combo ?box$/, 'combo box'],
  [/^list item$/, 'list item'],
  [/^tree item$/, 'tree item'],
  [/^(?:table )?cell$/, 'cell'],
  [/^link$|^hyperlink$/, 'link'],
  [/^icon$|^image$/, 'icon'],
  [/^slider$/, 'slider'],
];

function roleNoun(role: string | null | undefined): string {
  const r = role?.trim().toLowerCase() ?? '';
  return ROLE_NOUNS.find(([pattern]) => pattern.test(r))?.[1] ?? 'item';
}

/** Names that accessibility APIs report when they know nothing. */
const PLACEHOLDER_NAMES = /^(?:unknown|none|null|undefined|n\/a|-)$/i;
const MAX_NAME = 60;

function usableName(name: string | null | undefined): string | null {
  const n = (name ?? '').replace(/\s+/g, ' ').trim();
  if (n === '' || PLACEHOLDER_NAMES.test(n) || !/[\p{L}\p{N}]/u.test(n)) return null;
  if (n.length <= MAX_NAME) return n;
  const cut = n.slice(0, MAX_NAME);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), MAX_NAME / 2)).trimEnd()}…`;
}

/** A label needs two letters or digits: icon glyphs read as 'x', '>' or '~' are not labels. */
function usableLabel(text: string): boolean {
  return (text.match(/[\p{L}\p{N}]/gu) ?? []).length >= 2;
}

type Box = OfflineWord['box'];

function boxDistance(box: Box, p: Point): number {
  const dx = Math.max(box[0] - p.x, 0, p.x - box[2]);
  const dy = Math.max(box[1] - p.y, 0, p.y - box[3]);
  return Math.hypot(dx, dy);
}

function centreIn(box: Box, r: Rect): boolean {
  const cx = (box[0] + box[2]) / 2;
  const cy = (box[1] + box[3]) / 2;
  return cx >= r.left && cx < r.right && cy >= r.top && cy < r.bottom;
}

/** Longest run of words joined by small gaps (a label), at most this many words. */
const MAX_LABEL_WORDS = 6;
/** Words of one label are at most this many line heights apart. */
const LABEL_GAP = 0.8;
/** An element rectangle larger than this share of the frame (a whole pane) says nothing. */
const MAX_RECT_SHARE = 0.1;
/** Names matching on-screen text at least this well are confirmed by it. */
const NAME_MATCH = 0.75;

interface Label {
  readonly text: string;
  /** The click landed on the label (or inside the element rectangle around it). */
  readonly onTarget: boolean;
}

/** The text at or next to the click, grown along its line while the words stay close together. */
function labelAt(input: ComposeInput, rect: Rect | null): { label: Label | null; near: OfflineWord[] } {
  const { words, point, frame } = input;
  const radius = Math.max(12, 0.025 * frame.width);
  const near = words.filter(
    (w) => usableLabel(w.text) && (boxDistance(w.box, point) <= radius || (rect !== null && centreIn(w.box, rect))),
  );
  const anchor = [...near].sort((a, b) => boxDistance(a.box, point) - boxDistance(b.box, point))[0];
  if (!anchor) return { label: null, near };
  const line =
    anchor.lineIndex === undefined
      ? [anchor]
      : words.filter((w) => w.lineIndex === anchor.lineIndex).sort((a, b) => a.box[0] - b.box[0]);
  const height = anchor.box[3] - anchor.box[1];
  const fits = (w: OfflineWord) => rect === null || centreIn(w.box, rect) || boxDistance(w.box, point) <= radius;
  let start = line.indexOf(anchor);
  let end = start;
  while (end - start + 1 < MAX_LABEL_WORDS) {
    const left = line[start - 1];
    const right = line[end + 1];
    const leftGap = left ? line[start]!.box[0] - left.box[2] : Infinity;
    const rightGap = right ? right.box[0] - line[end]!.box[2] : Infinity;
    if (right && rightGap <= LABEL_GAP * height && fits(right) && rightGap <= leftGap) end++;
    else if (left && leftGap <= LABEL_GAP * height && fits(left)) start--;
    else break;
  }
  // Glyphs at the ends of a run ('Share ~') are icons beside the label, not part of it.
  while (start < end && !usableLabel(line[start]!.text)) start++;
  while (end > start && !usableLabel(line[end]!.text)) end--;
  const run = line.slice(start, end + 1);
  const onTarget =
    run.some((w) => boxDistance(w.box, point) <= 4) || (rect !== null && run.some((w) => centreIn(w.box, rect)));
  return { label: { text: run.map((w) => w.text).join(' '), onTarget }, near };
}

/** Whether the name is written on screen near the click (any run of nearby words of one line). */
function nameOnScreen(name: string, near: readonly OfflineWord[], label: Label | null): boolean {
  const target = normalise(name);
  if (label && (similarity(name, label.text) >= NAME_MATCH || normalise(label.text).includes(target))) return true;
  const lines = new Map<number | string, OfflineWord[]>();
  near.forEach((w, i) => {
    const key = w.lineIndex ?? `w${i}`;
    lines.set(key, [...(lines.get(key) ?? []), w]);
  });
  for (const line of lines.values()) {
    line.sort((a, b) => a.box[0] - b.box[0]);
    for (let i = 0; i < line.length; i++) {
      for (let j = i + 1; j <= Math.min(line.length, i + MAX_LABEL_WORDS); j++) {
        if (
          similarity(
            name,
            line
              .slice(i, j)
              .map((w) => w.text)
              .join(' '),
          ) >= NAME_MATCH
        )
          return true;
      }
    }
  }
  return false;
}

/**
 * The offline description of a click target, e.g. "the 'Insert' item in the menu bar at the
 * top-left". Visible text wins over the accessibility name (a replay finds text on screen);
 * the name is used when it is written near the click, when no text is there, or as a note.
 */
export function composeOfflineDescription(input: ComposeInput): string {
  const { point, frame } = input;
  const rectArea = input.elementRect
    ? Math.max(0, input.elementRect.right - input.elementRect.left) *
      Math.max(0, input.elementRect.bottom - input.elementRect.top)
    : Infinity;
  const r = input.elementRect;
  const rect =
    r &&
    rectArea <= MAX_RECT_SHARE * frame.width * frame.height &&
    point.x >= r.left &&
    point.x < r.right &&
    point.y >= r.top &&
    point.y < r.bottom
      ? r
      : null;
  const name = usableName(input.elementName);
  const noun = roleNoun(input.role);
  const where = positionPhrase(point, frame);
  const { label, near } = labelAt(input, rect);

  // The click landed on a glyph (an icon read as 'x', '>' …): the name says more than nearby text.
  const onGlyph = input.words.some((w) => !usableLabel(w.text) && boxDistance(w.box, point) <= 4);
  if (name && (nameOnScreen(name, near, label) || (onGlyph && !label?.onTarget)))
    return `the '${name}' ${noun} ${where}`;
  if (label?.onTarget) return `the '${label.text}' ${noun} ${where}${name ? ` (accessibility name '${name}')` : ''}`;
  if (label) return `the ${name ? `'${name}' ` : ''}${noun} next to the text '${label.text}' ${where}`;
  if (name) return `the '${name}' ${noun} ${where}`;
  return `an unlabelled ${noun} ${where}`;
}

/** Reads the words of a frame file (the OCR engine, or a stand-in in tests). */
export interface WordReader {
  read(file: string): Promise<{ width: number; height: number; words: readonly OfflineWord[] }>;
  /** Execution provider that ran the OCR, for the summary. */
  readonly provider?: string;
}

/** The embedded OCR engine (`src/agents/ocr`) as a word reader; loaded only when asked for. */
export async function createOcrReader(options: { dataDir?: string } = {}): Promise<WordReader> {
  const { OcrEngine } = await import('../../agents/ocr/engine.js');
  const engine = await OcrEngine.create({ dataDir: options.dataDir });
  return {
    provider: engine.provider,
    async read(file) {
      const r = await engine.recognize(file);
      return {
        width: r.width,
        height: r.height,
        words: r.words.map((w) => ({ text: w.text, box: w.box, lineIndex: w.lineIndex })),
      };
    },
  };
}

export interface OfflineReport {
  recordings: {
    id: number;
    refinedFrom?: number;
    described: number;
    failures: { actionId: number; seq: number; message: string }[];
  }[];
}

/**
 * Fills missing click descriptions of the targets. OCR reads the PLAIN frame (the red marks of
 * the marked copy would be read as text and cover the label); the marked one only when there
 * is no other. Each description is committed as soon as it is composed.
 */
export async function completeOffline(
  lib: Library,
  targets: readonly Target[],
  options: {
    reader: WordReader;
    onField?: (a: ActionRecord) => void;
    /** Stops before the next click (the promise rejects); descriptions written so far stay. */
    signal?: AbortSignal;
  },
): Promise<OfflineReport> {
  const report: OfflineReport = { recordings: [] };
  for (const { recording, refinedFrom } of targets) {
    const entry: OfflineReport['recordings'][number] = {
      id: recording.id,
      ...(refinedFrom === undefined ? {} : { refinedFrom }),
      described: 0,
      failures: [],
    };
    report.recordings.push(entry);
    for (const a of lib.listActions(recording.id)) {
      if (!needsDescription(a) || !isClick(a.action) || !a.action.at) continue;
      options.signal?.throwIfAborted();
      const frameId = a.frameId ?? a.markedFrameId!;
      try {
        const frame = lib.getFrame(frameId);
        const ocr = await options.reader.read(lib.absolutePath(frame.path));
        const text = composeOfflineDescription({
          words: ocr.words,
          point: a.action.at,
          frame: { width: ocr.width, height: ocr.height },
          elementName: a.element?.name,
          elementRect: a.element?.rect,
          role: a.element?.role,
        });
        lib.updateAction(a.id, { description: { text, source: 'offline' } });
        entry.described++;
      } catch (err) {
        entry.failures.push({ actionId: a.id, seq: a.seq, message: (err as Error).message.split('\n')[0]! });
      }
      options.onField?.(a);
    }
  }
  return report;
}
