import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { boxesFromProbability, DEFAULT_DETECT, prepareDetInput } from '../../src/agents/ocr/detect.js';
import { OcrEngine, type OcrResult } from '../../src/agents/ocr/engine.js';
import type { Box } from '../../src/agents/ocr/frame.js';
import { loadCharset, type RecognizedChar } from '../../src/agents/ocr/recognize.js';
import { splitWords } from '../../src/agents/ocr/words.js';
import { modelPath } from '../../src/agents/runtime/manifest.js';
import { FIXTURE_DIR } from '../support/fixture.js';

const SHOTS = path.join(FIXTURE_DIR, 'screenshot');
const shot = (name: string): string => path.join(SHOTS, name);

const inside = (inner: Box, outer: Box): boolean =>
  inner[0] >= outer[0] && inner[1] >= outer[1] && inner[2] <= outer[2] && inner[3] <= outer[3];
const centre = (b: Box): { x: number; y: number } => ({ x: (b[0] + b[2]) / 2, y: (b[1] + b[3]) / 2 });

describe('detection pre- and post-processing', () => {
  it('scales by one factor, pads to multiples of 32 and feeds B, G, R planes', async () => {
    const red = new Uint8Array(64 * 30 * 3);
    for (let i = 0; i < red.length; i += 3) red[i] = 255;
    const input = await prepareDetInput({ data: red, width: 64, height: 30 }, 32);
    expect(input).toMatchObject({ width: 32, height: 32, contentWidth: 32, contentHeight: 15, scale: 0.5 });
    const plane = 32 * 32;
    expect(input.data[0]).toBeCloseTo((0 - 0.485) / 0.229, 4); // blue
    expect(input.data[plane]).toBeCloseTo((0 - 0.456) / 0.224, 4); // green
    expect(input.data[2 * plane]).toBeCloseTo((1 - 0.406) / 0.225, 4); // red
    // Padding rows below the content stay at the normalised mean (0).
    expect(input.data[20 * 32]).toBe(0);
  });

  it('maps components back to frame pixels with the unclip offset', () => {
    // Frame 200×300 seen at scale 0.5: content 100×150 in a 128×160 map.
    const stride = 128;
    const prob = new Float32Array(stride * 160);
    const fill = (x0: number, y0: number, x1: number, y1: number, p: number): void => {
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) prob[y * stride + x] = p;
    };
    fill(20, 10, 60, 20, 0.9); // a text line: 40×10 map pixels
    fill(70, 30, 72, 32, 0.9); // 2×2 speck: too small
    fill(75, 30, 95, 40, 0.35); // above threshold but weak on average
    fill(110, 5, 120, 15, 0.9); // in the padding, outside the content
    fill(0, 40, 10, 140, 0.9); // taller than a quarter of the frame: a picture, not text
    const input = {
      data: new Float32Array(0),
      width: stride,
      height: 160,
      contentWidth: 100,
      contentHeight: 150,
      scale: 0.5,
    };
    const boxes = boxesFromProbability(prob, input, { width: 200, height: 300 }, DEFAULT_DETECT);
    // offset = area × 1.5 / perimeter = 400 × 1.5 / 100 = 6 map pixels, then ÷ 0.5.
    expect(boxes).toEqual([{ box: [28, 8, 132, 52], score: expect.closeTo(0.9, 5) as number }]);
  });
});

describe('recognition helpers', () => {
  it('reads the CTC classes: blank, the dictionary, then space', () => {
    const charset = loadCharset(modelPath('ppocr-keys-v1'));
    expect(charset).toHaveLength(6625);
    expect(charset[0]).toBe('');
    expect(charset.at(-1)).toBe(' ');
  });

  it('splits a line at spaces and at gaps wider than the line is tall', () => {
    const c = (char: string, x: number): RecognizedChar => ({ char, x0: x, x1: x, score: 0.9 });
    // "File Edit" with a space, then "View" read without one but 40 px away (line 20 px tall).
    const chars = [...'File'].map((ch, i) => c(ch, 10 + i * 8));
    chars.push(
      c(' ', 44),
      ...[...'Edit'].map((ch, i) => c(ch, 52 + i * 8)),
      ...[...'View'].map((ch, i) => c(ch, 116 + i * 8)),
    );
    const words = splitWords(chars, [0, 100, 200, 120]);
    expect(words.map((w) => w.text)).toEqual(['File', 'Edit', 'View']);
    expect(words.map((w) => w.box)).toEqual([
      [4, 100, 40, 120],
      [46, 100, 82, 120],
      [110, 100, 146, 120],
    ]);
  });
});

describe('OCR engine on the fixture frames', () => {
  let engine: OcrEngine;
  const results = new Map<string, OcrResult>();
  const FRAMES = ['20241126_161521_2.png', '20241126_161524_3.png', '20241126_161528_5.png', '20241126_161538_7.png'];

  beforeAll(async () => {
    engine = await OcrEngine.create();
    for (const frame of FRAMES) {
      const r = await engine.recognize(shot(frame));
      results.set(frame, r);
      const t = r.timings;
      console.log(
        `${frame}: ${r.provider} det ${t.detectMs.toFixed(0)} ms, rec ${t.recognizeMs.toFixed(0)} ms, ` +
          `total ${t.totalMs.toFixed(0)} ms, ${t.boxes} boxes, ${r.lines.length} lines, ${r.words.length} words`,
      );
    }
  });

  const result = (frame: string): OcrResult => results.get(frame) as OcrResult;

  it('reads the ribbon tabs of the PowerPoint window as words where they are', () => {
    const r = result('20241126_161528_5.png');
    expect(r.width).toBe(1920);
    expect(r.height).toBe(1080);
    const tabs = [
      'File',
      'Home',
      'Insert',
      'Draw',
      'Design',
      'Transitions',
      'Animations',
      'Slide',
      'Show',
      'Record',
      'Review',
      'View',
      'Help',
    ];
    const row = r.words.filter((w) => w.box[1] < 100 && w.box[3] > 80 && tabs.includes(w.text));
    expect(row.map((w) => w.text)).toEqual(tabs);
    const xs = row.map((w) => centre(w.box).x);
    expect([...xs].sort((a, b) => a - b)).toEqual(xs);
    // Seen in the frame: "Insert" is drawn at x ≈ 150–203, y ≈ 72–92.
    const insert = row.find((w) => w.text === 'Insert') as (typeof row)[number];
    expect(centre(insert.box).x).toBeGreaterThan(160);
    expect(centre(insert.box).x).toBeLessThan(195);
    expect(centre(insert.box).y).toBeGreaterThan(74);
    expect(centre(insert.box).y).toBeLessThan(90);
  });

  it('splits a multi-word line into word boxes inside the line box, in order', () => {
    for (const r of results.values()) {
      r.words.forEach((w) => expect(inside(w.box, (r.lines[w.lineIndex] as { box: Box }).box)).toBe(true));
    }
    const r = result('20241126_161524_3.png');
    const line = r.lines.findIndex((l) => l.text === 'Shared with Me');
    expect(line).toBeGreaterThanOrEqual(0);
    const words = r.words.filter((w) => w.lineIndex === line);
    expect(words.map((w) => w.text)).toEqual(['Shared', 'with', 'Me']);
    for (let i = 1; i < words.length; i++) {
      const prev = words[i - 1] as (typeof words)[number];
      const next = words[i] as (typeof words)[number];
      expect(centre(next.box).x).toBeGreaterThan(prev.box[2] - 6);
    }
  });

  it('reads the start menu and the save dialog', () => {
    const start = result('20241126_161521_2.png').words.map((w) => w.text);
    expect(start).toEqual(expect.arrayContaining(['PowerPoint', 'Word', 'Excel', 'OneNote', 'Edge']));
    const dialog = result('20241126_161538_7.png').lines.map((l) => l.text);
    expect(dialog).toEqual(expect.arrayContaining(['Save', 'Cancel', 'Choose a Location']));
  });

  it('reads a raw RGBA frame like the PNG, and re-reads unchanged boxes from the line cache', async () => {
    const { data, info } = await sharp(shot('20241126_161524_3.png'))
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(info.channels).toBe(4);
    const raw = await engine.recognize({ data, width: info.width, height: info.height, channels: 4 });
    const png = result('20241126_161524_3.png');
    expect(raw.lines.map((l) => l.text)).toEqual(png.lines.map((l) => l.text));
    expect(raw.words.map((w) => w.box)).toEqual(png.words.map((w) => w.box));
    expect(raw.timings.cachedBoxes).toBe(raw.timings.boxes);
  });

  it('re-reads text that moved from the line cache, at its new place', async () => {
    const png = result('20241126_161524_3.png');
    // The same screen content 13 px to the right and 7 px lower, as after moving a window.
    const { data, info } = await sharp(shot('20241126_161524_3.png'))
      .extend({ left: 13, top: 7, background: '#f3f3f3' })
      .extract({ left: 0, top: 0, width: 1920, height: 1080 })
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const moved = await engine.recognize({ data, width: info.width, height: info.height, channels: 3 });
    console.log(`moved frame: ${moved.timings.cachedBoxes}/${moved.timings.boxes} boxes from the line cache`);
    expect(moved.timings.cachedBoxes).toBeGreaterThan(moved.timings.boxes / 2);
    const find = (r: OcrResult, text: string): Box => (r.words.find((w) => w.text === text) as { box: Box }).box;
    for (const word of ['Blank', 'Presentation', 'Pinned', 'Options']) {
      const before = centre(find(png, word));
      const after = centre(find(moved, word));
      expect(Math.abs(after.x - before.x - 13), word).toBeLessThanOrEqual(2);
      expect(Math.abs(after.y - before.y - 7), word).toBeLessThanOrEqual(2);
    }
  });

  it('finds no text in a blank frame', async () => {
    const white = new Uint8Array(640 * 360 * 3).fill(255);
    const r = await engine.recognize({ data: white, width: 640, height: 360, channels: 3 });
    expect(r.lines).toEqual([]);
    expect(r.words).toEqual([]);
  });
});
