#!/usr/bin/env node
// `npm start`: builds, then runs the Electron app. Where Electron's binary could not be
// downloaded (our CI and build machines), says so and what to do instead of failing obscurely.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

let electronBinary;
try {
  // The `electron` package exports the path of its downloaded binary, and throws when the
  // download was skipped (ELECTRON_SKIP_BINARY_DOWNLOAD) or failed.
  electronBinary = require('electron');
} catch {
  electronBinary = undefined;
}

if (typeof electronBinary !== 'string') {
  console.error(`
Bastion is built, but the Electron binary is not installed on this machine, so the desktop app
cannot start here. Its download (from Electron's GitHub releases) is blocked or was skipped.

  - On a machine that can reach GitHub releases: run \`npm run setup\` again, then \`npm start\`.
  - Behind a proxy or mirror: set ELECTRON_MIRROR (see electron's docs), then \`npm run setup\`.
  - Admins: install a packaged build instead (docs/admin.md, \`npm run dist:linux\`).
  - Developers without Electron: \`npm run dev:host\` runs the same core and UI in Chromium
    (development only; never shipped).
`);
  process.exit(2);
}

const child = spawn(electronBinary, [root], { cwd: root, stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
