#!/usr/bin/env node
// @ts-check
// `npm test` (and CI through .ci/run): install what the tests need, build, run every suite once with
// vitest, and close with one line "N passed, N failed[, N skipped]".
//
//   node scripts/test.mjs [--unit] [--no-install] [--no-build] [vitest args...]
//
//   --unit        unit suites only (shared electron renderer scripts test/static: e2e/ and the rest of
//                 test/ are excluded), with BASTION_TESTBED=off
//   --no-install  skip scripts/install-deps.mjs
//   --no-build    skip `npm run build`
//   anything else is passed to `vitest run` (file filters, -t "name", --bail 1, ...)
//
// Writes reports/test-results.json (vitest's JSON reporter; read by scripts/conformance.mjs) and
// reports/test-run.json (start/end, steps with durations, counts, exit code).
// Exit code: 0 only when every step worked, vitest exited 0, no test failed and at least one test ran.

import fs from 'node:fs';
import path from 'node:path';
import { installAll } from './install-deps.mjs';
import { REPO_ROOT, describeExit, formatDuration, isMain, run } from './lib/proc.mjs';
import { formatSummary, judgeRun, readVitestJson } from './lib/summary.mjs';

export { countResults, formatSummary, judgeRun } from './lib/summary.mjs';

export const REPORTS_DIR = 'reports';
export const RESULTS_FILE = path.join(REPORTS_DIR, 'test-results.json');
export const RUN_FILE = path.join(REPORTS_DIR, 'test-run.json');
/** Directories whose tests need no test bed. */
export const UNIT_DIRS = Object.freeze(['shared/', 'electron/', 'renderer/', 'scripts/', 'test/static/']);

/**
 * `--exclude` globs that leave only the unit suites: e2e/ and everything in test/ but test/static/.
 * (Exclusions, unlike vitest's file filters, combine with a user's filters as "and", and match by
 * path, not by substring: a filter "electron/" would also pick e2e/electron/x.test.ts.)
 * Built from test/'s actual entries, because tinyglobby mis-prunes an extglob like test/!(static)/**.
 * @param {ReadonlyArray<{ name: string, isDirectory(): boolean }>} testEntries  entries of test/
 * @returns {string[]}
 */
export function unitExcludes(testEntries) {
  return [
    'e2e/**',
    ...testEntries
      .filter((e) => e.name !== 'static')
      .map((e) => (e.isDirectory() ? `test/${e.name}/**` : `test/${e.name}`))
      .sort(),
  ];
}

/** @param {string} root */
function readTestEntries(root) {
  try {
    return fs.readdirSync(path.join(root, 'test'), { withFileTypes: true });
  } catch {
    return [];
  }
}

/**
 * @typedef {{ unit: boolean, install: boolean, build: boolean, vitestArgs: string[] }} Options
 */

/**
 * @param {readonly string[]} argv  process.argv.slice(2)
 * @returns {Options}
 */
export function parseArgs(argv) {
  /** @type {Options} */
  const o = { unit: false, install: true, build: true, vitestArgs: [] };
  for (const a of argv) {
    if (a === '--unit') o.unit = true;
    else if (a === '--no-install') o.install = false;
    else if (a === '--no-build') o.build = false;
    else o.vitestArgs.push(a);
  }
  return o;
}

/**
 * The vitest command line (without the binary). With --unit: the exclusions of unitExcludes(), and the
 * unit directories as file filters too when the user gave no arguments of their own (vitest ORs file
 * filters, so they would widen a user's filter).
 * @param {Options} o
 * @param {ReadonlyArray<{ name: string, isDirectory(): boolean }>} [testEntries]  entries of test/
 */
export function vitestArgv(o, testEntries = readTestEntries(REPO_ROOT)) {
  return [
    'run',
    // vitest 4: --reporter is repeatable; --outputFile.<reporter> sets one reporter's file
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${RESULTS_FILE}`,
    ...(o.unit ? unitExcludes(testEntries).map((g) => `--exclude=${g}`) : []),
    ...(o.unit && o.vitestArgs.length === 0 ? UNIT_DIRS : []),
    ...o.vitestArgs,
  ];
}

/**
 * @typedef {{ name: string, status: 'ok' | 'failed' | 'skipped', durationMs: number, detail?: string }} StepRecord
 */

/** @param {string} line */
const say = (line) => console.log(`test: ${line}`);

/**
 * @param {readonly string[]} argv
 * @returns {Promise<number>} exit code
 */
export async function main(argv) {
  const opts = parseArgs(argv);
  const startedAt = new Date();
  /** @type {StepRecord[]} */
  const steps = [];
  fs.mkdirSync(path.join(REPO_ROOT, REPORTS_DIR), { recursive: true });

  /**
   * @param {{ passed: number, failed: number, skipped: number }} counts
   * @param {number} exitCode
   * @param {string[]} problems
   */
  const finish = (counts, exitCode, problems) => {
    const endedAt = new Date();
    const record = {
      startedAt: startedAt.toISOString(),
      endedAt: endedAt.toISOString(),
      durationMs: endedAt.getTime() - startedAt.getTime(),
      mode: opts.unit ? 'unit' : 'full',
      argv: [...argv],
      ci: process.env.CI === 'true' || process.env.CI === '1',
      testbed: opts.unit ? 'off' : process.env.BASTION_TESTBED ?? null,
      steps,
      counts: { passed: counts.passed, failed: counts.failed, skipped: counts.skipped },
      problems,
      exitCode,
    };
    try {
      fs.writeFileSync(path.join(REPO_ROOT, RUN_FILE), `${JSON.stringify(record, null, 2)}\n`);
    } catch (err) {
      say(`could not write ${RUN_FILE}: ${err instanceof Error ? err.message : String(err)}`);
    }
    for (const p of problems) say(p);
    say(`done in ${formatDuration(record.durationMs)}: ${steps.map((s) => `${s.name} ${s.status} ${formatDuration(s.durationMs)}`).join(', ')}`);
    // The very last line of output: CI reads it.
    console.log(formatSummary(counts));
    return exitCode;
  };
  /** @param {string} why */
  const stepFailed = (why) => finish({ passed: 0, failed: 1, skipped: 0 }, 1, [why]);

  /**
   * @param {string} name
   * @param {boolean} enabled
   * @param {() => Promise<{ ok: boolean, detail?: string }>} fn
   */
  const step = async (name, enabled, fn) => {
    if (!enabled) {
      steps.push({ name, status: 'skipped', durationMs: 0 });
      say(`${name}: skipped`);
      return { ok: true };
    }
    const t0 = performance.now();
    say(`${name}: start`);
    let res;
    try {
      res = await fn();
    } catch (err) {
      res = { ok: false, detail: err instanceof Error ? err.stack ?? err.message : String(err) };
    }
    const durationMs = Math.round(performance.now() - t0);
    steps.push({ name, status: res.ok ? 'ok' : 'failed', durationMs, ...(res.detail ? { detail: res.detail } : {}) });
    say(`${name}: ${res.ok ? 'ok' : 'FAILED'}${res.detail ? ` (${res.detail})` : ''} in ${formatDuration(durationMs)}`);
    return res;
  };

  const install = await step('install', opts.install, async () => {
    const r = await installAll();
    const failed = r.steps.find((s) => !s.ok);
    return { ok: r.ok, detail: failed ? `${failed.name}: ${failed.detail}` : undefined };
  });
  if (!install.ok) return stepFailed(`install step failed: ${install.detail ?? ''}`);

  const build = await step('build', opts.build, async () => {
    const r = await run('npm', ['run', 'build']);
    return r.code === 0 ? { ok: true } : { ok: false, detail: describeExit('npm run build', r) };
  });
  if (!build.ok) return stepFailed(`build step failed: ${build.detail ?? ''}`);

  // A stale report must never be read as this run's result.
  const resultsPath = path.join(REPO_ROOT, RESULTS_FILE);
  fs.rmSync(resultsPath, { force: true });
  const env = { ...process.env };
  if (opts.unit) env.BASTION_TESTBED = 'off';
  const vitestBin = path.join(REPO_ROOT, 'node_modules', '.bin', 'vitest');
  const args = vitestArgv(opts);
  /** @type {import('./lib/proc.mjs').RunResult} */
  let vitestExit = { code: null, signal: null };
  await step('vitest', true, async () => {
    say(`${opts.unit ? 'BASTION_TESTBED=off ' : ''}vitest ${args.join(' ')}`);
    vitestExit = await run(vitestBin, args, { env });
    return vitestExit.code === 0 ? { ok: true } : { ok: false, detail: describeExit('vitest', vitestExit) };
  });

  const { counts, exitCode, problems } = judgeRun(readVitestJson(resultsPath), vitestExit);
  return finish(counts, exitCode, problems);
}

if (isMain(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      console.error(err);
      console.log(formatSummary({ passed: 0, failed: 1 }));
      process.exitCode = 1;
    },
  );
}
