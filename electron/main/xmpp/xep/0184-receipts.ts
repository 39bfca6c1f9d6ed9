/**
 * XEP-0184 Message Delivery Receipts: when a contact asks, say we received their message —
 * but only for messages with an id, not of type groupchat/error, and never for a receipt
 * itself (§5), so two clients cannot loop. Whether to send them at all is the user's or the
 * admin's choice (they reveal that a device is online).
 */
import xml from '@xmpp/xml';
import type { XmppClient } from '../client/client';
import type { ParsedMessage } from '../im/message-parse';

export const NS_RECEIPTS = 'urn:xmpp:receipts';

export function registerReceipts(client: XmppClient, opts: { readonly send: () => boolean }): { answer(m: ParsedMessage): void; dispose(): void } {
  const off = client.disco.addFeature(NS_RECEIPTS);
  return {
    answer(m) {
      if (!opts.send() || !m.receiptRequested || m.receiptFor !== undefined) return;
      if (m.type === 'groupchat' || m.type === 'error' || m.id === undefined) return;
      client.send(xml('message', { to: m.from, id: `r-${m.id}`.slice(0, 128) }, xml('received', { xmlns: NS_RECEIPTS, id: m.id })));
    },
    dispose: off,
  };
}
