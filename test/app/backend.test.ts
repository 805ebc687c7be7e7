import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Library } from '../../src/library/library.js';
import { createBackend } from '../../src/server/handlers.js';
import { endRecording, startRecording } from '../../src/tracker/sessions.js';
import { tempDir } from '../support/fixture.js';

let lib: Library | undefined;
afterEach(() => lib?.close());

describe('the back end behind both transports', () => {
  it('validates every call against the contract before any service runs', async () => {
    lib = Library.open(tempDir('backend'));
    const rec = startRecording(lib, { mode: 'free' });
    endRecording(lib, rec.id, 'finished');
    const backend = createBackend(lib);
    await expect(backend.call('tracker.discard', { id: rec.id, force: true })).rejects.toThrow(
      'tracker.discard: unknown field force',
    );
    await expect(backend.call('tracker.discard', { id: String(rec.id) })).rejects.toThrow(
      'tracker.discard: id: expected a number',
    );
    await expect(backend.call('library.deleteRecording', { id: rec.id })).rejects.toThrow(
      'unknown API method "library.deleteRecording"',
    );
    expect(lib.getRecording(rec.id).status).toBe('finished');
    const described = await backend.call('tracker.describe', {
      id: rec.id,
      description: ' open a file ',
      level: 'hard',
    });
    expect(described).toMatchObject({ id: rec.id, description: 'open a file', level: 'hard' });
  });

  it('settings: the API key is stored but never returned', async () => {
    const home = tempDir('backend-settings');
    lib = Library.open(home);
    const backend = createBackend(lib);
    const saved = await backend.call('settings.set', {
      completion: { endpoint: 'http://127.0.0.1:9/v1', model: 'm', apiKey: 'sk-123456' },
    });
    expect(JSON.stringify(saved)).not.toContain('sk-123456');
    expect(saved).toMatchObject({
      home,
      completion: { endpoint: 'http://127.0.0.1:9/v1', model: 'm', hasApiKey: true },
    });
    expect(fs.statSync(path.join(home, 'settings.json')).mode & 0o077).toBe(0);
    // Other sections of the file are kept; an empty string removes a field.
    fs.writeFileSync(
      path.join(home, 'settings.json'),
      JSON.stringify({ other: 1, completion: { endpoint: 'http://a/v1', apiKey: 'k' } }),
    );
    await backend.call('settings.set', { completion: { endpoint: '' } });
    expect(JSON.parse(fs.readFileSync(path.join(home, 'settings.json'), 'utf8'))).toEqual({
      other: 1,
      completion: { apiKey: 'k' },
    });
  });

  it('starting a recording that cannot start reports why and leaves nothing running', async () => {
    lib = Library.open(tempDir('backend-live'));
    const backend = createBackend(lib, {
      startLive: () => Promise.reject(new Error('DISPLAY is not set')),
    });
    await expect(backend.call('tracker.start', { mode: 'free' })).rejects.toThrow(
      'cannot start recording: DISPLAY is not set',
    );
    const state = (await backend.call('tracker.state', {})) as { live: unknown };
    expect(state.live).toBeNull();
    await expect(backend.call('tracker.finish', { outcome: 'finished' })).rejects.toThrow('no recording is running');
  });
});
