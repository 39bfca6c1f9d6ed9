#!/usr/bin/env node
// `npm run setup`: everything needed to build and run Bastion on a fresh Debian machine.
// Debian packages for the native TLS engine and smart cards, then npm dependencies (with the
// Electron binary when it can be downloaded), then a build.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDebPackages } from './install-deps.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Runtime and build needs of the app itself (the test-only servers are not installed here). */
export const APP_DEB_PACKAGES = ['libgnutls28-dev', 'p11-kit', 'opensc', 'pcscd', 'python3', 'make', 'g++', 'pkgconf'];

/** @param {string} cmd @param {string[]} args @param {Record<string, string>} [env] */
function run(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status === 0;
}

const deb = await ensureDebPackages({ packages: APP_DEB_PACKAGES });
if (!deb.ok) {
  console.error(`setup: ${deb.detail}`);
  process.exit(1);
}
if (!run('npm', ['ci'])) {
  console.warn('\nnpm ci failed; retrying without the Electron binary (its download is often blocked).');
  if (!run('npm', ['ci'], { ELECTRON_SKIP_BINARY_DOWNLOAD: '1' })) process.exit(1);
}
if (!run('npm', ['run', 'build'])) process.exit(1);
console.log('\nBastion is set up. Start it with `npm start`.');
