import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pcagentAsync, type CliResult } from '../support/cli.js';
import { FIXTURE_DIR, tempDir } from '../support/fixture.js';
import { FakeModelServer } from '../support/openai-server.js';
import { channelsFirst, writeDetector } from '../support/onnx-detector.js';

/** The built CLI, spawned without blocking: the test's own HTTP servers must keep answering. */
async function pcagent(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const { code, stdout, stderr } = await pcagentAsync(args, { ...process.env, PCAGENT_DEVICE: 'cpu', ...env });
  return { status: code, stdout, stderr };
}

const FRAME = path.join(FIXTURE_DIR, 'screenshot', '20241126_161524_3.png');
/** The "Blank Presentation" template's element rect in that frame. */
const RECT = { left: 225, top: 181, right: 450, bottom: 371 };
const inside = (p: { x: number; y: number }) =>
  p.x >= RECT.left && p.x < RECT.right && p.y >= RECT.top && p.y < RECT.bottom;
const DESCRIPTION = "the 'Blank Presentation' thumbnail";

const tmp = tempDir('locate-models');
/** The frame's top-left 640×480: same pixels, a quarter of the OCR work. */
const CROP = path.join(tmp, 'crop.png');
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

beforeAll(async () => {
  await sharp(FRAME).extract({ left: 0, top: 0, width: 640, height: 480 }).png().toFile(CROP);
});

describe('pcagent locate', () => {
  it('finds the Blank Presentation thumbnail in the fixture frame (JSON, image pixels)', async () => {
    const r = await pcagent(['locate', FRAME, DESCRIPTION, '--json']);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown> & {
      x: number;
      y: number;
      box: number[];
      candidates: unknown[];
    };
    // auto on an image file: no live tree, no recorded picture; OCR answers.
    expect(out).toMatchObject({
      found: true,
      grounder: 'auto',
      stage: 'ocr',
      provider: 'cpu',
      width: 1920,
      height: 1080,
    });
    expect(inside(out)).toBe(true);
    expect(out.box).toHaveLength(4);
    expect(typeof out.score).toBe('number');
    expect(typeof out.ms).toBe('number');
    expect(out.candidates.length).toBeGreaterThan(0);
  });

  it('prints one line; not found is an answer (exit 0)', async () => {
    const found = await pcagent(['locate', CROP, DESCRIPTION, '--device', 'cpu']);
    expect(found.status).toBe(0);
    const line =
      /^found \((\d+), (\d+)\) box \[\d+, \d+, \d+, \d+\] score [\d.]+ \(auto → ocr on cpu, \d+ ms\)\n$/.exec(
        found.stdout,
      );
    expect(line, found.stdout).not.toBeNull();
    expect(inside({ x: Number(line?.[1]), y: Number(line?.[2]) })).toBe(true);

    const missing = await pcagent(['--json', 'locate', CROP, "the 'Zebra Quokka' button"]);
    expect(missing.status).toBe(0);
    const out = JSON.parse(missing.stdout) as { found: boolean; reason: string; grounder: string };
    expect(out).toMatchObject({ found: false, grounder: 'auto', stage: null });
    expect(out.reason).toMatch(/no text matching "Zebra Quokka"/);
  });

  it('a missing or unreadable image: one line on stderr, exit 1', async () => {
    const nope = path.join(tmp, 'nope.png');
    const r = await pcagent(['locate', nope, 'x']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`pcagent: cannot read image ${nope}: no such file\n`);
    const junk = path.join(tmp, 'junk.png');
    fs.writeFileSync(junk, 'not an image');
    const j = await pcagent(['locate', junk, 'x']);
    expect(j.status).toBe(1);
    expect(j.stderr).toMatch(new RegExp(`^pcagent: cannot read image ${junk}: .+\\n$`));
    expect(j.stdout).toBe('');
  });

  it('--grounder omniparser: a clear error without the model; an icon box with --icon-model', async () => {
    const home = tempDir('locate-home');
    const r = await pcagent(['--home', home, 'locate', CROP, DESCRIPTION, '--grounder', 'omniparser']);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      /^pcagent: the omniparser grounder needs the icon detector model .*`pcagent models pull icon-detect --from URL`/,
    );

    // A generated detector: the thumbnail's box (letterboxed 640×480: 80 px bars) and a distractor.
    const model = path.join(tmp, 'icons.onnx');
    writeDetectorRows(model, [
      [337.5, 356, 225, 190, 0.8],
      [600, 150, 40, 40, 0.9],
    ]);
    const ok = await pcagent([
      '--json',
      'locate',
      CROP,
      DESCRIPTION,
      '--grounder',
      'omniparser',
      '--icon-model',
      model,
    ]);
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({
      found: true,
      x: 338,
      y: 276,
      box: [225, 181, 450, 371],
      grounder: 'omniparser',
      provider: 'cpu',
    });
  });

  it('--grounder vlm against an OpenAI-compatible server', async () => {
    const server = await FakeModelServer.start();
    try {
      server.when((q) => q.lastUser.includes('Accept or Reject'), 'Accept');
      server.when(() => true, '<point x="52.8" y="57.5" alt="Blank Presentation">Blank Presentation</point>');
      const r = await pcagent([
        '--json',
        'locate',
        CROP,
        DESCRIPTION,
        '--grounder',
        'vlm',
        '--endpoint',
        server.url,
        '--model',
        'allenai/Molmo-7B-D-0924',
      ]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const out = JSON.parse(r.stdout) as { x: number; y: number };
      expect(out).toMatchObject({ found: true, x: 338, y: 276, grounder: 'vlm', provider: 'remote', score: 1 });
      expect(server.chats).toHaveLength(4);
    } finally {
      await server.close();
    }
  });
});

// ---- models ----

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const BLOB = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 7919 + (i >> 8)) & 0xff);

describe('pcagent models', () => {
  let server: http.Server;
  let base = '';
  const seen: { url: string; range?: string }[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const url = req.url ?? '/';
      seen.push({ url, range: req.headers.range });
      let body: Uint8Array;
      if (url === '/base/pulled/blob.bin' || url === '/mirror/pulled/blob.bin') body = BLOB;
      else if (url === '/base/corrupt.bin') body = BLOB.map((b, i) => (i === 5 ? b ^ 1 : b));
      else {
        res.writeHead(404).end();
        return;
      }
      const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
      if (range) {
        const start = Number(range[1]);
        res.writeHead(206, {
          'content-length': body.length - start,
          'content-range': `bytes ${start}-${body.length - 1}/${body.length}`,
        });
        res.end(body.subarray(start));
      } else {
        res.writeHead(200, { 'content-length': body.length });
        res.end(body);
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  function manifestFile(): string {
    const entries = [
      {
        id: 'blob',
        task: 'icon-detect',
        source: `${base}/base/`,
        licence: 'test',
        files: [{ path: 'pulled/blob.bin', size: BLOB.length, sha256: sha256(BLOB) }],
      },
      {
        id: 'corrupt',
        task: 'icon-detect',
        source: `${base}/base/`,
        licence: 'test',
        files: [{ path: 'corrupt.bin', size: BLOB.length, sha256: sha256(BLOB) }],
      },
    ];
    const file = path.join(tempDir('manifest'), 'manifest.json');
    fs.writeFileSync(file, JSON.stringify(entries));
    return file;
  }

  it('list shows the shipped models with presence and size', async () => {
    const r = await pcagent(['--home', tempDir('models-home'), '--json', 'models', 'list']);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { id: string; present: boolean; size: number }[];
    expect(out.find((m) => m.id === 'ppocr-v4-det')).toMatchObject({ present: true, size: 4745517 });
    const human = await pcagent(['models', 'list']);
    expect(human.stdout).toMatch(/^ppocr-v4-rec\s+ocr-rec\s+present\s+10\.3 MB\s+\S+ch_PP-OCRv4_rec_infer\.onnx$/m);
  });

  it('pull: progress, resume with Range, --from mirror, checksum; verify and list see the file', async () => {
    const home = tempDir('pull-home');
    const manifest = manifestFile();
    const models = (...args: string[]) => pcagent(['--home', home, 'models', '--manifest', manifest, ...args]);
    const dest = path.join(home, 'models', 'pulled', 'blob.bin');

    const before = await models('verify', 'blob');
    expect(before.status).toBe(1);
    expect(before.stderr).toBe('pcagent: 1 model file failed verification: blob pulled/blob.bin (missing)\n');
    expect((await models('list')).stdout).toMatch(/^blob\s+icon-detect\s+missing\s+293 KB\s/m);

    seen.length = 0;
    const first = await models('pull', 'blob');
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toBe(`blob pulled/blob.bin: pulled 293 KB, checksum ok → ${dest}\n`);
    expect(seen).toEqual([{ url: '/base/pulled/blob.bin', range: undefined }]);
    expect(sha256(fs.readFileSync(dest))).toBe(sha256(BLOB));

    // An interrupted download resumes from the .part file, here from a mirror.
    fs.rmSync(dest);
    fs.writeFileSync(`${dest}.part`, BLOB.subarray(0, 100_000));
    seen.length = 0;
    const resumed = await models('--json', 'pull', 'blob', '--from', `${base}/mirror`);
    expect(resumed.status).toBe(0);
    expect(seen).toEqual([{ url: '/mirror/pulled/blob.bin', range: 'bytes=100000-' }]);
    const out = JSON.parse(resumed.stdout) as {
      pulled: { id: string; files: { resumedFrom: number; downloaded: number }[] }[];
    };
    expect(out.pulled[0]).toMatchObject({ id: 'blob', files: [{ resumedFrom: 100_000, downloaded: 200_000 }] });
    expect(fs.existsSync(`${dest}.part`)).toBe(false);
    expect(sha256(fs.readFileSync(dest))).toBe(sha256(BLOB));

    const again = await models('pull', 'blob');
    expect(again.stdout).toMatch(/^blob pulled\/blob\.bin: already present, checksum ok/);

    const verify = await models('verify', 'blob');
    expect(verify.status).toBe(0);
    expect(verify.stdout).toMatch(/^ok\s+blob\s+pulled\/blob\.bin\s/m);
    expect((await models('list')).stdout).toMatch(/^blob\s+icon-detect\s+present\s+293 KB\s/m);

    // A download that does not match the manifest is refused and not kept.
    const bad = await models('pull', 'corrupt');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^pcagent: .*corrupt\.bin: checksum mismatch .*\n$/);
    expect(fs.existsSync(path.join(home, 'models', 'corrupt.bin'))).toBe(false);
    expect(fs.existsSync(path.join(home, 'models', 'corrupt.bin.part'))).toBe(false);

    // A file damaged on disk fails verify, naming it.
    fs.writeFileSync(
      dest,
      BLOB.map((b, i) => (i === 0 ? b ^ 0xff : b)),
    );
    const damaged = await models('verify');
    expect(damaged.status).toBe(1);
    expect(damaged.stdout).toMatch(
      /^mismatch\s+blob\s+pulled\/blob\.bin\s+.*sha256 [0-9a-f]{64}, expected [0-9a-f]{64}$/m,
    );
    expect(damaged.stderr).toBe(
      'pcagent: 2 model files failed verification: blob pulled/blob.bin (mismatch), corrupt corrupt.bin (missing)\n',
    );

    const unknown = await models('pull', 'nothing');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toBe('pcagent: unknown model id nothing (known: blob, corrupt)\n');
  });
});

/** Anchors [cx, cy, w, h, score] in 640×640 input pixels → a model writing them as [1, 5, N]. */
function writeDetectorRows(file: string, anchors: number[][]): void {
  writeDetector(file, [1, 5, anchors.length], channelsFirst(anchors));
}
