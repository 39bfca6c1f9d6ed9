// The other side of a UI chat test: a protocol-level client (Bastion's own modules, no UI) on a
// fresh in-band account, with everything it receives recorded, so a test can act as the peer
// (ask for a subscription, type, send, acknowledge) and check what the UI sent.
import xml from '@xmpp/xml';
import type { XmppClient } from '../../electron/main/xmpp/client/client';
import type { ParsedMessage } from '../../electron/main/xmpp/im/message-parse';
import { registerMessages, type MessagesModule } from '../../electron/main/xmpp/im/messages';
import { registerPresence, type PresenceEvent, type PresenceModule } from '../../electron/main/xmpp/im/presence';
import { registerRoster } from '../../electron/main/xmpp/im/roster';
import type { BareJid } from '../../shared/xmpp/jid';
import { freshSession } from '../../test/support/fresh-user';
import type { Account } from '../../test/support/testbed/info.js';

export interface ChatPeer {
  readonly account: Account;
  readonly jid: BareJid;
  readonly client: XmppClient;
  readonly messages: MessagesModule;
  readonly presence: PresenceModule;
  readonly inbox: ParsedMessage[];
  readonly presenceEvents: PresenceEvent[];
  /** Answer receipt requests automatically (XEP-0184)? Off by default, so a test can send them itself. */
  autoReceipts: boolean;
  /** Approve every subscription request that arrives. */
  autoApprove: boolean;
  /** Sends a delivery receipt (XEP-0184) for a message it received. */
  sendReceipt(m: ParsedMessage): void;
}

export async function chatPeer(account: Account): Promise<ChatPeer> {
  return chatPeerOn(account, await freshSession(account));
}

/** The same peer on a session opened elsewhere (e.g. against a private server of the test). */
export async function chatPeerOn(account: Account, client: XmppClient): Promise<ChatPeer> {
  const inbox: ParsedMessage[] = [];
  const presenceEvents: PresenceEvent[] = [];
  const roster = registerRoster(client);
  await roster.load();
  const peer: ChatPeer = {
    account,
    jid: account.jid as BareJid,
    client,
    messages: registerMessages(client, { sendReceipts: () => peer.autoReceipts }),
    presence: registerPresence(client),
    inbox,
    presenceEvents,
    autoReceipts: false,
    autoApprove: false,
    sendReceipt: (m) => {
      client.send(xml('message', { to: m.from, id: `r-${m.id ?? 'x'}` }, xml('received', { xmlns: 'urn:xmpp:receipts', id: m.id ?? '' })));
    },
  };
  peer.messages.onDidReceiveMessage((m) => inbox.push(m));
  peer.presence.onDidChangePresence((e) => {
    presenceEvents.push(e);
    if (e.kind === 'subscription-request' && peer.autoApprove) peer.presence.approve(e.from);
  });
  // Available: without an available resource the server would store chat messages offline.
  peer.presence.setOwn({});
  return peer;
}
