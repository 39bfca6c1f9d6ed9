#!/usr/bin/env node
// Builds the GnuTLS TLS engine addon (native/gnutls) with node-gyp. N-API keeps it ABI-stable,
// so the same build loads in Node (tests, browser host, CLI) and in Electron.
// Uses the running Node's own headers when they are installed next to it (Debian's nodejs, the
// official tarballs), so nothing is downloaded.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const prefix = path.resolve(path.dirname(process.execPath), '..');
const args = ['rebuild', '--directory=native/gnutls', '--loglevel=warn'];
if (existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);

const nodeGyp = path.join(root, 'node_modules', '.bin', 'node-gyp');
const r = spawnSync(nodeGyp, args, { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
if (r.status !== 0) {
  console.error(`build-native: node-gyp ${args.join(' ')} failed (needs libgnutls28-dev, pkgconf, g++, make, python3)`);
  process.exit(r.status ?? 1);
}
console.log('built native/gnutls/build/Release/bastion_gnutls.node');
