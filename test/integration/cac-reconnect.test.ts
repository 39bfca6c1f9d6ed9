// A CAC session whose link is cut reconnects on its own with the key on the card — a new TLS
// handshake signed by the card, SASL EXTERNAL — without asking for the PIN again: the card stays
// logged in while the user wants to be connected (the PIN is asked again only after a sign-out
// or when the card is pulled, see cac-card-events.test.ts).
import { afterEach, describe, expect, it } from 'vitest';
import type { Cards } from '../../shared/ipc';
import type { SecurityReport } from '../../shared/security/report';
import { establishSession } from '../../electron/main/xmpp/session/establish';
import { waitFor } from '../support/clients';
import { startCore, type CoreHarness } from '../support/core-harness';
import { startCutProxy, type CutProxy } from '../support/cut-proxy';
import { dnsTo } from '../support/proxy-dns';
import { getTestbed } from '../support/testbed/get-testbed.js';
import type { ServerKind } from '../support/testbed/info.js';
import { testAddress } from '../support/testbed/net.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const sessionsUp = (h: CoreHarness): number => h.states().filter((s, i, all) => s === 'connected' && all[i - 1] !== 'connected').length;

describe.each(['prosody', 'ejabberd'] as ServerKind[])('CAC reconnect on %s', (kind) => {
  it('[UCR-T5] after a cut link the session comes back signed by the card again, with no PIN asked', async () => {
    const tb = getTestbed();
    const target = tb.servers[kind];
    const proxy: CutProxy = await startCutProxy({ host: testAddress(kind === 'prosody' ? 25 : 26), port: 5222 }, { host: target.host, port: target.port });
    cleanup.push(() => proxy.close());
    const dns = dnsTo(target.domain, proxy.host);
    const h = startCore((env) => ({ ...env, backoff: { initialMs: 300, maxMs: 1500, factor: 2 }, establish: (o) => establishSession({ ...o, dns: dns.port }) }));
    cleanup.push(() => h.close());
    await h.call('acknowledgeConsent', {});
    const cards = (await h.call('listCards', {})).value as Cards;
    const token = cards.tokens.find((t) => t.label === tb.hsm.label);
    const certId = tb.hsm.keys.find((k) => k.label === 'bob')?.id;
    const cert = token?.certificates.find((c) => c.id === certId);
    if (!token || !cert) throw new Error('test-bed token or bob certificate not listed');
    const account = `bob@${target.domain}`;
    const r = await h.call('connect', { account, auth: { kind: 'card', slot: token.slot, certificateId: cert.id, pin: tb.hsm.pin } });
    expect(r, JSON.stringify(r.error)).toMatchObject({ ok: true });
    const first = (await h.call('getSecurityReport', {})).value as SecurityReport;
    const commandsBefore = h.events.length;
    proxy.cut();
    await waitFor([0], () => sessionsUp(h) >= 2, 20_000);
    const report = (await h.call('getSecurityReport', {})).value as SecurityReport;
    expect(report.startedAt).not.toBe(first.startedAt);
    // The new handshake used the card's key (a fresh signature) and SASL EXTERNAL.
    expect(report.tls?.clientCertificate?.sha256).toBe(cert.fingerprint256);
    expect(report.sasl?.mechanism).toBe('EXTERNAL');
    expect(h.states().slice(-3)).toContain('reconnecting');
    // Nothing asked the user for anything in between: no PIN prompt exists without a connect command.
    expect(h.events.slice(commandsBefore).some(([n]) => n === 'didDetectCertificateChange')).toBe(false);
    await h.call('disconnect', {});
  });
});
