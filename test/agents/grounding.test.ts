import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { OcrResult } from '../../src/agents/ocr/engine.js';
import { parseDescription } from '../../src/agents/grounding/description.js';
import type { Box, GroundingResult } from '../../src/agents/grounding/grounder.js';
import { groundInText, OcrGrounder } from '../../src/agents/grounding/ocr-grounder.js';
import { findPositions } from '../../src/agents/grounding/positions.js';
import { rankText, similarity, type TextItem } from '../../src/agents/grounding/text-match.js';
import { FIXTURE_DIR } from '../support/fixture.js';

const SHOTS = path.join(FIXTURE_DIR, 'screenshot');
const shot = (name: string): string => path.join(SHOTS, name);
const FRAME = { width: 1920, height: 1080 };

type Rect = { left: number; top: number; right: number; bottom: number };
const hits = (g: GroundingResult, r: Rect): boolean =>
  g.found && g.point.x >= r.left && g.point.x < r.right && g.point.y >= r.top && g.point.y < r.bottom;

/** A line of words laid out left to right from x, 10 px per character, 20 px tall. */
function line(lineIndex: number, x: number, y: number, text: string): TextItem[] {
  const out: TextItem[] = [];
  for (const word of text.split(' ')) {
    const box: Box = [x, y, x + word.length * 10, y + 20];
    out.push({ text: word, box, lineIndex });
    x = box[2] + 10;
  }
  return out;
}

describe('reading descriptions', () => {
  it('takes the quoted label, whatever the quotes', () => {
    expect(parseDescription("the 'Insert' tab")).toMatchObject({ text: 'Insert', kind: 'quoted' });
    expect(parseDescription('click "New Slide"').text).toBe('New Slide');
    expect(parseDescription('the ‘Design’ tab').text).toBe('Design');
    expect(parseDescription('the “Slide Show” menu').text).toBe('Slide Show');
    expect(parseDescription("the 'Don't Save' button").text).toBe("Don't Save");
  });

  it('finds position words outside the quotes only', () => {
    expect(parseDescription("the 'Align Left' button in the top-right corner").positions).toEqual(['top', 'right']);
    expect(findPositions('the File entry in the menu bar').positions).toEqual(['menu bar']);
    expect(findPositions('in the left panel').positions).toEqual(['left panel']);
    expect(findPositions('right-click the slide').positions).toEqual([]);
    expect(findPositions('the bottom left item in the status bar').positions.sort()).toEqual([
      'bottom',
      'left',
      'status bar',
    ]);
  });

  it('keeps the key words of an unquoted description', () => {
    expect(parseDescription('click the Insert tab in the menu bar')).toMatchObject({
      text: 'insert',
      kind: 'keywords',
      positions: ['menu bar'],
    });
    expect(parseDescription('the blank presentation thumbnail').text).toBe('blank presentation');
    // With no quotes, a known element name is the text to find.
    expect(parseDescription('the first template', 'Blank Presentation')).toMatchObject({
      text: 'Blank Presentation',
      kind: 'quoted',
    });
  });
});

describe('matching and ranking text (hand-made words)', () => {
  it('scores exact, space-insensitive and fuzzy matches', () => {
    expect(similarity('Insert', 'insert')).toBe(1);
    expect(similarity('Blank Presentation', 'BlankPresentation')).toBe(0.98);
    expect(similarity('Transitions', 'Transitons')).toBeCloseTo(1 - 1 / 11, 5);
    expect(similarity('Save', 'Share')).toBeLessThan(0.75);
  });

  it('finds a word run inside a longer line and boxes the run', () => {
    const words = line(0, 100, 60, 'File Home Insert Slide Show Review');
    const r = rankText("the 'Slide Show' tab", words, FRAME);
    expect(r.found).toBe(true);
    expect(r.candidates[0]).toMatchObject({ text: 'Slide Show', box: [270, 60, 370, 80], score: 1 });
  });

  it('prefers a label standing alone over the same word in a sentence', () => {
    const words = [
      ...line(0, 700, 350, 'Save your changes to this file?'),
      ...line(1, 920, 650, 'Save'),
      ...line(2, 1010, 650, "Don't Save"),
    ];
    const r = rankText("'Save'", words, FRAME);
    expect(r.candidates[0]?.box).toEqual([920, 650, 960, 670]);
    const sameText = r.candidates.slice(1).filter((c) => c.score === 1);
    expect(sameText.map((c) => c.reason)).toEqual(['part of a longer line', 'part of a longer line']);
  });

  it('breaks ties with position words, relative to the frame', () => {
    const words = [...line(0, 20, 20, 'Save'), ...line(1, 1800, 1000, 'Save'), ...line(2, 900, 520, 'Save')];
    expect(rankText("the 'Save' button at the bottom right", words, FRAME).candidates[0]?.box[0]).toBe(1800);
    expect(rankText("the 'Save' icon top-left", words, FRAME).candidates[0]?.box[0]).toBe(20);
    expect(rankText("'Save' in the center", words, FRAME).candidates[0]?.box[0]).toBe(900);
    expect(rankText("'Save' in the title bar", words, FRAME).candidates[0]?.box[0]).toBe(20);
    expect(rankText("'Save' in the status bar", words, FRAME).candidates[0]?.box[0]).toBe(1800);
    const lost = rankText("the 'Save' button at the bottom right", words, FRAME).candidates[1];
    expect(lost?.reason).toMatch(/fewer position words met/);
  });

  it('breaks ties with the prior point, closest wins', () => {
    const words = [...line(0, 100, 300, 'OK'), ...line(1, 1500, 300, 'OK')];
    const r = rankText("'OK'", words, FRAME, { prior: { x: 1480, y: 320 } });
    expect(r.candidates[0]?.box[0]).toBe(1500);
    expect(r.candidates[1]?.reason).toMatch(/farther from the prior point/);
    expect(rankText("'OK'", words, FRAME, { prior: { x: 90, y: 290 } }).candidates[0]?.box[0]).toBe(100);
  });

  it('tolerates OCR misreads but reports the weaker score', () => {
    const r = rankText("the 'Transitions' tab", line(0, 300, 70, 'Design Transitons Animations'), FRAME);
    expect(r.found).toBe(true);
    expect(r.candidates[0]?.text).toBe('Transitons');
    expect(r.candidates[0]?.score).toBeCloseTo(0.909, 2);
  });

  it('matches the key words of an unquoted description', () => {
    const words = [...line(0, 100, 70, 'File Home Insert Draw'), ...line(1, 200, 400, 'Insert a picture here')];
    const r = rankText('click the insert tab in the menu bar', words, FRAME);
    expect(r.candidates[0]?.box).toEqual([200, 70, 260, 90]);
  });

  it('reports not found, with the closest candidates, for text that is not there', () => {
    const r = rankText("the 'Quantum Flux Capacitor' button", line(0, 100, 70, 'File Home Insert'), FRAME);
    expect(r.found).toBe(false);
    expect(r.reason).toMatch(/no text matching "Quantum Flux Capacitor"/);
    expect(r.candidates.length).toBeGreaterThan(0);
    expect(rankText('click the button', line(0, 0, 0, 'OK'), FRAME)).toMatchObject({
      found: false,
      reason: 'the description names no text to look for',
    });
  });
});

describe('OCR grounder on the fixture frames', () => {
  let grounder: OcrGrounder;
  const ocr = new Map<string, OcrResult>();
  const read = async (frame: string): Promise<OcrResult> => {
    let r = ocr.get(frame);
    if (!r) {
      r = await grounder.engine.recognize(shot(frame));
      ocr.set(frame, r);
      console.log(
        `${frame}: det ${r.timings.detectMs.toFixed(0)} ms, rec ${r.timings.recognizeMs.toFixed(0)} ms, total ${r.timings.totalMs.toFixed(0)} ms`,
      );
    }
    return r;
  };

  beforeAll(async () => {
    grounder = await OcrGrounder.create();
  });

  it('puts the Blank Presentation click inside the recorded rect', async () => {
    const g = await grounder.locate("the 'Blank Presentation' thumbnail", shot('20241126_161524_3.png'));
    expect(g.source).toBe('ocr');
    expect(hits(g, { left: 225, top: 181, right: 450, bottom: 371 })).toBe(true);
  });

  it('finds the ribbon tabs of the PowerPoint window', async () => {
    const r = await read('20241126_161528_5.png');
    // Tab areas as drawn in the frame (label ± a few pixels).
    const tabs: Record<string, Rect> = {
      Home: { left: 78, top: 62, right: 140, bottom: 100 },
      Insert: { left: 145, top: 62, right: 208, bottom: 100 },
      Design: { left: 272, top: 62, right: 346, bottom: 100 },
      'Slide Show': { left: 562, top: 62, right: 662, bottom: 100 },
      Review: { left: 748, top: 62, right: 812, bottom: 100 },
    };
    for (const [label, rect] of Object.entries(tabs)) {
      const g = groundInText(`the '${label}' tab`, r);
      expect(hits(g, rect), `${label}: ${JSON.stringify(g)}`).toBe(true);
    }
    expect(hits(groundInText('the Design tab in the menu bar', r), tabs.Design as Rect)).toBe(true);
  });

  it('clicks the dialog button, not the word in the question or in "Don\'t Save"', async () => {
    const g = groundInText("the 'Save' button", await read('20241126_161538_7.png'));
    expect(hits(g, { left: 901, top: 645, right: 989, bottom: 675 })).toBe(true);
    const dont = groundInText('the "Don\'t Save" button', await read('20241126_161538_7.png'));
    expect(dont.found && dont.point.x).toBeGreaterThan(1010);
  });

  it('finds PowerPoint in the start menu', async () => {
    const g = groundInText("'PowerPoint'", await read('20241126_161521_2.png'));
    expect(hits(g, { left: 1079, top: 273, right: 1199, bottom: 378 })).toBe(true);
  });

  it('uses the prior point to choose between two identical labels', async () => {
    const r = await read('20241126_161524_3.png');
    // "New" is both the left-panel entry (≈ 88, 327) and the section heading (≈ 250, 150).
    const panel = groundInText("'New'", r, { prior: { x: 90, y: 330 } });
    const heading = groundInText("'New'", r, { prior: { x: 250, y: 150 } });
    expect(hits(panel, { left: 40, top: 260, right: 130, bottom: 350 })).toBe(true);
    expect(hits(heading, { left: 200, top: 120, right: 300, bottom: 180 })).toBe(true);
    // Both are in the left quarter of the frame; "left panel" then prefers the leftmost.
    const left = groundInText("the 'New' button in the left panel", r);
    expect(hits(left, { left: 40, top: 260, right: 130, bottom: 350 })).toBe(true);
    expect(left.candidates[1]?.reason).toMatch(/not as far toward the left panel/);
  });

  it('reports not found for text that is not on screen', async () => {
    const g = groundInText("the 'Quantum Flux Capacitor' button", await read('20241126_161528_5.png'));
    expect(g.found).toBe(false);
    if (!g.found) expect(g.reason).toMatch(/no text matching/);
  });
});
