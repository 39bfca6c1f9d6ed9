// XEP-0191 blocking on the real servers [IMPP-P2]: once alice blocks carol, carol's messages do
// not reach alice (the server drops them); after unblocking they do again.
import { afterEach, describe, expect, it } from 'vitest';
import type { XmppClient } from '../../electron/main/xmpp/client/client';
import type { ParsedMessage } from '../../electron/main/xmpp/im/message-parse';
import { registerMessages } from '../../electron/main/xmpp/im/messages';
import { registerPresence } from '../../electron/main/xmpp/im/presence';
import { registerBlocking } from '../../electron/main/xmpp/xep/0191-blocking';
import { openClient, waitFor } from '../support/clients';
import type { ServerKind } from '../support/testbed/info.js';

const open: XmppClient[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c.close().catch(() => undefined);
});

async function user(kind: ServerKind, name: string) {
  const client = await openClient(kind, name);
  open.push(client);
  const messages = registerMessages(client, { sendReceipts: () => false });
  registerPresence(client).setOwn({});
  const inbox: ParsedMessage[] = [];
  messages.onDidReceiveMessage((m) => inbox.push(m));
  return { client, messages, inbox, blocking: registerBlocking(client) };
}

describe.each<ServerKind>(['prosody', 'ejabberd'])('blocking on %s', (kind) => {
  it('[IMPP-P2] a blocked sender cannot reach the user; unblocking lets them through again', async () => {
    const alice = await user(kind, 'alice');
    const carol = await user(kind, 'carol');
    await alice.blocking.unblock(); // start from an empty list
    await alice.blocking.block([carol.client.account]);
    expect(await alice.blocking.list()).toContain(carol.client.account);
    carol.messages.send({ to: alice.client.account, body: 'while blocked' });
    // A marker message from bob proves delivery is working while carol's stays out.
    const bob = await user(kind, 'bob');
    bob.messages.send({ to: alice.client.account, body: 'marker' });
    await waitFor(alice.inbox, (m) => m.body === 'marker');
    await new Promise((r) => setTimeout(r, 300));
    expect(alice.inbox.some((m) => m.body === 'while blocked')).toBe(false);

    await alice.blocking.unblock([carol.client.account]);
    expect(await alice.blocking.list()).not.toContain(carol.client.account);
    carol.messages.send({ to: alice.client.account, body: 'after unblock' });
    await waitFor(alice.inbox, (m) => m.body === 'after unblock');
  });
});
