import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { marksOverlay } from '../../src/core/marks.js';
import { boxElement, markedFrame } from '../../src/agents/loop/marks.js';

const size = { width: 200, height: 120 };
const grey = () => ({ data: Buffer.alloc(size.width * size.height * 3, 128), ...size });

async function pixels(png: Buffer) {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  const at = (x: number, y: number) => [
    ...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3),
  ];
  return { info, at };
}

describe('agent loop marked frames (drawn by core/marks)', () => {
  it('turns a grounded box into the element rectangle refinement draws (right/bottom inclusive)', () => {
    expect(boxElement([10, 20, 50, 40])).toEqual({ name: '', rect: { left: 10, top: 20, right: 49, bottom: 39 } });
    expect(boxElement(null)).toBeNull();
  });

  it('rasterises the core overlay: red dot at the click, box edge, untouched elsewhere', async () => {
    const action = { kind: 'click', at: { x: 120, y: 70 } } as const;
    const png = await markedFrame(grey(), action, [100, 55, 140, 85]);
    expect(png).not.toBeNull();
    const { info, at } = await pixels(png!);
    expect([info.width, info.height, info.channels]).toEqual([200, 120, 3]);
    expect(at(120, 70)).toEqual([255, 0, 0]);
    expect(at(100, 60)).toEqual([255, 0, 0]); // left band of the box
    expect(at(5, 5)).toEqual([128, 128, 128]);
    expect(marksOverlay(action, boxElement([100, 55, 140, 85]), size)).not.toBeNull();
  });

  it('has nothing to mark for a typing action', async () => {
    expect(await markedFrame(grey(), { kind: 'type', text: 'hi' }, null)).toBeNull();
  });
});
