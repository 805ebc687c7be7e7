import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Library } from '../../src/library/library.js';
import { importTrackerFolder } from '../../src/pipeline/pc-tracker/import.js';

/** The reference recording shipped in shared/fixtures (read-only). */
export const FIXTURE_DIR = path.resolve(
  import.meta.dirname,
  '..',
  '..',
  '..',
  'shared',
  'fixtures',
  'pc-tracker-example',
);
export const FIXTURE_NAME = 'free_task_20241126_161517';

/** A fresh temporary folder, removed by the returned cleanup. */
export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `pcagent-${prefix}-`));
}

/** A writable copy of the fixture folder, for tests that damage it. */
export function copyFixture(): string {
  const dir = tempDir('fixture');
  fs.cpSync(FIXTURE_DIR, dir, { recursive: true });
  for (const f of fs.readdirSync(dir, { recursive: true }) as string[]) fs.chmodSync(path.join(dir, f), 0o755);
  return dir;
}

/** A library in a fresh temporary data directory (the set-up of most library-backed tests). */
export function openTempLibrary(prefix: string): { home: string; lib: Library } {
  const home = tempDir(prefix);
  return { home, lib: Library.open(home) };
}

/** Closes a library opened by `openTempLibrary` (again is fine) and removes its folder. */
export function removeTempLibrary({ home, lib }: { home: string; lib: Library }): void {
  lib.close();
  fs.rmSync(home, { recursive: true, force: true });
}

/** A library in a fresh temporary data directory with the reference recording imported (id 1). */
export async function openFixtureLibrary(prefix: string): Promise<{ home: string; lib: Library }> {
  const temp = openTempLibrary(prefix);
  await importTrackerFolder(temp.lib, FIXTURE_DIR);
  return temp;
}
