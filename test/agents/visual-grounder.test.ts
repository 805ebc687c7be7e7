import fs from 'node:fs';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Box, GroundingResult } from '../../src/agents/grounding/grounder.js';
import { selectGrounder } from '../../src/agents/grounding/select.js';
import {
  coarseFactor,
  distinct,
  matchTemplate,
  nccMap,
  resample,
  topPeaks,
  type GrayImage,
} from '../../src/agents/grounding/template-match.js';
import {
  locateVisually,
  scaleRange,
  templateRegion,
  VisualGrounder,
} from '../../src/agents/grounding/visual-grounder.js';
import { decodeGray, type GrayFrame } from '../../src/agents/ocr/frame.js';
import {
  CLOSING_FRAME,
  DESKTOP_FRAME,
  ICON_TARGETS,
  pointInBox,
  recordedRect,
  RIBBON_FRAME,
  scaledBox,
} from '../support/icon-targets.js';

/**
 * The visual grounder (issue 11 §3): template matching on synthetic arrays, then the grounder on
 * the pc-tracker fixture's real 1920×1080 frames, found again in the same frames resized to
 * 1600×900 and 1280×800 (a replay at another resolution) and with a window moved (sharp
 * composites), plus look-alikes and pictures that are not on the screen.
 */

// ---------------------------------------------------------------------------------------------
// Synthetic images

/** A deterministic pseudo-random generator (xorshift), so failures reproduce. */
function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/** A textured image: random blocks of `cell` pixels (so that it survives resampling). */
function texture(width: number, height: number, seed: number, cell = 4): GrayImage {
  const rnd = random(seed);
  const cw = Math.ceil(width / cell);
  const cells = Array.from({ length: cw * Math.ceil(height / cell) }, () => Math.round(rnd() * 255));
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data[y * width + x] = cells[Math.floor(y / cell) * cw + Math.floor(x / cell)]!;
  }
  return { data, width, height };
}

function flat(width: number, height: number, value: number): GrayImage {
  return { data: new Uint8Array(width * height).fill(value), width, height };
}

function cut(image: GrayImage, [l, t, r, b]: Box): GrayImage {
  const w = r - l;
  const data = new Float32Array(w * (b - t));
  for (let y = t; y < b; y++) for (let x = l; x < r; x++) data[(y - t) * w + x - l] = image.data[y * image.width + x]!;
  return { data, width: w, height: b - t };
}

/** `patch` written into `image` at (x, y) (a copy). */
function paste(image: GrayImage, patch: GrayImage, x: number, y: number): GrayImage {
  const data = Float32Array.from(image.data);
  for (let v = 0; v < patch.height; v++) {
    for (let u = 0; u < patch.width; u++) data[(y + v) * image.width + x + u] = patch.data[v * patch.width + u]!;
  }
  return { data, width: image.width, height: image.height };
}

describe('template matching (synthetic)', () => {
  it('resamples by area: a constant stays constant, a 2× reduction averages 2×2 blocks', () => {
    const c = resample(flat(37, 23, 90), 11, 7);
    expect([c.width, c.height]).toEqual([11, 7]);
    for (const v of c.data) expect(v).toBeCloseTo(90, 4);
    const img: GrayImage = { data: Uint8Array.from([0, 100, 20, 40, 200, 100, 60, 80]), width: 4, height: 2 };
    expect(Array.from(resample(img, 2, 1).data)).toEqual([100, 50]);
  });

  it('scores 1 where the template was cut from, whatever the brightness and contrast', () => {
    const img = texture(120, 80, 7);
    const box: Box = [50, 30, 70, 46];
    const map = nccMap(img, cut(img, box));
    const mw = 120 - 20 + 1;
    expect(map[30 * mw + 50]).toBeCloseTo(1, 5);
    // Darker, lower-contrast copy of the screen: NCC does not care.
    const dim: GrayImage = { data: Float32Array.from(img.data, (v) => 0.5 * v + 40), width: 120, height: 80 };
    const peak = topPeaks(nccMap(dim, cut(img, box)), mw, 1, 10, 8)[0]!;
    expect(peak).toMatchObject({ x: 50, y: 30 });
    expect(peak.ncc).toBeCloseTo(1, 5);
  });

  it('does not score flat windows, and a flat template matches nothing', () => {
    const img = paste(flat(100, 60, 200), texture(30, 20, 3), 60, 30);
    const map = nccMap(img, cut(img, [60, 30, 80, 45]));
    expect(map[0]).toBe(-1);
    expect(matchTemplate(img, flat(16, 16, 128)).best).toBeUndefined();
  });

  it('finds a pattern drawn at another scale on a large screen, coarse to fine', () => {
    const screen = texture(800, 500, 11, 6);
    const pattern = texture(48, 40, 99, 6);
    const small = resample(pattern, 48 * 0.8, 40 * 0.8);
    const img = paste(screen, small, 517, 203);
    const r = matchTemplate(img, pattern, { scales: [0.7, 0.8, 0.9, 1, 1.1].map((s) => ({ x: s, y: s })) });
    expect(r.coarseFactor).toBeGreaterThan(1);
    expect(r.best!.ncc).toBeGreaterThan(0.95);
    expect(Math.abs(r.best!.box[0] - 517)).toBeLessThanOrEqual(1);
    expect(Math.abs(r.best!.box[1] - 203)).toBeLessThanOrEqual(1);
    expect(r.best!.scale.x).toBeCloseTo(0.8, 1);
    // The rest of the screen is unrelated texture: the second peak is far below.
    expect(r.best!.ncc - r.second!.ncc).toBeGreaterThan(0.3);
  });

  it('finds a pattern squeezed more in x than in y (another aspect ratio)', () => {
    const pattern = texture(60, 40, 5, 5);
    const img = paste(texture(640, 400, 12, 5), resample(pattern, 40, 30), 300, 100);
    const r = matchTemplate(img, pattern, {
      scales: [
        { x: 2 / 3, y: 0.75 },
        { x: 1, y: 1 },
      ],
    });
    expect(r.best!.box).toEqual([300, 100, 340, 130]);
    expect(r.best!.ncc).toBeGreaterThan(0.99);
  });

  it('reports a second copy of the pattern as the distinct second peak', () => {
    const pattern = texture(32, 32, 21);
    const img = paste(paste(texture(400, 300, 4, 3), pattern, 40, 50), pattern, 300, 200);
    const r = matchTemplate(img, pattern);
    expect(r.best!.ncc).toBeCloseTo(1, 4);
    expect(r.second!.ncc).toBeCloseTo(1, 4);
    expect(distinct(r.best!, r.second!)).toBe(true);
    const corners = [r.best!.box.slice(0, 2), r.second!.box.slice(0, 2)].sort((a, b) => a[0]! - b[0]!);
    expect(corners).toEqual([
      [40, 50],
      [300, 200],
    ]);
  });

  it('keeps peaks apart and picks the coarse factor within the budget', () => {
    const map = Float32Array.from([0.1, 0.9, 0.8, 0.2, 0.1, 0.1, 0.1, 0.7]);
    expect(topPeaks(map, 8, 2, 1, 0).map((p) => p.x)).toEqual([1, 7]);
    const hd = { width: 1920, height: 1080 };
    const f = coarseFactor(hd, { width: 60, height: 60 }, 5, 30e6, 5);
    expect(f).toBeGreaterThan(1);
    expect((1920 / f) * (1080 / f) * (60 / f) ** 2 * 5).toBeLessThanOrEqual(30e6);
    // A 12-pixel template keeps sides of at least 5 pixels, whatever the budget.
    expect(coarseFactor(hd, { width: 12, height: 12 }, 5, 1e3, 5)).toBe(2);
  });
});

describe('visual grounder policy', () => {
  it('searches from the same pixel size to the screen ratio, and a step beyond each', () => {
    const same = scaleRange({ width: 1920, height: 1080 }, { width: 1920, height: 1080 });
    expect(same.map((s) => s.x)).toEqual([1 / 1.1, 1, 1.1]);
    const smaller = scaleRange({ width: 1920, height: 1080 }, { width: 1280, height: 800 });
    expect(smaller.some((s) => s.x === 1 && s.y === 1)).toBe(true);
    expect(smaller.some((s) => Math.abs(s.x - 2 / 3) < 1e-9 && Math.abs(s.y - 800 / 1080) < 1e-9)).toBe(true);
    expect(Math.min(...smaller.map((s) => s.x))).toBeLessThan(2 / 3);
    expect(Math.max(...smaller.map((s) => s.x))).toBeGreaterThan(1);
  });

  it('widens a small or flat template around the box centre, and gives up on a flat screen', () => {
    const o = { minSide: 32, maxSide: 160, minStd: 12 };
    const img = paste(flat(400, 300, 240), texture(100, 100, 8), 150, 100);
    expect(templateRegion(img, [190, 140, 200, 150], o)).toEqual([179, 129, 211, 161]);
    // A box on the flat part next to the texture grows until it takes some in.
    const grown = templateRegion(img, [100, 140, 130, 170], o)!;
    expect(grown[2]).toBeGreaterThan(150);
    expect(templateRegion(flat(400, 300, 240), [100, 100, 140, 140], o)).toBeUndefined();
    // A long, thin field keeps a compact picture around its centre.
    const field = templateRegion(img, [100, 140, 400, 160], o)!;
    expect(field[2] - field[0]).toBeLessThanOrEqual(60);
  });
});

// ---------------------------------------------------------------------------------------------
// Fixture frames

const DESKTOP = DESKTOP_FRAME;
const IMPRESS = RIBBON_FRAME;
const CLOSING = CLOSING_FRAME;
const TARGETS = ICON_TARGETS;

const inside = (g: GroundingResult, b: Box): boolean => g.found && pointInBox(g.point, b);
const describeResult = (g: GroundingResult): string =>
  g.found ? `(${g.point.x}, ${g.point.y}) score ${g.score.toFixed(2)}: ${g.candidates[0]?.reason}` : g.reason;

const decoded = new Map<string, GrayFrame>();
async function gray(file: string): Promise<GrayFrame> {
  let g = decoded.get(file);
  if (!g) {
    g = await decodeGray(file);
    decoded.set(file, g);
  }
  return g;
}

describe('visual grounder on the fixture frames', () => {
  const resized = new Map<string, GrayFrame>();
  beforeAll(async () => {
    for (const file of new Set(TARGETS.map((t) => t.frame))) {
      for (const [w, h] of [
        [1600, 900],
        [1280, 800],
      ] as const) {
        const png = await sharp(file).resize(w, h, { fit: 'fill' }).png().toBuffer();
        resized.set(`${file}@${w}`, await decodeGray(png));
      }
    }
  });

  it('finds each icon on the unchanged screen', async () => {
    for (const t of TARGETS) {
      const g = locateVisually(await gray(t.frame), await gray(t.frame), t.box, undefined);
      expect(inside(g, t.box), `${t.name}: ${describeResult(g)}`).toBe(true);
      expect(g.found && g.score).toBeGreaterThanOrEqual(0.6);
    }
  });

  for (const [w, h] of [
    [1600, 900],
    [1280, 800],
  ] as const) {
    it(`finds each icon on the screen resized to ${w}×${h}`, async () => {
      for (const t of TARGETS) {
        const screen = resized.get(`${t.frame}@${w}`)!;
        const g = locateVisually(screen, await gray(t.frame), t.box, undefined);
        const expected = scaledBox(t.box, w, h);
        expect(inside(g, expected), `${t.name} at ${w}×${h}: ${describeResult(g)}`).toBe(true);
        expect(g.found && g.score, `${t.name} at ${w}×${h}`).toBeGreaterThanOrEqual(0.6);
      }
    });
  }

  it('finds toolbar icons in a window moved over the desktop', async () => {
    // The Impress window's top-left 1400×800 pasted on the desktop frame 260 px right, 180 down.
    const window = await sharp(IMPRESS).extract({ left: 0, top: 0, width: 1400, height: 800 }).png().toBuffer();
    const moved = await decodeGray(
      await sharp(DESKTOP)
        .composite([{ input: window, left: 260, top: 180 }])
        .png()
        .toBuffer(),
    );
    for (const t of TARGETS.filter((x) => x.frame === IMPRESS && x.box[2] <= 1400)) {
      // The recorded point, as replay passes it: now on the desktop, nowhere near the target.
      const prior = { x: (t.box[0] + t.box[2]) / 2, y: (t.box[1] + t.box[3]) / 2 };
      const g = locateVisually(moved, await gray(IMPRESS), t.box, prior);
      const expected: Box = [t.box[0] + 260, t.box[1] + 180, t.box[2] + 260, t.box[3] + 180];
      expect(inside(g, expected), `${t.name} moved: ${describeResult(g)}`).toBe(true);
    }
  });

  it('does not find desktop icons on the PowerPoint screen', async () => {
    // Typora, Cursor and the folder icon on the desktop frame: none of them in frame 5.
    for (const box of [
      [15, 375, 80, 440],
      [20, 500, 70, 560],
      [20, 620, 70, 670],
    ] as Box[]) {
      const g = locateVisually(await gray(IMPRESS), await gray(DESKTOP), box, undefined);
      expect(g.found, `${box.join(',')}: ${describeResult(g)}`).toBe(false);
      expect(g.candidates[0]?.score ?? 0).toBeLessThan(0.6);
    }
  });

  it('scores look-alikes low unless the recorded position tells them apart', async () => {
    // A 200×120 copy of the font toolbar around Bold pasted on the slide: two identical Bolds
    // with identical surroundings.
    const patch = await sharp(IMPRESS).extract({ left: 250, top: 110, width: 200, height: 120 }).png().toBuffer();
    const twice = await decodeGray(
      await sharp(IMPRESS)
        .composite([{ input: patch, left: 900, top: 400 }])
        .png()
        .toBuffer(),
    );
    const bold: Box = [330, 152, 355, 180];
    const copy: Box = [980, 442, 1005, 470];
    const recorded = await gray(IMPRESS);
    const blind = locateVisually(twice, recorded, bold, undefined);
    expect(blind.found, describeResult(blind)).toBe(false);
    expect(blind.candidates[0]!.score).toBeLessThan(0.6);
    // Halfway between the two: still no way to tell.
    expect(locateVisually(twice, recorded, bold, { x: 660, y: 300 }).found).toBe(false);
    const here = locateVisually(twice, recorded, bold, { x: 342, y: 166 });
    expect(inside(here, bold), describeResult(here)).toBe(true);
    expect(here.found && here.score).toBeGreaterThanOrEqual(0.6);
    const there = locateVisually(twice, recorded, bold, { x: 990, y: 455 });
    expect(inside(there, copy), describeResult(there)).toBe(true);
  });

  it('reads frames in every input form through the Grounder interface, and needs the recorded picture', async () => {
    const { grounder } = await selectGrounder('visual');
    expect(grounder).toBeInstanceOf(VisualGrounder);
    const none = await grounder.locate('the Start button', DESKTOP);
    expect(none).toMatchObject({
      found: false,
      reason: 'the visual grounder needs the recorded picture (replay only)',
    });
    // Current screen as a raw RGBA frame (as the capture gives it), recorded frame as a path.
    const { data, info } = await sharp(IMPRESS)
      .resize(1600, 900, { fit: 'fill' })
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const raw = { data, width: info.width, height: info.height, channels: 4 as const };
    const g = await grounder.locate('the Bold button', raw, {
      recorded: { frame: IMPRESS, box: [330, 152, 355, 180] },
      prior: { x: 285, y: 138 },
    });
    expect(inside(g, [275, 126, 296, 150]), describeResult(g)).toBe(true);
    expect(g.found && g.score).toBeGreaterThanOrEqual(grounder.threshold!);
    // Recorded frame as encoded PNG bytes.
    const png = fs.readFileSync(CLOSING);
    const close = await grounder.locate('the close button', CLOSING, {
      recorded: { frame: png, box: recordedRect('Close') },
    });
    expect(inside(close, recordedRect('Close')), describeResult(close)).toBe(true);
  });
});
