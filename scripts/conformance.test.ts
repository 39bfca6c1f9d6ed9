import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildReport, extractIds, main, parseCatalogue, reportJson, summaryLine } from './conformance.mjs';

const CATALOGUE_MD = `# Catalogue

Prose mentioning \`[UCR-T3]\` is not a table row.

## Section one

| ID | rule |
|---|---|
| UCR-T1 | STARTTLS first |
| UCR-T3 | no plaintext fallback |
| R7590-HF1 | user sees the cipher |

## Section two

| ID | rule |
|---|---|
| IMPP-P3 | nothing before auth |
| APP-1 | main process owns the socket |
`;

type Status = 'passed' | 'failed' | 'skipped' | 'todo' | 'pending';
const t = (ancestorTitles: string[], title: string, status: Status) => ({
  ancestorTitles,
  title,
  fullName: [...ancestorTitles, title].join(' '),
  status,
});
const results = (...tests: ReturnType<typeof t>[]) => ({
  startTime: 0,
  testResults: [{ name: '/x/a.test.ts', status: 'passed', assertionResults: tests }],
});

describe('parseCatalogue', () => {
  it('reads the IDs of every table in order, with their section and rule', () => {
    const cat = parseCatalogue(CATALOGUE_MD);
    expect(cat.map((r) => r.id)).toEqual(['UCR-T1', 'UCR-T3', 'R7590-HF1', 'IMPP-P3', 'APP-1']);
    expect(cat[3]).toEqual({ id: 'IMPP-P3', rule: 'nothing before auth', section: 'Section two' });
  });

  it('rejects a duplicated ID', () => {
    expect(() => parseCatalogue('| A-1 | x |\n| A-1 | y |\n')).toThrow(/duplicate.*A-1/);
  });

  it('finds all 33 IDs of docs/requirements.md', () => {
    const md = fs.readFileSync(new URL('../docs/requirements.md', import.meta.url), 'utf8');
    const ids = parseCatalogue(md).map((r) => r.id);
    expect(ids).toHaveLength(33);
    expect(new Set(ids).size).toBe(33);
    expect(ids.slice(0, 3)).toEqual(['UCR-G1', 'UCR-G2', 'UCR-G3']);
    expect(ids).toContain('R7590-SR');
    expect(ids.at(-1)).toBe('APP-4');
  });
});

describe('extractIds', () => {
  it('reads one ID per bracket', () => {
    expect(extractIds('aborts without TLS [UCR-T3]')).toEqual(['UCR-T3']);
  });
  it('reads adjacent bracket groups', () => {
    expect(extractIds('no presence before auth [UCR-T1][IMPP-P3]')).toEqual(['UCR-T1', 'IMPP-P3']);
  });
  it('reads a comma-separated list in one bracket', () => {
    expect(extractIds('[UCR-T1, IMPP-P3] no presence before auth')).toEqual(['UCR-T1', 'IMPP-P3']);
  });
  it('reads every ID shape of the catalogue and ignores other brackets and bare IDs', () => {
    expect(extractIds('[R7590-HF1] [APP-1] [R7590-SR] [IMPP-D1] [x] [object Object] UCR-T7 []')).toEqual([
      'R7590-HF1',
      'APP-1',
      'R7590-SR',
      'IMPP-D1',
    ]);
  });
  it('returns each ID once', () => {
    expect(extractIds('[UCR-T1] again [UCR-T1]')).toEqual(['UCR-T1']);
  });
});

describe('buildReport', () => {
  const cat = parseCatalogue(CATALOGUE_MD);

  it('passes an ID proven by a passing test, also when the ID is on the describe', () => {
    const r = buildReport(
      cat,
      results(t(['TLS'], 'aborts [UCR-T3]', 'passed'), t(['main owns the socket [APP-1]'], 'renderer has no net', 'passed')),
    );
    const byId = Object.fromEntries(reportJson(r).map((e) => [e.id, e]));
    expect(byId['UCR-T3']).toEqual({ id: 'UCR-T3', status: 'pass', tests: ['TLS > aborts [UCR-T3]'] });
    expect(byId['APP-1']?.status).toBe('pass');
    expect(byId['UCR-T1']?.status).toBe('missing');
  });

  it('fails an ID when any proving test failed, even if another passed', () => {
    const r = buildReport(cat, results(t([], 'a [UCR-T1]', 'passed'), t([], 'b [UCR-T1, IMPP-P3]', 'failed')));
    const json = reportJson(r);
    expect(json.find((e) => e.id === 'UCR-T1')).toEqual({ id: 'UCR-T1', status: 'fail', tests: ['a [UCR-T1]', 'b [UCR-T1, IMPP-P3]'] });
    expect(json.find((e) => e.id === 'IMPP-P3')?.status).toBe('fail');
  });

  it('reports an ID whose tests are all skipped, todo or pending as missing', () => {
    const r = buildReport(
      cat,
      results(t([], 's [R7590-HF1]', 'skipped'), t([], 'td [R7590-HF1]', 'todo'), t([], 'p [R7590-HF1]', 'pending')),
    );
    const e = reportJson(r).find((x) => x.id === 'R7590-HF1');
    expect(e?.status).toBe('missing');
    expect(e?.tests).toHaveLength(3);
  });

  it('flags IDs that are not in the catalogue', () => {
    const r = buildReport(cat, results(t([], 'typo [UCR-T33]', 'passed'), t([], 'ok [UCR-T3]', 'passed')));
    expect(r.unknown).toEqual([{ id: 'UCR-T33', tests: ['typo [UCR-T33]'] }]);
    expect(r.totals).toEqual({ pass: 1, fail: 0, missing: 4, total: 5 });
  });

  it('keeps catalogue order and reports every ID as missing without results', () => {
    const json = reportJson(buildReport(cat, null));
    expect(json.map((e) => e.id)).toEqual(cat.map((r) => r.id));
    expect(json.every((e) => e.status === 'missing' && e.tests.length === 0)).toBe(true);
  });

  it('formats the summary line', () => {
    expect(summaryLine({ pass: 2, fail: 1, missing: 30, total: 33 })).toBe('conformance: 2 pass, 1 fail, 30 missing of 33');
  });
});

describe('main', () => {
  const setup = (results?: unknown) => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'conformance-'));
    fs.mkdirSync(path.join(root, 'docs'));
    fs.writeFileSync(path.join(root, 'docs', 'requirements.md'), CATALOGUE_MD);
    if (results) {
      fs.mkdirSync(path.join(root, 'reports'));
      fs.writeFileSync(path.join(root, 'reports', 'test-results.json'), JSON.stringify(results));
    }
    return root;
  };
  const readReport = (root: string) => JSON.parse(fs.readFileSync(path.join(root, 'reports', 'conformance.json'), 'utf8'));

  it('without test results says to run npm test and writes every ID as missing', () => {
    const root = setup();
    const lines: string[] = [];
    expect(main([], { root, log: (l) => lines.push(l) })).toBe(0);
    expect(lines.join('\n')).toMatch(/run npm test first/);
    expect(lines.at(-1)).toBe('conformance: 0 pass, 0 fail, 5 missing of 5');
    expect(readReport(root)).toEqual(parseCatalogue(CATALOGUE_MD).map((r) => ({ id: r.id, status: 'missing', tests: [] })));
  });

  it('exits 1 with --strict unless every ID passes', () => {
    const root = setup(results(t([], 'a [UCR-T1]', 'passed')));
    expect(main(['--strict'], { root, log: () => {} })).toBe(1);
    expect(main([], { root, log: () => {} })).toBe(0);
    const all = results(...['UCR-T1', 'UCR-T3', 'R7590-HF1', 'IMPP-P3', 'APP-1'].map((id) => t([], `x [${id}]`, 'passed')));
    expect(main(['--strict'], { root: setup(all), log: () => {} })).toBe(0);
  });
});
