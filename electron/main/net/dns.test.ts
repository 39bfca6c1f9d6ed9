import type { SrvRecord } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { orderSrv, resolveHomeServer, ResolutionFailure, type DnsPort } from './dns';

type Zone = Record<string, { SRV?: SrvRecord[]; A?: string[]; AAAA?: string[] }>;

/** A scripted DnsPort; records every call so tests can count look-ups. */
function scripted(zone: Zone): DnsPort & { calls: string[] } {
  const calls: string[] = [];
  const answer = <T>(name: string, type: 'SRV' | 'A' | 'AAAA'): Promise<T[]> => {
    calls.push(`${type} ${name}`);
    const v = zone[name]?.[type];
    if (!zone[name]) return Promise.reject(Object.assign(new Error('nx'), { code: 'ENOTFOUND' }));
    if (!v || v.length === 0) return Promise.reject(Object.assign(new Error('nodata'), { code: 'ENODATA' }));
    return Promise.resolve(v as T[]);
  };
  return {
    calls,
    resolveSrv: (n) => answer(n, 'SRV'),
    resolve4: (n) => answer(n, 'A'),
    resolve6: (n) => answer(n, 'AAAA'),
  };
}

const srv = (name: string, port = 5222, priority = 0, weight = 0): SrvRecord => ({ name, port, priority, weight });

describe('home-server resolution', () => {
  it('queries SRV, then A/AAAA of the target, and logs every query with its answers', async () => {
    const dns = scripted({
      '_xmpp-client._tcp.example.test': { SRV: [srv('xmpp.example.test')] },
      'xmpp.example.test': { A: ['127.0.0.1'], AAAA: ['::1'] },
    });
    const r = await resolveHomeServer('Example.Test.', { dns });
    expect(dns.calls).toEqual(['SRV _xmpp-client._tcp.example.test', 'A xmpp.example.test', 'AAAA xmpp.example.test']);
    expect(r.candidates).toEqual([
      { host: 'xmpp.example.test', address: '127.0.0.1', family: 4, port: 5222, via: 'srv' },
      { host: 'xmpp.example.test', address: '::1', family: 6, port: 5222, via: 'srv' },
    ]);
    expect(r.queries.map((q) => [q.type, q.name, q.answers])).toEqual([
      ['SRV', '_xmpp-client._tcp.example.test', ['0 0 5222 xmpp.example.test']],
      ['A', 'xmpp.example.test', ['127.0.0.1']],
      ['AAAA', 'xmpp.example.test', ['::1']],
    ]);
    for (const q of r.queries) expect(Date.parse(q.at)).not.toBeNaN();
  });

  it('falls back to A/AAAA of the domain when there is no SRV record', async () => {
    const dns = scripted({ 'example.test': { A: ['127.0.0.7'] } });
    const r = await resolveHomeServer('example.test', { dns });
    expect(r.candidates).toEqual([{ host: 'example.test', address: '127.0.0.7', family: 4, port: 5222, via: 'domain' }]);
    expect(r.queries.find((q) => q.type === 'SRV')?.error).toBe('ENOTFOUND');
  });

  it('skips SRV targets on ports other than 5222 and reports them', async () => {
    const dns = scripted({
      '_xmpp-client._tcp.example.test': { SRV: [srv('odd.example.test', 5223, 0), srv('good.example.test', 5222, 10)] },
      'odd.example.test': { A: ['127.0.0.8'] },
      'good.example.test': { A: ['127.0.0.9'] },
    });
    const r = await resolveHomeServer('example.test', { dns });
    expect(r.candidates.map((c) => [c.address, c.port])).toEqual([['127.0.0.9', 5222]]);
    expect(r.skipped).toEqual([{ target: 'odd.example.test', port: 5223, reason: expect.stringContaining('5222') }]);
    expect(dns.calls).not.toContain('A odd.example.test');
  });

  it('with only a non-5222 SRV record, dials the domain itself on 5222', async () => {
    const dns = scripted({
      '_xmpp-client._tcp.example.test': { SRV: [srv('odd.example.test', 443)] },
      'example.test': { A: ['127.0.0.1'] },
    });
    const r = await resolveHomeServer('example.test', { dns });
    expect(r.candidates.map((c) => [c.host, c.port, c.via])).toEqual([['example.test', 5222, 'domain']]);
  });

  it('outside UCR mode, the SRV port is used', async () => {
    const dns = scripted({
      '_xmpp-client._tcp.example.test': { SRV: [srv('odd.example.test', 5223)] },
      'odd.example.test': { A: ['127.0.0.8'] },
    });
    const r = await resolveHomeServer('example.test', { dns, ucrMode: false });
    expect(r.candidates.map((c) => c.port)).toEqual([5223]);
  });

  it('fails clearly on SRV target "." and when nothing resolves', async () => {
    await expect(resolveHomeServer('example.test', { dns: scripted({ '_xmpp-client._tcp.example.test': { SRV: [srv('.')] } }) })).rejects.toThrow(
      /no XMPP client service/,
    );
    const err = await resolveHomeServer('nowhere.test', { dns: scripted({}) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResolutionFailure);
    expect((err as ResolutionFailure).resolution.queries.map((q) => q.type)).toEqual(['SRV', 'A', 'AAAA']);
  });

  it('orders SRV records by priority, then by weight (RFC 2782)', () => {
    const recs = [srv('c', 5222, 20, 1), srv('a', 5222, 10, 0), srv('b', 5222, 10, 100)];
    // random() = 0.999 picks the heaviest at each step inside a priority
    expect(orderSrv(recs, () => 0.999).map((r) => r.name)).toEqual(['b', 'a', 'c']);
    expect(orderSrv(recs, () => 0).map((r) => r.name)).toEqual(['a', 'b', 'c']);
  });
});
