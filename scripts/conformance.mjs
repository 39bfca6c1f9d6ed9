#!/usr/bin/env node
// @ts-check
// `npm run conformance`: which requirement of docs/requirements.md is proven by a passing test.
//
// A test proves an ID when its full name (describe chain + title) carries the ID in square brackets:
// `[UCR-T3]`, or several at once: `[UCR-T1][IMPP-P3]` or `[UCR-T1, IMPP-P3]`.
// Per ID: "fail" if any proving test failed; "pass" if at least one passed and none failed;
// otherwise "missing" (skipped, todo and pending tests never count).
//
// Reads docs/requirements.md and reports/test-results.json (written by `npm test`), prints a table and
// writes reports/conformance.json: [{ "id", "status", "tests": [full test names] }] in catalogue order.
// Exit 0 (it is a report); with --strict, exit 1 unless every ID passes.

import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, isMain } from './lib/proc.mjs';

export const CATALOGUE_FILE = path.join('docs', 'requirements.md');
export const RESULTS_FILE = path.join('reports', 'test-results.json');
export const RUN_FILE = path.join('reports', 'test-run.json');
export const REPORT_FILE = path.join('reports', 'conformance.json');

/** A requirement ID: UCR-T3, R7590-HF1, R7590-SR, IMPP-P1, APP-1. */
const ID_RE = /^[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+$/;

/**
 * @typedef {{ id: string, rule: string, section: string }} Requirement
 * @typedef {'pass' | 'fail' | 'missing'} Status
 * @typedef {{ name: string, status: string, file?: string }} ProvingTest
 * @typedef {{ ancestorTitles?: string[], title?: string, fullName?: string, status?: string }} VitestTest
 * @typedef {{ startTime?: unknown, testResults?: Array<{ name?: unknown, assertionResults?: VitestTest[] }> }} VitestJson
 *   the part of vitest's JSON report (jest-compatible) read here
 * @typedef {{ id: string, status: Status, tests: string[] }} ReportEntry
 * @typedef {{
 *   entries: Array<ReportEntry & { rule: string, section: string, details: ProvingTest[] }>,
 *   unknown: Array<{ id: string, tests: string[] }>,
 *   totals: { pass: number, fail: number, missing: number, total: number },
 * }} Report
 */

/**
 * Requirements from the markdown tables: a table row whose first cell is an ID. Catalogue order,
 * section = the nearest heading above. Throws on a duplicated ID.
 * @param {string} md
 * @returns {Requirement[]}
 */
export function parseCatalogue(md) {
  /** @type {Requirement[]} */
  const out = [];
  const seen = new Set();
  let section = '';
  for (const raw of md.split(/\r?\n/)) {
    const line = raw.trim();
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    if (heading) {
      section = (heading[1] ?? '').trim();
      continue;
    }
    if (!line.startsWith('|')) continue;
    const cells = line.replace(/^\|/, '').replace(/\|$/, '').split('|').map((c) => c.trim());
    const id = (cells[0] ?? '').replace(/^`(.*)`$/, '$1').replace(/^\*\*(.*)\*\*$/, '$1');
    if (!ID_RE.test(id)) continue;
    if (seen.has(id)) throw new Error(`duplicate requirement ID in catalogue: ${id}`);
    seen.add(id);
    out.push({ id, rule: cells.slice(1).join(' | '), section });
  }
  return out;
}

/**
 * IDs named in a test name: every bracket group `[...]` split on commas/whitespace, keeping the tokens
 * that look like an ID. `[UCR-T1][IMPP-P3]` and `[UCR-T1, IMPP-P3]` both give ["UCR-T1", "IMPP-P3"].
 * @param {string} name
 * @returns {string[]} unique, in order of appearance
 */
export function extractIds(name) {
  /** @type {string[]} */
  const ids = [];
  for (const m of String(name).matchAll(/\[([^\[\]]*)\]/g)) {
    for (const token of (m[1] ?? '').split(/[\s,;]+/)) {
      if (ID_RE.test(token) && !ids.includes(token)) ids.push(token);
    }
  }
  return ids;
}

/**
 * Every test case of a vitest (jest-compatible) JSON report, with a readable full name.
 * @param {VitestJson} vitestJson
 * @returns {Array<ProvingTest & { ids: string[] }>}
 */
export function collectTests(vitestJson) {
  /** @type {Array<ProvingTest & { ids: string[] }>} */
  const out = [];
  for (const file of vitestJson?.testResults ?? []) {
    const rel = typeof file?.name === 'string' ? path.relative(REPO_ROOT, file.name) : undefined;
    for (const t of file?.assertionResults ?? []) {
      const parts = [...(t.ancestorTitles ?? []), t.title ?? ''].filter((p) => p !== '');
      const name = parts.length ? parts.join(' > ') : String(t.fullName ?? '');
      // IDs from each part separately (a bracket cannot span a describe and a title), plus fullName
      // in case a reporter gives only that.
      const ids = [...new Set([...parts.flatMap(extractIds), ...extractIds(t.fullName ?? '')])];
      out.push({ name, status: String(t.status ?? 'unknown'), ids, ...(rel ? { file: rel } : {}) });
    }
  }
  return out;
}

/**
 * @param {Requirement[]} catalogue
 * @param {VitestJson | null} vitestJson  parsed reports/test-results.json, or null when there is none
 * @returns {Report}
 */
export function buildReport(catalogue, vitestJson) {
  const tests = vitestJson ? collectTests(vitestJson) : [];
  const known = new Set(catalogue.map((r) => r.id));
  /** @type {Map<string, string[]>} */
  const unknown = new Map();
  for (const t of tests) {
    for (const id of t.ids) {
      if (known.has(id)) continue;
      if (!unknown.has(id)) unknown.set(id, []);
      unknown.get(id)?.push(t.name);
    }
  }
  const entries = catalogue.map((req) => {
    const details = tests.filter((t) => t.ids.includes(req.id)).map(({ name, status, file }) => ({ name, status, ...(file ? { file } : {}) }));
    /** @type {Status} */
    let status = 'missing';
    if (details.some((t) => t.status === 'failed')) status = 'fail';
    else if (details.some((t) => t.status === 'passed')) status = 'pass';
    return { id: req.id, status, tests: details.map((t) => t.name), rule: req.rule, section: req.section, details };
  });
  const count = (/** @type {Status} */ s) => entries.filter((e) => e.status === s).length;
  return {
    entries,
    unknown: [...unknown].map(([id, names]) => ({ id, tests: names })),
    totals: { pass: count('pass'), fail: count('fail'), missing: count('missing'), total: entries.length },
  };
}

/** The JSON written to reports/conformance.json. @param {Report} report @returns {ReportEntry[]} */
export function reportJson(report) {
  return report.entries.map(({ id, status, tests }) => ({ id, status, tests }));
}

/** @param {Report['totals']} t */
export function summaryLine(t) {
  return `conformance: ${t.pass} pass, ${t.fail} fail, ${t.missing} missing of ${t.total}`;
}

const MARK = /** @type {Record<string, string>} */ ({ passed: '✓', failed: '✗', skipped: '-', todo: '-', pending: '-' });

/**
 * The printed table: ID, status, number of tests, then each proving test indented under it.
 * @param {Report} report
 * @returns {string[]}
 */
export function formatTable(report) {
  const idWidth = Math.max(2, ...report.entries.map((e) => e.id.length));
  /** @type {string[]} */
  const lines = [`${'ID'.padEnd(idWidth)}  ${'status'.padEnd(7)}  tests`];
  let section = '';
  for (const e of report.entries) {
    if (e.section !== section) {
      section = e.section;
      lines.push('', `## ${section}`);
    }
    lines.push(`${e.id.padEnd(idWidth)}  ${e.status.padEnd(7)}  ${e.details.length}`);
    for (const t of e.details) {
      const mark = MARK[t.status] ?? '?';
      lines.push(`    ${mark} ${t.name}${t.status === 'passed' || t.status === 'failed' ? '' : ` (${t.status})`}${t.file ? `  — ${t.file}` : ''}`);
    }
  }
  if (report.unknown.length) {
    lines.push('', 'WARNING: IDs used in tests but not in docs/requirements.md (typo?):');
    for (const u of report.unknown) {
      lines.push(`  ${u.id}`);
      for (const n of u.tests) lines.push(`    ${n}`);
    }
  }
  return lines;
}

/**
 * @param {readonly string[]} argv
 * @param {{ root?: string, log?: (line: string) => void }} [opts]
 * @returns {number} exit code
 */
export function main(argv, opts = {}) {
  const root = opts.root ?? REPO_ROOT;
  const log = opts.log ?? console.log;
  const strict = argv.includes('--strict');
  const catalogue = parseCatalogue(fs.readFileSync(path.join(root, CATALOGUE_FILE), 'utf8'));

  /** @type {VitestJson | null} */
  let vitestJson = null;
  const resultsPath = path.join(root, RESULTS_FILE);
  if (!fs.existsSync(resultsPath)) {
    log(`no ${RESULTS_FILE}: run npm test first. Every requirement is reported as missing.`);
  } else {
    try {
      vitestJson = JSON.parse(fs.readFileSync(resultsPath, 'utf8'));
    } catch (err) {
      log(`${RESULTS_FILE} is unreadable (${err instanceof Error ? err.message : String(err)}): run npm test first. Every requirement is reported as missing.`);
    }
  }
  if (vitestJson) {
    const when = typeof vitestJson.startTime === 'number' ? new Date(vitestJson.startTime).toISOString() : 'unknown time';
    log(`test results: ${RESULTS_FILE} (run started ${when})`);
    try {
      const runInfo = JSON.parse(fs.readFileSync(path.join(root, RUN_FILE), 'utf8'));
      const start = Date.parse(runInfo?.startedAt);
      const end = Date.parse(runInfo?.endedAt);
      const sameRun = typeof vitestJson.startTime === 'number' && start <= vitestJson.startTime && vitestJson.startTime <= end;
      if (sameRun && runInfo.mode === 'unit') log('note: these results come from npm run test:unit (no test bed): integration and end-to-end tests did not run.');
    } catch {
      // no run record: fine
    }
  }

  const report = buildReport(catalogue, vitestJson);
  log('');
  for (const line of formatTable(report)) log(line);
  log('');
  fs.mkdirSync(path.dirname(path.join(root, REPORT_FILE)), { recursive: true });
  fs.writeFileSync(path.join(root, REPORT_FILE), `${JSON.stringify(reportJson(report), null, 2)}\n`);
  log(`wrote ${REPORT_FILE}`);
  log(summaryLine(report.totals));
  if (strict && report.totals.pass !== report.totals.total) return 1;
  return 0;
}

if (isMain(import.meta.url)) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (err) {
    console.error(`conformance: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 2;
  }
}
