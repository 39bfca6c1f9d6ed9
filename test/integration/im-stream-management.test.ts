// XEP-0198 Stream Management on the real servers, with alice's link running through a loopback
// proxy (test/support/cut-proxy.ts) that can silently drop one direction and then cut the
// connection, the way a dying radio link or a NAT timeout does. alice's DNS (an injected DnsPort)
// points her domain at the proxy, so every reconnection does a fresh lookup, STARTTLS, the full
// certificate checks and SASL through it. bob connects directly and is the witness: he must see
// every message exactly once. No requirement ID: this proves no loss under attack-free link failure.
import { readFile } from 'node:fs/promises';
import type { Element } from '@xmpp/xml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dnsTo } from '../support/proxy-dns';
import { createXmppClient, type XmppClient } from '../../electron/main/xmpp/client/client';
import type { ParsedMessage } from '../../electron/main/xmpp/im/message-parse';
import { registerMessages } from '../../electron/main/xmpp/im/messages';
import { registerPresence } from '../../electron/main/xmpp/im/presence';
import { establishSession, type EstablishedSession, type ResumeRequest } from '../../electron/main/xmpp/session/establish';
import { DEFAULT_SESSION_POLICY } from '../../electron/main/xmpp/session/policy';
import { registerStreamManagement, type SentStanza, type StreamManagementModule } from '../../electron/main/xmpp/xep/0198-sm';
import { chatUser, closeChatUsers } from '../support/chat-user';
import { account, waitFor } from '../support/clients';
import { startCutProxy, type CutProxy } from '../support/cut-proxy';
import { getTestbed } from '../support/testbed/get-testbed.js';
import type { ServerKind } from '../support/testbed/info.js';
import { testAddress } from '../support/testbed/net.js';

const opened: XmppClient[] = [];
afterEach(async () => {
  for (const c of opened.splice(0)) await c.close().catch(() => undefined);
  await closeChatUsers();
});

interface Alice {
  readonly client: XmppClient;
  readonly sm: StreamManagementModule;
  readonly inbox: ParsedMessage[];
  readonly acked: string[];
  readonly closed: string[];
  send(body: string): string;
}

const ids = (list: readonly SentStanza[]): string[] => list.map((s) => s.id ?? '?');
const bodies = (inbox: readonly ParsedMessage[], body: string): number => inbox.filter((m) => m.body === body).length;
const settle = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe.each<[ServerKind, number]>([
  ['prosody', 13],
  ['ejabberd', 14],
])('stream management on %s (proxy at test address .%i)', (kind, n) => {
  let proxy: CutProxy;
  let ca: string;
  let dns: ReturnType<typeof dnsTo>;
  const a = (): ReturnType<typeof account> => account(kind, 'alice');

  beforeAll(async () => {
    const tb = getTestbed();
    ca = await readFile(tb.pki.caCert, 'utf8');
    proxy = await startCutProxy({ host: testAddress(n), port: 5222 }, { host: tb.servers[kind].host, port: tb.servers[kind].port });
    dns = dnsTo(tb.servers[kind].domain, proxy.host);
  });
  afterAll(async () => {
    await proxy.close();
  });

  function connect(resume?: ResumeRequest): Promise<EstablishedSession> {
    return establishSession({
      account: a().jid,
      auth: { kind: 'password', password: a().password },
      trustAnchorsPem: ca,
      policy: { ...DEFAULT_SESSION_POLICY, dnsServers: [], stepTimeoutMs: 20_000 },
      dns: dns.port,
      ...(resume ? { resume } : {}),
    });
  }

  /** alice as the app would run her: SM enabled right after binding, then presence. */
  async function alice(s: EstablishedSession): Promise<Alice> {
    const client = createXmppClient(s);
    opened.push(client);
    const sm = registerStreamManagement(client);
    const enabled = await sm.enable();
    expect(enabled).toMatchObject({ ok: true, enabled: { resumable: true } });
    const messages = registerMessages(client, { sendReceipts: () => false });
    const inbox: ParsedMessage[] = [];
    messages.onDidReceiveMessage((m) => inbox.push(m));
    const acked: string[] = [];
    sm.onDidAck((list) => acked.push(...ids(list)));
    const closed: string[] = [];
    client.onDidClose((r) => closed.push(r));
    registerPresence(client).setOwn({});
    return { client, sm, inbox, acked, closed, send: (body) => messages.send({ to: account(kind, 'bob').jid, body }).id };
  }

  async function cutAndWait(who: Alice): Promise<void> {
    const before = who.closed.length;
    proxy.cut();
    await waitFor([0], () => who.closed.length > before, 10_000);
  }

  it('messages whose acks were lost, and messages lost on the wire, reach bob exactly once after resumption', { timeout: 90_000 }, async () => {
    const bob = await chatUser(kind, 'bob', { sendReceipts: false });
    const me = await alice(await connect());
    const tag = `a-${Date.now()}`;
    const body = (i: number): string => `${tag} #${i}`;

    // 1–3 reach the server (bob sees them), but the server's acks never come back.
    proxy.blackhole('to-client');
    const sent = [1, 2, 3].map((i) => me.send(body(i)));
    for (const i of [1, 2, 3]) await waitFor(bob.inbox, (m) => m.body === body(i), 10_000);
    // 4–6 die on the wire: the server never gets them.
    proxy.blackhole('both');
    sent.push(...[4, 5, 6].map((i) => me.send(body(i))));
    expect(ids(me.sm.unacked()).filter((id) => sent.includes(id))).toEqual(sent);
    const queriesBefore = dns.queries.length;
    await cutAndWait(me);

    const token = me.sm.resumeToken();
    expect(token).toBeDefined();
    const s2 = await connect(token);
    expect(s2.resumption).toMatchObject({ status: 'resumed' });
    if (s2.resumption?.status !== 'resumed') throw new Error('not resumed');
    // A new initiation in full: fresh DNS, TLS with the name check and the chain, SASL.
    expect(dns.queries.length).toBeGreaterThan(queriesBefore);
    expect(s2.report.tls?.nameMatch?.reference).toBe(getTestbed().servers[kind].domain);
    expect(s2.report.sasl?.profile).toBe('SASL');
    expect(s2.report.notes.join('\n')).toMatch(/resumed \(XEP-0198 §5\)/);
    expect(s2.jid).toBe(me.client.jid);

    const r = me.sm.resumed(s2.stream, s2.resumption.h, s2.features);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(ids(r.resent).filter((id) => sent.includes(id))).toEqual(sent.slice(3));
    expect(ids(r.acked).filter((id) => sent.includes(id))).toEqual(sent.slice(0, 3));

    for (const i of [4, 5, 6]) await waitFor(bob.inbox, (m) => m.body === body(i), 10_000);
    await waitFor([0], () => me.sm.unacked().length === 0, 10_000);
    await settle(1000); // room for a duplicate to show up
    for (let i = 1; i <= 6; i++) expect(bodies(bob.inbox, body(i)), body(i)).toBe(1);
    expect(me.acked.filter((id) => sent.includes(id))).toEqual(sent); // each acked once, in order

    // The same client goes on: a new message on the resumed stream.
    me.send(body(7));
    await waitFor(bob.inbox, (m) => m.body === body(7), 10_000);
  });

  it('messages sent to alice while she is cut off are delivered after resumption, once', { timeout: 90_000 }, async () => {
    const bob = await chatUser(kind, 'bob', { sendReceipts: false });
    const me = await alice(await connect());
    const tag = `b-${Date.now()}`;
    bob.messages.send({ to: me.client.jid, body: `${tag} before` });
    await waitFor(me.inbox, (m) => m.body === `${tag} before`, 10_000);
    await cutAndWait(me);
    for (const i of [1, 2, 3]) bob.messages.send({ to: me.client.jid, body: `${tag} #${i}` });
    await settle(500);

    const s2 = await connect(me.sm.resumeToken());
    expect(s2.resumption).toMatchObject({ status: 'resumed' });
    if (s2.resumption?.status !== 'resumed') return;
    expect(me.sm.resumed(s2.stream, s2.resumption.h, s2.features).ok).toBe(true);
    for (const i of [1, 2, 3]) await waitFor(me.inbox, (m) => m.body === `${tag} #${i}`, 15_000);
    await settle(1000);
    expect(bodies(me.inbox, `${tag} before`)).toBe(1);
    for (const i of [1, 2, 3]) expect(bodies(me.inbox, `${tag} #${i}`)).toBe(1);
    // Order kept: the queue the server held comes out as it went in.
    expect(me.inbox.filter((m) => m.body?.startsWith(tag)).map((m) => m.body)).toEqual([`${tag} before`, `${tag} #1`, `${tag} #2`, `${tag} #3`]);

    // The resumed session can be resumed again after the next cut, with what it counted since.
    await cutAndWait(me);
    bob.messages.send({ to: me.client.jid, body: `${tag} #4` });
    await settle(500);
    const s3 = await connect(me.sm.resumeToken());
    expect(s3.resumption).toMatchObject({ status: 'resumed' });
    if (s3.resumption?.status !== 'resumed') return;
    expect(me.sm.resumed(s3.stream, s3.resumption.h, s3.features).ok).toBe(true);
    await waitFor(me.inbox, (m) => m.body === `${tag} #4`, 15_000);
    await settle(1000);
    expect(me.inbox.filter((m) => m.body?.startsWith(tag)).map((m) => m.body)).toEqual([`${tag} before`, `${tag} #1`, `${tag} #2`, `${tag} #3`, `${tag} #4`]);
  });

  it('a refused resumption (unknown previd) binds a new resource and reports the unacked stanzas for re-sending', { timeout: 90_000 }, async () => {
    const bob = await chatUser(kind, 'bob', { sendReceipts: false });
    const me = await alice(await connect());
    const tag = `c-${Date.now()}`;
    proxy.blackhole('both');
    const sent = [1, 2].map((i) => me.send(`${tag} #${i}`));
    await cutAndWait(me);
    const token = me.sm.resumeToken();
    if (!token) throw new Error('no resume token');

    const s2 = await connect({ ...token, previd: 'bogus-previd-that-no-server-knows' });
    expect(s2.resumption).toMatchObject({ status: 'failed' });
    expect(s2.jid.startsWith(`${a().jid}/`)).toBe(true);
    expect(s2.jid).not.toBe(me.client.jid);
    expect(s2.report.notes.join('\n')).toMatch(/refused to resume/);

    const lost = me.sm.failed(s2.resumption?.status === 'failed' ? s2.resumption.h : undefined);
    expect(ids(lost).filter((id) => sent.includes(id))).toEqual(sent);
    expect(me.sm.unacked()).toEqual([]);
    await me.client.close();

    // The caller re-sends them on the new session (the same stanzas, same ids = origin-ids).
    const next = await alice(s2);
    for (const s of lost) if (s.stanza.name === 'message') next.client.send(s.stanza as Element);
    for (const i of [1, 2]) await waitFor(bob.inbox, (m) => m.body === `${tag} #${i}`, 10_000);
    await waitFor([0], () => next.sm.unacked().length === 0, 10_000);
    await settle(500);
    for (const i of [1, 2]) expect(bodies(bob.inbox, `${tag} #${i}`)).toBe(1);
    expect(bob.inbox.find((m) => m.body === `${tag} #1`)?.originId).toBe(sent[0]);
  });
});
