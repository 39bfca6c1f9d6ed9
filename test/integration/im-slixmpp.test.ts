// Bastion and slixmpp (Python, an independent XMPP implementation: its own XML, TLS and SASL
// stacks) talking through the real servers: messages both ways between full JIDs, XEP-0184
// receipts answered by each side, offline delivery with a XEP-0203 delay stamp, and XEP-0085
// chat states both ways. The slixmpp peer trusts only the test CA and requires STARTTLS
// (test/support/testbed/slixmpp-peer.py).
import { afterEach, describe, expect, it } from 'vitest';
import type { ParsedMessage } from '../../electron/main/xmpp/im/message-parse';
import { registerMessages } from '../../electron/main/xmpp/im/messages';
import { registerPresence } from '../../electron/main/xmpp/im/presence';
import { chatUser, closeChatUsers } from '../support/chat-user';
import { account, waitFor } from '../support/clients';
import { closeFreshSessions, freshAccount, freshSession } from '../support/fresh-user';
import { getTestbed } from '../support/testbed/get-testbed.js';
import type { ServerKind } from '../support/testbed/info.js';
import type { PeerServer } from '../support/testbed/peers.js';
import { startSlixmppPeer, type SlixmppPeer } from '../support/testbed/slixmpp-peer.js';

const peers: SlixmppPeer[] = [];
afterEach(async () => {
  await closeChatUsers();
  await closeFreshSessions();
  for (const p of peers.splice(0)) await p.stop();
});

function peerServer(kind: ServerKind): PeerServer {
  const tb = getTestbed();
  const s = tb.servers[kind];
  return { host: s.host, port: s.port, caCert: tb.pki.caCert, workDir: tb.peersDir };
}

/** slixmpp logged in as bob; it sends presence and fetches its roster before it reports online. */
async function slixBob(kind: ServerKind): Promise<SlixmppPeer> {
  const p = await startSlixmppPeer(peerServer(kind), account(kind, 'bob'));
  peers.push(p);
  return p;
}

const alice = (kind: ServerKind) => chatUser(kind, 'alice', { sendReceipts: true });

describe.each<ServerKind>(['prosody', 'ejabberd'])('Bastion ↔ slixmpp on %s', (kind) => {
  it('[UCR-G1] chat messages both ways between full JIDs, bodies intact (RFC 6121 §5)', { timeout: 60_000 }, async () => {
    const a = await alice(kind);
    const bob = await slixBob(kind);
    const toBob = 'hello slixmpp ✓ <b>&amp; "quotes"</b> 😀';
    const { id } = a.messages.send({ to: bob.jid, body: toBob });
    const got = await bob.waitForMessage((m) => m.body === toBob);
    expect(got).toMatchObject({ from: a.client.jid, type: 'chat', id, originId: id, receiptRequested: true, chatState: 'active', delay: null });

    const toAlice = 'hello Bastion ✓ <i>&lt;not markup&gt;</i> 😀';
    const sentId = await bob.send({ to: a.client.jid, body: toAlice });
    const m = await waitFor(a.inbox, (x) => x.body === toAlice, 10_000);
    expect(m).toMatchObject({ from: bob.jid, fromBare: account(kind, 'bob').jid, type: 'chat', id: sentId, delayedAt: undefined });
    expect(a.refused).toEqual([]);
  });

  it('XEP-0184: slixmpp answers Bastion’s receipt request, Bastion answers slixmpp’s', { timeout: 60_000 }, async () => {
    const a = await alice(kind);
    const bob = await slixBob(kind);
    const { id } = a.messages.send({ to: bob.jid, body: 'please confirm' });
    await bob.waitForMessage((m) => m.id === id);
    const receipt = await waitFor(a.inbox, (x) => x.receiptFor === id, 10_000);
    expect(receipt.from).toBe(bob.jid);
    expect(receipt.body).toBeUndefined();

    const sentId = await bob.send({ to: a.client.jid, body: 'confirm mine', receipt: true });
    const m = await waitFor(a.inbox, (x) => x.id === sentId, 10_000);
    expect(m.receiptRequested).toBe(true);
    const back = await bob.waitForMessage((x) => x.receiptFor === sentId);
    expect(back.from).toBe(a.client.jid);
    expect(bob.events.some((e) => e.event === 'receipt' && e.id === sentId)).toBe(true);
  });

  it('offline: slixmpp writes to an account that is offline; it arrives at login with a XEP-0203 delay stamp', { timeout: 90_000 }, async () => {
    // A fresh account (in-band registration from loopback): nobody else can be logged in to it.
    const target = await freshAccount(kind, 'slix-off');
    const bob = await slixBob(kind);
    const before = Date.now();
    const sentId = await bob.send({ to: target.jid, body: 'while you were away' });
    // The server handles one stream in order: once the ping is answered the message is stored.
    await bob.ping();
    const sentBy = Date.now();

    const client = await freshSession(target);
    const inbox: ParsedMessage[] = [];
    registerMessages(client, { sendReceipts: () => false }).onDidReceiveMessage((m) => inbox.push(m));
    // Offline messages are delivered after the first available presence (RFC 6121 §4.2.1).
    registerPresence(client).setOwn({});
    const m = await waitFor(inbox, (x) => x.body === 'while you were away', 15_000);
    expect(m).toMatchObject({ fromBare: account(kind, 'bob').jid, id: sentId, type: 'chat' });
    expect(m.delayedAt).toBeInstanceOf(Date);
    // The stamp is when the server stored it: between our send and the ping answer (whole
    // seconds on the wire: XEP-0082 allows omitting fractions).
    const stamp = m.delayedAt?.getTime() ?? Number.NaN;
    expect(stamp).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 1000);
    expect(stamp).toBeLessThanOrEqual(sentBy + 1000);
  });

  it('[UCR-G2] XEP-0085 chat states both ways: standalone notifications and states carried with a body', { timeout: 60_000 }, async () => {
    const a = await alice(kind);
    const bob = await slixBob(kind);
    await bob.sendChatState(a.client.jid, 'composing');
    const composing = await waitFor(a.inbox, (x) => x.from === bob.jid && x.chatState === 'composing', 10_000);
    expect(composing.body).toBeUndefined();
    await bob.send({ to: a.client.jid, body: 'typed it', state: 'active' });
    await waitFor(a.inbox, (x) => x.from === bob.jid && x.body === 'typed it' && x.chatState === 'active', 10_000);

    a.messages.sendChatState(bob.jid, 'paused');
    const paused = await bob.waitForMessage((x) => x.from === a.client.jid && x.chatState === 'paused');
    expect(paused.body).toBeNull();
    a.messages.sendChatState(bob.jid, 'gone');
    await bob.waitForMessage((x) => x.from === a.client.jid && x.chatState === 'gone');
  });
});
