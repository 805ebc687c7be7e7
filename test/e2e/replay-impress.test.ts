/**
 * Replay across resolutions, end to end: a person's session is recorded at 1920×1080 with
 * `pcagent record` (input injected by xdotool), refined and completed offline, then replayed
 * by `pcagent replay` on a fresh Impress at 1600×900: every click must be grounded again and
 * both slides rebuilt and the deck saved through GTK's Save dialog; the naive `--coordinates`
 * replay on the same setup must not manage it. The replay's last action is the Enter in the Save
 * dialog: LibreOffice writes the file about a second after the CLI has exited, so the test waits
 * for it before stopping Impress.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../src/library/library.js';
import { pcagent } from '../support/cli.js';
import { clearFolder, demoOcr, recordTwoSlideDeck, TWO_SLIDE_DECK, withImpress } from '../support/demonstrations.js';
import { tempDir } from '../support/fixture.js';
import { readSlideTexts, screenshot, waitFor } from '../support/xsession.js';

const OUT = path.join(import.meta.dirname, '..', '..', 'test-output');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const home = tempDir('replay-e2e');
const deckDir = tempDir('replay-deck');
const deck = path.join(deckDir, 'deck.odp');
let recordingId: number;

beforeAll(() => {
  fs.mkdirSync(OUT, { recursive: true });
});

interface ReplayJson {
  replay: number;
  completed: boolean;
  found: number;
  notFound: number;
}

/** Text on the screen a replay saw before its step `seq`. */
async function screenText(replayId: number, seq: number): Promise<string> {
  const lib = Library.open(home, { readonly: true });
  try {
    const action = lib.listActions(replayId)[seq - 1]!;
    const { lines } = await (await demoOcr()).recognize(lib.absolutePath(lib.getFrame(action.frameId!).path));
    return lines.map((l) => l.text).join('\n');
  } finally {
    lib.close();
  }
}

describe('replay across resolutions (Impress, Xvfb)', () => {
  afterAll(() => fs.rmSync(deckDir, { recursive: true, force: true }));

  it('records a two-slide deck at 1920×1080, then refines and completes it offline', async () => {
    recordingId = await recordTwoSlideDeck(home, deck);
    const shown = JSON.parse(pcagent(['--home', home, '--json', 'list']).stdout) as { id: number; stage: string }[];
    expect(shown.map((r) => r.stage)).toEqual(['raw', 'refined']);
  }, 300_000);

  it('semantic replay at 1600×900 grounds every click, rebuilds both slides and saves the deck', async () => {
    const report = await withImpress({ width: 1600, height: 900 }, async (session) => {
      const r = pcagent(['--home', home, '--json', 'replay', String(recordingId), '--settle-ms', '1200'], {
        ...session.env,
        PCAGENT_DEVICE: 'cpu',
      });
      expect(r.status, `${r.stderr}\n${r.stdout}`).toBe(0);
      // The Enter was the replay's last action: Impress saves after the CLI has exited.
      await waitFor('the deck file', async () => fs.existsSync(deck), 20_000).finally(() =>
        screenshot(session, path.join(OUT, 'replay-1600x900.png')),
      );
      await sleep(800);
      return JSON.parse(r.stdout) as ReplayJson;
    });
    expect(report).toMatchObject({ completed: true, notFound: 0 });
    expect(report.found).toBe(5);
    // Before the final Enter: two slides, the second titled, the file name typed in the dialog.
    const before = await screenText(report.replay, 11);
    expect(before).toContain('Slide 2 of 2');
    expect(before).toMatch(/deck\.odp/);
    expect(await screenText(report.replay, 9)).toContain('Next Steps');
    expect(await readSlideTexts(deck)).toEqual(TWO_SLIDE_DECK);
    clearFolder(deckDir);
  }, 300_000);

  it('naive coordinate replay on the same setup does not rebuild the deck', async () => {
    const report = await withImpress({ width: 1600, height: 900 }, async (session) => {
      const r = pcagent(
        ['--home', home, '--json', 'replay', String(recordingId), '--coordinates', '--settle-ms', '800'],
        session.env,
      );
      await screenshot(session, path.join(OUT, 'replay-coordinates-1600x900.png'));
      return JSON.parse(r.stdout) as ReplayJson;
    });
    expect(report.found).toBe(0);
    // The scaled points miss the Slide menu: no second slide is ever made.
    expect(await screenText(report.replay, 11)).not.toContain('Slide 2 of 2');
  }, 300_000);
});
