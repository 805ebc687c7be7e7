/**
 * The pieces replay uses to tell the truth about a step, on the reference fixture's real frames:
 * whether the screen changed between two frames (a step's effect, recorded or replayed) and the
 * recorded picture of a click's target (what the visual grounder looks for).
 */
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { compareGrey, MIN_CHANGED_BLOCKS, screenChange } from '../../src/agents/screen-change.js';
import { recordedBox } from '../../src/agents/replay/replay.js';
import type { ActionRecord } from '../../src/library/library.js';
import { FIXTURE_DIR } from '../support/fixture.js';

const frame = (n: string) => path.join(FIXTURE_DIR, 'screenshot', n);
const START = frame('20241126_161519_1.png'); // the desktop, before the Start menu opened
const MENU = frame('20241126_161521_2.png'); // the Start menu open

describe('screenChange', () => {
  it('a frame compared with itself did not change', async () => {
    const c = await screenChange(START, START);
    expect(c).toEqual({ changed: false, changedBlocks: 0, fraction: 0 });
  });

  it('the Start menu opening is a change, over a large share of the screen', async () => {
    const c = await screenChange(START, MENU);
    expect(c.changed).toBe(true);
    expect(c.fraction).toBeGreaterThan(0.05);
  });

  it('a caret-sized change (2×24 px) is not a change; a word-sized one (120×24 px) is', async () => {
    const base = await sharp(START).png().toBuffer();
    const caret = await sharp(START)
      .composite([
        { input: { create: { width: 2, height: 24, channels: 3, background: '#000' } }, left: 900, top: 500 },
      ])
      .png()
      .toBuffer();
    const word = await sharp(START)
      .composite([
        { input: { create: { width: 120, height: 24, channels: 3, background: '#000' } }, left: 900, top: 500 },
      ])
      .png()
      .toBuffer();
    expect((await screenChange(base, caret)).changed).toBe(false);
    const w = await screenChange(base, word);
    expect(w.changed).toBe(true);
    expect(w.changedBlocks).toBeGreaterThanOrEqual(MIN_CHANGED_BLOCKS);
  });

  it('at a smaller replay screen (1280×720) the same rule holds', async () => {
    const small = (f: string) => sharp(f).resize(1280, 720).png().toBuffer();
    const [a, b, c] = await Promise.all([small(START), small(START), small(MENU)]);
    expect((await screenChange(a, b)).changed).toBe(false);
    expect((await screenChange(a, c)).changed).toBe(true);
  });

  it('compareGrey refuses images of different sizes', () => {
    const a = { data: new Uint8Array(16), width: 4, height: 4 };
    const b = { data: new Uint8Array(32), width: 8, height: 4 };
    expect(() => compareGrey(a, b)).toThrow(/differ in size/);
  });
});

describe('recordedBox', () => {
  const click = (x: number, y: number, rect: ActionRecord['element']) =>
    ({ action: { kind: 'click', at: { x, y } }, element: rect }) as unknown as ActionRecord;
  const size = { width: 1920, height: 1080 };

  it("a small element around the click is the target's picture (the Start button)", () => {
    expect(
      recordedBox(click(828, 1075, { name: 'Start', rect: { left: 794, top: 1020, right: 850, bottom: 1080 } }), size),
    ).toEqual([794, 1020, 850, 1080]);
  });

  it('a huge element (the slide canvas) gives a box around the click point instead', () => {
    const box = recordedBox(
      click(1048, 546, { name: 'Unknown', rect: { left: -9, top: 184, right: 1929, bottom: 1002 } }),
      size,
    );
    expect(box).toEqual([1000, 514, 1096, 578]);
  });

  it('a box around a click at the screen edge stays inside the frame', () => {
    const box = recordedBox(click(1915, 1078, null), size)!;
    expect(box[2]).toBeLessThanOrEqual(1920);
    expect(box[3]).toBeLessThanOrEqual(1080);
    expect(box[0]).toBeLessThan(1915);
  });

  it('keys and typing have no picture', () => {
    expect(recordedBox({ action: { kind: 'type', text: 'x' }, element: null } as unknown as ActionRecord, size)).toBe(
      null,
    );
  });
});
