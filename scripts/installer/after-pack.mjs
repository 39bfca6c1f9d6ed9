// @ts-check
// electron-builder `afterPack` hook (build/electron-builder.yml): flips Bastion's Electron fuses
// in the packaged binary — after the app is copied in, before anything is signed, so that the
// signature covers the flipped bits (electronjs.org/docs/latest/tutorial/fuses) — reads them
// back, and fails the build if any is not what BASTION_FUSES says. It also removes Electron's
// default app, and on Windows checks that the GnuTLS DLLs of `win.extraFiles` are next to
// Bastion.exe.
import fs from 'node:fs';
import path from 'node:path';
import { FuseState, FuseV1Options, FuseVersion, flipFuses, getCurrentFuseWire } from '@electron/fuses';

/**
 * Each fuse Bastion sets, and why. Fuses not listed keep Electron's default
 * (WasmTrapHandlers: on).
 * @type {Readonly<Record<number, boolean>>}
 */
export const BASTION_FUSES = Object.freeze({
  // ELECTRON_RUN_AS_NODE would turn the signed binary into a general-purpose Node.
  [FuseV1Options.RunAsNode]: false,
  // Chromium's cookie store encrypted with the OS keystore (the app sets no cookies; belt and braces).
  [FuseV1Options.EnableCookieEncryption]: true,
  // NODE_OPTIONS could --require arbitrary code into the main process.
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  // --inspect / --inspect-brk would open a debugger on the main process.
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  // Electron checks app.asar against the hash embedded at package time (macOS, Windows).
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  // Only app.asar is loaded: no loose resources/app/ folder can replace the code.
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
  // No custom V8 snapshot for the browser process.
  [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
  // The renderer is served from app://, never file://: file: pages get no extra privileges.
  [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
});

/** electron-builder's Arch.arm64 (builder-util). */
const ARCH_ARM64 = 3;

/**
 * @typedef {{
 *   appOutDir: string,
 *   electronPlatformName: string,
 *   arch: number,
 *   packager: {
 *     appInfo: { productFilename: string },
 *     executableName?: string,
 *     config: { win?: { extraFiles?: unknown } | null },
 *   },
 * }} AfterPackContext  the part of electron-builder's AfterPackContext this hook reads
 */

/**
 * The file that holds the fuse wire, as electron-builder names the executable per platform.
 * @param {AfterPackContext} context
 */
export function electronBinaryPath(context) {
  const { appOutDir, electronPlatformName, packager } = context;
  switch (electronPlatformName) {
    case 'linux':
      return path.join(appOutDir, packager.executableName ?? packager.appInfo.productFilename);
    case 'win32':
      return path.join(appOutDir, `${packager.appInfo.productFilename}.exe`);
    case 'darwin':
    case 'mas':
      return path.join(appOutDir, `${packager.appInfo.productFilename}.app`);
    default:
      throw new Error(`after-pack: no fuse location known for platform ${electronPlatformName}`);
  }
}

/**
 * Names of the fuses whose state in `wire` differs from BASTION_FUSES ([] = all as configured).
 * @param {Record<string, unknown>} wire  getCurrentFuseWire() result
 */
export function fuseMismatches(wire) {
  /** @type {string[]} */
  const bad = [];
  for (const [index, want] of Object.entries(BASTION_FUSES)) {
    const expected = want ? FuseState.ENABLE : FuseState.DISABLE;
    if (wire[index] !== expected) bad.push(`${FuseV1Options[Number(index)]} (wanted ${want ? 'on' : 'off'}, found ${describeState(wire[index])})`);
  }
  return bad;
}

/** @param {unknown} state */
function describeState(state) {
  if (state === FuseState.ENABLE) return 'on';
  if (state === FuseState.DISABLE) return 'off';
  if (state === FuseState.REMOVED) return 'removed';
  return state === undefined ? 'absent (fuse wire too short)' : `byte ${String(state)}`;
}

/**
 * Flips the fuses and verifies them.
 * @param {AfterPackContext} context
 */
export async function applyFuses(context) {
  const binary = electronBinaryPath(context);
  await flipFuses(binary, {
    version: FuseVersion.V1,
    // An arm64 macOS binary must be re-signed (ad hoc) after its bytes change, or it will not start.
    resetAdHocDarwinSignature: context.electronPlatformName === 'darwin' && context.arch === ARCH_ARM64,
    ...BASTION_FUSES,
  });
  const bad = fuseMismatches(await getCurrentFuseWire(binary));
  if (bad.length > 0) throw new Error(`after-pack: fuses not as configured in ${binary}: ${bad.join(', ')}`);
  console.log(`  • after-pack: ${Object.keys(BASTION_FUSES).length} fuses set and verified in ${path.basename(binary)}`);
}

/**
 * The GnuTLS DLLs electron-builder.yml lists (win.extraFiles filters) that are missing from the
 * packaged app directory: electron-builder skips a missing source file silently.
 * @param {AfterPackContext} context
 */
export function missingWindowsDlls(context) {
  const extra = /** @type {Array<string | { filter?: string | string[] }>} */ ([context.packager.config.win?.extraFiles ?? []].flat());
  const dlls = extra.flatMap((e) => (typeof e === 'string' ? [] : [e.filter ?? []].flat())).filter((f) => f.toLowerCase().endsWith('.dll'));
  return dlls.filter((dll) => !fs.existsSync(path.join(context.appOutDir, dll)));
}

/**
 * The Resources directory of the packaged app.
 * @param {AfterPackContext} context
 */
export function resourcesDir(context) {
  const { appOutDir, electronPlatformName, packager } = context;
  return electronPlatformName === 'darwin' || electronPlatformName === 'mas'
    ? path.join(appOutDir, `${packager.appInfo.productFilename}.app`, 'Contents', 'Resources')
    : path.join(appOutDir, 'resources');
}

/**
 * Electron's default app (the "drop an app here" page that loads any path or URL it is given)
 * comes with an unpacked Electron distribution (electronDist); electron-builder removes it only
 * from a downloaded zip. Bastion never needs it: remove it.
 * @param {AfterPackContext} context
 * @returns {boolean} whether there was one
 */
export function removeDefaultApp(context) {
  const file = path.join(resourcesDir(context), 'default_app.asar');
  if (!fs.existsSync(file)) return false;
  fs.rmSync(file);
  return true;
}

/** @param {AfterPackContext} context */
export async function afterPack(context) {
  if (removeDefaultApp(context)) console.log('  • after-pack: removed resources/default_app.asar');
  if (context.electronPlatformName === 'win32') {
    const missing = missingWindowsDlls(context);
    if (missing.length > 0) {
      throw new Error(`after-pack: GnuTLS DLLs missing from the package (set BASTION_GNUTLS_DLL_DIR, see native/gnutls/README.md): ${missing.join(', ')}`);
    }
  }
  await applyFuses(context);
}

export default afterPack;
