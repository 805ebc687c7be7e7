import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Action, ElementInfo } from '../../src/core/actions.js';
import { renderFrame } from '../../src/pipeline/refine/frames.js';
import { hasMarks, marksOverlay } from '../../src/core/marks.js';
import { FIXTURE_DIR, tempDir } from '../support/fixture.js';

const RED = [255, 0, 0];
const GREY = [200, 200, 200];
const W = 400;
const H = 300;

let dir: string;
let plain: string;
beforeAll(async () => {
  dir = tempDir('marks');
  plain = path.join(dir, 'plain.png');
  await sharp({ create: { width: W, height: H, channels: 3, background: '#c8c8c8' } })
    .png()
    .toFile(plain);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

interface Pixels {
  at(x: number, y: number): number[];
  width: number;
  height: number;
}

async function decode(data: Buffer | string): Promise<Pixels> {
  const { data: px, info } = await sharp(data).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    at: (x, y) => {
      const i = (y * info.width + x) * info.channels;
      return [px[i]!, px[i + 1]!, px[i + 2]!];
    },
  };
}

async function marked(
  action: Action,
  element: ElementInfo | null = null,
  file = plain,
  size = { width: W, height: H },
): Promise<Pixels> {
  const overlay = marksOverlay(action, element, size);
  expect(overlay).not.toBeNull();
  const out = await renderFrame({ file, format: 'png', resizeTo: null, overlays: [overlay!] });
  expect(out.screen).toBeNull();
  expect(out.marked).toHaveLength(1);
  return decode(out.marked[0]!.data);
}

describe('marks (step 9)', () => {
  it('click: dot r = 3, ring r = 18, element rectangle, arrow from the upper left; nothing else changes', async () => {
    const rect = { left: 150, top: 110, right: 260, bottom: 190 };
    const p = await marked({ kind: 'click', at: { x: 200, y: 150 } }, { name: 'OK', rect });
    // the dot
    for (const [dx, dy] of [
      [0, 0],
      [3, 0],
      [-3, 0],
      [0, 3],
      [0, -3],
      [2, 2],
    ])
      expect(p.at(200 + dx!, 150 + dy!)).toEqual(RED);
    expect(p.at(204, 150)).toEqual(GREY);
    // between dot and ring, and the ring (3 px, outer radius 18) in the four directions
    expect(p.at(210, 150)).toEqual(GREY);
    for (const r of [16, 17, 18]) {
      expect(p.at(200 + r, 150)).toEqual(RED);
      expect(p.at(200 - r, 150)).toEqual(RED);
      expect(p.at(200, 150 + r)).toEqual(RED);
      expect(p.at(200, 150 - r)).toEqual(RED);
    }
    expect(p.at(200 + 14, 150)).toEqual(GREY);
    expect(p.at(200 + 20, 150)).toEqual(GREY);
    // the element rectangle: a 3 px band inside its edges
    for (const x of [150, 151, 152, 258, 259, 260]) expect(p.at(x, 175)).toEqual(RED);
    expect(p.at(153, 175)).toEqual(GREY);
    for (const y of [110, 112, 188, 190]) expect(p.at(230, y)).toEqual(RED);
    // the arrow comes from the upper left at 30° and stops outside the ring
    expect(p.at(200 - 35, 150 - 20)).toEqual(RED);
    expect(p.at(200 + 35, 150 - 20)).toEqual(GREY);
    // far away: untouched
    expect(p.at(20, 20)).toEqual(GREY);
    expect(p.at(390, 290)).toEqual(GREY);
    // pure red, no anti-aliasing: every pixel is either the frame or the mark colour
    for (let y = 100; y < 200; y++) for (let x = 140; x < 270; x++) expect([GREY, RED]).toContainEqual(p.at(x, y));
  });

  it('click without an element rect: no rectangle', async () => {
    const p = await marked({ kind: 'right_click', at: { x: 200, y: 150 } }, { name: 'x', rect: null });
    expect(p.at(200, 150)).toEqual(RED);
    let red = 0;
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (p.at(x, y)[1] === 0) red++;
    expect(red).toBeLessThan(600); // dot + ring + arrow only
  });

  it('drag: dots at both ends, rings when > 15 px apart, an arrow from start to end', async () => {
    const p = await marked({ kind: 'drag', from: { x: 50, y: 250 }, to: { x: 330, y: 60 } });
    expect(p.at(50, 250)).toEqual(RED);
    expect(p.at(330, 60)).toEqual(RED);
    expect(p.at(50 + 17, 250)).toEqual(RED);
    expect(p.at(330 - 17, 60)).toEqual(RED);
    expect(p.at(190, 155)).toEqual(RED); // half-way along the arrow
    expect(p.at(330 + 10, 60)).toEqual(GREY);

    const short = await marked({ kind: 'drag', from: { x: 100, y: 100 }, to: { x: 110, y: 104 } });
    expect(short.at(100, 100)).toEqual(RED);
    expect(short.at(110, 104)).toEqual(RED);
    expect(short.at(100 - 17, 100)).toEqual(GREY); // no rings
  });

  it('actions without a position have no marks', () => {
    for (const a of [
      { kind: 'type', text: 'x' },
      { kind: 'scroll', dx: 0, dy: -3 },
      { kind: 'wait' },
      { kind: 'finish' },
      { kind: 'click', target: 'OK' },
    ] as Action[]) {
      expect(hasMarks(a)).toBe(false);
      expect(marksOverlay(a, null, { width: W, height: H })).toBeNull();
    }
  });

  it('marks at the frame edge are clipped, not an error', async () => {
    const p = await marked(
      { kind: 'click', at: { x: 395, y: 2 } },
      { name: 'Close', rect: { left: 380, top: 0, right: 400, bottom: 20 } },
    );
    expect(p.at(395, 2)).toEqual(RED);
    expect(p.at(399, 10)).toEqual(RED);
    const overlay = marksOverlay({ kind: 'click', at: { x: 395, y: 2 } }, null, { width: W, height: H })!;
    expect(overlay.left + overlay.width).toBeLessThanOrEqual(W);
    expect(overlay.top).toBe(0);
  });

  it('look like the reference: ≥ 97 % of the pixels the reference marked on its frames, and few others', async () => {
    const cases: [string, number, number, ElementInfo][] = [
      [
        '20241126_161524_3',
        407,
        275,
        { name: 'Blank Presentation', rect: { left: 225, top: 181, right: 450, bottom: 371 } },
      ],
      ['20241126_161536_6', 1877, 21, { name: 'Close', rect: { left: 1860, top: 0, right: 1920, bottom: 60 } }],
    ];
    for (const [name, x, y, element] of cases) {
      const file = path.join(FIXTURE_DIR, 'screenshot', `${name}.png`);
      const [orig, ref, ours] = await Promise.all([
        decode(file),
        decode(path.join(FIXTURE_DIR, 'screenshot', `${name}_marked.png`)),
        marked({ kind: 'click', at: { x, y } }, element, file, { width: 1920, height: 1080 }),
      ]);
      let both = 0;
      let onlyRef = 0;
      let onlyOurs = 0;
      // the marks lie within the element rect grown by the arrow's reach
      for (let py = Math.max(0, element.rect!.top - 60); py < Math.min(1080, element.rect!.bottom + 60); py++) {
        for (let px = Math.max(0, element.rect!.left - 60); px < Math.min(1920, element.rect!.right + 60); px++) {
          const o = orig.at(px, py).join();
          const r = ref.at(px, py).join() !== o;
          const u = ours.at(px, py).join() !== o;
          if (r && u) both++;
          else if (r) onlyRef++;
          else if (u) onlyOurs++;
        }
      }
      expect(both / (both + onlyRef)).toBeGreaterThan(0.97);
      expect(onlyOurs / (both + onlyOurs)).toBeLessThan(0.03);
    }
  });
});
