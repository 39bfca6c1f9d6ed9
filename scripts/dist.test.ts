import { FuseState, FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { createPackage, extractFile, listPackage } from '@electron/asar';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASTION_FUSES, electronBinaryPath, fuseMismatches, missingWindowsDlls } from './installer/after-pack.mjs';
import { RENDERER_CSP } from '../electron/main/app/renderer-files';
import { builderTargets, missingBuildInputs, packageApp, POLICY_SCHEMA_FILE, withNodeBuildsPreserved, writePolicySchema } from './dist.mjs';

// The installer layout (issue 8): `electron-builder --dir` with build/electron-builder.yml, the
// real afterPack hook and the real build output, against a STUB Electron distribution — no
// Electron binary can be downloaded here. The stub "electron" is a shell script followed by the
// fuse sentinel and a fuse wire holding Electron 41's defaults, so @electron/fuses flips it as it
// would the real binary and the test reads the flipped bytes back. npmRebuild is off: rebuilding
// better-sqlite3 for Electron downloads Electron's headers (a release build does it).
// Needs `npm run build` first (npm test runs it).

const root = path.resolve(import.meta.dirname, '..');
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
// Electron's defaults: RunAsNode on, cookie encryption off, NODE_OPTIONS on, --inspect on,
// asar integrity off, only-asar off, V8 snapshot off, file: privileges on, Wasm trap handlers on.
const DEFAULT_WIRE = '101100011';

let tmp: string;
let appDir: string;
let resources: string;
let asarFiles: string[];

async function stubElectron(dir: string): Promise<void> {
  fs.mkdirSync(path.join(dir, 'resources'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'locales'), { recursive: true });
  const wire = Buffer.concat([Buffer.from([1, DEFAULT_WIRE.length]), Buffer.from(DEFAULT_WIRE)]);
  fs.writeFileSync(path.join(dir, 'electron'), Buffer.concat([Buffer.from('#!/bin/sh\necho stub electron\nexit 0\n# '), Buffer.from(SENTINEL), wire, Buffer.from('\n')]), { mode: 0o755 });
  // An unpacked Electron carries its default app; the hook must remove it.
  const defaultApp = path.join(dir, 'default-app-src');
  fs.mkdirSync(defaultApp);
  fs.writeFileSync(path.join(defaultApp, 'package.json'), '{"name":"electron","main":"main.js"}');
  await createPackage(defaultApp, path.join(dir, 'resources', 'default_app.asar'));
  fs.rmSync(defaultApp, { recursive: true });
  fs.writeFileSync(path.join(dir, 'locales', 'en-US.pak'), 'stub');
  fs.writeFileSync(path.join(dir, 'version'), '41.10.0');
  fs.writeFileSync(path.join(dir, 'LICENSE'), 'stub');
}

describe.runIf(process.platform === 'linux')('the packaged app (electron-builder --dir, stub Electron)', () => {
  beforeAll(async () => {
    const missing = missingBuildInputs(root);
    if (missing.length > 0) throw new Error(`run \`npm run build\` first (npm test does); missing: ${missing.join(', ')}`);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bastion-dist-'));
    await stubElectron(path.join(tmp, 'electron-dist'));
    await writePolicySchema(root);
    const t0 = performance.now();
    await packageApp({
      target: 'dir',
      root,
      overrides: { electronDist: path.join(tmp, 'electron-dist'), npmRebuild: false, directories: { output: path.join(tmp, 'release') } },
    });
    console.log(`electron-builder --dir: ${Math.round(performance.now() - t0)} ms`);
    appDir = path.join(tmp, 'release', 'linux-unpacked');
    resources = path.join(appDir, 'resources');
    asarFiles = listPackage(path.join(resources, 'app.asar'), { isPack: false }).map((f) => f.split(path.sep).join('/'));
  }, 180_000);

  afterAll(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('is the renamed Electron binary with Bastion in resources/app.asar, and no default app', () => {
    expect(fs.statSync(path.join(appDir, 'bastion')).mode & 0o111).not.toBe(0);
    expect(fs.existsSync(path.join(appDir, 'electron'))).toBe(false);
    expect(fs.existsSync(path.join(resources, 'app.asar'))).toBe(true);
    expect(fs.existsSync(path.join(resources, 'app'))).toBe(false);
    expect(fs.existsSync(path.join(resources, 'default_app.asar'))).toBe(false);
  });

  it('app.asar holds the main process, the preload, the card worker and the renderer, and package.json points at main', () => {
    for (const f of ['/dist/electron/main.cjs', '/dist/electron/preload.cjs', '/dist/electron/pkcs11-worker.cjs', '/dist/renderer/index.html', '/package.json']) {
      expect(asarFiles).toContain(f);
    }
    expect(asarFiles.filter((f) => /^\/dist\/renderer\/assets\/index-[\w-]+\.js$/.test(f))).toHaveLength(1);
    const pkg = JSON.parse(extractFile(path.join(resources, 'app.asar'), 'package.json').toString()) as { main: string; devDependencies?: unknown };
    expect(pkg.main).toBe('dist/electron/main.cjs');
    expect(pkg.devDependencies).toBeUndefined();
  });

  it('ships nothing but the app: no sources, tests, source maps, browser host, CLI bundle or unused node_modules', () => {
    const stray = asarFiles.filter(
      (f) => /\.(ts|tsx|map)$/.test(f) || /^\/(electron|shared|renderer|test|e2e|scripts|bench|build|reports)\//.test(f) || /^\/dist\/(host|cli|tsc)\//.test(f),
    );
    expect(stray).toEqual([]);
    const modules = new Set(asarFiles.filter((f) => f.startsWith('/node_modules/')).map((f) => f.split('/')[2]));
    expect([...modules].sort()).toEqual(['better-sqlite3-multiple-ciphers', 'bindings', 'file-uri-to-path', 'pkcs11js']);
  });

  it('the native addons and the card worker are unpacked from the archive (app.asar.unpacked)', () => {
    const unpacked = path.join(resources, 'app.asar.unpacked');
    for (const f of [
      'native/gnutls/build/Release/bastion_gnutls.node',
      'node_modules/pkcs11js/build/Release/pkcs11.node',
      'node_modules/pkcs11js/index.js',
      'node_modules/better-sqlite3-multiple-ciphers/build/Release/better_sqlite3.node',
      'dist/electron/pkcs11-worker.cjs',
    ]) {
      expect(fs.existsSync(path.join(unpacked, f)), f).toBe(true);
    }
    // Only the runtime file of each native package: no build intermediates, no test extension.
    const sqlite = path.join(unpacked, 'node_modules/better-sqlite3-multiple-ciphers/build/Release');
    expect(fs.readdirSync(sqlite)).toEqual(['better_sqlite3.node']);
  });

  it('the fuses are flipped in the binary: RunAsNode, NODE_OPTIONS, --inspect, file: privileges off; only-asar, asar integrity, cookie encryption on', async () => {
    const wire = (await getCurrentFuseWire(path.join(appDir, 'bastion'))) as unknown as Record<string, number>;
    expect(fuseMismatches(wire)).toEqual([]);
    const on = (i: FuseV1Options): boolean => wire[i] === FuseState.ENABLE;
    expect(on(FuseV1Options.RunAsNode)).toBe(false);
    expect(on(FuseV1Options.EnableNodeOptionsEnvironmentVariable)).toBe(false);
    expect(on(FuseV1Options.EnableNodeCliInspectArguments)).toBe(false);
    expect(on(FuseV1Options.GrantFileProtocolExtraPrivileges)).toBe(false);
    expect(on(FuseV1Options.OnlyLoadAppFromAsar)).toBe(true);
    expect(on(FuseV1Options.EnableEmbeddedAsarIntegrityValidation)).toBe(true);
    expect(on(FuseV1Options.EnableCookieEncryption)).toBe(true);
    // A fuse Bastion does not configure keeps Electron's default.
    expect(on(FuseV1Options.WasmTrapHandlers)).toBe(true);
  });

  it('ships the policy JSON Schema next to the app (resources/policy/policy.schema.json)', () => {
    const schema = JSON.parse(fs.readFileSync(path.join(resources, 'policy', 'policy.schema.json'), 'utf8')) as { properties?: Record<string, unknown>; additionalProperties?: unknown };
    expect(Object.keys(schema.properties ?? {})).toEqual(expect.arrayContaining(['allowedDomains', 'trustAnchors', 'authMethods', 'minTlsVersion']));
    expect(schema.additionalProperties).toBe(false);
    expect(fs.readFileSync(path.join(resources, 'policy', 'policy.schema.json'), 'utf8')).toBe(fs.readFileSync(path.join(root, POLICY_SCHEMA_FILE), 'utf8'));
  });

  it('the packaged renderer carries the CSP <meta>, as strict as the app:// header except connect-src', () => {
    const html = extractFile(path.join(resources, 'app.asar'), 'dist/renderer/index.html').toString();
    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1];
    expect(meta).toBeDefined();
    const directives = (csp: string): string[] => csp.split(';').map((d) => d.trim()).filter((d) => d !== '');
    const header = directives(RENDERER_CSP).filter((d) => !d.startsWith('frame-ancestors') && !d.startsWith('connect-src'));
    expect(directives(meta ?? '')).toEqual(expect.arrayContaining(header));
    expect(meta).not.toMatch(/unsafe-|https?:|\*/);
  });
});

describe('after-pack hook', () => {
  const ctx = (platform: string, extra: Partial<{ appOutDir: string; extraFiles: unknown }> = {}) => ({
    appOutDir: extra.appOutDir ?? '/out',
    electronPlatformName: platform,
    arch: 1,
    packager: { appInfo: { productFilename: 'Bastion' }, executableName: 'bastion', config: { win: { extraFiles: extra.extraFiles } } },
  });

  it('finds the binary electron-builder produced on each platform', () => {
    expect(electronBinaryPath(ctx('linux'))).toBe(path.join('/out', 'bastion'));
    expect(electronBinaryPath(ctx('win32'))).toBe(path.join('/out', 'Bastion.exe'));
    expect(electronBinaryPath(ctx('darwin'))).toBe(path.join('/out', 'Bastion.app'));
  });

  it('names every fuse that is not as configured', () => {
    const good = Object.fromEntries(Object.entries(BASTION_FUSES).map(([i, on]) => [i, on ? FuseState.ENABLE : FuseState.DISABLE]));
    expect(fuseMismatches(good)).toEqual([]);
    expect(fuseMismatches({ ...good, [FuseV1Options.RunAsNode]: FuseState.ENABLE })).toEqual(['RunAsNode (wanted off, found on)']);
    const short: Record<string, number> = { ...good };
    delete short[FuseV1Options.GrantFileProtocolExtraPrivileges];
    expect(fuseMismatches(short)).toEqual(['GrantFileProtocolExtraPrivileges (wanted off, found absent (fuse wire too short))']);
  });

  it('on Windows, reports GnuTLS DLLs of win.extraFiles that did not reach the app directory', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bastion-dlls-'));
    try {
      fs.writeFileSync(path.join(dir, 'libgnutls-30.dll'), '');
      const c = ctx('win32', { appOutDir: dir, extraFiles: [{ from: 'x', to: '.', filter: ['libgnutls-30.dll', 'libnettle-8.dll'] }] });
      expect(missingWindowsDlls(c)).toEqual(['libnettle-8.dll']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('dist targets', () => {
  it('maps dist:linux, dist:win and dist:dir to electron-builder platforms and targets', () => {
    expect(builderTargets('linux')).toEqual({ platform: 'linux', targets: undefined });
    expect(builderTargets('win')).toEqual({ platform: 'win', targets: undefined });
    expect(builderTargets('dir', 'linux')).toEqual({ platform: 'linux', targets: ['dir'] });
    expect(builderTargets('dir', 'win32')).toEqual({ platform: 'win', targets: ['dir'] });
  });
});

describe('native builds in node_modules around a release build', () => {
  it('are put back as they were after electron-builder rebuilt (or, offline, deleted) them, also when the build fails', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bastion-native-'));
    try {
      const addon = path.join(dir, 'node_modules/better-sqlite3-multiple-ciphers/build/Release/better_sqlite3.node');
      fs.mkdirSync(path.dirname(addon), { recursive: true });
      fs.writeFileSync(addon, 'node build');
      const dirs = ['node_modules/better-sqlite3-multiple-ciphers/build', 'node_modules/absent/build'];
      // A rebuild for Electron that worked: the Node build comes back.
      await withNodeBuildsPreserved(dir, async () => fs.writeFileSync(addon, 'electron build'), dirs);
      expect(fs.readFileSync(addon, 'utf8')).toBe('node build');
      // An offline rebuild: @electron/rebuild deletes build/ and fails.
      await expect(
        withNodeBuildsPreserved(
          dir,
          async () => {
            fs.rmSync(path.join(dir, 'node_modules/better-sqlite3-multiple-ciphers/build'), { recursive: true });
            throw new Error('node-gyp failed to rebuild');
          },
          dirs,
        ),
      ).rejects.toThrow('node-gyp failed');
      expect(fs.readFileSync(addon, 'utf8')).toBe('node build');
      expect(fs.existsSync(path.join(dir, 'node_modules/absent'))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
