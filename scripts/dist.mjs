#!/usr/bin/env node
// @ts-check
// Installers (issue 8): build, write the policy JSON Schema, run electron-builder with
// build/electron-builder.yml.
//
//   node scripts/dist.mjs linux   AppImage, deb, rpm            npm run dist:linux
//   node scripts/dist.mjs win     MSI, NSIS (Windows, or Wine)  npm run dist:win
//   node scripts/dist.mjs dir     unpacked app for this OS      npm run dist:dir
//   options: --no-build (use dist/ as it is), --publish never|always|onTag (default never)
//
// Environment:
//   BASTION_ELECTRON_DIST   an unpacked Electron (default: node_modules/electron/dist when the
//                           Electron package downloaded its binary); else electron-builder
//                           downloads the Electron zip
//   BASTION_GNUTLS_DLL_DIR  Windows: where the GnuTLS DLLs are (default C:/msys64/mingw64/bin)
//   CSC_LINK / CSC_KEY_PASSWORD, WIN_CSC_LINK …  code signing, as electron-builder documents
//
// Output in release/. Only `dir` works on machines without network access to GitHub: every
// other target downloads tools (appimagetool, fpm, NSIS, WiX) and, without BASTION_ELECTRON_DIST,
// Electron itself. docs/admin.md "Building installers" says what can be built where.

import { build as esbuild } from 'esbuild';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT, describeExit, isMain, run } from './lib/proc.mjs';

export const CONFIG_FILE = 'build/electron-builder.yml';
export const POLICY_SCHEMA_FILE = path.join('dist', 'policy', 'policy.schema.json');
export const DEFAULT_GNUTLS_DLL_DIR = 'C:/msys64/mingw64/bin';

/** @typedef {'linux' | 'win' | 'dir'} DistTarget */
/** @type {readonly DistTarget[]} */
export const DIST_TARGETS = Object.freeze(['linux', 'win', 'dir']);

/**
 * electron-builder's CLI-equivalent target selection for one of ours.
 * @param {DistTarget} target
 * @param {NodeJS.Platform} [hostPlatform]
 * @returns {{ platform: 'linux' | 'win' | 'mac', targets: string[] | undefined }}  undefined: the config's list
 */
export function builderTargets(target, hostPlatform = process.platform) {
  switch (target) {
    case 'linux':
      return { platform: 'linux', targets: undefined };
    case 'win':
      return { platform: 'win', targets: undefined };
    case 'dir':
      return { platform: hostPlatform === 'win32' ? 'win' : hostPlatform === 'darwin' ? 'mac' : 'linux', targets: ['dir'] };
  }
}

/**
 * Writes dist/policy/policy.schema.json from the zod schema of the policy file
 * (shared/policy/schema.ts `policyJsonSchema()`): shipped in the package and next to it, for
 * admins' editors. The TypeScript module is bundled in memory with esbuild and imported.
 * @param {string} [root]
 * @returns {Promise<string>} the file written
 */
export async function writePolicySchema(root = REPO_ROOT) {
  const out = await esbuild({
    absWorkingDir: root,
    entryPoints: ['shared/policy/schema.ts'],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    write: false,
    logLevel: 'warning',
  });
  const code = out.outputFiles[0]?.text ?? '';
  const mod = await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
  if (typeof mod.policyJsonSchema !== 'function') throw new Error('shared/policy/schema.ts exports no policyJsonSchema()');
  const schema = { title: 'Bastion admin policy (policy.json)', ...mod.policyJsonSchema() };
  const file = path.join(root, POLICY_SCHEMA_FILE);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(schema, null, 2)}\n`);
  return file;
}

/** What the package is built from; a missing one means `npm run build` did not run. */
export const BUILD_INPUTS = Object.freeze([
  'dist/electron/main.cjs',
  'dist/electron/preload.cjs',
  'dist/electron/pkcs11-worker.cjs',
  'dist/renderer/index.html',
  'native/gnutls/build/Release/bastion_gnutls.node',
  'node_modules/pkcs11js/build/Release/pkcs11.node',
  'node_modules/better-sqlite3-multiple-ciphers/build/Release/better_sqlite3.node',
]);

/** @param {string} root */
export function missingBuildInputs(root = REPO_ROOT) {
  return BUILD_INPUTS.filter((f) => !fs.existsSync(path.join(root, f)));
}

/**
 * An unpacked Electron to package instead of downloading one: BASTION_ELECTRON_DIST, else the
 * Electron npm package's own dist/ when its binary was downloaded.
 * @param {string} root
 * @param {NodeJS.ProcessEnv} env
 */
export function localElectronDist(root = REPO_ROOT, env = process.env) {
  if (env.BASTION_ELECTRON_DIST) return path.resolve(env.BASTION_ELECTRON_DIST);
  const dist = path.join(root, 'node_modules', 'electron', 'dist');
  return fs.existsSync(path.join(dist, 'version')) ? dist : undefined;
}

/**
 * Build output of the native npm packages that electron-builder rebuilds in place for Electron
 * (npmRebuild): without network access the rebuild deletes them and fails; with it, they are left
 * built for Electron, and the Node tests and CLI can no longer load them.
 */
export const NATIVE_BUILD_DIRS = Object.freeze(['node_modules/better-sqlite3-multiple-ciphers/build', 'node_modules/pkcs11js/build']);

/**
 * Runs `fn` and puts NATIVE_BUILD_DIRS back as they were afterwards, whether it worked or not:
 * the package keeps the Electron builds it copied, node_modules keeps the Node ones.
 * @template T
 * @param {string} root
 * @param {() => Promise<T>} fn
 * @param {readonly string[]} [dirs]
 * @returns {Promise<T>}
 */
export async function withNodeBuildsPreserved(root, fn, dirs = NATIVE_BUILD_DIRS) {
  const backup = fs.mkdtempSync(path.join(os.tmpdir(), 'bastion-native-builds-'));
  const saved = dirs.filter((d) => fs.existsSync(path.join(root, d)));
  try {
    saved.forEach((d, i) => fs.cpSync(path.join(root, d), path.join(backup, String(i)), { recursive: true, verbatimSymlinks: true }));
    return await fn();
  } finally {
    saved.forEach((d, i) => {
      fs.rmSync(path.join(root, d), { recursive: true, force: true });
      fs.cpSync(path.join(backup, String(i)), path.join(root, d), { recursive: true, verbatimSymlinks: true });
    });
    fs.rmSync(backup, { recursive: true, force: true });
  }
}

/**
 * Runs electron-builder (its Node API, the same as its CLI) for `target` with
 * build/electron-builder.yml, plus `overrides` merged on top (tests: a stub electronDist,
 * npmRebuild off, a temporary output directory).
 * @param {{ target: DistTarget, root?: string, overrides?: Record<string, unknown>, publish?: 'never' | 'always' | 'onTag' | 'onTagOrDraft' }} opts
 * @returns {Promise<string[]>} the artifacts electron-builder reports
 */
export async function packageApp(opts) {
  const root = opts.root ?? REPO_ROOT;
  const builder = await import('electron-builder');
  const { platform, targets } = builderTargets(opts.target);
  const plat = platform === 'linux' ? builder.Platform.LINUX : platform === 'win' ? builder.Platform.WINDOWS : builder.Platform.MAC;
  const electronDist = localElectronDist(root);
  // electron-builder resolves hook paths ("./scripts/installer/after-pack.mjs") against the working directory.
  const cwd = process.cwd();
  const build = () =>
    builder.build({
      projectDir: root,
      targets: plat.createTarget(targets),
      publish: opts.publish ?? 'never',
      config: {
        extends: CONFIG_FILE,
        ...(electronDist ? { electronDist } : {}),
        ...opts.overrides,
      },
    });
  process.chdir(root);
  try {
    return opts.overrides?.npmRebuild === false ? await build() : await withNodeBuildsPreserved(root, build);
  } finally {
    process.chdir(cwd);
  }
}

/**
 * @param {readonly string[]} argv
 * @returns {Promise<number>}
 */
export async function main(argv) {
  const target = /** @type {DistTarget | undefined} */ (DIST_TARGETS.find((t) => t === argv[0]));
  const rest = argv.slice(1);
  const publishAt = rest.indexOf('--publish');
  const publish = publishAt >= 0 ? rest[publishAt + 1] : 'never';
  const unknown = rest.filter((a, i) => a !== '--no-build' && a !== '--publish' && !(publishAt >= 0 && i === publishAt + 1));
  if (!target || unknown.length > 0 || !['never', 'always', 'onTag', 'onTagOrDraft'].includes(publish ?? '')) {
    console.error('usage: node scripts/dist.mjs linux|win|dir [--no-build] [--publish never|always|onTag|onTagOrDraft]');
    return 2;
  }
  if (!rest.includes('--no-build')) {
    const r = await run('npm', ['run', 'build']);
    if (r.code !== 0) {
      console.error(`dist: ${describeExit('npm run build', r)}`);
      return 1;
    }
  }
  const missing = missingBuildInputs();
  if (missing.length > 0) {
    console.error(`dist: missing build output (run npm run build): ${missing.join(', ')}`);
    return 1;
  }
  console.log(`dist: wrote ${path.relative(REPO_ROOT, await writePolicySchema())}`);
  if (target === 'win') {
    process.env.BASTION_GNUTLS_DLL_DIR ??= DEFAULT_GNUTLS_DLL_DIR;
    if (!fs.existsSync(path.join(process.env.BASTION_GNUTLS_DLL_DIR, 'libgnutls-30.dll'))) {
      console.error(`dist: no libgnutls-30.dll in ${process.env.BASTION_GNUTLS_DLL_DIR}: install MSYS2 GnuTLS or set BASTION_GNUTLS_DLL_DIR (native/gnutls/README.md)`);
      return 1;
    }
  }
  const artifacts = await packageApp({ target, publish: /** @type {'never'} */ (publish) });
  for (const a of artifacts) console.log(`dist: ${path.relative(REPO_ROOT, a)}`);
  return 0;
}

if (isMain(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}

