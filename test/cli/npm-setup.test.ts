/**
 * `npx pcagent …` prints nothing but pcagent's own output (npm warned about the unknown
 * `onnxruntime-node-install` key of .npmrc on every call), while `npm ci` stays offline-safe
 * through the ONNXRUNTIME_NODE_INSTALL environment variable in the README's set-up command and
 * in CI. Real parts: npm itself, run in this checkout.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';

describe('npm set-up', () => {
  it('npx pcagent prints no npm warning', () => {
    const env = { ...process.env };
    // Whatever the calling npm set, look at this checkout's own configuration only.
    for (const k of Object.keys(env)) if (/^npm_config_/i.test(k)) delete env[k];
    const r = spawnSync('npx', ['--offline', 'pcagent', '--version'], { cwd: ROOT, encoding: 'utf8', env });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(r.stderr).not.toMatch(/npm warn/i);
  });

  it('the README set-up stays one command line, and both it and CI skip the onnxruntime download', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const setup = /## Set-up[^]*?```sh\n([^]*?)```/.exec(readme)![1]!.trim().split('\n');
    expect(setup).toHaveLength(1);
    const commands = setup[0]!.split(' && ');
    expect(commands[0]).toMatch(/\bONNXRUNTIME_NODE_INSTALL=skip\b.*\bnpm ci$/);
    expect(commands.slice(1).every((c) => c.startsWith('npx pcagent '))).toBe(true);
    expect(fs.readFileSync(path.join(ROOT, '.ci', 'run'), 'utf8')).toMatch(/export ONNXRUNTIME_NODE_INSTALL=skip\b/);
    expect(fs.existsSync(path.join(ROOT, '.npmrc'))).toBe(false);
  });
});
