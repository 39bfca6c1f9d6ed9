// Home-server resolution during session initiation, against the real Prosody of the test bed and
// a PRIVATE DNS server started in this file (its answers can change without disturbing other
// test files): fresh SRV then A/AAAA on every initiation [UCR-S4], straight from the configured
// DNS server and never from the OS resolver [UCR-S4], port 5222 only [UCR-S2], and only the
// JID's own domain [UCR-S1].
//
// The private DNS answers with TTL 3600 on purpose: any cache that honours TTLs (an application
// cache, a shared resolver, the OS resolver's nscd/systemd-resolved) would be allowed to reuse the
// first answers for an hour, so a second query reaching the server proves there was none in the way.
import { randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { establishSession, type EstablishedSession } from '../../electron/main/xmpp/session/establish';
import { DEFAULT_SESSION_POLICY, type SessionPolicy } from '../../electron/main/xmpp/session/policy';
import { startRecordingListener, type RecordingListener } from '../support/listener';
import { type DnsQuery, type TestDnsServer, startDns } from '../support/testbed/dns.js';
import { getTestbed } from '../support/testbed/get-testbed.js';
import type { Account, TestbedInfo } from '../support/testbed/info.js';
import { testAddress } from '../support/testbed/net.js';
import { startProsody } from '../support/testbed/prosody.js';
import { makeRunDir, type RunDir } from '../support/testbed/run-dir.js';
import { randomPassword } from '../support/testbed/secret.js';
import type { XmppServer } from '../support/testbed/server.js';
import { type Zone, defaultZone } from '../support/testbed/zone.js';
import { expectSessionFailure } from '../support/session';

const DOMAIN = 'prosody.test';
const SRV_NAME = `_xmpp-client._tcp.${DOMAIN}`;
const TARGET = `xmpp.${DOMAIN}`;
/** This file's second Prosody (testbed README address plan: .5–.8 are for session tests). */
const MOVED_HOST = testAddress(6);

let info: TestbedInfo;
let ca: string;
let alice: Account;
let dns: TestDnsServer;
let port5223: RecordingListener;

function policy(extra: Partial<SessionPolicy> = {}): SessionPolicy {
  return { ...DEFAULT_SESSION_POLICY, dnsServers: [dns.address], stepTimeoutMs: 10_000, ...extra };
}

function login(password = alice.password, extra: Partial<SessionPolicy> = {}, account = alice.jid): Promise<EstablishedSession> {
  return establishSession({ account, auth: { kind: 'password', password }, trustAnchorsPem: ca, policy: policy(extra) });
}

const failure = expectSessionFailure;

/** The private server's log as "TYPE name", A/AAAA of one name in a fixed order (c-ares sends them concurrently). */
function shape(queries: readonly DnsQuery[]): string[] {
  return queries.map((q) => `${q.type} ${q.name}`);
}
function initiation(host: string): string[] {
  return [`SRV ${SRV_NAME}`, `A ${host}`, `AAAA ${host}`];
}
function sortAddressPairs(lines: string[]): string[] {
  // Within one initiation the SRV query comes first; A and AAAA of a name may arrive either way.
  const out = [...lines];
  for (let i = 0; i + 1 < out.length; i++) {
    const [a, b] = [out[i] ?? '', out[i + 1] ?? ''];
    if (a.startsWith('AAAA ') && b.startsWith('A ') && a.slice(5) === b.slice(2)) [out[i], out[i + 1]] = [b, a];
  }
  return out;
}

function zone(address: string, extra: Zone = {}): Zone {
  return { ...defaultZone([{ domain: DOMAIN, address, port: 5222 }]), ...extra };
}

beforeAll(async () => {
  info = getTestbed();
  ca = await readFile(info.pki.caCert, 'utf8');
  const a = info.accounts.prosody.find((x) => x.username === 'alice');
  if (!a) throw new Error('no alice on prosody');
  alice = a;
  dns = await startDns({ ttl: 3600 });
  // Nothing in the test bed listens on 5223: a connection here is one the client must never make.
  port5223 = await startRecordingListener(info.servers.prosody.host, 5223);
});

afterAll(async () => {
  await port5223?.close();
  await dns?.close();
});

beforeEach(() => {
  dns.zone = zone(info.servers.prosody.host);
  dns.queries.length = 0;
  port5223.connections.length = 0;
});

describe('[UCR-S4] a new DNS lookup for every session initiation', () => {
  // A second, private Prosody for prosody.test (same test PKI, its own accounts) on another
  // loopback address: the home server "moves" there between two initiations.
  let moved: XmppServer | undefined;
  let movedDir: RunDir | undefined;
  let movedPassword = '';

  beforeAll(async () => {
    movedDir = await makeRunDir('bastion-dns-moved-');
    const cert = info.pki.servers[DOMAIN];
    if (!cert) throw new Error(`no certificate for ${DOMAIN}`);
    moved = await startProsody({ dir: path.join(movedDir.path, 'prosody'), domain: DOMAIN, address: MOVED_HOST, caCert: info.pki.caCert, cert });
    movedPassword = randomPassword();
    await moved.register('alice', movedPassword);
  });

  afterAll(async () => {
    await moved?.stop();
    await movedDir?.remove();
  });

  it('[UCR-S4] two initiations each query SRV then A/AAAA afresh; a changed A record is followed at once', async () => {
    const first = await login();
    await first.stream.close();
    const q1 = shape(dns.queries.splice(0));
    expect(sortAddressPairs(q1)).toEqual(initiation(TARGET));
    expect(first.report.connection).toMatchObject({ host: TARGET, address: info.servers.prosody.host, port: 5222 });
    expect(first.report.dns?.servers).toEqual([dns.address]);
    expect(first.report.dns?.queries.find((q) => q.type === 'A')?.answers).toEqual([info.servers.prosody.host]);

    // The home server moves; the answers of the first lookup (TTL 3600) would still be "valid".
    dns.zone = zone(MOVED_HOST);
    const second = await login(movedPassword); // this password exists only on the moved server
    await second.stream.close();
    const q2 = shape(dns.queries.splice(0));
    expect(sortAddressPairs(q2)).toEqual(initiation(TARGET));
    expect(second.report.outcome).toBe('established');
    expect(second.jid.startsWith(`${alice.jid}/`)).toBe(true);
    expect(second.report.connection).toMatchObject({ host: TARGET, address: MOVED_HOST, port: 5222 });
    expect(second.report.connection?.attempts.map((a) => a.address)).toEqual([MOVED_HOST]);
    expect(second.report.dns?.queries.map((q) => `${q.type} ${q.name} ${q.answers.join(',')}`)).toEqual(
      expect.arrayContaining([`SRV ${SRV_NAME} 0 5 5222 ${TARGET}`, `A ${TARGET} ${MOVED_HOST}`]),
    );
    // Each report lists the queries of its own initiation, not the first one's again.
    expect(second.report.dns?.queries.every((q) => Date.parse(q.at) >= Date.parse(first.report.finishedAt ?? ''))).toBe(true);
  });

  it('[UCR-S4] the moved server is really another server: its password does not work on the old address', async () => {
    // Guards the test above: were both initiations to reach the same Prosody, this would pass
    // there and the previous test could not tell the servers apart.
    const f = await failure(login(movedPassword));
    expect(f.stage).toBe('sasl');
    expect(f.report.connection?.address).toBe(info.servers.prosody.host);
  });
});

describe('[UCR-S4] resolution goes straight to the configured DNS server', () => {
  it('[UCR-S4] a name that only the private DNS knows is resolved (c-ares on policy.dnsServers, not getaddrinfo)', async () => {
    const host = `c2s-${randomBytes(4).toString('hex')}.only-in-private-dns.test`;
    // The OS resolver (getaddrinfo: /etc/hosts, nsswitch, resolv.conf) does not know it.
    await expect(lookup(host)).rejects.toMatchObject({ code: expect.stringMatching(/^(ENOTFOUND|EAI_AGAIN|ENODATA)$/) });
    await expect(lookup(DOMAIN)).rejects.toMatchObject({ code: expect.stringMatching(/^(ENOTFOUND|EAI_AGAIN|ENODATA)$/) });
    dns.zone = {
      [SRV_NAME]: { SRV: [{ priority: 0, weight: 0, port: 5222, target: host }] },
      [host]: { A: [info.servers.prosody.host] },
    };
    const s = await login();
    await s.stream.close();
    expect(s.report.outcome).toBe('established');
    expect(s.report.connection).toMatchObject({ host, address: info.servers.prosody.host, port: 5222 });
    expect(sortAddressPairs(shape(dns.queries))).toEqual(initiation(host));
    expect(s.report.dns?.queries.map((q) => q.name)).toEqual([SRV_NAME, host, host]);
  });
});

describe('[UCR-S2] destination port 5222 only', () => {
  it('[UCR-S2] an SRV record naming port 5223 is skipped and reported; the domain A record on 5222 is used', async () => {
    dns.zone = {
      [SRV_NAME]: { SRV: [{ priority: 0, weight: 5, port: 5223, target: TARGET }] },
      [TARGET]: { A: [info.servers.prosody.host] },
      [DOMAIN]: { A: [info.servers.prosody.host] },
    };
    const s = await login();
    await s.stream.close();
    const r = s.report;
    expect(r.outcome).toBe('established');
    expect(r.dns?.skipped).toEqual([{ target: TARGET, port: 5223, reason: expect.stringMatching(/5222/) }]);
    expect(r.notes).toContainEqual(expect.stringMatching(new RegExp(`SRV target ${TARGET.replace(/\./g, '\\.')}:5223 not used`)));
    expect(r.connection).toMatchObject({ host: DOMAIN, address: info.servers.prosody.host, port: 5222 });
    expect(r.connection?.attempts.every((a) => a.port === 5222)).toBe(true);
    // The skipped target is not even resolved; the fallback is the domain's own A/AAAA.
    expect(sortAddressPairs(shape(dns.queries))).toEqual(initiation(DOMAIN));
    expect(port5223.connections).toEqual([]);
  });

  it('[UCR-S2] with several SRV records, the 5222 one is used even when a 5223 one has better priority', async () => {
    const other = `alt.${DOMAIN}`;
    dns.zone = {
      [SRV_NAME]: {
        SRV: [
          { priority: 0, weight: 5, port: 5223, target: TARGET },
          { priority: 10, weight: 5, port: 5222, target: other },
        ],
      },
      [TARGET]: { A: [info.servers.prosody.host] },
      [other]: { A: [info.servers.prosody.host] },
    };
    const s = await login();
    await s.stream.close();
    expect(s.report.dns?.skipped).toEqual([{ target: TARGET, port: 5223, reason: expect.any(String) }]);
    expect(s.report.connection).toMatchObject({ host: other, port: 5222 });
    expect(port5223.connections).toEqual([]);
  });

  it('[UCR-S2] only a 5223 SRV record and no A record: fails at stage dns with a clear message, nothing dialled', async () => {
    dns.zone = {
      [SRV_NAME]: { SRV: [{ priority: 0, weight: 5, port: 5223, target: TARGET }] },
      [TARGET]: { A: [info.servers.prosody.host] },
    };
    const f = await failure(login());
    expect(f.stage).toBe('dns');
    expect(f.message).toMatch(/no address found for prosody\.test/);
    expect(f.report.outcome).toBe('failed');
    expect(f.report.failure).toEqual({ stage: 'dns', message: f.message });
    expect(f.report.dns?.skipped).toEqual([{ target: TARGET, port: 5223, reason: expect.stringMatching(/5222/) }]);
    expect(f.report.connection).toBeUndefined();
    expect(sortAddressPairs(shape(dns.queries))).toEqual(initiation(DOMAIN));
    // Give a stray connection attempt time to arrive before asserting there was none.
    await new Promise((r) => setTimeout(r, 200));
    expect(port5223.connections).toEqual([]);
  });
});

describe('[UCR-S1] only the JID domain', () => {
  it('[UCR-S1] a pinned domain list without the JID domain refuses before any DNS query or connection', async () => {
    const f = await failure(login(alice.password, { allowedDomains: ['ejabberd.test'] }));
    expect(f.stage).toBe('policy');
    expect(f.message).toMatch(/does not allow the domain prosody\.test/);
    expect(dns.queries).toEqual([]);
    expect(f.report.dns).toBeUndefined();
    expect(f.report.connection).toBeUndefined();
  });

  it('[UCR-S1] with several allowed domains, only the JID domain is looked up and only its addresses are dialled', async () => {
    // The zone also answers for ejabberd.test: nothing may be asked about it.
    dns.zone = zone(info.servers.prosody.host, defaultZone([{ domain: 'ejabberd.test', address: info.servers.ejabberd.host, port: 5222 }]));
    const s = await login(alice.password, { allowedDomains: ['ejabberd.test', 'Prosody.Test'] });
    await s.stream.close();
    const r = s.report;
    expect(r.outcome).toBe('established');
    const names = new Set(dns.queries.map((q) => q.name));
    expect([...names].sort()).toEqual([SRV_NAME, TARGET].sort());
    // The report hides nothing: it lists exactly what the DNS server saw.
    expect(sortAddressPairs(r.dns?.queries.map((q) => `${q.type} ${q.name}`) ?? [])).toEqual(sortAddressPairs(shape(dns.queries)));
    const resolved = (r.dns?.queries ?? []).filter((q) => q.type === 'A' || q.type === 'AAAA').flatMap((q) => q.answers);
    expect(r.connection?.attempts.length).toBeGreaterThan(0);
    for (const a of r.connection?.attempts ?? []) expect(resolved).toContain(a.address);
    expect(r.boundJid?.startsWith(`${alice.jid}/`)).toBe(true);
  });

  it('[UCR-S1] DNS pointing the JID domain at another server does not open a session there', async () => {
    // prosody.test's SRV names ejabberd's host: the client dials it, but its stream is addressed
    // to prosody.test, so no session with another domain can come out of it.
    dns.zone = {
      [SRV_NAME]: { SRV: [{ priority: 0, weight: 5, port: 5222, target: 'xmpp.ejabberd.test' }] },
      'xmpp.ejabberd.test': { A: [info.servers.ejabberd.host] },
    };
    const f = await failure(login());
    // ejabberd does not host prosody.test and ends the stream before TLS (host-unknown); a
    // server that did go on would still have to present a certificate naming prosody.test.
    expect(f.stage).toBe('starttls');
    expect(f.message).toMatch(/host-unknown/);
    expect(f.report.tls).toBeUndefined();
    expect(f.report.connection?.address).toBe(info.servers.ejabberd.host);
    expect(f.report.sasl).toBeUndefined();
    expect(f.report.boundJid).toBeUndefined();
  });
});
