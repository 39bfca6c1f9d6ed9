// One-to-one messages on the real servers: Bastion ↔ Bastion with receipts, and Bastion ↔
// go-sendxmpp as a third-party client in both directions; hostile messages are refused at the
// edge without losing the ones that follow.
import xml from '@xmpp/xml';
import { afterEach, describe, expect, it } from 'vitest';
import { chatUser, closeChatUsers } from '../support/chat-user';
import { roundTrip, waitFor } from '../support/clients';
import { freshAccount } from '../support/fresh-user';
import { getTestbed } from '../support/testbed/get-testbed.js';
import type { ServerKind } from '../support/testbed/info.js';
import { listen, sendMessage, type PeerServer } from '../support/testbed/peers.js';

afterEach(closeChatUsers);
const user = (kind: ServerKind, name: string) => chatUser(kind, name, { sendReceipts: true });

function peer(kind: ServerKind): PeerServer {
  const tb = getTestbed();
  const s = tb.servers[kind];
  return { host: s.host, port: s.port, caCert: tb.pki.caCert, workDir: tb.peersDir };
}

describe.each<ServerKind>(['prosody', 'ejabberd'])('messages on %s', (kind) => {
  it('Bastion ↔ Bastion: body, origin-id, and a delivery receipt back', async () => {
    const alice = await user(kind, 'alice');
    const bob = await user(kind, 'bob');
    const { id } = alice.messages.send({ to: bob.client.jid, body: 'hello bob ✓' });
    const got = await waitFor(bob.inbox, (m) => m.body === 'hello bob ✓');
    expect(got).toMatchObject({ fromBare: alice.client.account, originId: id, receiptRequested: true, markable: true, type: 'chat' });
    await waitFor(alice.inbox, (m) => m.receiptFor === id);
    bob.messages.send({ to: alice.client.jid, body: 'hi alice' });
    await waitFor(alice.inbox, (m) => m.body === 'hi alice');
  });

  it('Bastion → go-sendxmpp, and go-sendxmpp → Bastion (third-party client)', { timeout: 90_000 }, async () => {
    const alice = await user(kind, 'alice');
    // A fresh account: the shared carol may be online in another test file, and then the message
    // below would go to that session instead of waiting in offline storage.
    const carol = await freshAccount(kind, 'gosx');
    // carol has never been online: the message waits in offline storage and go-sendxmpp gets it
    // on login. This direction goes first on purpose: go-sendxmpp ends its session by closing the
    // socket, and the server may read a message for carol that was sent a moment after that close
    // before it reads the close (two connections, no order between them), and then hands it to
    // the dead session (seen in Prosody's log: 3 in 200 runs under load when carol had just sent).
    alice.messages.send({ to: carol.jid, body: 'to go-sendxmpp' });
    // Stored before carol logs in: a server handles one stream's stanzas in order (RFC 6120
    // §10.1), so once this ping is answered the message is in offline storage. Without it the
    // message can be routed while go-sendxmpp's session is bound but not yet available, and
    // ejabberd may then store it after that session's initial presence already emptied the store
    // (1 in 120 runs under load; it would wait there for the next login).
    await roundTrip(alice.client);
    const listener = await listen(peer(kind), carol);
    try {
      const m = await listener.waitFor((x) => x.body === 'to go-sendxmpp', 25_000);
      expect(m.from).toBe(alice.client.account);
    } finally {
      await listener.stop();
    }
    await sendMessage(peer(kind), carol, alice.client.account, 'from go-sendxmpp');
    // go-sendxmpp logs in from scratch (TLS, SASL) each time: generous under a loaded CI machine.
    await waitFor(alice.inbox, (m) => m.body === 'from go-sendxmpp' && m.fromBare === carol.jid, 25_000);
  });

  it('[IMPP-D1] a huge body is refused at the edge; the next message still arrives', async () => {
    const alice = await user(kind, 'alice');
    const bob = await user(kind, 'bob');
    bob.client.send(xml('message', { to: alice.client.jid, type: 'chat', id: 'big' }, xml('body', {}, 'x'.repeat(70_000))));
    bob.messages.send({ to: alice.client.jid, body: 'after the big one' });
    await waitFor(alice.inbox, (m) => m.body === 'after the big one');
    expect(alice.refused.some((r) => r.includes('longer than'))).toBe(true);
    expect(alice.inbox.some((m) => m.id === 'big')).toBe(false);
  });
});
