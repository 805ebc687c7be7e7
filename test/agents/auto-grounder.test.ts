/**
 * The `auto` cascade on the reference fixture's real frames, with the real OCR models and the
 * real visual grounder: no live accessibility tree here (an image file is not the screen), so
 * text targets are answered by OCR and icon-only ones, which OCR cannot read, by the recorded
 * picture of the target — found on the same screen shrunk to 1600×900 (another resolution).
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CascadeGrounder } from '../../src/agents/grounding/cascade.js';
import { type CascadeResult } from '../../src/agents/grounding/cascade.js';
import { selectGrounder } from '../../src/agents/grounding/select.js';
import path from 'node:path';
import { FIXTURE_DIR } from '../support/fixture.js';
import { DESKTOP_FRAME, ICON_TARGETS, RIBBON_FRAME, scaledBox } from '../support/icon-targets.js';

/** PowerPoint's start screen, with the "Blank Presentation" thumbnail. */
const BLANK_FRAME = path.join(FIXTURE_DIR, 'screenshot', '20241126_161524_3.png');

let auto: CascadeGrounder;

beforeAll(async () => {
  const selected = await selectGrounder('auto', { device: 'cpu', live: false }, {});
  auto = selected.grounder as CascadeGrounder;
}, 120_000);
afterAll(() => auto?.close());

const shrink = (file: string) => sharp(file).resize(1600, 900).png().toBuffer();
const inside = (p: { x: number; y: number }, b: readonly number[]) =>
  p.x >= b[0]! && p.x < b[2]! && p.y >= b[1]! && p.y < b[3]!;

describe('auto grounder on fixture frames (OCR and visual; no live tree)', () => {
  it('has no accessibility stage for image files: OCR, then the recorded picture', () => {
    expect(auto.describe()).toBe('ocr → visual');
  });

  it('a text target is answered by OCR; the picture stage is not needed', async () => {
    const r = (await auto.locate("the 'Blank Presentation' thumbnail", BLANK_FRAME)) as CascadeResult;
    expect(r.found, r.found ? '' : r.reason).toBe(true);
    expect(r.stage).toBe('ocr');
    expect(r.trail.map((t) => t.stage)).toEqual(['ocr']);
  }, 60_000);

  // Buttons without a text label (New Slide has one: OCR answers for it).
  const icons = ['the Start logo', 'Save (quick access)', 'Bold', 'Format Painter'];
  it.each(ICON_TARGETS.filter((t) => icons.includes(t.name)))(
    'icon-only target $name at 1600×900: OCR passes, the visual stage finds it',
    async (target) => {
      const screen = await shrink(target.frame);
      const expected = scaledBox(target.box, 1600, 900);
      const r = (await auto.locate(`the ${target.name} icon`, screen, {
        recorded: { frame: target.frame, box: target.box },
      })) as CascadeResult;
      expect(r.found, r.found ? '' : r.reason).toBe(true);
      if (!r.found) return;
      expect(r.stage).toBe('visual');
      expect(r.trail[0]!.stage).toBe('ocr');
      expect(inside(r.point, expected), `${JSON.stringify(r.point)} in ${expected.join(',')}`).toBe(true);
    },
    60_000,
  );

  it('nothing passes: not found, with what each stage said', async () => {
    const screen = await shrink(DESKTOP_FRAME);
    const r = (await auto.locate("the 'Zebra Quokka' button", screen, {
      recorded: { frame: RIBBON_FRAME, box: [190, 16, 216, 42] }, // Save: not on the desktop
    })) as CascadeResult;
    expect(r.found, JSON.stringify(r.trail)).toBe(false);
    expect(r.stage).toBeNull();
    expect(r.trail.map((t) => t.stage)).toEqual(['ocr', 'visual']);
    if (!r.found) expect(r.reason).toMatch(/^ocr: .*; visual: /);
  }, 60_000);
});
