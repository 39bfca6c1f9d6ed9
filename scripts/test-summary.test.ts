import { describe, expect, it } from 'vitest';
import { countResults, formatSummary, judgeRun, parseArgs, vitestArgv } from './test.mjs';

const file = (status: string, ...statuses: string[]) => ({
  name: '/repo/x.test.ts',
  status,
  message: '',
  assertionResults: statuses.map((s, i) => ({ title: `t${i}`, fullName: `t${i}`, ancestorTitles: [], status: s })),
});

describe('formatSummary', () => {
  it('prints passed and failed', () => {
    expect(formatSummary({ passed: 3, failed: 1 })).toBe('3 passed, 1 failed');
    expect(formatSummary({ passed: 3, failed: 1, skipped: 0 })).toBe('3 passed, 1 failed');
  });
  it('adds skipped only when some were skipped', () => {
    expect(formatSummary({ passed: 3, failed: 1, skipped: 2 })).toBe('3 passed, 1 failed, 2 skipped');
  });
});

describe('countResults', () => {
  it('counts test cases over all files; skipped, todo and pending are skipped', () => {
    const json = { testResults: [file('failed', 'passed', 'failed', 'skipped'), file('passed', 'passed', 'todo', 'pending')] };
    expect(countResults(json)).toEqual({ passed: 2, failed: 1, skipped: 3, fileErrors: [] });
  });
  it('counts a test file that failed outside its tests (import error, hook) as a failure', () => {
    const broken = { ...file('failed', 'skipped'), message: 'Cannot find module' };
    const c = countResults({ testResults: [broken, file('passed', 'passed')] });
    expect(c.failed).toBe(1);
    expect(c.fileErrors).toEqual(['/repo/x.test.ts: Cannot find module']);
  });
});

describe('judgeRun', () => {
  it('passes a clean run', () => {
    const r = judgeRun({ testResults: [file('passed', 'passed', 'skipped')] }, { code: 0 });
    expect(r.exitCode).toBe(0);
    expect(formatSummary(r.counts)).toBe('1 passed, 0 failed, 1 skipped');
  });
  it('fails when a test failed', () => {
    const r = judgeRun({ testResults: [file('failed', 'passed', 'failed')] }, { code: 1 });
    expect(r.exitCode).toBe(1);
    expect(formatSummary(r.counts)).toBe('1 passed, 1 failed');
  });
  it('counts a missing report (crash) as 1 failed', () => {
    const r = judgeRun(null, { code: 1 });
    expect(r.exitCode).toBe(1);
    expect(formatSummary(r.counts)).toBe('0 passed, 1 failed');
  });
  it('fails a run where no test ran', () => {
    const r = judgeRun({ testResults: [file('passed', 'skipped', 'skipped')] }, { code: 0 });
    expect(r.exitCode).toBe(1);
    expect(formatSummary(r.counts)).toBe('0 passed, 1 failed, 2 skipped');
  });
  it('never says 0 failed when vitest exited non-zero', () => {
    const r = judgeRun({ testResults: [file('passed', 'passed')] }, { code: 1 });
    expect(r.exitCode).toBe(1);
    expect(formatSummary(r.counts)).toBe('1 passed, 1 failed');
  });
});

describe('command line', () => {
  const entry = (name: string, dir: boolean) => ({ name, isDirectory: () => dir });
  const testDir = [entry('integration', true), entry('static', true), entry('support', true), entry('README.md', false)];
  const head = ['run', '--reporter=default', '--reporter=json', '--outputFile.json=reports/test-results.json'];

  it('runs everything by default', () => {
    expect(vitestArgv(parseArgs([]), testDir)).toEqual(head);
  });
  it('--unit excludes e2e/ and test/ but test/static/, and filters on the unit directories', () => {
    expect(vitestArgv(parseArgs(['--unit']), testDir)).toEqual([
      ...head,
      '--exclude=e2e/**',
      '--exclude=test/README.md',
      '--exclude=test/integration/**',
      '--exclude=test/support/**',
      'shared/',
      'electron/',
      'renderer/',
      'scripts/',
      'test/static/',
    ]);
  });
  it('keeps its own flags and passes the rest to vitest, without widening the user filter', () => {
    const o = parseArgs(['--unit', '--no-build', 'contract', '--no-install']);
    expect(o).toEqual({ unit: true, install: false, build: false, vitestArgs: ['contract'] });
    expect(vitestArgv(o, testDir)).toEqual([
      ...head,
      '--exclude=e2e/**',
      '--exclude=test/README.md',
      '--exclude=test/integration/**',
      '--exclude=test/support/**',
      'contract',
    ]);
  });
});
