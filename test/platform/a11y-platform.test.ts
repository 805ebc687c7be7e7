/**
 * The per-platform accessibility provider the recorder starts with. On this Linux machine the
 * Windows and macOS helpers cannot start (no powershell.exe, no osascript): what is tested is
 * that `record` wires them, and that a provider which cannot work leaves elements unknown and
 * says why instead of failing the recording. The helpers' protocol is tested in
 * test/native/line-protocol.test.ts.
 */
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AX_HELPER } from '../../src/platform/a11y/ax.js';
import { helperScript } from '../../src/platform/a11y/helper-process.js';
import { defaultAccessibility } from '../../src/platform/a11y/platform.js';
import { UIA_HELPER } from '../../src/platform/a11y/uia.js';

describe('the recorder’s accessibility provider per platform', () => {
  it.each([
    ['win32', 'win32', /^ui-automation \(.+: elements will be unknown\)$/],
    ['darwin', 'darwin', /^ax \(.+: elements will be unknown\)$/],
  ] as const)('%s: the helper provider, and a clear name when its helper cannot start', async (platform, id, name) => {
    const { provider, name: said } = await defaultAccessibility({ x: 10, y: 10 }, platform);
    expect(provider.platform).toBe(id);
    expect(said).toMatch(name);
    expect(await provider.elementAt(10, 10, 100)).toBeNull();
    await provider.close();
  });

  it('other platforms: no provider, elements unknown', async () => {
    const { provider, name } = await defaultAccessibility({ x: 0, y: 0 }, 'freebsd');
    expect(name).toBe('none');
    expect(await provider.elementAt(0, 0)).toBeNull();
  });

  it('the helper scripts are found from the sources (and from dist/, the same depth), and outside app.asar', () => {
    expect(fs.existsSync(UIA_HELPER)).toBe(true);
    expect(fs.existsSync(AX_HELPER)).toBe(true);
    expect(helperScript(pathToFileURL('/opt/PC Agent/resources/app.asar/native/windows/uia-helper.ps1'))).toBe(
      '/opt/PC Agent/resources/app.asar.unpacked/native/windows/uia-helper.ps1',
    );
    expect(helperScript(pathToFileURL('/work/native/macos/ax-helper.js'))).toBe('/work/native/macos/ax-helper.js');
  });
});
