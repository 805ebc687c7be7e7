import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordChoices } from '../../src/cli/settings-defaults.js';
import { readSettings, runChoices, type Settings, updateSettings } from '../../src/library/settings.js';
import { pcagent } from '../support/cli.js';
import { tempDir } from '../support/fixture.js';

function settingsWith(patch: Parameters<typeof updateSettings>[1]): Settings {
  return updateSettings(tempDir('cli-settings'), patch);
}

const saved = settingsWith({
  planner: { endpoint: 'http://planner.local:8000/v1', model: 'qwen2.5-vl-7b', apiKey: 'sk-planner' },
  grounder: { name: 'vlm', vlm: { endpoint: 'http://vlm.local:8001/v1', model: 'molmo-7b', apiKey: 'sk-vlm' } },
});

/** The environment variables `pcagent run` reads, none set. */
const NO_ENV = {
  PCAGENT_PLANNER_URL: '',
  PCAGENT_PLANNER_MODEL: '',
  OPENAI_API_KEY: '',
  PCAGENT_VLM_ENDPOINT: '',
  PCAGENT_VLM_MODEL: '',
  PCAGENT_VLM_API_KEY: '',
};

describe('pcagent run: flag > environment > settings.json', () => {
  it('settings alone choose the planner, the grounder and their keys', () => {
    expect(runChoices({}, {}, saved)).toEqual({
      planner: {
        endpoint: 'http://planner.local:8000/v1',
        model: 'qwen2.5-vl-7b',
        apiKey: 'sk-planner',
        profile: 'generic',
      },
      grounder: 'vlm',
      vlm: { endpoint: 'http://vlm.local:8001/v1', model: 'molmo-7b', apiKey: 'sk-vlm' },
    });
  });

  it('the environment wins over settings; its key goes anywhere, the stored key only to its server', () => {
    const env = {
      PCAGENT_PLANNER_URL: 'http://other:9000/v1',
      PCAGENT_PLANNER_MODEL: 'ui-tars',
      PCAGENT_VLM_ENDPOINT: 'http://vlm.local:8001/v1',
      PCAGENT_VLM_MODEL: 'showui',
    };
    expect(runChoices({}, env, saved)).toEqual({
      planner: { endpoint: 'http://other:9000/v1', model: 'ui-tars', apiKey: undefined, profile: 'generic' },
      grounder: 'vlm',
      vlm: { endpoint: 'http://vlm.local:8001/v1', model: 'showui', apiKey: 'sk-vlm' },
    });
    expect(runChoices({}, { ...env, OPENAI_API_KEY: 'sk-env' }, saved).planner.apiKey).toBe('sk-env');
  });

  it('flags win over both', () => {
    const env = { PCAGENT_PLANNER_URL: 'http://other:9000/v1', PCAGENT_PLANNER_MODEL: 'ui-tars' };
    const chosen = runChoices(
      { planner: 'http://planner.local:8000/v1', plannerModel: 'gpt-4o', grounder: 'omniparser' },
      env,
      saved,
    );
    expect(chosen.planner).toEqual({
      endpoint: 'http://planner.local:8000/v1',
      model: 'gpt-4o',
      apiKey: 'sk-planner',
      profile: 'generic',
    });
    expect(chosen.grounder).toBe('omniparser');
  });

  it('nothing set anywhere: no planner, the auto grounder', () => {
    const chosen = runChoices({}, NO_ENV, readSettings(tempDir('cli-empty')));
    expect(chosen.planner).toEqual({ endpoint: undefined, model: undefined, apiKey: undefined, profile: 'generic' });
    expect(chosen.grounder).toBe('auto');
  });

  it('the command reads settings.json before asking for what is missing', () => {
    const home = tempDir('cli-run');
    const none = pcagent(['--home', home, 'run', 'Open a file'], NO_ENV);
    expect(none.status).toBe(2);
    expect(none.stderr).toBe(
      'pcagent: the planner needs an endpoint: --planner URL, PCAGENT_PLANNER_URL or planner.endpoint in settings.json\n',
    );
    // The endpoint comes from the file: now only the model is missing.
    updateSettings(home, { planner: { endpoint: 'http://127.0.0.1:9/v1' } });
    const noModel = pcagent(['--home', home, 'run', 'Open a file'], NO_ENV);
    expect(noModel.stderr).toBe(
      'pcagent: the planner needs a model name: --planner-model NAME, PCAGENT_PLANNER_MODEL or planner.model in settings.json\n',
    );
    // The grounder comes from the file too: vlm, whose endpoint is not set.
    updateSettings(home, { planner: { model: 'm' }, grounder: { name: 'vlm' } });
    const noVlm = pcagent(['--home', home, 'run', 'Open a file'], NO_ENV);
    expect(noVlm.status).toBe(2);
    expect(noVlm.stderr).toBe(
      'pcagent: the vlm grounder needs an endpoint and a model: PCAGENT_VLM_ENDPOINT and PCAGENT_VLM_MODEL, or grounder.vlm in settings.json\n',
    );
    // Help text is wrapped to the terminal: compare it with spaces collapsed.
    const help = pcagent(['run', '--help']).stdout.replace(/\s+/g, ' ');
    expect(help).toContain('$PCAGENT_PLANNER_URL, else planner.endpoint in settings.json');
    expect(help).toContain('default: grounder.name in settings.json, else auto');
  });
});

describe('pcagent record: privacy and the stop hotkey from settings.json', () => {
  const privacy = settingsWith({
    privacy: { excludedApps: ['keepassxc'], excludedTitles: ['private browsing'] },
    hotkeys: { stopRecording: 'CommandOrControl+Shift+F9' },
  });

  it('settings alone: their lists and their hotkey', () => {
    const rules = recordChoices({ excludeApp: [], excludeTitle: [] }, privacy, 'linux');
    expect(rules.stopHotkey).toEqual(['ctrl', 'shift', 'f9']);
    expect(rules.privacy.excludedApps).toEqual(['keepassxc']);
    expect(rules.privacy.excludedTitles.map((r) => [r.source, r.flags])).toEqual([['private browsing', 'i']]);
  });

  it('flags add to the privacy lists and replace the hotkey', () => {
    const rules = recordChoices(
      { stopHotkey: 'ctrl+shift+f12', excludeApp: ['1password', 'keepassxc'], excludeTitle: ['^Bank'] },
      privacy,
      'linux',
    );
    expect(rules.stopHotkey).toEqual(['ctrl', 'shift', 'f12']);
    expect(rules.privacy.excludedApps).toEqual(['keepassxc', '1password']);
    expect(rules.privacy.excludedTitles.map((r) => r.source)).toEqual(['private browsing', '^Bank']);
    expect(rules.privacy.excludedTitles.every((r) => r.test('BANK of x') || r.test('Private Browsing'))).toBe(true);
  });

  it('a bad flag is a usage error naming the flag', () => {
    expect(() => recordChoices({ stopHotkey: 'ctrl+f13', excludeApp: [], excludeTitle: [] }, privacy, 'linux')).toThrow(
      '--stop-hotkey: F13 cannot be used: the recorder sees F1 to F12 only',
    );
    expect(() => recordChoices({ excludeApp: [], excludeTitle: ['(x'] }, privacy, 'linux')).toThrow(
      '--exclude-title "(x" is not a valid regular expression',
    );
  });

  it('the command refuses a bad hotkey flag, and a settings file it cannot read, before recording', () => {
    const home = tempDir('cli-record');
    const bad = pcagent(['--home', home, 'record', '--stop-hotkey', 'ctrl+shift+f13']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe('pcagent: --stop-hotkey: F13 cannot be used: the recorder sees F1 to F12 only\n');
    const file = path.join(home, 'settings.json');
    fs.writeFileSync(file, '{"privacy": {"excludedTitles": ["(unclosed"]}}');
    const corrupt = pcagent(['--home', home, 'record']);
    expect(corrupt.status).toBe(1);
    expect(corrupt.stderr).toBe(`pcagent: ${file}: privacy.excludedTitles.0: not a valid regular expression\n`);
    const help = pcagent(['record', '--help']).stdout.replace(/\s+/g, ' ');
    expect(help).toContain('default: hotkeys.stopRecording in settings.json');
    expect(help).toContain('adds to privacy.excludedApps in settings.json');
  });
});
