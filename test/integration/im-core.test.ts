// The IM core end to end through the real main-process core (dispatcher, store, outbox,
// reconnect loop) against the real Prosody and ejabberd: messages both ways with state
// changes, history in the encrypted store, offline queueing, and a link cut by a loopback
// proxy → automatic reconnect with a fresh DNS lookup and no message lost or doubled.
import { randomBytes } from 'node:crypto';
import xml from '@xmpp/xml';
import { afterEach, describe, expect, it } from 'vitest';
import type { ImUpdate } from '../../shared/ipc';
import type { XmppClient } from '../../electron/main/xmpp/client/client';
import type { ParsedMessage } from '../../electron/main/xmpp/im/message-parse';
import { registerMessages } from '../../electron/main/xmpp/im/messages';
import { registerPresence } from '../../electron/main/xmpp/im/presence';
import { establishSession } from '../../electron/main/xmpp/session/establish';
import { waitFor } from '../support/clients';
import { startCore, type CoreHarness } from '../support/core-harness';
import { startCutProxy, type CutProxy } from '../support/cut-proxy';
import { closeFreshSessions, freshAccount, freshSession } from '../support/fresh-user';
import { dnsTo } from '../support/proxy-dns';
import { testAddress } from '../support/testbed/net.js';
import { getTestbed } from '../support/testbed/get-testbed.js';
import type { Account, ServerKind } from '../support/testbed/info.js';

const cores: CoreHarness[] = [];
const proxies: CutProxy[] = [];
afterEach(async () => {
  for (const c of cores.splice(0)) await c.close();
  for (const p of proxies.splice(0)) await p.close();
  await closeFreshSessions();
});

const tag = (): string => randomBytes(4).toString('hex');
const until = (pred: () => boolean, ms: number): Promise<unknown> => waitFor([0], () => pred(), ms);

/** A peer on a fresh account: a plain Bastion protocol client, receipts on. */
async function peer(account: Account): Promise<{ client: XmppClient; inbox: ParsedMessage[] }> {
  const client = await freshSession(account);
  const messages = registerMessages(client, { sendReceipts: () => true });
  registerPresence(client).setOwn({});
  const inbox: ParsedMessage[] = [];
  messages.onDidReceiveMessage((m) => inbox.push(m));
  return { client, inbox };
}

function updates(h: CoreHarness): ImUpdate[] {
  return h.events.filter(([n]) => n === 'didUpdateIm').flatMap(([, p]) => (p as { updates: ImUpdate[] }).updates);
}

async function signIn(h: CoreHarness, a: Account): Promise<void> {
  expect((await h.call('acknowledgeConsent', {})).ok).toBe(true);
  const r = await h.call('connect', { account: a.jid, auth: { kind: 'password', password: a.password } });
  expect(r, JSON.stringify(r.error)).toMatchObject({ ok: true });
}

/** Sessions that came up (a 'connected' after another state; queue-count updates repeat 'connected'). */
const sessionsUp = (h: CoreHarness): number => h.states().filter((s, i, all) => s === 'connected' && all[i - 1] !== 'connected').length;

const delivered = (inbox: readonly ParsedMessage[], body: string): number => inbox.filter((m) => m.body === body).length;

describe.each(['prosody', 'ejabberd'] as ServerKind[])('IM core through the main-process core on %s', (kind) => {
  it('sends and receives, reports sent → delivered, and keeps both sides in the encrypted history', async () => {
    const [alice, bob] = await Promise.all([freshAccount(kind, 'core-a'), freshAccount(kind, 'core-b')]);
    const b = await peer(bob);
    const h = startCore();
    cores.push(h);
    await signIn(h, alice);
    const body = `hello ${tag()}`;
    const sent = await h.call('sendMessage', { to: bob.jid, body });
    expect(sent).toMatchObject({ ok: true, value: { state: 'queued' } });
    const id = (sent.value as { id: string }).id;
    const got = await waitFor(b.inbox, (m) => m.body === body, 10_000);
    expect(got.originId).toBe(id);
    await until(() => updates(h).some((u) => u.kind === 'message-state' && u.id === id && u.state === 'delivered'), 10_000);
    // A third-party style message: no origin-id, just a stanza id. Sent to the full JID the
    // message came from (RFC 6121 §5.1): to the bare JID it could reach alice before her initial
    // presence and come back as an offline message whose delay stamp has whole seconds only,
    // sorting it before our message sent earlier in the same second.
    b.client.send(xml('message', { to: got.from, type: 'chat', id: tag() }, xml('body', {}, `reply ${tag()}`)));
    await until(() => updates(h).some((u) => u.kind === 'message' && u.message.direction === 'in'), 10_000);
    const reply = updates(h).find((u) => u.kind === 'message' && u.message.direction === 'in');
    expect(reply).toMatchObject({ kind: 'message', message: { peer: bob.jid, direction: 'in', state: 'received' } });
    const history = await h.call('getHistory', { peer: bob.jid, limit: 10 });
    const msgs = (history.value as { messages: { body: string; direction: string; state: string }[] }).messages;
    expect(msgs.map((m) => m.direction)).toEqual(['out', 'in']);
    expect(msgs[0]).toMatchObject({ body, state: 'delivered' });
    expect(delivered(b.inbox, body)).toBe(1);
  });

  it('queues a message while signed out and delivers it exactly once at the next sign-in', async () => {
    const [alice, bob] = await Promise.all([freshAccount(kind, 'core-a'), freshAccount(kind, 'core-b')]);
    const b = await peer(bob);
    const h = startCore();
    cores.push(h);
    await signIn(h, alice);
    expect((await h.call('disconnect', {})).ok).toBe(true);
    const body = `offline ${tag()}`;
    const sent = await h.call('sendMessage', { to: bob.jid, body });
    expect(sent, JSON.stringify(sent.error)).toMatchObject({ ok: true, value: { state: 'queued' } });
    await new Promise((r) => setTimeout(r, 300));
    expect(delivered(b.inbox, body)).toBe(0);
    await signIn(h, alice);
    await waitFor(b.inbox, (m) => m.body === body, 10_000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(delivered(b.inbox, body)).toBe(1);
  });

  it('when the link is cut, reconnects on its own with a fresh DNS lookup and loses or doubles nothing sent meanwhile', async () => {
    const tb = getTestbed();
    const target = tb.servers[kind];
    const proxy = await startCutProxy({ host: testAddress(kind === 'prosody' ? 15 : 16), port: 5222 }, { host: target.host, port: target.port });
    proxies.push(proxy);
    const dns = dnsTo(target.domain, proxy.host);
    const [alice, bob] = await Promise.all([freshAccount(kind, 'core-a'), freshAccount(kind, 'core-b')]);
    const b = await peer(bob);
    const h = startCore((env) => ({
      ...env,
      backoff: { initialMs: 300, maxMs: 1500, factor: 2 },
      establish: (o) => establishSession({ ...o, dns: dns.port }),
    }));
    cores.push(h);
    await signIn(h, alice);
    const queriesAtFirstLogin = dns.queries.length;
    proxy.cut();
    await until(() => h.states().includes('reconnecting'), 10_000);
    const body = `during outage ${tag()}`;
    expect(await h.call('sendMessage', { to: bob.jid, body })).toMatchObject({ ok: true });
    await until(() => h.states().at(-1) === 'connected' && sessionsUp(h) >= 2, 20_000);
    expect(dns.queries.length).toBeGreaterThan(queriesAtFirstLogin);
    await waitFor(b.inbox, (m) => m.body === body, 15_000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(delivered(b.inbox, body)).toBe(1);
    const reconnecting = h.events.find(([n, p]) => n === 'didChangeConnectionState' && (p as { state: string }).state === 'reconnecting')?.[1] as { retryAt?: string };
    expect(Date.parse(reconnecting.retryAt ?? '')).not.toBeNaN();
  });

  it('resumes the stream (XEP-0198) after a cut that swallowed the acks, and the message in flight arrives exactly once', async () => {
    const tb = getTestbed();
    const target = tb.servers[kind];
    const proxy = await startCutProxy({ host: testAddress(kind === 'prosody' ? 21 : 22), port: 5222 }, { host: target.host, port: target.port });
    proxies.push(proxy);
    const dns = dnsTo(target.domain, proxy.host);
    const [alice, bob] = await Promise.all([freshAccount(kind, 'core-a'), freshAccount(kind, 'core-b')]);
    const b = await peer(bob);
    const h = startCore((env) => ({ ...env, backoff: { initialMs: 300, maxMs: 1500, factor: 2 }, establish: (o) => establishSession({ ...o, dns: dns.port }) }));
    cores.push(h);
    await signIn(h, alice);
    // Let the session come fully up (stream management enabled, roster loaded, presence sent).
    await new Promise((r) => setTimeout(r, 1000));
    proxy.blackhole('to-client');
    const body = `in flight ${tag()}`;
    expect(await h.call('sendMessage', { to: bob.jid, body })).toMatchObject({ ok: true });
    await waitFor(b.inbox, (m) => m.body === body, 10_000);
    proxy.cut();
    await until(() => sessionsUp(h) >= 2, 20_000);
    const report = (await h.call('getSecurityReport', {})).value as { notes: string[] };
    expect(report.notes.join("\n"), JSON.stringify(report.notes)).toMatch(/resumed \(XEP-0198\)/);
    await until(() => (h.events.filter(([n]) => n === 'didChangeConnectionState').at(-1)?.[1] as { queued?: number }).queued === 0 || updates(h).some((u) => u.kind === 'message-state' && u.state === 'sent'), 10_000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(delivered(b.inbox, body)).toBe(1);
  });
});
