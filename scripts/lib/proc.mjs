// @ts-check
// Small process helpers shared by scripts/install-deps.mjs and scripts/test.mjs.
// Plain Node, no dependencies.

import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Repository root (scripts/lib/ is two levels below it). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * @typedef {object} RunResult
 * @property {number | null} code   exit code, null when killed by a signal or not started
 * @property {NodeJS.Signals | null} signal
 * @property {Error} [error]        spawn error (e.g. ENOENT)
 */

/**
 * Run a command with inherited stdio (output streams straight to our stdout/stderr).
 * SIGINT/SIGTERM sent to this process while the child runs are forwarded to it.
 * @param {string} cmd
 * @param {readonly string[]} args
 * @param {{ cwd?: string, env?: NodeJS.ProcessEnv, stdio?: 'inherit' | 'ignore' | 'pipe' }} [opts]
 * @returns {Promise<RunResult>}
 */
export function run(cmd, args, opts = {}) {
  return new Promise((resolve) => {
    /** @type {import('node:child_process').ChildProcess} */
    let child;
    try {
      child = spawn(cmd, args, {
        cwd: opts.cwd ?? REPO_ROOT,
        env: opts.env ?? process.env,
        stdio: opts.stdio ?? 'inherit',
      });
    } catch (err) {
      resolve({ code: null, signal: null, error: /** @type {Error} */ (err) });
      return;
    }
    /** @param {NodeJS.Signals} sig */
    const forward = (sig) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    };
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    const done = () => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
    };
    child.once('error', (error) => {
      done();
      resolve({ code: null, signal: null, error });
    });
    child.once('close', (code, signal) => {
      done();
      resolve({ code, signal });
    });
  });
}

/**
 * "npm ci exited with code 1" / "... was killed by SIGTERM" / "... could not start: ENOENT".
 * @param {string} what
 * @param {RunResult} r
 */
export function describeExit(what, r) {
  if (r.error) return `${what} could not start: ${r.error.message}`;
  if (r.signal) return `${what} was killed by ${r.signal}`;
  return `${what} exited with code ${r.code}`;
}

/**
 * 0.04s / 12.3s / 2m05s
 * @param {number} ms
 */
export function formatDuration(ms) {
  if (ms < 10_000) return `${(ms / 1000).toFixed(2)}s`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/**
 * True when the module with this import.meta.url is the script node was started with.
 * @param {string} metaUrl
 */
export function isMain(metaUrl) {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return pathToFileURL(path.resolve(entry)).href === metaUrl;
  } catch {
    return false;
  }
}
