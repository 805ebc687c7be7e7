/**
 * `pcagent record` on a real X server, as scripts run it: a recorder whose parent dies (a
 * script killed, `npx` under `sh -c` that does not pass SIGINT on) stops and saves on its own,
 * and a second recorder on the same screen is refused with the first one's pid.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Library } from '../../src/library/library.js';
import { pcagent, ROOT } from '../support/cli.js';
import { tempDir } from '../support/fixture.js';
import { startRecorder } from '../support/recorder-process.js';
import { waitFor, type XSession, xdo } from '../support/xsession.js';
import { useDisplay } from '../support/hooks.js';

let session: XSession;
useDisplay({ width: 800, height: 600 }, (s) => (session = s));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('pcagent record and its processes', () => {
  it('stops and saves the recording when the shell that started it is killed', async () => {
    const home = tempDir('record-parent');
    // `sh -c` with a background job does not exec: the recorder's parent is this shell, as
    // under npx. SIGKILL gives the shell no chance to pass anything on.
    const bin = path.join(ROOT, 'bin', 'pcagent.js');
    const shell = spawn('sh', ['-c', `"${process.execPath}" "${bin}" --home "${home}" record & echo "pid $!"; wait`], {
      env: session.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    shell.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const id = await waitFor(
      '"recording <id>"',
      async () => Number(/^recording (\d+)$/m.exec(out)?.[1]) || null,
      60_000,
    );
    const pid = Number(/^pid (\d+)$/m.exec(out)![1]);
    await xdo(session, 'mousemove', '100', '100', 'click', '1');
    await new Promise((r) => setTimeout(r, 500));
    shell.kill('SIGKILL');
    await waitFor('the orphaned recorder to exit', async () => !alive(pid), 30_000);
    const lib = Library.open(home, { readonly: true });
    try {
      const r = lib.getRecording(id);
      expect(r.status).toBe('finished');
      expect(lib.listActions(id).map((a) => a.action.kind)).toContain('click');
    } finally {
      lib.close();
    }
  }, 120_000);

  it('refuses a second recorder on the same screen, naming the first one’s pid', async () => {
    const home = tempDir('record-twice');
    const first = await startRecorder(session.env, home, []);
    try {
      const second = pcagent(['--home', home, 'record'], session.env);
      expect(second.status).toBe(1);
      expect(second.stderr.trim()).toBe(
        `pcagent: screen ${session.display} is already being recorded by process ${first.child.pid} (recording ${first.recordingId})`,
      );
    } finally {
      first.child.kill('SIGINT');
      expect((await first.exited).code).toBe(0);
    }
    const lib = Library.open(home, { readonly: true });
    try {
      // The refused recorder created nothing.
      expect(lib.listRecordings().map((r) => [r.id, r.status])).toEqual([[first.recordingId, 'finished']]);
    } finally {
      lib.close();
    }
  }, 120_000);
});
