import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectionTestDto, ModelsDto, SettingsDto } from '../../src/api/contract.js';
import { Library } from '../../src/library/library.js';
import { createBackend } from '../../src/server/handlers.js';
import { endRecording, startRecording } from '../../src/tracker/sessions.js';
import { tempDir } from '../support/fixture.js';
import { FakeModelServer } from '../support/openai-server.js';

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

  it('settings: every section is saved and read back; no key is ever returned', async () => {
    const home = tempDir('backend-settings-all');
    lib = Library.open(home);
    const backend = createBackend(lib);
    const defaults = (await backend.call('settings.get', {})) as SettingsDto;
    expect(defaults).toEqual({
      home,
      completion: { endpoint: null, model: null, hasApiKey: false },
      planner: { endpoint: null, model: null, hasApiKey: false, profile: 'generic', prompt: null },
      grounder: { name: 'auto', vlm: { endpoint: null, model: null, hasApiKey: false } },
      privacy: { excludedApps: [], excludedTitles: [] },
      hotkeys: { stopRecording: 'CommandOrControl+Shift+F12', abortAgent: 'CommandOrControl+Shift+F11' },
    });
    const saved = (await backend.call('settings.set', {
      planner: { endpoint: 'http://127.0.0.1:9/v1', model: 'qwen2.5-vl', apiKey: 'sk-planner-1' },
      grounder: { name: 'vlm', vlm: { endpoint: 'http://127.0.0.1:9/v1', model: 'molmo', apiKey: 'sk-vlm-1' } },
      privacy: { excludedApps: ['keepassxc'], excludedTitles: ['private browsing'] },
      hotkeys: { stopRecording: 'Alt+Shift+F10', abortAgent: 'Ctrl+Alt+End' },
    })) as SettingsDto;
    expect(JSON.stringify(saved)).not.toMatch(/sk-(planner|vlm)-1/);
    expect(saved).toEqual({
      ...defaults,
      planner: {
        endpoint: 'http://127.0.0.1:9/v1',
        model: 'qwen2.5-vl',
        hasApiKey: true,
        profile: 'generic',
        prompt: null,
      },
      grounder: { name: 'vlm', vlm: { endpoint: 'http://127.0.0.1:9/v1', model: 'molmo', hasApiKey: true } },
      privacy: { excludedApps: ['keepassxc'], excludedTitles: ['private browsing'] },
      hotkeys: { stopRecording: 'Alt+Shift+F10', abortAgent: 'Ctrl+Alt+End' },
    });
    expect(await backend.call('settings.get', {})).toEqual(saved);
    expect(JSON.parse(fs.readFileSync(path.join(home, 'settings.json'), 'utf8'))).toMatchObject({
      planner: { apiKey: 'sk-planner-1' },
      grounder: { vlm: { apiKey: 'sk-vlm-1' } },
    });
    // The contract's messages; and a key the recorder never sees (F13) is refused too.
    await expect(backend.call('settings.set', { hotkeys: { stopRecording: 'Shift+Foo' } })).rejects.toThrow(
      'settings.set: hotkeys.stopRecording: expected modifiers and a key, e.g. CommandOrControl+Shift+F12',
    );
    await expect(backend.call('settings.set', { hotkeys: { abortAgent: 'Ctrl+F13' } })).rejects.toThrow(
      'settings.set: hotkeys.abortAgent: F13 cannot be used: the recorder sees F1 to F12 only',
    );
    await expect(backend.call('settings.set', { privacy: { excludedTitles: ['ok', '(bad'] } })).rejects.toThrow(
      'settings.set: privacy.excludedTitles.1: not a valid regular expression',
    );
    expect(await backend.call('settings.get', {})).toEqual(saved);
  });

  it('settings: a corrupt file is named in one line and left as it is', async () => {
    const home = tempDir('backend-settings-corrupt');
    lib = Library.open(home);
    const backend = createBackend(lib);
    const file = path.join(home, 'settings.json');
    fs.writeFileSync(file, '{"planner": {"apiKey": "sk-hidden"');
    await expect(backend.call('settings.get', {})).rejects.toThrow(`${file} is not valid JSON`);
    await expect(backend.call('settings.set', { planner: { model: 'm' } })).rejects.toThrow(
      `${file} is not valid JSON`,
    );
    expect(fs.readFileSync(file, 'utf8')).toBe('{"planner": {"apiKey": "sk-hidden"');
  });

  it('settings: test connection lists the models of a (fake) OpenAI-compatible server, or says why not', async () => {
    const home = tempDir('backend-settings-test');
    lib = Library.open(home);
    const backend = createBackend(lib);
    const test = (input: Record<string, unknown>) =>
      backend.call('settings.testConnection', input) as Promise<ConnectionTestDto>;
    // A FAKE model server (real HTTP): it only lists models, and wants the key.
    const server = await FakeModelServer.start({ models: ['qwen2.5-vl-7b', 'molmo-7b'], apiKey: 'sk-right' });
    const silent = net.createServer(() => {}); // accepts connections, never answers
    const page = http.createServer((_req, res) => res.end('<!doctype html><title>Router</title>'));
    const closed = net.createServer();
    try {
      await Promise.all(
        [silent, page, closed].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()))),
      );
      const port = (s: net.Server) => (s.address() as net.AddressInfo).port;
      const closedPort = port(closed);
      await new Promise<void>((r) => closed.close(() => r()));

      expect(await test({ target: 'planner' })).toEqual({
        ok: false,
        message: 'No endpoint for the planner: enter one first.',
        latencyMs: null,
        models: [],
      });
      // No key stored: the server says it needs one.
      const noKey = await test({ target: 'planner', endpoint: server.url });
      expect(noKey).toMatchObject({ ok: false, models: [] });
      expect(noKey.message).toBe(`127.0.0.1:${server.port} needs an API key (HTTP 401): save one for this endpoint.`);

      await backend.call('settings.set', { planner: { endpoint: server.url, apiKey: 'sk-wrong' } });
      expect((await test({ target: 'planner' })).message).toBe(
        `127.0.0.1:${server.port} refused the stored API key (HTTP 401).`,
      );
      await backend.call('settings.set', { planner: { apiKey: 'sk-right', model: 'qwen2.5-vl-7b' } });
      const ok = await test({ target: 'planner' });
      expect(ok.ok).toBe(true);
      expect(ok.models).toEqual(['qwen2.5-vl-7b', 'molmo-7b']);
      expect(ok.latencyMs).toEqual(expect.any(Number));
      expect(ok.message).toMatch(
        new RegExp(
          `^Connected to 127\\.0\\.0\\.1:${server.port} in \\d+ ms: 2 models \\(qwen2\\.5-vl-7b, molmo-7b\\); "qwen2\\.5-vl-7b" is served\\.$`,
        ),
      );
      expect(server.requests.at(-1)).toMatchObject({ method: 'GET', path: '/v1/models' });
      expect(server.requests.at(-1)!.headers.authorization).toBe('Bearer sk-right');
      // The form's model, before saving: reachable, but that model is not served.
      const other = await test({ target: 'planner', model: 'gpt-4o' });
      expect(other.ok).toBe(false);
      expect(other.message).toMatch(/: 2 models \(qwen2\.5-vl-7b, molmo-7b\), but not "gpt-4o"\.$/);
      // A bare host gets /v1, as the clients do.
      expect((await test({ target: 'planner', endpoint: `http://127.0.0.1:${server.port}` })).ok).toBe(true);
      // The stored key is not sent to another server typed in the form.
      const before = server.requests.length;
      await test({ target: 'planner', endpoint: `http://localhost:${server.port}/v1` });
      expect(server.requests[before]!.headers.authorization).toBeUndefined();

      // The completion and grounding sections have their own endpoints and keys.
      await backend.call('settings.set', { grounder: { vlm: { endpoint: server.url, apiKey: 'sk-right' } } });
      expect((await test({ target: 'grounder', model: 'molmo-7b' })).ok).toBe(true);
      expect((await test({ target: 'completion', endpoint: server.url })).ok).toBe(false);

      expect((await test({ target: 'completion', endpoint: `http://127.0.0.1:${closedPort}/v1` })).message).toBe(
        `127.0.0.1:${closedPort} refused the connection: is the server running?`,
      );
      expect((await test({ target: 'completion', endpoint: `http://127.0.0.1:${port(page)}/v1` })).message).toBe(
        `127.0.0.1:${port(page)} did not answer JSON: is this an OpenAI-compatible endpoint?`,
      );
      expect((await test({ target: 'completion', endpoint: `http://127.0.0.1:${port(silent)}/v1` })).message).toBe(
        `127.0.0.1:${port(silent)} did not answer within 5 s.`,
      );
      // The model clients' endpoint rule: no credentials in the URL, and the URL is not echoed.
      expect((await test({ target: 'completion', endpoint: 'http://me:sk-in-url@127.0.0.1:1/v1' })).message).toBe(
        'Put the API key in OPENAI_API_KEY, settings.json or the API key field, not in the URL.',
      );
      await expect(test({ target: 'completion', endpoint: 'ftp://x' })).rejects.toThrow(
        'settings.testConnection: endpoint: expected an http(s) URL',
      );
    } finally {
      await server.close();
      silent.close();
      page.close();
    }
  });

  it('settings: the local models and the execution provider that runs them', async () => {
    lib = Library.open(tempDir('backend-settings-models'));
    const backend = createBackend(lib);
    const models = (await backend.call('settings.models', {})) as ModelsDto;
    expect(models.models.map((m) => [m.name, m.task, m.installed])).toEqual([
      ['ppocr-v4-det', 'ocr-det', true],
      ['ppocr-v4-rec', 'ocr-rec', true],
      ['ppocr-keys-v1', 'ocr-dict', true],
    ]);
    expect(models.models[0]!.bytes).toBe(4745517);
    expect(models.models[0]!.path).toMatch(/ch_PP-OCRv4_det_infer\.onnx$/);
    expect(models.provider).not.toBeNull();
    expect(['cpu', 'cuda', 'webgpu']).toContain(models.provider!.name);
    expect(models.provider!.detail).toMatch(/^(auto|PCAGENT_DEVICE=\w+)/);
    // Asked once per back end: the second answer is the same.
    expect(((await backend.call('settings.models', {})) as ModelsDto).provider).toEqual(models.provider);
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
