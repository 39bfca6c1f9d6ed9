#!/usr/bin/env node
// @ts-check
// Installs what the tests need on a fresh Debian machine: the Debian packages of the test bed
// (XMPP servers, SoftHSM2/PKCS#11 tools, Chromium, Xvfb, ...) and node_modules.
// Idempotent and fast when everything is already there (one dpkg-query per package, two stat calls).
//
//   node scripts/install-deps.mjs            install what is missing
//   node scripts/install-deps.mjs --check    only report; exit 1 when something is missing
//   node scripts/install-deps.mjs --no-deb   skip the Debian packages
//   node scripts/install-deps.mjs --no-npm   skip node_modules
//
// scripts/test.mjs (npm test) calls installAll() before building and testing.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, describeExit, formatDuration, isMain, run } from './lib/proc.mjs';

/** Debian packages the test bed and the end-to-end tests use. */
export const TEST_DEB_PACKAGES = Object.freeze([
  'prosody',
  'prosody-modules',
  'ejabberd',
  'softhsm2',
  'opensc',
  'gnutls-bin',
  'libgnutls28-dev',
  // node-gyp finds GnuTLS through pkg-config (native/gnutls/binding.gyp); libgnutls28-dev does not pull it in.
  'pkgconf',
  'p11-kit',
  'chromium',
  'go-sendxmpp',
  'python3-slixmpp',
  'tshark',
  'xvfb',
  'xauth',
]);

/** Keeps maintainer scripts from starting services (prosody/ejabberd would take port 5222). */
export const POLICY_RC_D = '/usr/sbin/policy-rc.d';
export const POLICY_RC_D_CONTENT = '#!/bin/sh\nexit 101\n';

/** Written into node_modules after a successful `npm ci`: sha256 of the package-lock.json it installed. */
const LOCK_STAMP = '.bastion-lock-sha256';

/**
 * @typedef {(line: string) => void} Logger
 * @typedef {typeof run} Runner
 * @typedef {{ ok: boolean, action: 'none' | 'installed' | 'skipped' | 'failed', detail: string, missing?: string[] }} StepResult
 */

/**
 * Is this Debian package installed? Uses `dpkg-query -W -f='${Status}\n' pkg`.
 * "install ok installed" / "hold ok installed" count; "deinstall ok config-files", half-installed and
 * unknown packages do not. One line per architecture for multi-arch packages: any installed one counts.
 * Throws when dpkg-query itself is not there (not a Debian system).
 * @param {string} pkg
 * @returns {boolean}
 */
export function isDebInstalled(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}\n', pkg], { encoding: 'utf8' });
  if (r.error) throw r.error;
  if (r.status !== 0) return false;
  return r.stdout
    .split('\n')
    .some((line) => line.trim().split(/\s+/)[2] === 'installed');
}

/**
 * The packages of the list that are not installed, in list order.
 * @param {readonly string[]} [packages]
 * @param {{ isInstalled?: (pkg: string) => boolean }} [opts]
 * @returns {string[]}
 */
export function missingDebPackages(packages = TEST_DEB_PACKAGES, opts = {}) {
  const isInstalled = opts.isInstalled ?? isDebInstalled;
  return packages.filter((pkg) => !isInstalled(pkg));
}

/** The line a non-root user has to run. @param {readonly string[]} missing */
export function sudoInstallLine(missing) {
  return `sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing.join(' ')}`;
}

/** Does `sudo -n true` work (passwordless sudo)? */
function canSudo() {
  const r = spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' });
  return !r.error && r.status === 0;
}

/**
 * Install the missing Debian packages. As root: apt-get update (only when something is missing), then
 * `DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ...`, with a policy-rc.d that
 * forbids starting services written for the duration (only if there is none; removed only if we wrote it).
 * Not root: uses `sudo -n` when it works without a password, else prints the sudo line and fails.
 * @param {{
 *   packages?: readonly string[],
 *   log?: Logger,
 *   checkOnly?: boolean,
 *   isInstalled?: (pkg: string) => boolean,
 *   isRoot?: boolean,
 *   sudo?: boolean,
 *   runner?: Runner,
 *   policyPath?: string,
 * }} [opts]  everything but packages/log/checkOnly is there for tests
 * @returns {Promise<StepResult>}
 */
export async function ensureDebPackages(opts = {}) {
  const packages = opts.packages ?? TEST_DEB_PACKAGES;
  const log = opts.log ?? console.log;
  const runner = opts.runner ?? run;
  const policyPath = opts.policyPath ?? POLICY_RC_D;

  let missing;
  try {
    missing = missingDebPackages(packages, { isInstalled: opts.isInstalled });
  } catch (err) {
    const e = /** @type {NodeJS.ErrnoException} */ (err);
    if (e.code === 'ENOENT') {
      // Not Debian: nothing we can check or install; the tests that need these tools will say so.
      return { ok: true, action: 'skipped', detail: `dpkg-query not found (not Debian?); make sure these are installed: ${packages.join(' ')}` };
    }
    throw err;
  }
  if (missing.length === 0) {
    return { ok: true, action: 'none', detail: `all ${packages.length} present`, missing };
  }
  if (opts.checkOnly) {
    return { ok: false, action: 'failed', detail: `missing: ${missing.join(' ')}`, missing };
  }

  const isRoot = opts.isRoot ?? process.getuid?.() === 0;
  const useSudo = !isRoot;
  if (useSudo) {
    if (!(opts.sudo ?? canSudo())) {
      log(`install-deps: missing Debian packages: ${missing.join(' ')}`);
      log(`install-deps: not root and sudo needs a password; run:\n  ${sudoInstallLine(missing)}`);
      return { ok: false, action: 'failed', detail: `missing (needs root): ${missing.join(' ')}`, missing };
    }
  }
  /** @param {string} cmd @param {string[]} args @param {NodeJS.ProcessEnv} env */
  const exec = (cmd, args, env) => (useSudo ? runner('sudo', ['-n', cmd, ...args], { env }) : runner(cmd, args, { env }));

  log(`install-deps: installing ${missing.length} Debian package(s): ${missing.join(' ')}`);
  // While we hold policy-rc.d, a Ctrl-C or SIGTERM must not kill us before it is removed: the signal
  // reaches (or is forwarded to) apt-get, we stop after it and the finally block cleans up.
  let interrupted = /** @type {NodeJS.Signals | null} */ (null);
  const onSignal = (/** @type {NodeJS.Signals} */ sig) => {
    interrupted = sig;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let createdPolicy = false;
  try {
    createdPolicy = await writePolicyRcD(policyPath, useSudo, runner, log);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const update = await exec('apt-get', ['update'], env);
    if (update.code !== 0 || interrupted) {
      return { ok: false, action: 'failed', detail: interrupted ? `interrupted by ${interrupted}` : describeExit('apt-get update', update), missing };
    }
    const install = await exec(
      // sudo resets the environment
      useSudo ? 'env' : 'apt-get',
      [
        ...(useSudo ? ['DEBIAN_FRONTEND=noninteractive', 'apt-get'] : []),
        'install',
        '-y',
        '--no-install-recommends',
        // wait for a dpkg lock held by e.g. unattended-upgrades on a fresh machine instead of failing
        '-o',
        'DPkg::Lock::Timeout=300',
        ...missing,
      ],
      env,
    );
    if (install.code !== 0 || interrupted) {
      return { ok: false, action: 'failed', detail: interrupted ? `interrupted by ${interrupted}` : describeExit('apt-get install', install), missing };
    }
  } finally {
    if (createdPolicy) {
      if (useSudo) spawnSync('sudo', ['-n', 'rm', '-f', policyPath], { stdio: 'ignore' });
      else fs.rmSync(policyPath, { force: true });
      log(`install-deps: removed ${policyPath}`);
    }
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }

  const still = missingDebPackages(missing, { isInstalled: opts.isInstalled });
  if (still.length) {
    return { ok: false, action: 'failed', detail: `still missing after apt-get install: ${still.join(' ')}`, missing };
  }
  return { ok: true, action: 'installed', detail: `installed ${missing.join(' ')}`, missing };
}

/**
 * Write policy-rc.d (exit 101 = "action forbidden") unless one exists. Returns whether we wrote it.
 * @param {string} policyPath
 * @param {boolean} useSudo  false as root
 * @param {Runner} runner
 * @param {Logger} log
 */
async function writePolicyRcD(policyPath, useSudo, runner, log) {
  if (fs.existsSync(policyPath)) return false;
  if (!useSudo) {
    fs.writeFileSync(policyPath, POLICY_RC_D_CONTENT, { mode: 0o755 });
    fs.chmodSync(policyPath, 0o755);
  } else {
    const script = `printf '#!/bin/sh\\nexit 101\\n' > '${policyPath}' && chmod 755 '${policyPath}'`;
    const r = await runner('sudo', ['-n', 'sh', '-c', script]);
    if (r.code !== 0) {
      log(`install-deps: could not write ${policyPath} (${describeExit('sudo sh', r)}); services may start`);
      return false;
    }
  }
  log(`install-deps: wrote ${policyPath} (no service starts during the install)`);
  return true;
}

/**
 * Why node_modules needs `npm ci`, or null when it is up to date:
 * node_modules missing, node_modules/.package-lock.json missing, or package-lock.json newer than it
 * (unless the stamp we write after `npm ci` shows the lock's content is the one installed: a fresh
 * checkout gives package-lock.json a new mtime without changing it).
 * @param {string} [root]
 * @returns {string | null}
 */
export function nodeModulesStale(root = REPO_ROOT) {
  const nm = path.join(root, 'node_modules');
  const lock = path.join(root, 'package-lock.json');
  const hidden = path.join(nm, '.package-lock.json');
  if (!fs.existsSync(nm)) return 'node_modules is missing';
  if (!fs.existsSync(hidden)) return 'node_modules/.package-lock.json is missing';
  if (!fs.existsSync(lock)) return null; // nothing to compare with; npm ci would fail anyway
  if (fs.statSync(lock).mtimeMs <= fs.statSync(hidden).mtimeMs) return null;
  const stamp = path.join(nm, LOCK_STAMP);
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8').trim() === sha256File(lock)) return null;
  return 'package-lock.json is newer than node_modules/.package-lock.json';
}

/** @param {string} file */
function sha256File(file) {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/**
 * Run `npm ci` (ELECTRON_SKIP_BINARY_DOWNLOAD=1: Electron's binary cannot be downloaded here) when
 * nodeModulesStale() says so.
 * @param {{ root?: string, log?: Logger, checkOnly?: boolean, runner?: Runner }} [opts]
 * @returns {Promise<StepResult>}
 */
export async function ensureNodeModules(opts = {}) {
  const root = opts.root ?? REPO_ROOT;
  const log = opts.log ?? console.log;
  const runner = opts.runner ?? run;
  const reason = nodeModulesStale(root);
  if (!reason) return { ok: true, action: 'none', detail: 'node_modules up to date' };
  if (opts.checkOnly) return { ok: false, action: 'failed', detail: reason };
  log(`install-deps: npm ci (${reason})`);
  const r = await runner('npm', ['ci'], {
    cwd: root,
    env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' },
  });
  if (r.code !== 0) return { ok: false, action: 'failed', detail: describeExit('npm ci', r) };
  try {
    fs.writeFileSync(path.join(root, 'node_modules', LOCK_STAMP), `${sha256File(path.join(root, 'package-lock.json'))}\n`);
  } catch {
    // the stamp only saves a reinstall; not worth failing over
  }
  return { ok: true, action: 'installed', detail: `npm ci (${reason})` };
}

/**
 * Both steps, one line each with its duration. Stops after the first failure.
 * @param {{ deb?: boolean, npm?: boolean, checkOnly?: boolean, log?: Logger }} [opts]
 * @returns {Promise<{ ok: boolean, steps: Array<StepResult & { name: string, durationMs: number }> }>}
 */
export async function installAll(opts = {}) {
  const log = opts.log ?? console.log;
  /** @type {Array<StepResult & { name: string, durationMs: number }>} */
  const steps = [];
  /** @type {Array<[string, boolean, () => Promise<StepResult>]>} */
  const plan = [
    ['debian packages', opts.deb ?? true, () => ensureDebPackages({ log, checkOnly: opts.checkOnly })],
    ['node_modules', opts.npm ?? true, () => ensureNodeModules({ log, checkOnly: opts.checkOnly })],
  ];
  for (const [name, enabled, fn] of plan) {
    if (!enabled) continue;
    const t0 = performance.now();
    /** @type {StepResult} */
    let res;
    try {
      res = await fn();
    } catch (err) {
      res = { ok: false, action: 'failed', detail: err instanceof Error ? err.message : String(err) };
    }
    const durationMs = Math.round(performance.now() - t0);
    steps.push({ name, durationMs, ...res });
    log(`install-deps: ${name}: ${res.ok ? '' : 'FAILED: '}${res.detail} (${formatDuration(durationMs)})`);
    if (!res.ok) return { ok: false, steps };
  }
  return { ok: true, steps };
}

if (isMain(import.meta.url)) {
  const args = process.argv.slice(2);
  const known = new Set(['--check', '--no-deb', '--no-npm', '--help', '-h']);
  const unknown = args.filter((a) => !known.has(a));
  if (unknown.length || args.includes('--help') || args.includes('-h')) {
    if (unknown.length) console.error(`install-deps: unknown option(s): ${unknown.join(' ')}`);
    console.error('usage: node scripts/install-deps.mjs [--check] [--no-deb] [--no-npm]');
    process.exit(unknown.length ? 2 : 0);
  }
  const { ok } = await installAll({
    deb: !args.includes('--no-deb'),
    npm: !args.includes('--no-npm'),
    checkOnly: args.includes('--check'),
  });
  process.exit(ok ? 0 : 1);
}
