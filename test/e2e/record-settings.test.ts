/**
 * `pcagent record` on a real X server takes its stop hotkey and privacy rules from the data
 * directory's settings.json: the chord saved there (not the default) ends the recording.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatAction } from '../../src/core/grammar.js';
import { Library } from '../../src/library/library.js';
import { tempDir } from '../support/fixture.js';
import { startRecorder } from '../support/recorder-process.js';
import { type XSession, xdo } from '../support/xsession.js';
import { useDisplay } from '../support/hooks.js';

let session: XSession;
useDisplay({ width: 800, height: 600 }, (s) => (session = s));

describe('pcagent record with settings.json', () => {
  it('stops on the stop hotkey of the settings and applies their privacy lists', async () => {
    const home = tempDir('record-settings');
    fs.writeFileSync(
      path.join(home, 'settings.json'),
      JSON.stringify({
        privacy: { excludedApps: ['keepassxc'], excludedTitles: ['private browsing', '^Online banking'] },
        hotkeys: { stopRecording: 'CommandOrControl+Shift+F9' },
      }),
    );
    const rec = await startRecorder(session.env, home, [
      '--mode',
      'free',
      '--task',
      'settings',
      '--exclude-app',
      'pass',
    ]);
    expect(rec.stderr()).toContain('stop hotkey: ctrl+shift+f9; excluded: 2 applications, 2 window-title patterns');
    // The default chord is not the stop hotkey here: what is typed after it is still recorded.
    await xdo(session, 'key', 'ctrl+shift+F12');
    await xdo(session, 'type', 'ok');
    await xdo(session, 'key', 'ctrl+shift+F9');
    expect(await rec.exited).toEqual({ code: 0, signal: null });
    expect(rec.stderr()).toMatch(new RegExp(`saved recording ${rec.recordingId} \\(finished, \\d+ actions\\)`));
    const lib = Library.open(home, { readonly: true });
    try {
      expect(lib.getRecording(rec.recordingId).status).toBe('finished');
      const actions = lib.listActions(rec.recordingId).map((a) => formatAction(a.action, 'recorded'));
      expect(actions).toContain('type text: ok');
      // The chord that stopped leaves no trace.
      expect(actions.join('\n')).not.toMatch(/f9/i);
    } finally {
      lib.close();
    }
  }, 120_000);
});
