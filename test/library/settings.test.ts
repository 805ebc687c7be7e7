import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_HOTKEYS,
  readSettings,
  recordingRules,
  SettingsError,
  settingsPath,
  storedKeyFor,
  updateSettings,
} from '../../src/library/settings.js';
import { tempDir } from '../support/fixture.js';

const read = (home: string): unknown => JSON.parse(fs.readFileSync(settingsPath(home), 'utf8'));

describe('settings.json of a data directory', () => {
  it('no file: every default, and reading creates nothing', () => {
    const home = tempDir('settings-defaults');
    expect(readSettings(home)).toEqual({
      completion: {},
      planner: { profile: 'generic' },
      grounder: { name: 'auto', vlm: {} },
      privacy: { excludedApps: [], excludedTitles: [] },
      hotkeys: { stopRecording: 'CommandOrControl+Shift+F12', abortAgent: 'CommandOrControl+Shift+F11' },
    });
    expect(DEFAULT_HOTKEYS.stopRecording).toBe('CommandOrControl+Shift+F12');
    expect(fs.readdirSync(home)).toEqual([]);
  });

  it('round trip: every section is written, read back, with mode 0600 and no temporary file left', () => {
    const home = tempDir('settings-roundtrip');
    const saved = updateSettings(home, {
      completion: { endpoint: 'https://api.openai.com/v1', model: 'gpt-4o', apiKey: 'sk-completion' },
      planner: { endpoint: 'http://127.0.0.1:8000/v1', model: 'qwen2.5-vl', profile: 'pc-agent', prompt: '/p.txt' },
      grounder: { name: 'vlm', vlm: { endpoint: 'http://127.0.0.1:8001/v1', model: 'molmo-7b', apiKey: 'sk-vlm' } },
      privacy: { excludedApps: ['keepassxc', '1Password'], excludedTitles: ['private browsing', '^Bank'] },
      hotkeys: { stopRecording: 'Alt+Shift+F10', abortAgent: 'CommandOrControl+Escape' },
    });
    expect(readSettings(home)).toEqual(saved);
    expect(read(home)).toEqual({
      completion: { endpoint: 'https://api.openai.com/v1', model: 'gpt-4o', apiKey: 'sk-completion' },
      planner: { endpoint: 'http://127.0.0.1:8000/v1', model: 'qwen2.5-vl', profile: 'pc-agent', prompt: '/p.txt' },
      grounder: { name: 'vlm', vlm: { endpoint: 'http://127.0.0.1:8001/v1', model: 'molmo-7b', apiKey: 'sk-vlm' } },
      privacy: { excludedApps: ['keepassxc', '1Password'], excludedTitles: ['private browsing', '^Bank'] },
      hotkeys: { stopRecording: 'Alt+Shift+F10', abortAgent: 'CommandOrControl+Escape' },
    });
    expect(fs.statSync(settingsPath(home)).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(home)).toEqual(['settings.json']);

    // A later change touches only what it names; an empty string removes a field.
    updateSettings(home, {
      planner: { model: '', profile: '' as 'generic', prompt: '' },
      hotkeys: { abortAgent: 'Ctrl+F9' },
    });
    expect(readSettings(home)).toMatchObject({
      planner: { endpoint: 'http://127.0.0.1:8000/v1' },
      hotkeys: { stopRecording: 'Alt+Shift+F10', abortAgent: 'Ctrl+F9' },
      completion: { apiKey: 'sk-completion' },
    });
    expect(readSettings(home).planner).toEqual({ endpoint: 'http://127.0.0.1:8000/v1', profile: 'generic' });
  });

  it('a hand-made file with mode 0644 is rewritten as 0600', () => {
    const home = tempDir('settings-mode');
    fs.writeFileSync(settingsPath(home), '{"completion": {"apiKey": "sk-x"}}', { mode: 0o644 });
    updateSettings(home, { completion: { model: 'm' } });
    expect(fs.statSync(settingsPath(home)).mode & 0o777).toBe(0o600);
  });

  it('keeps sections and fields it does not know', () => {
    const home = tempDir('settings-unknown');
    const file = {
      theme: { dark: true },
      version: 3,
      completion: { endpoint: 'http://a/v1', apiKey: 'k', organisation: 'org-1' },
      hotkeys: { stopRecording: 'Ctrl+Shift+F12', pauseRecording: 'Ctrl+Shift+F8' },
    };
    fs.writeFileSync(settingsPath(home), JSON.stringify(file));
    expect(readSettings(home).completion).toEqual({ endpoint: 'http://a/v1', apiKey: 'k' });
    updateSettings(home, { completion: { endpoint: '' }, privacy: { excludedApps: ['keepass'] } });
    expect(read(home)).toEqual({
      theme: { dark: true },
      version: 3,
      completion: { apiKey: 'k', organisation: 'org-1' },
      hotkeys: { stopRecording: 'Ctrl+Shift+F12', pauseRecording: 'Ctrl+Shift+F8' },
      privacy: { excludedApps: ['keepass'] },
    });
  });

  it('empty or null fields read as not set', () => {
    const home = tempDir('settings-empty');
    fs.writeFileSync(settingsPath(home), JSON.stringify({ planner: { endpoint: '', model: null, apiKey: '  ' } }));
    expect(readSettings(home).planner).toEqual({ profile: 'generic' });
  });

  it.each([
    ['not JSON', '{"completion": {"apiKey": "sk-do-not-print" ', 'is not valid JSON'],
    ['not an object', '[1, 2]', ': expected a JSON object'],
    ['a wrong type', '{"completion": {"endpoint": 42}}', ': completion.endpoint: '],
    ['an unknown grounder', '{"grounder": {"name": "magic"}}', ': grounder.name: '],
    [
      'a bad regular expression',
      '{"privacy": {"excludedTitles": ["ok", "(unclosed"]}}',
      ': privacy.excludedTitles.1: not a valid regular expression',
    ],
    [
      'a bad hotkey',
      '{"hotkeys": {"stopRecording": "Ctrl+Shift+F13"}}',
      ': hotkeys.stopRecording: F13 cannot be used: the recorder sees F1 to F12 only',
    ],
  ])(
    'a corrupt file (%s) is one line naming the file, never quoting it, and never rewritten',
    (_what, text, reason) => {
      const home = tempDir('settings-corrupt');
      const file = settingsPath(home);
      fs.writeFileSync(file, text);
      const before = fs.statSync(file);
      const error = (() => {
        try {
          readSettings(home);
        } catch (err) {
          return err as Error;
        }
        return null;
      })();
      expect(error).toBeInstanceOf(SettingsError);
      expect(error!.message.startsWith(file)).toBe(true);
      expect(error!.message).toContain(reason);
      expect(error!.message).not.toContain('\n');
      expect(error!.message).not.toContain('sk-do-not-print');
      // A write refuses too: it would lose whatever the file holds.
      expect(() => updateSettings(home, { completion: { model: 'm' } })).toThrow(SettingsError);
      expect(fs.readFileSync(file, 'utf8')).toBe(text);
      expect(fs.statSync(file).mtimeMs).toBe(before.mtimeMs);
    },
  );

  it('refuses to save a value it could not read back', () => {
    const home = tempDir('settings-refuse');
    expect(() => updateSettings(home, { privacy: { excludedTitles: ['[a-'] } })).toThrow(
      `cannot save ${settingsPath(home)}: privacy.excludedTitles.0: not a valid regular expression`,
    );
    expect(fs.existsSync(settingsPath(home))).toBe(false);
  });

  it('a stored key goes only to the server it was saved with', () => {
    const section = { endpoint: 'https://api.openai.com/v1', apiKey: 'sk-file' };
    expect(storedKeyFor(section, undefined)).toBe('sk-file');
    expect(storedKeyFor(section, 'https://api.openai.com/v1/')).toBe('sk-file');
    expect(storedKeyFor(section, 'http://127.0.0.1:8000/v1')).toBeUndefined();
    expect(storedKeyFor({ apiKey: 'sk-file' }, 'http://x/v1')).toBe('sk-file');
  });

  it('privacy and the stop hotkey in the recorder terms', () => {
    const home = tempDir('settings-rules');
    const settings = updateSettings(home, {
      privacy: { excludedApps: ['KeePassXC'], excludedTitles: ['private browsing'] },
      hotkeys: { stopRecording: 'CommandOrControl+Shift+F9' },
    });
    const linux = recordingRules(settings, 'linux');
    expect(linux.stopHotkey).toEqual(['ctrl', 'shift', 'f9']);
    expect(linux.privacy.excludedApps).toEqual(['KeePassXC']);
    expect(linux.privacy.excludedTitles).toHaveLength(1);
    expect(linux.privacy.excludedTitles[0]!.test('Mozilla Firefox Private Browsing')).toBe(true);
    expect(recordingRules(settings, 'darwin').stopHotkey).toEqual(['cmd', 'shift', 'f9']);
    expect(recordingRules(readSettings(tempDir('settings-rules-default')), 'linux').stopHotkey).toEqual([
      'ctrl',
      'shift',
      'f12',
    ]);
  });
});
