/**
 * File checkers of an eval task: each reads the saved presentation (never the screen) and says
 * pass or fail with a reason a person can act on ("slide 2 title is 'Plan', expected 'Goals'").
 * Texts compare exactly, normalised (case, white space, quotes and dashes folded) or by
 * containment; the default is normalised, because an agent that types "Q3 Goals " has done the
 * task.
 */
import path from 'node:path';
import { z } from 'zod';
import {
  readPresentation,
  slideTexts,
  PresentationError,
  type Paragraph,
  type Presentation,
  type Slide,
  type TextRun,
} from './presentation.js';

export const MATCH_MODES = ['exact', 'normalised', 'contains'] as const;
export type MatchMode = (typeof MATCH_MODES)[number];

const FileName = z
  .string()
  .min(1)
  .refine((f) => !path.isAbsolute(f) && !f.split(/[\\/]/).includes('..'), 'must be a file name inside the task folder');
const SlideNumber = z.number().int().min(1);
const Match = z.enum(MATCH_MODES).default('normalised');

export const CheckSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('file'), file: FileName, format: z.enum(['odp', 'pptx']).optional() }),
  z.strictObject({
    type: z.literal('slide-count'),
    file: FileName,
    count: z.number().int().min(0).optional(),
    min: z.number().int().min(0).optional(),
    max: z.number().int().min(0).optional(),
  }),
  z.strictObject({ type: z.literal('title'), file: FileName, slide: SlideNumber, text: z.string(), match: Match }),
  z.strictObject({
    type: z.literal('text'),
    file: FileName,
    slide: SlideNumber,
    /** Every one of these must be a paragraph of the slide (any shape but the title). */
    paragraphs: z.array(z.string()).min(1),
    match: Match,
    /** Paragraphs in this order, one after the other. */
    ordered: z.boolean().default(false),
    /** Only in shapes of this kind: a `text` box (not a placeholder), the `body`, the `subtitle`. */
    shape: z.enum(['text', 'body', 'subtitle']).optional(),
  }),
  z.strictObject({
    type: z.literal('format'),
    file: FileName,
    slide: SlideNumber.optional(),
    /** The text whose runs must carry the formatting (all runs that hold part of it). */
    text: z.string().min(1),
    bold: z.boolean().optional(),
    italic: z.boolean().optional(),
    size: z.number().positive().optional(),
  }),
  z.strictObject({ type: z.literal('notes'), file: FileName, slide: SlideNumber, text: z.string(), match: Match }),
  z.strictObject({ type: z.literal('order'), file: FileName, titles: z.array(z.string()).min(1), match: Match }),
  z.strictObject({ type: z.literal('absent'), file: FileName, text: z.string().min(1), match: Match }),
]);
export type Check = z.infer<typeof CheckSchema>;

export interface CheckResult {
  readonly check: Check;
  readonly pass: boolean;
  /** One line: what was found, against what was expected. */
  readonly detail: string;
}

/** Folds what does not change the meaning of typed text: case, spacing, typographic quotes and dashes. */
export function normalise(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/[\u2018\u2019\u201a\u201b]/g, "'")
    .replace(/[\u201c\u201d\u201e\u201f]/g, '"')
    .replace(/[\u2010-\u2015\u2212]/g, '-')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

export function textMatches(actual: string, expected: string, mode: MatchMode): boolean {
  if (mode === 'exact') return actual === expected;
  if (mode === 'normalised') return normalise(actual) === normalise(expected);
  return normalise(actual).includes(normalise(expected));
}

const quote = (s: string | null): string => (s === null ? 'none' : `'${s.length > 60 ? `${s.slice(0, 59)}…` : s}'`);

function slideOf(p: Presentation, n: number): Slide | string {
  return p.slides[n - 1] ?? `slide ${n} does not exist (the deck has ${p.slides.length})`;
}

/**
 * The runs that hold `text` in a paragraph: those overlapping its first case-insensitive
 * occurrence, white-space runs aside; all non-blank runs when it only matches normalised.
 */
function runsHolding(para: Paragraph, text: string): TextRun[] {
  const at = para.text.toLowerCase().indexOf(text.toLowerCase());
  const visible = (r: TextRun): boolean => r.text.trim() !== '';
  if (at < 0) return para.runs.filter(visible);
  const end = at + text.length;
  const out: TextRun[] = [];
  let pos = 0;
  for (const r of para.runs) {
    const next = pos + r.text.length;
    if (next > at && pos < end && visible(r)) out.push(r);
    pos = next;
  }
  return out;
}

function checkDeck(check: Check, p: Presentation): { pass: boolean; detail: string } {
  switch (check.type) {
    case 'file':
      return check.format && check.format !== p.format
        ? { pass: false, detail: `saved as ${p.format}, expected ${check.format}` }
        : { pass: true, detail: `a valid ${p.format} presentation with ${p.slides.length} slide(s)` };
    case 'slide-count': {
      const n = p.slides.length;
      const ok =
        (check.count === undefined || n === check.count) &&
        (check.min === undefined || n >= check.min) &&
        (check.max === undefined || n <= check.max);
      const want =
        check.count !== undefined
          ? `${check.count}`
          : [check.min !== undefined ? `≥ ${check.min}` : '', check.max !== undefined ? `≤ ${check.max}` : '']
              .filter(Boolean)
              .join(' and ');
      return { pass: ok, detail: `${n} slide(s), expected ${want || 'any'}` };
    }
    case 'title': {
      const s = slideOf(p, check.slide);
      if (typeof s === 'string') return { pass: false, detail: s };
      return {
        pass: s.title !== null && textMatches(s.title, check.text, check.match),
        detail: `slide ${check.slide} title is ${quote(s.title)}, expected ${quote(check.text)} (${check.match})`,
      };
    }
    case 'text': {
      const s = slideOf(p, check.slide);
      if (typeof s === 'string') return { pass: false, detail: s };
      const texts = s.shapes
        .filter((sh) => (check.shape ? sh.role === check.shape : sh.role !== 'title'))
        .flatMap((sh) => sh.paragraphs.map((x) => x.text));
      const where = check.shape ? ` in a ${check.shape === 'text' ? 'text box' : check.shape}` : '';
      let from = 0;
      for (const want of check.paragraphs) {
        const at = texts.findIndex((t, i) => i >= (check.ordered ? from : 0) && textMatches(t, want, check.match));
        if (at < 0)
          return {
            pass: false,
            detail: `slide ${check.slide} has no paragraph ${quote(want)}${where}${check.ordered && from > 0 ? ' after the previous one' : ''} (it has ${texts.map((t) => quote(t)).join(', ') || 'no text'}${where})`,
          };
        from = at + 1;
      }
      return { pass: true, detail: `slide ${check.slide} has ${check.paragraphs.length} expected paragraph(s)` };
    }
    case 'format': {
      const slides = check.slide === undefined ? p.slides : [slideOf(p, check.slide)];
      if (typeof slides[0] === 'string') return { pass: false, detail: slides[0] };
      const want = normalise(check.text);
      for (const s of slides as Slide[]) {
        for (const para of s.shapes.flatMap((sh) => sh.paragraphs)) {
          if (!normalise(para.text).includes(want)) continue;
          const holding = runsHolding(para, check.text);
          const wrong: string[] = [];
          if (check.bold !== undefined && holding.some((r) => r.bold !== check.bold))
            wrong.push(check.bold ? 'not bold' : 'bold');
          if (check.italic !== undefined && holding.some((r) => r.italic !== check.italic))
            wrong.push(check.italic ? 'not italic' : 'italic');
          if (
            check.size !== undefined &&
            holding.some((r) => r.sizePt === null || Math.abs(r.sizePt - check.size!) > 0.25)
          )
            wrong.push(
              `size ${holding.map((r) => (r.sizePt === null ? 'unset' : `${r.sizePt} pt`)).join('/')}, expected ${check.size} pt`,
            );
          return wrong.length === 0
            ? { pass: true, detail: `${quote(check.text)} on slide ${s.number} is formatted as asked` }
            : { pass: false, detail: `${quote(check.text)} on slide ${s.number} is ${wrong.join(', ')}` };
        }
      }
      return { pass: false, detail: `no paragraph holds ${quote(check.text)}` };
    }
    case 'notes': {
      const s = slideOf(p, check.slide);
      if (typeof s === 'string') return { pass: false, detail: s };
      return {
        pass: textMatches(s.notes, check.text, check.match),
        detail: `slide ${check.slide} notes are ${quote(s.notes || null)}, expected ${quote(check.text)} (${check.match})`,
      };
    }
    case 'order': {
      const titles = p.slides.map((s) => s.title);
      const ok =
        titles.length >= check.titles.length &&
        check.titles.every((t, i) => titles[i] !== null && textMatches(titles[i]!, t, check.match));
      return {
        pass: ok,
        detail: `slide titles are ${titles.map(quote).join(', ') || 'none'}; expected ${check.titles.map(quote).join(', ')} first`,
      };
    }
    case 'absent': {
      const where = p.slides.find((s) =>
        [...slideTexts(s), s.notes].some((t) => textMatches(t, check.text, check.match)),
      );
      return where
        ? { pass: false, detail: `${quote(check.text)} is still on slide ${where.number}` }
        : { pass: true, detail: `${quote(check.text)} is on no slide` };
    }
  }
}

/**
 * Runs the checks of one task against the files in `dir`. A file that is missing or not a
 * presentation fails every check on it with that reason; other checks still run.
 */
export async function runChecks(checks: readonly Check[], dir: string): Promise<CheckResult[]> {
  const decks = new Map<string, Promise<Presentation | string>>();
  const deck = (file: string): Promise<Presentation | string> => {
    let d = decks.get(file);
    if (!d) {
      d = readPresentation(path.join(dir, file)).catch((err: unknown) => {
        if (err instanceof PresentationError) return `${file}: ${err.message.split(': ').slice(1).join(': ')}`;
        throw err;
      });
      decks.set(file, d);
    }
    return d;
  };
  const results: CheckResult[] = [];
  for (const check of checks) {
    const p = await deck(check.file);
    if (typeof p === 'string') results.push({ check, pass: false, detail: p });
    else results.push({ check, ...checkDeck(check, p) });
  }
  return results;
}
