// `npx pcagent` inside a checkout runs node_modules/.bin/pcagent. The package declares no "bin"
// on purpose: npm 11 then tries to install the project into its npx cache and fails (ENOENT).
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const binDir = path.join(root, 'node_modules', '.bin');
const link = path.join(binDir, 'pcagent');
fs.mkdirSync(binDir, { recursive: true });
fs.rmSync(link, { force: true });
fs.symlinkSync(path.relative(binDir, path.join(root, 'bin', 'pcagent.js')), link);
