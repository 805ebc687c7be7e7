/**
 * Malformed model output never escapes as an exception and never becomes a click outside the
 * screen: 10,000 generated answers (truncated, wrong coordinate forms, huge numbers, NaN,
 * Unicode, control characters, empty) go through the planner parser, the completion parsers
 * (check answers, descriptions, thoughts) and the VLM coordinate parsers of every convention.
 * Each must give a typed result: an action or a problem to re-ask with, a check verdict or
 * `malformed`, a point inside the frame or null. The generator is seeded: a failure names the
 * case number to replay it.
 */
import { describe, expect, it } from 'vitest';
import { parsePlannerAnswer } from '../../src/agents/planner/prompt.js';
import { CONVENTIONS, coordinateAdapter } from '../../src/agents/grounding/coordinates.js';
import { readVerdict } from '../../src/agents/grounding/vlm-grounder.js';
import {
  cleanDescription,
  cleanThought,
  descriptionProblem,
  parseCheckAnswer,
} from '../../src/pipeline/complete/prompts.js';

const CASES = 10_000;

/** Mulberry32: small, seeded, good enough to spread cases. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VALID = [
  "I open the menu.\n\nAction: click element: the 'File' menu",
  'Action: type text: hello world',
  'Action: press key: ctrl+s',
  'Action: scroll element: the list, down 3',
  'Action: finish',
  '{"point_2d": [512, 384], "label": "OK"}',
  '{"bbox_2d": [10, 20, 110, 60]}',
  '<|box_start|>(100,200),(300,400)<|box_end|>',
  "click(start_box='(500,500)')",
  '<point x="61.5" y="40.2" alt="OK">OK</point>',
  '[0.73, 0.21]',
  'Good',
  'Wrong. Correct Description: the Save button in the toolbar',
  'Thought: I should save the file.\nAction: press key: ctrl+s',
  'Accept',
];

const NUMBERS = [
  'NaN',
  'Infinity',
  '-Infinity',
  '1e308',
  '1e400',
  '-1e20',
  '99999999999999999999999',
  '0x1F',
  '-0',
  '1.5.5',
  '１２３',
  '٣٤',
  '',
  '-',
  '.',
  '1e',
  String(Number.MAX_SAFE_INTEGER + 2),
  '5e-324',
];
const JUNK = ['\u0000', '\u202e', '🖱️', '\ufeff', '\u0301', '\n\n', '\r', '\t', '```', '**', '"', "'", '<', '>', '\\'];

function generate(r: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const num = () => (r() < 0.5 ? pick(NUMBERS) : String(Math.round((r() - 0.3) * 10 ** Math.floor(r() * 8))));
  switch (Math.floor(r() * 9)) {
    case 0: {
      const v = pick(VALID);
      return v.slice(0, Math.floor(r() * v.length));
    }
    case 1:
      return `{"point_2d": [${num()}, ${num()}]}`;
    case 2:
      return `<|box_start|>(${num()},${num()}),(${num()},${num()})<|box_end|>`;
    case 3:
      return `<point x="${num()}" y="${num()}">`;
    case 4:
      return pick([`(${num()} ${num()})`, `[${num()}]`, `[${num()}, ${num()}, ${num()}]`, `x=${num()}, y=${num()}`]);
    case 5:
      return `Action: ${pick(['click', 'type', 'press', 'scroll', 'drag', 'finish', 'fail', ''])} ${pick(['element:', 'text:', 'key:', '', '(1, 2)'])} ${pick(JUNK)}${num()}`;
    case 6: {
      let s = '';
      const n = Math.floor(r() * 40);
      for (let i = 0; i < n; i++) s += r() < 0.3 ? pick(JUNK) : String.fromCodePoint(Math.floor(r() * 0x2ffff));
      return s;
    }
    case 7:
      return pick([
        '',
        ' ',
        '\n',
        'Action:',
        'Action: ',
        'Wrong',
        'Wrong.',
        'Correct Description:',
        '<points',
        '[]',
        '()',
      ]);
    default: {
      const v = pick(VALID);
      const at = Math.floor(r() * (v.length + 1));
      return v.slice(0, at) + pick(JUNK) + num() + v.slice(at).repeat(r() < 0.05 ? 500 : 1);
    }
  }
}

describe('malformed model output', () => {
  it(`${CASES} generated answers: typed results only, never a point outside the frame`, () => {
    const r = rng(20241126);
    const counts = { plannerOk: 0, plannerReask: 0, points: 0, noPoint: 0, checkMalformed: 0 };
    for (let i = 0; i < CASES; i++) {
      const text = generate(r);
      // Screens, not the answers, set the frame: any real size (Qwen refuses aspect ratios over 200 up front).
      const frame = { width: 200 + Math.floor(r() * 3640), height: 200 + Math.floor(r() * 1960) };
      const where = `case ${i}: ${JSON.stringify(text.slice(0, 200))} on ${frame.width}x${frame.height}`;
      try {
        const plan = parsePlannerAnswer(text);
        if (plan.ok) {
          counts.plannerOk++;
          // The planner form names targets; it carries no screen coordinates of its own.
          expect('at' in plan.action ? plan.action.at : undefined, where).toBeUndefined();
        } else {
          counts.plannerReask++;
          expect(typeof plan.problem, where).toBe('string');
          expect(plan.problem.length, where).toBeGreaterThan(0);
        }

        const check = parseCheckAnswer(text);
        expect(['good', 'wrong', 'malformed'], where).toContain(check.kind);
        if (check.kind === 'malformed') counts.checkMalformed++;
        const description = cleanDescription(text);
        expect(typeof description, where).toBe('string');
        const problem = descriptionProblem(description);
        expect(problem === null || typeof problem === 'string', where).toBe(true);
        expect(typeof cleanThought(text), where).toBe('string');
        expect([null, 'accept', 'reject'], where).toContain(readVerdict(text));

        for (const convention of CONVENTIONS) {
          const point = coordinateAdapter(convention).parse(text, frame);
          if (point === null) {
            counts.noPoint++;
            continue;
          }
          counts.points++;
          const inside = (v: number, max: number) => Number.isFinite(v) && v >= 0 && v <= max;
          expect(inside(point.x, frame.width) && inside(point.y, frame.height), `${where} (${convention})`).toBe(true);
          if (point.box) {
            const [l, t, rr, b] = point.box;
            expect(
              inside(l, frame.width) && inside(rr, frame.width) && inside(t, frame.height) && inside(b, frame.height),
              `${where} (${convention} box)`,
            ).toBe(true);
          }
        }
      } catch (err) {
        if ((err as Error).name === 'AssertionError') throw err;
        throw new Error(`${where}: ${(err as Error).stack}`);
      }
    }
    // The generator reaches every outcome, so the checks above are not vacuous.
    expect(counts.plannerOk).toBeGreaterThan(0);
    expect(counts.plannerReask).toBeGreaterThan(CASES / 2);
    expect(counts.points).toBeGreaterThan(100);
    expect(counts.noPoint).toBeGreaterThan(CASES);
    expect(counts.checkMalformed).toBeGreaterThan(CASES / 2);
  }, 120_000);
});
