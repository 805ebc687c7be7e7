import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDescription } from '../../src/agents/grounding/description.js';
import type { Box, RawFrame } from '../../src/agents/grounding/grounder.js';
import {
  iconForText,
  OmniParserGrounder,
  pickByPosition,
  resolveIconModel,
  type TextReader,
} from '../../src/agents/grounding/omniparser-grounder.js';
import {
  decodeDetections,
  IconDetector,
  letterbox,
  letterboxTensor,
  type Detection,
} from '../../src/agents/grounding/omniparser/detector.js';
import { selectGrounder } from '../../src/agents/grounding/select.js';
import type { ModelEntry } from '../../src/agents/runtime/manifest.js';
import { releaseSessions } from '../../src/agents/runtime/session.js';
import { channelsFirst, writeDetector } from '../support/onnx-detector.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pcagent-omniparser-'));
afterAll(async () => {
  await releaseSessions();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const ANCHORS = [
  [320, 320, 64, 32, 0.9], // A → frame [615, 350, 751, 418]
  [322, 321, 64, 32, 0.6], // overlaps A: removed by NMS
  [100, 200, 40, 40, 0.5], // C → [171, 85, 256, 171]
  [500, 450, 20, 20, 0.01], // under the threshold
  [300, 50, 40, 20, 0.8], // inside the letterbox padding: nothing of the frame
  [600, 480, 60, 40, 0.4], // F → [1217, 683, 1345, 768], clipped at the bottom edge
];
const A: Box = [615, 350, 751, 418];
const C: Box = [171, 85, 256, 171];
const F: Box = [1217, 683, 1345, 768];

const firstModel = writeDetector(path.join(tmp, 'icons-cf.onnx'), [1, 5, ANCHORS.length], channelsFirst(ANCHORS));
const lastModel = writeDetector(
  path.join(tmp, 'icons-cl.onnx'),
  [1, 3, 6],
  [
    [320, 320, 60, 30, 0.1, 0.7], // class 1 → frame [870, 495, 1050, 585] on 1920×1080
    [320, 320, 60, 30, 0.65, 0.2], // same box, class 0: kept (NMS is per class)
    [325, 320, 60, 30, 0.0, 0.5], // class 1, IoU 0.85 with the first: removed
  ],
);

function blank(width: number, height: number): RawFrame {
  return { data: new Uint8Array(width * height * 3), width, height, channels: 3 };
}
const WXGA = blank(1366, 768);

describe('letterbox', () => {
  it('fits, centres and pads like Ultralytics', () => {
    expect(letterbox({ width: 1920, height: 1080 })).toEqual({
      size: 640,
      scale: 1 / 3,
      width: 640,
      height: 360,
      left: 0,
      top: 140,
    });
    expect(letterbox({ width: 1366, height: 768 })).toMatchObject({ width: 640, height: 360, left: 0, top: 140 });
    expect(letterbox({ width: 768, height: 1366 })).toMatchObject({ width: 360, height: 640, left: 140, top: 0 });
    expect(letterbox({ width: 640, height: 640 })).toEqual({
      size: 640,
      scale: 1,
      width: 640,
      height: 640,
      left: 0,
      top: 0,
    });
  });

  it('builds the NCHW input: RGB 0–1, grey 114 padding', async () => {
    const width = 64;
    const height = 32;
    const data = new Uint8Array(width * height * 3);
    for (let i = 0; i < width * height; i++) data.set([255, 0, 51], i * 3);
    const lb = letterbox({ width, height }, 64);
    expect(lb).toMatchObject({ width: 64, height: 32, top: 16, left: 0 });
    const t = await letterboxTensor({ data, width, height }, lb);
    const plane = 64 * 64;
    expect(t.length).toBe(3 * plane);
    const at = (c: number, y: number, x: number) => t[c * plane + y * 64 + x];
    for (const c of [0, 1, 2]) {
      expect(at(c, 0, 0)).toBeCloseTo(114 / 255, 6);
      expect(at(c, 15, 63)).toBeCloseTo(114 / 255, 6);
      expect(at(c, 48, 10)).toBeCloseTo(114 / 255, 6);
    }
    expect([at(0, 16, 0), at(1, 16, 0), at(2, 16, 0)]).toEqual([1, 0, Math.fround(0.2)]);
    expect([at(0, 47, 63), at(1, 47, 63), at(2, 47, 63)]).toEqual([1, 0, Math.fround(0.2)]);
  });
});

describe('icon detector on a generated ONNX model', () => {
  it('decodes [1, 4+C, N]: threshold, NMS, letterbox offsets undone on a 1366×768 frame', async () => {
    const detector = await IconDetector.create(firstModel, { device: 'cpu' });
    expect(detector.provider).toBe('cpu');
    expect(detector.inputSize).toBe(640);
    const found = await detector.detect(WXGA);
    expect(found).toEqual([
      { box: A, score: expect.closeTo(0.9, 5), classId: 0 },
      { box: C, score: expect.closeTo(0.5, 5), classId: 0 },
      { box: F, score: expect.closeTo(0.4, 5), classId: 0 },
    ]);
  });

  it('decodes [1, N, 4+C] with classes on a 1920×1080 frame', async () => {
    const detector = await IconDetector.create(lastModel, { device: 'cpu' });
    const found = await detector.detect(blank(1920, 1080));
    expect(found).toEqual([
      { box: [870, 495, 1050, 585], score: expect.closeTo(0.7, 5), classId: 1 },
      { box: [870, 495, 1050, 585], score: expect.closeTo(0.65, 5), classId: 0 },
    ]);
  });

  it('honours the thresholds and reports a wrong output shape', () => {
    const lb = letterbox({ width: 1366, height: 768 });
    const data = Float32Array.from(channelsFirst(ANCHORS).flat());
    const dims = [1, 5, ANCHORS.length];
    const frame = { width: 1366, height: 768 };
    expect(decodeDetections(data, dims, lb, frame, { scoreThreshold: 0.55 }).map((d) => d.box)).toEqual([A]);
    // A looser NMS keeps the overlapping box too.
    expect(decodeDetections(data, dims, lb, frame, { iouThreshold: 0.95 })).toHaveLength(4);
    expect(() => decodeDetections(data, [1, 5, 7], lb, frame)).toThrow(/output of shape \[1, 5, 7\]/);
    expect(() => decodeDetections(new Float32Array(20), [1, 4, 5], lb, frame, { layout: 'channels-first' })).toThrow(
      /4 values per box/,
    );
  });
});

describe('choosing a detection', () => {
  const FRAME = { width: 1920, height: 1080 };
  const det = (box: Box, score: number): Detection => ({ box, score, classId: 0 });
  const topLeft = det([10, 10, 40, 40], 0.5);
  const topRight = det([1870, 10, 1900, 40], 0.6);
  const centre = det([900, 500, 1000, 560], 0.9);
  const bottomRight = det([1850, 1000, 1900, 1050], 0.3);
  const all = [topLeft, topRight, centre, bottomRight];
  const pick = (d: string, hints = {}) => pickByPosition(parseDescription(d), all, FRAME, hints);

  it('(a) the box holding the text, else the nearest box next to it', () => {
    expect(iconForText([920, 520, 980, 540], all)).toEqual({ detection: centre, how: 'holds the text' });
    expect(iconForText([20, 45, 80, 60], all)).toEqual({ detection: topLeft, how: '5 px from the text' });
    expect(iconForText([500, 800, 560, 815], all)).toBeNull();
  });

  it('(b) position words and the prior point', () => {
    expect(pick('the icon in the top-right').winner).toBe(topRight);
    expect(pick('the bottom icon').winner).toBe(bottomRight);
    expect(pick('the icon', { prior: { x: 1860, y: 1020 } }).winner).toBe(bottomRight);
    // Both top icons are in the title bar: the more confident one.
    expect(pick('the icon in the title bar').winner).toBe(topRight);
  });

  it('(c) nothing to choose by → no pick, with the reason', () => {
    const r = pick('the settings icon');
    expect(r.winner).toBeNull();
    expect(r.reason).toMatch(/no text found on screen, no position and no prior point to choose among 4/);
    expect(pickByPosition(parseDescription('the icon in the left panel'), [centre], FRAME).reason).toBe(
      'no detected element lies in the left panel',
    );
  });
});

describe('OmniParserGrounder', () => {
  let reads = 0;
  const reader: TextReader = {
    recognize: async () => {
      reads++;
      return {
        words: [
          { text: 'Blank', box: [600, 425, 660, 440], lineIndex: 0 },
          { text: 'Presentation', box: [665, 425, 760, 440], lineIndex: 0 },
          { text: 'Recent', box: [150, 300, 220, 320], lineIndex: 1 },
        ],
      };
    },
  };
  let made = 0;
  const grounder = async () =>
    new OmniParserGrounder({
      detector: await IconDetector.create(firstModel, { device: 'cpu' }),
      ocr: async () => {
        made++;
        return reader;
      },
    });

  it('quoted text picks the detected element at its label; OCR starts only when needed', async () => {
    const g = await grounder();
    const byPosition = await g.locate('the icon in the bottom-right', WXGA);
    expect(byPosition).toMatchObject({ found: true, point: { x: 1281, y: 726 }, box: F, source: 'omniparser' });
    expect(made).toBe(0);

    const r = await g.locate("the 'Blank Presentation' thumbnail", WXGA);
    expect(r).toMatchObject({ found: true, point: { x: 683, y: 384 }, box: A, score: 1 });
    if (r.found) expect(r.candidates[0]?.reason).toMatch(/icon 7 px from the text, confidence 0\.90/);

    // No detected element near the label: the label itself.
    const text = await g.locate("'Recent'", WXGA);
    expect(text).toMatchObject({ found: true, box: [150, 300, 220, 320] });
    if (text.found) expect(text.candidates[0]?.reason).toMatch(/clicking the text/);

    const missing = await g.locate("the 'Open' button", WXGA);
    expect(missing).toMatchObject({ found: false });
    if (!missing.found) expect(missing.reason).toMatch(/no text matching "Open"/);
    expect(made).toBe(1);
    expect(reads).toBe(3);
  });
});

describe('selecting the omniparser grounder', () => {
  it('a missing model is one line naming the file and how to get it', async () => {
    const home = path.join(tmp, 'home');
    await expect(selectGrounder('omniparser', { dataDir: home, manifest: [] })).rejects.toThrow(
      /^the omniparser grounder needs the icon detector model "icon-detect", which is not installed .*`pcagent models pull icon-detect --from URL`, or pass --icon-model PATH$/,
    );
    const manifest: ModelEntry[] = [
      {
        id: 'icon-detect',
        task: 'icon-detect',
        source: 'https://models.example/omniparser/',
        licence: 'AGPL-3.0',
        files: [{ path: 'icon_detect/model.onnx', size: 1, sha256: '0'.repeat(64) }],
      },
    ];
    let message = '';
    try {
      resolveIconModel({ dataDir: home, manifest });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toBe(
      `the omniparser grounder needs the icon detector model file ${path.join(home, 'models', 'icon_detect', 'model.onnx')} ` +
        '(model icon-detect), which is missing: get it with `pcagent models pull icon-detect --from URL` or pass --icon-model PATH',
    );
    expect(message).not.toContain('\n');
    await expect(
      selectGrounder('omniparser', { omniparser: { iconModel: path.join(tmp, 'nope.onnx') } }),
    ).rejects.toThrow(`icon detector model ${path.join(tmp, 'nope.onnx')} does not exist`);
  });

  it('loads an explicit model file and reports the provider', async () => {
    const s = await selectGrounder('omniparser', { device: 'cpu', omniparser: { iconModel: firstModel, ocr: false } });
    expect(s.provider).toBe('cpu');
    expect(await s.grounder.locate('the top-left icon', WXGA)).toMatchObject({ found: true, box: C });
  });
});
