#!/usr/bin/env node
// Bundles the Electron main process, the sandboxed preload, and the (dev/test-only) browser
// host with its in-page bridge. Vite builds the renderer separately (renderer/vite.config.ts).
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
/** @type {import('esbuild').BuildOptions} */
const common = {
  absWorkingDir: root,
  bundle: true,
  sourcemap: true,
  logLevel: 'warning',
  define: { __BASTION_VERSION__: JSON.stringify(pkg.version) },
};
// Native addons and Electron itself are never bundled: they are loaded at run time
// (unpacked from the asar archive in the packaged app).
const nodeExternal = ['electron', 'pkcs11js', 'better-sqlite3-multiple-ciphers', '*.node', 'bufferutil', 'utf-8-validate'];

/** Node programs bundled as ES modules (browser host, CLI): `require` for the CommonJS externals. */
/** @type {import('esbuild').BuildOptions} */
const nodeEsm = {
  ...common,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  external: nodeExternal,
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
};

await Promise.all([
  build({
    ...common,
    entryPoints: ['electron/main/app/main.ts'],
    outfile: 'dist/electron/main.cjs',
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: nodeExternal,
  }),
  // The PKCS#11 owner: every card call runs in this worker thread (electron/main/pkcs11).
  build({
    ...common,
    entryPoints: ['electron/main/pkcs11/worker/entry.ts'],
    outfile: 'dist/electron/pkcs11-worker.cjs',
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: nodeExternal,
  }),
  build({
    ...common,
    entryPoints: ['electron/preload/preload.ts'],
    outfile: 'dist/electron/preload.cjs',
    // A sandboxed preload may require only 'electron' (and a few polyfilled modules).
    platform: 'node',
    target: 'chrome130',
    format: 'cjs',
    external: ['electron'],
  }),
  build({ ...nodeEsm, entryPoints: ['electron/host/main.ts'], outfile: 'dist/host/host.mjs' }),
  // The headless CLI (electron/cli): the same session core under plain Node. The GnuTLS addon
  // is found upwards from the script's directory (dist/cli -> <repo>/native/gnutls/...).
  build({ ...nodeEsm, entryPoints: ['electron/cli/main.ts'], outfile: 'dist/cli/bastion.mjs' }),
  build({
    ...common,
    entryPoints: ['electron/host/web/bridge.ts'],
    outfile: 'dist/host/bridge.js',
    platform: 'browser',
    target: 'chrome120',
    format: 'iife',
  }),
]);
console.log('built dist/electron/{main,preload,pkcs11-worker}.cjs, dist/host/{host.mjs,bridge.js} and dist/cli/bastion.mjs');
