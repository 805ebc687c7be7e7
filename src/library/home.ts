import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LibraryError } from './errors.js';

/** Folder name under the OS user-data folder; Electron's main process uses the same one. */
export const APP_DIR_NAME = 'pcagent';

/**
 * The OS user-data folder for PC Agent, the same place Electron's `app.getPath('userData')`
 * points to, so the CLI and the app share one library by default.
 */
export function defaultHome(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  const home = os.homedir();
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), APP_DIR_NAME);
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', APP_DIR_NAME);
  return path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), APP_DIR_NAME);
}

/** `--home` wins over `PCAGENT_HOME`, which wins over the OS default. */
export function resolveHome(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = explicit ?? (env.PCAGENT_HOME || undefined) ?? defaultHome(env);
  return path.resolve(chosen);
}

/**
 * Creates the data directory when it does not exist yet; refuses a path that exists but is not
 * a writable directory, with a reason the user can act on.
 */
export function ensureHome(dir: string): string {
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(dir);
  } catch {
    try {
      fs.mkdirSync(dir, { recursive: true });
    } catch (err) {
      throw new LibraryError('bad-home', `cannot create data directory ${dir}: ${(err as Error).message}`);
    }
    return dir;
  }
  if (!stat.isDirectory()) throw new LibraryError('bad-home', `data directory ${dir} is not a directory`);
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch {
    throw new LibraryError('bad-home', `data directory ${dir} is not writable`);
  }
  return dir;
}
