// @ts-check
// Reading vitest's JSON report (jest-compatible) and the closing line of `npm test`.

import fs from 'node:fs';

/**
 * @typedef {{
 *   ancestorTitles?: string[],
 *   fullName?: string,
 *   title?: string,
 *   status?: string,
 *   failureMessages?: string[],
 * }} AssertionResult
 * @typedef {{
 *   name?: string,
 *   status?: string,
 *   message?: string,
 *   assertionResults?: AssertionResult[],
 * }} FileResult
 * @typedef {{ startTime?: number, success?: boolean, testResults?: FileResult[] }} VitestJson
 *
 * @typedef {object} Counts
 * @property {number} passed
 * @property {number} failed   failed test cases plus failed test files that have no failed test case
 *                             (import error, failing beforeAll/afterAll: vitest records no failed test)
 * @property {number} skipped  skipped, todo and pending test cases
 * @property {string[]} fileErrors  "path: message" of those failed files
 */

/**
 * Count test cases over all files of a vitest JSON report.
 * @param {VitestJson} json
 * @returns {Counts}
 */
export function countResults(json) {
  /** @type {Counts} */
  const counts = { passed: 0, failed: 0, skipped: 0, fileErrors: [] };
  for (const file of json?.testResults ?? []) {
    let failedHere = 0;
    for (const t of file.assertionResults ?? []) {
      if (t.status === 'passed') counts.passed += 1;
      else if (t.status === 'failed') {
        counts.failed += 1;
        failedHere += 1;
      } else counts.skipped += 1; // skipped, todo, pending, disabled, ...
    }
    if (file.status === 'failed' && failedHere === 0) {
      counts.failed += 1;
      counts.fileErrors.push(`${file.name ?? '(unknown file)'}: ${file.message || 'failed outside any test (hook or import error)'}`);
    }
  }
  return counts;
}

/**
 * The closing line: "3 passed, 1 failed" or "3 passed, 1 failed, 2 skipped".
 * @param {{ passed: number, failed: number, skipped?: number }} c
 */
export function formatSummary(c) {
  const base = `${c.passed} passed, ${c.failed} failed`;
  return c.skipped ? `${base}, ${c.skipped} skipped` : base;
}

/**
 * Read and parse a vitest JSON report; null when missing or unreadable.
 * @param {string} file
 * @returns {VitestJson | null}
 */
export function readVitestJson(file) {
  try {
    const json = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (!json || typeof json !== 'object' || !Array.isArray(json.testResults)) return null;
    return json;
  } catch {
    return null;
  }
}

/**
 * Decide the run's outcome from the report (or its absence) and vitest's exit.
 * The closing line never says "0 failed" for a run that exits non-zero: a crash, an unhandled error, a
 * run where no test ran, or a failed step count as one failure.
 * @param {VitestJson | null} json
 * @param {{ code: number | null, signal?: string | null }} vitestExit
 * @returns {{ counts: Counts, exitCode: number, problems: string[] }}
 */
export function judgeRun(json, vitestExit) {
  /** @type {string[]} */
  const problems = [];
  if (!json) {
    problems.push(`no readable test report (vitest ${vitestExit.signal ? `killed by ${vitestExit.signal}` : `exit code ${vitestExit.code}`}); counting the run as 1 failed`);
    return { counts: { passed: 0, failed: 1, skipped: 0, fileErrors: [] }, exitCode: 1, problems };
  }
  const counts = countResults(json);
  for (const e of counts.fileErrors) problems.push(`test file failed outside its tests: ${e}`);
  if (counts.passed + counts.failed === 0) {
    problems.push(
      `no test ran${vitestExit.code !== 0 ? ` (vitest ${vitestExit.signal ? `killed by ${vitestExit.signal}` : `exited with code ${vitestExit.code}`}: see its output above)` : ''}; counting the run as 1 failed`,
    );
    counts.failed = 1;
  } else if (vitestExit.code !== 0 && counts.failed === 0) {
    problems.push(
      `vitest ${vitestExit.signal ? `was killed by ${vitestExit.signal}` : `exited with code ${vitestExit.code}`} although no test failed (unhandled error? see above); counting it as 1 failed`,
    );
    counts.failed = 1;
  }
  const exitCode = counts.failed > 0 || vitestExit.code !== 0 ? 1 : 0;
  return { counts, exitCode, problems };
}
