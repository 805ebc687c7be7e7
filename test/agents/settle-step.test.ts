/**
 * The agent loop's settle step with the real screen settler (X11 DAMAGE on Xvfb): what it stores
 * for a step, and that a run without a quiet interval never reports "no change" (stuck detection
 * must not act on a screen nobody waited for).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settleStep } from '../../src/agents/loop/run-agent.js';
import { openX11Backend, type X11CaptureBackend } from '../../src/platform/capture/x11-backend.js';
import { openSettler, type ScreenSettler } from '../../src/platform/capture/settle.js';
import { startDisplay, type XSession } from '../support/xsession.js';

let session: XSession;
let backend: X11CaptureBackend;
let settler: ScreenSettler;

beforeAll(async () => {
  session = await startDisplay({ width: 640, height: 480 });
  backend = await openX11Backend({ display: session.display });
  settler = await openSettler({ backend, display: session.display });
}, 60_000);

afterAll(async () => {
  settler?.close();
  backend?.close();
  await session?.stop();
});

describe('settle step', () => {
  it('stores how long, whether it settled, whether the screen changed, and the cap', async () => {
    await settler.mark();
    const s = await settleStep({ settler, quietMs: 200, capMs: 15_000 });
    expect(s).toMatchObject({ settled: true, changed: false, capMs: 15_000 });
    expect(s.ms).toBeGreaterThanOrEqual(199);
  });

  it('counts every action as a change without a quiet interval or a settler', async () => {
    await settler.mark();
    expect(await settleStep({ settler, quietMs: 0, capMs: 5000 })).toMatchObject({ settled: true, changed: true });
    expect(await settleStep({ quietMs: 300, capMs: 5000 })).toEqual({
      ms: 0,
      settled: true,
      changed: true,
      capMs: 5000,
    });
  });
});
