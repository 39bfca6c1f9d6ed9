// XEP-0191 blocking on the real servers [IMPP-P2]: once alice blocks carol, carol's messages do
// not reach alice (the server drops them); after unblocking they do again.
import { afterEach, describe, expect, it } from 'vitest';
import { registerBlocking } from '../../electron/main/xmpp/xep/0191-blocking';
import { chatUser, closeChatUsers } from '../support/chat-user';
import { waitFor } from '../support/clients';
import type { ServerKind } from '../support/testbed/info.js';

afterEach(closeChatUsers);

async function user(kind: ServerKind, name: string) {
  const u = await chatUser(kind, name, { sendReceipts: false });
  return { ...u, blocking: registerBlocking(u.client) };
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
