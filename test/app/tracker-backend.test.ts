/**
 * The tracker back end around a live recording: pause / resume, stopping from several places at
 * once, the app's own windows and the live action count. The recording is a real Recorder on a
 * real library; only the screen and the input hooks are left out — input is fed to the recorder
 * as the hooks would, and frames are small images written with sharp (the real capture and hooks
 * run in test/app/tracker-ui.test.ts on Xvfb).
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import type { TrackerStateDto } from '../../src/api/contract.js';
import { formatAction } from '../../src/core/grammar.js';
import type { RawInput } from '../../src/core/input-events.js';
import { Library, sha256 } from '../../src/library/library.js';
import { createBackend, type Backend } from '../../src/server/handlers.js';
import type { LiveSession, LiveStart } from '../../src/server/tracker-handlers.js';
import { type LiveFrame, Recorder } from '../../src/tracker/recorder.js';
import { startRecording } from '../../src/tracker/sessions.js';
import { tempDir } from '../support/fixture.js';

let lib: Library | undefined;
let backend: Backend | undefined;
afterEach(async () => {
  await backend?.close();
  lib?.close();
  backend = lib = undefined;
});

const FRAME: LiveFrame = { id: 1, width: 32, height: 24, capturedAt: 1 };

/** A live recording as the tracker uses it, with `input` to play the hooks' events. */
function liveRecording(l: Library, start: LiveStart): LiveSession & { input(ev: RawInput<LiveFrame>): void } {
  const recording = startRecording(l, { mode: start.mode, taskId: start.taskId });
  const recorder = new Recorder<LiveFrame>({
    lib: l,
    recordingId: recording.id,
    frames: { latest: () => FRAME },
    writeFrame: async (frame, abs) => {
      const data = await sharp({
        create: { width: frame.width, height: frame.height, channels: 3, background: '#336699' },
      })
        .png()
        .toBuffer();
      fs.mkdirSync(path.dirname(abs), { recursive: true });
      fs.writeFileSync(abs, data);
      return { bytes: data.byteLength, sha256: sha256(data), width: frame.width, height: frame.height };
    },
    writeRedacted: () => Promise.reject(new Error('nothing is redacted here')),
    a11y: { platform: 'none', elementAt: async () => null, elements: async () => [], close: async () => {} },
    stopHotkey: ['ctrl', 'shift', 'f12'],
    onStopHotkey: start.onStopHotkey,
    onCommitted: start.onCommitted,
    ownWindowTitles: start.ownWindowTitles,
  });
  let stops = 0;
  return {
    recording,
    recorder,
    input: (ev) => recorder.input(ev),
    pause: () => recorder.pause(),
    resume: () => recorder.resume(),
    async stop(outcome) {
      // The back end must call this once per recording, however many ask to stop.
      if (++stops > 1) throw new Error('stopped twice');
      await recorder.stop(outcome);
      return l.getRecording(recording.id);
    },
  };
}

function setup() {
  lib = Library.open(tempDir('tracker-backend'));
  const started: ReturnType<typeof liveRecording>[] = [];
  const l = lib;
  backend = createBackend(l, {
    // A display as far as the agent can tell: its refusal must come from the screen claim.
    env: { DISPLAY: ':0' },
    startLive: async (_lib, start) => {
      const live = liveRecording(l, start);
      started.push(live);
      return live;
    },
  });
  const b = backend;
  // Input times are the hooks' wall-clock times (the recorder's idle waits count from them).
  let t = Date.now();
  const click = (x: number, y: number) => {
    const live = started.at(-1)!;
    live.input({ type: 'mousedown', button: 'left', x, y, time: (t += 100), frame: FRAME });
    live.input({ type: 'mouseup', button: 'left', x, y, time: (t += 50), frame: FRAME });
  };
  const key = (type: 'keydown' | 'keyup', name: string) =>
    started.at(-1)!.input({ type, key: name, time: (t += 50), frame: FRAME });
  const texts = (id: number) => l.listActions(id).map((a) => formatAction(a.action, 'recorded'));
  const state = async () => (await b.call('tracker.state', {})) as TrackerStateDto;
  return { lib: l, backend: b, started, click, key, texts, state };
}

describe('tracker back end with a live recording', () => {
  it('the agent is refused while a person is recorded (one owner of the screen), and allowed after', async () => {
    const t = setup();
    await t.backend.call('tracker.start', { mode: 'non-task' });
    const run = { task: 'do it', planner: { endpoint: 'http://127.0.0.1:9/v1', model: 'm' } };
    await expect(t.backend.call('agent.run', run)).rejects.toThrow(
      'a live recording is using the screen: end it first',
    );
    await expect(t.backend.call('agent.replay', { id: t.started[0]!.recording.id })).rejects.toThrow(
      'a live recording is using the screen: end it first',
    );
    await t.backend.call('tracker.finish', { outcome: 'finished' });
    // Released: a recording can start again, and the agent's refusal is no longer the screen.
    await t.backend.call('tracker.start', { mode: 'non-task' });
    await t.backend.call('tracker.finish', { outcome: 'finished' });
  });

  it('pause and resume: the state and the library follow, input while paused is not recorded', async () => {
    const t = setup();
    const started = (await t.backend.call('tracker.start', { mode: 'free' })) as TrackerStateDto;
    const id = started.live!.id;
    expect(started.live).toMatchObject({ mode: 'free', status: 'recording', actions: 0 });
    t.click(10, 10);
    expect(((await t.backend.call('tracker.pause', {})) as TrackerStateDto).live?.status).toBe('paused');
    // The library's status is written in order after the rows committed before the pause.
    await expect.poll(() => t.lib.getRecording(id).status).toBe('paused');
    // Pausing twice changes nothing (the tray and the page may both ask).
    expect(((await t.backend.call('tracker.pause', {})) as TrackerStateDto).live?.status).toBe('paused');
    t.click(20, 20);
    t.backend.setRecordingPaused(false);
    expect((await t.state()).live?.status).toBe('recording');
    await expect.poll(() => t.lib.getRecording(id).status).toBe('recording');
    t.click(30, 30);
    await t.backend.call('tracker.finish', { outcome: 'finished' });
    expect(t.texts(id)).toEqual(['click (10, 10)', 'click (30, 30)', 'finish']);
    expect(t.lib.getRecording(id).status).toBe('finished');
  });

  it('stopping from the hotkey, the tray and the page at once ends the recording once', async () => {
    const t = setup();
    const id = ((await t.backend.call('tracker.start', { mode: 'non-task' })) as TrackerStateDto).live!.id;
    t.click(5, 5);
    // The global shortcut fires while the chord is still held: its modifiers are not recorded.
    t.key('keydown', 'ctrl');
    t.key('keydown', 'shift');
    let savedWhenSecondReturned: string | undefined;
    const results = await Promise.allSettled([
      t.backend.stopLive('finished'),
      // A later stop (quitting) waits until the first one is saved, then changes nothing.
      t.backend.stopLive('failed').then(() => void (savedWhenSecondReturned = t.lib.getRecording(id).status)),
      t.backend.call('tracker.finish', { outcome: 'failed' }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect((results[2] as PromiseRejectedResult).reason).toHaveProperty('message', 'no recording is running');
    expect(savedWhenSecondReturned).toBe('finished');
    // The recorder's own hooks then see the chord's last key: nothing more happens.
    t.key('keydown', 'f12');
    expect(t.started).toHaveLength(1);
    expect(t.texts(id)).toEqual(['click (5, 5)', 'finish']);
    expect(t.lib.getRecording(id).status).toBe('finished');
    expect((await t.state()).live).toBeNull();
  });

  it("the app's own windows are excluded from every recording while they are visible", async () => {
    const t = setup();
    // Shown before the recording starts: the recorder learns it at start.
    t.backend.setOwnWindow(1, { left: 0, top: 0, right: 100, bottom: 100 });
    const first = ((await t.backend.call('tracker.start', { mode: 'free' })) as TrackerStateDto).live!.id;
    t.click(50, 50);
    t.click(150, 50);
    // Hidden while recording: clicks there count again.
    t.backend.setOwnWindow(1, null);
    t.click(60, 60);
    await t.backend.stopLive('finished');
    expect(t.texts(first)).toEqual(['click (150, 50)', 'click (60, 60)', 'finish']);
    expect(t.lib.getRecording(first).meta.excludedWindows).toEqual([]);

    t.backend.setOwnWindow(1, { left: 200, top: 200, right: 300, bottom: 300 });
    const second = ((await t.backend.call('tracker.start', { mode: 'free' })) as TrackerStateDto).live!.id;
    t.click(250, 250);
    t.click(50, 50);
    await t.backend.stopLive('finished');
    expect(t.texts(second)).toEqual(['click (50, 50)', 'finish']);
    expect(t.lib.getRecording(second).meta.excludedWindows).toEqual([
      { id: 1, rect: { left: 200, top: 200, right: 300, bottom: 300 } },
    ]);
  });

  it('tracker events carry the live action count as actions are committed', async () => {
    const t = setup();
    const counts: number[] = [];
    let reached: () => void = () => {};
    const twoActions = new Promise<void>((resolve) => (reached = resolve));
    t.backend.on((event, payload) => {
      const live = event === 'tracker' ? (payload as TrackerStateDto).live : null;
      if (!live) return;
      counts.push(live.actions);
      if (live.actions >= 2) reached();
    });
    await t.backend.call('tracker.start', { mode: 'free' });
    t.click(1, 1);
    t.click(40, 40);
    await twoActions;
    expect(counts[0]).toBe(0);
    expect(counts.at(-1)).toBe(2);
    // Throttled: two commits do not make an event each on top of the start.
    expect(counts.length).toBeLessThanOrEqual(3);
    await t.backend.stopLive('finished');
  });
});
