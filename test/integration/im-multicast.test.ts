// XEP-0033 on the real servers: alice sends one message to bob (to) and carol (bcc). ejabberd
// has mod_multicast, so a single stanza goes to its service; Prosody has none, so the client
// sends one copy each. Either way each recipient gets it exactly once, and bob never learns
// that carol was a blind copy.
import xml from '@xmpp/xml';
import { afterEach, describe, expect, it } from 'vitest';
import { registerMulticast, type ReceivedAddresses } from '../../electron/main/xmpp/xep/0033-multicast';
import { chatUser, closeChatUsers } from '../support/chat-user';
import { waitFor } from '../support/clients';
import { getTestbed } from '../support/testbed/get-testbed.js';
import type { ServerKind } from '../support/testbed/info.js';

afterEach(closeChatUsers);

async function user(kind: ServerKind, name: string) {
  const u = await chatUser(kind, name, { sendReceipts: false });
  const multicast = registerMulticast(u.client);
  const headers: { id: string | undefined; addresses: ReceivedAddresses }[] = [];
  multicast.onDidReceiveAddressed((m, addresses) => headers.push({ id: m.originId, addresses }));
  return { ...u, multicast, headers };
}

describe.each<[ServerKind, 'service' | 'individual']>([
  ['prosody', 'individual'],
  ['ejabberd', 'service'],
])('multicast on %s', (kind, via) => {
  it(`[UCR-G1] one message to bob and (bcc) carol: each gets it once (${via})`, async () => {
    const alice = await user(kind, 'alice');
    const bob = await user(kind, 'bob');
    const carol = await user(kind, 'carol');
    const domain = getTestbed().servers[kind].domain;
    expect(await alice.multicast.discover()).toBe(via === 'service' ? `multicast.${domain}` : undefined);

    const sent = await alice.multicast.send({ recipients: { to: [bob.client.account], bcc: [carol.client.account] }, body: 'to both of you' });
    expect(sent.via).toBe(via);
    expect(sent.stanzas).toHaveLength(via === 'service' ? 1 : 2);
    await waitFor(bob.inbox, (m) => m.body === 'to both of you');
    await waitFor(carol.inbox, (m) => m.body === 'to both of you');
    // A marker sent afterwards proves nothing else was still on its way.
    alice.client.send(xmlMessage(bob.client.account, 'marker'));
    alice.client.send(xmlMessage(carol.client.account, 'marker'));
    await waitFor(bob.inbox, (m) => m.body === 'marker');
    await waitFor(carol.inbox, (m) => m.body === 'marker');
    expect(bob.inbox.filter((m) => m.body === 'to both of you')).toHaveLength(1);
    expect(carol.inbox.filter((m) => m.body === 'to both of you')).toHaveLength(1);
    expect(bob.inbox.find((m) => m.body === 'to both of you')?.fromBare).toBe(alice.client.account);

    // Both see the header; bob's does not mention carol (bcc), and nothing from alice is trusted
    // as reply-to.
    const bobHeader = await waitFor(bob.headers, (h) => h.addresses.recipients.length > 0);
    expect(bobHeader.addresses.recipients.map((a) => `${a.type}:${a.jid ?? ''}`)).toEqual([`to:${bob.client.account}`]);
    expect(bobHeader.addresses.trusted).toBe(false);
    const carolHeader = await waitFor(carol.headers, (h) => h.addresses.recipients.length > 0);
    expect(carolHeader.addresses.recipients.some((a) => a.jid === bob.client.account && a.type === 'to')).toBe(true);
  });
});

function xmlMessage(to: string, body: string) {
  return xml('message', { to, type: 'chat' }, xml('body', {}, body));
}
