import type { Box } from '../ocr/frame.js';
import { parseDescription, type TargetQuery } from './description.js';
import type { Candidate, GroundingHints } from './grounder.js';
import { extremity, inRegion, type Position } from './positions.js';

/**
 * Matching and ranking of on-screen text against a target description, apart from any OCR
 * I/O so it can be tested with hand-made word lists.
 *
 * Candidates are the words of each line, every run of consecutive words in a line, and whole
 * lines. The best text similarity decides first; candidates within `TIE` of it are ordered by
 * (1) how many position words they satisfy, (2) whether they are a whole line (a button's own
 * label) rather than part of a longer text, (3) distance to the prior point, (4) how far toward
 * the named edges they lie, (5) similarity, (6) reading order.
 */

export interface TextItem {
  readonly text: string;
  readonly box: Box;
  /** Words sharing a lineIndex form one line, in array order. Without one a word is its own line. */
  readonly lineIndex?: number;
}

export interface FrameSize {
  readonly width: number;
  readonly height: number;
}

/** Similarities below this are not matches: one edit in four characters still is. */
export const MIN_SIMILARITY = 0.75;
/** Candidates this close to the best similarity are tied on text. */
const TIE = 0.1;
/** Free descriptions may match on part of their key words, at least this share of characters. */
const MIN_KEYWORD_COVERAGE = 0.4;
const MAX_REPORTED = 10;

export interface RankedCandidate extends Candidate {
  readonly similarity: number;
  readonly wholeLine: boolean;
  /** Position words satisfied, of those in the description. */
  readonly positionsMet: number;
  /** Mean of positions.ts `extremity` over the position words (0 without any). */
  readonly extremity: number;
  readonly priorDistance?: number;
  readonly order: number;
}

export interface RankResult {
  readonly query: TargetQuery;
  /** Best first; the first one is the match when `found`. */
  readonly candidates: readonly RankedCandidate[];
  readonly found: boolean;
  /** Why nothing was found, when `found` is false. */
  readonly reason?: string;
}

/** Lower case, compatibility forms folded, only letters, digits and single spaces. */
export function normalise(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] as number;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] as number;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      prev[j] = Math.min(up + 1, (prev[j - 1] as number) + 1, diag + cost);
      diag = up;
    }
  }
  return prev[b.length] as number;
}

/**
 * 1 for the same normalised text; 0.98 when only spaces differ (OCR drops and adds spaces);
 * else 1 − edit distance / longer length, spaces ignored.
 */
export function similarity(query: string, text: string): number {
  const a = normalise(query);
  const b = normalise(text);
  if (a === '' || b === '') return 0;
  if (a === b) return 1;
  const a0 = a.replace(/ /g, '');
  const b0 = b.replace(/ /g, '');
  if (a0 === b0) return 0.98;
  return 1 - editDistance(a0, b0) / Math.max(a0.length, b0.length);
}

interface Span {
  readonly text: string;
  readonly box: Box;
  readonly wholeLine: boolean;
  readonly order: number;
}

function union(boxes: readonly Box[]): Box {
  return [
    Math.min(...boxes.map((b) => b[0])),
    Math.min(...boxes.map((b) => b[1])),
    Math.max(...boxes.map((b) => b[2])),
    Math.max(...boxes.map((b) => b[3])),
  ];
}

/**
 * The parts of a word the recogniser read without the space between two labels ("SlideSlide"
 * for the menus "Slide" and "Slide Show", "EditView"): split where a lower-case letter meets
 * an upper-case one, each part boxed by its share of the characters. The whole word stays a
 * candidate too, so real camel-case names ("PowerPoint") still match as they are.
 */
function camelParts(word: TextItem, order: number): Span[] {
  const parts = word.text.split(/(?<=\p{Ll})(?=\p{Lu})/u);
  if (parts.length < 2) return [];
  const [left, top, right, bottom] = word.box;
  const perChar = (right - left) / word.text.length;
  let offset = 0;
  return parts.map((text, i) => {
    const start = offset;
    offset += text.length;
    return {
      text,
      box: [Math.round(left + start * perChar), top, Math.round(left + offset * perChar), bottom] as Box,
      wholeLine: false,
      order: order + i,
    };
  });
}

/** Every run of consecutive words in each line, up to `maxWords` words, plus each whole line. */
function spans(items: readonly TextItem[], maxWords: number): Span[] {
  const lines = new Map<number | string, TextItem[]>();
  items.forEach((item, i) => {
    const key = item.lineIndex ?? `word ${i}`;
    const line = lines.get(key);
    if (line) line.push(item);
    else lines.set(key, [item]);
  });
  const out: Span[] = [];
  for (const line of lines.values()) {
    for (let start = 0; start < line.length; start++) {
      for (let end = start + 1; end <= Math.min(line.length, start + maxWords); end++) {
        const run = line.slice(start, end);
        out.push({
          text: run.map((w) => w.text).join(' '),
          box: union(run.map((w) => w.box)),
          wholeLine: run.length === line.length,
          order: out.length,
        });
      }
    }
    for (const word of line) out.push(...camelParts(word, out.length));
    if (line.length > maxWords) {
      out.push({
        text: line.map((w) => w.text).join(' '),
        box: union(line.map((w) => w.box)),
        wholeLine: true,
        order: out.length,
      });
    }
  }
  return out;
}

/** Runs of consecutive key words, each with the share of the key words' characters it holds. */
function keywordPhrases(keywords: string): { phrase: string; coverage: number }[] {
  const words = keywords.split(' ').filter(Boolean);
  const total = words.join('').length;
  const out: { phrase: string; coverage: number }[] = [];
  for (let i = 0; i < words.length; i++) {
    for (let j = i + 1; j <= words.length; j++) {
      const run = words.slice(i, j);
      out.push({ phrase: run.join(' '), coverage: run.join('').length / total });
    }
  }
  return out;
}

/** Text similarity of a span to the query; free descriptions are scaled by key-word coverage. */
function textScore(query: TargetQuery, text: string): number {
  if (query.kind === 'quoted') return similarity(query.text, text);
  let best = 0;
  for (const { phrase, coverage } of keywordPhrases(query.text)) {
    if (coverage < MIN_KEYWORD_COVERAGE) continue;
    const s = similarity(phrase, text);
    if (s >= MIN_SIMILARITY) best = Math.max(best, s * coverage);
  }
  return best;
}

function centre(box: Box): { x: number; y: number } {
  return { x: (box[0] + box[2]) / 2, y: (box[1] + box[3]) / 2 };
}

export function rankText(
  description: string,
  items: readonly TextItem[],
  frame: FrameSize,
  hints: GroundingHints = {},
): RankResult {
  const query = parseDescription(description, hints.elementName);
  if (query.text === '')
    return { query, candidates: [], found: false, reason: 'the description names no text to look for' };
  const queryWords = normalise(query.text).split(' ').length;
  const scored = spans(items, queryWords + 2).map((span) => {
    const similarity = textScore(query, span.text);
    const c = centre(span.box);
    const positionsMet = query.positions.filter((p) => inRegion(p, c, frame, query.positions)).length;
    const edge = query.positions.reduce((sum, p) => sum + extremity(p, c, frame), 0) / (query.positions.length || 1);
    const priorDistance = hints.prior ? Math.hypot(c.x - hints.prior.x, c.y - hints.prior.y) : undefined;
    return { ...span, similarity, positionsMet, extremity: edge, priorDistance };
  });
  // A one-word line is both a word and the whole line: keep one.
  const unique = new Map<string, (typeof scored)[number]>();
  for (const s of scored) {
    const key = `${s.box.join(',')}|${s.text}`;
    const seen = unique.get(key);
    if (!seen || (s.wholeLine && !seen.wholeLine)) unique.set(key, s);
  }
  const all = [...unique.values()].sort((a, b) => b.similarity - a.similarity || a.order - b.order);
  const bestSimilarity = all[0]?.similarity ?? 0;

  if (bestSimilarity < MIN_SIMILARITY * (query.kind === 'quoted' ? 1 : MIN_KEYWORD_COVERAGE)) {
    const closest = all[0];
    const candidates = all.slice(0, MAX_REPORTED).map((s) => toCandidate(s, `too different from "${query.text}"`));
    const hint = closest ? ` (closest: "${closest.text}", similarity ${closest.similarity.toFixed(2)})` : '';
    return { query, candidates, found: false, reason: `no text matching "${query.text}" on screen${hint}` };
  }

  const tied = all.filter((s) => s.similarity >= bestSimilarity - TIE);
  tied.sort(
    (a, b) =>
      b.positionsMet - a.positionsMet ||
      Number(b.wholeLine) - Number(a.wholeLine) ||
      (a.priorDistance ?? 0) - (b.priorDistance ?? 0) ||
      b.extremity - a.extremity ||
      b.similarity - a.similarity ||
      a.order - b.order,
  );
  const winner = tied[0] as (typeof tied)[number];
  const losers = all.filter((s) => !tied.includes(s)).filter((s) => s.similarity > 0);
  const candidates = [
    toCandidate(winner, winReason(winner, query.positions)),
    ...tied.slice(1).map((s) => toCandidate(s, loseReason(s, winner, query.positions))),
    ...losers.map((s) =>
      toCandidate(s, `weaker text match (${s.similarity.toFixed(2)} vs ${winner.similarity.toFixed(2)})`),
    ),
  ].slice(0, MAX_REPORTED);
  return { query, candidates, found: true };
}

type Scored = Span & { similarity: number; positionsMet: number; extremity: number; priorDistance?: number };

function toCandidate(s: Scored, reason: string): RankedCandidate {
  return {
    text: s.text,
    box: s.box,
    score: Number(s.similarity.toFixed(3)),
    reason,
    similarity: s.similarity,
    wholeLine: s.wholeLine,
    positionsMet: s.positionsMet,
    extremity: s.extremity,
    priorDistance: s.priorDistance,
    order: s.order,
  };
}

function winReason(s: Scored, positions: readonly Position[]): string {
  const parts = [s.similarity === 1 ? 'exact text match' : `text similarity ${s.similarity.toFixed(2)}`];
  parts.push(s.wholeLine ? 'whole line' : 'part of a longer line');
  if (positions.length) parts.push(`${s.positionsMet}/${positions.length} position words (${positions.join(', ')})`);
  if (s.priorDistance !== undefined) parts.push(`${Math.round(s.priorDistance)} px from the prior point`);
  return parts.join('; ');
}

function loseReason(s: Scored, winner: Scored, positions: readonly Position[]): string {
  if (s.positionsMet !== winner.positionsMet) {
    return `fewer position words met (${s.positionsMet}/${positions.length}: ${positions.join(', ')})`;
  }
  if (s.wholeLine !== winner.wholeLine) return 'part of a longer line';
  if (s.priorDistance !== undefined && winner.priorDistance !== undefined && s.priorDistance !== winner.priorDistance) {
    return `farther from the prior point (${Math.round(s.priorDistance)} px vs ${Math.round(winner.priorDistance)} px)`;
  }
  if (s.extremity !== winner.extremity) return `not as far toward the ${positions.join(', ')}`;
  if (s.similarity !== winner.similarity) {
    return `weaker text match (${s.similarity.toFixed(2)} vs ${winner.similarity.toFixed(2)})`;
  }
  return 'same text, later in reading order';
}
