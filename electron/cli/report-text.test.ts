import { describe, expect, it } from 'vitest';
import type { SecurityReport } from '../../shared/security/report';
import { renderReport } from './report-text';

describe('report as text', () => {
  it('a failure before TLS shows what was reached, "(not reached)" for the rest, and the stage and reason', () => {
    const r: SecurityReport = {
      account: 'alice@x.test',
      startedAt: '2026-01-01T00:00:00.000Z',
      finishedAt: '2026-01-01T00:00:01.000Z',
      outcome: 'failed',
      failure: { stage: 'starttls', message: 'the server refused STARTTLS' },
      dns: { servers: 'system', queries: [{ name: '_xmpp-client._tcp.x.test', type: 'SRV', at: '2026-01-01T00:00:00.100Z', durationMs: 1, answers: [], error: 'ENOTFOUND' }], skipped: [{ target: 'other.x.test', port: 5223, reason: 'not port 5222 (UCR mode)' }] },
      connection: { host: 'x.test', address: '127.0.0.1', port: 5222, attempts: [{ address: '127.0.0.1', port: 5222, ok: true }] },
      starttls: { advertised: false, result: 'failure' },
      notes: ['a note'],
    };
    const t = renderReport(r);
    expect(t).toContain('outcome:  FAILED at stage starttls');
    expect(t).toContain('2026-01-01T00:00:00.100Z  SRV  _xmpp-client._tcp.x.test');
    expect(t).toContain('error ENOTFOUND');
    expect(t).toContain('other.x.test:5223: not port 5222 (UCR mode)');
    expect(t).toMatch(/STARTTLS\n\s+advertised: no\n\s+result:\s+failure/);
    expect(t).toMatch(/TLS\n\s+\(not reached\)/);
    expect(t).toMatch(/Authentication \(SASL\)\n\s+\(not reached\)/);
    expect(t).toMatch(/FAILURE\n\s+stage:\s+starttls\n\s+reason: the server refused STARTTLS/);
    expect(t).toContain('- a note');
  });
});
