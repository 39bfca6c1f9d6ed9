/**
 * One-to-one messages: sending with a XEP-0359 origin-id (the key every later layer —
 * outbox, MAM catch-up, carbons — de-duplicates on), receipts and chat markers requested,
 * corrections (XEP-0308) and chat states (XEP-0085); receiving through the edge parser.
 */
import { randomUUID } from 'node:crypto';
import type { Element } from '@xmpp/xml';
import xml from '@xmpp/xml';
import { createEmitter, type Disposer } from '../../../../shared/util/disposable';
import type { XmppClient } from '../client/client';
import { registerReceipts } from '../xep/0184-receipts';
import { carbonsPrivateHints } from '../xep/0280-carbons';
import { isForwardingWrapper, NS, parseMessage, type ChatState, type ParsedMessage } from './message-parse';

export interface OutgoingMessage {
  readonly to: string;
  readonly body: string;
  readonly type?: 'chat' | 'normal';
  readonly thread?: string;
  /** XEP-0308: the id of our earlier message this one corrects. */
  readonly replaces?: string;
  /** A stable id chosen by the caller (the outbox re-sends with the same one). */
  readonly id?: string;
  /** XEP-0280 §7: keep this message off our other devices (no carbon copies). */
  readonly private?: boolean;
  /** More payload, e.g. the XEP-0071 `<html/>` next to the body. */
  readonly extensions?: readonly Element[];
}

export interface MessagesModule {
  send(m: OutgoingMessage): { readonly id: string };
  sendChatState(to: string, state: ChatState): void;
  /** XEP-0333: tell the sender we displayed their message. */
  markDisplayed(to: string, id: string): void;
  onDidReceiveMessage(cb: (m: ParsedMessage) => void): Disposer;
  /** Messages that arrived but were refused at the edge, with the reason (for logs and tests). */
  onDidRefuseMessage(cb: (reason: string) => void): Disposer;
  /**
   * Leaves messages from some senders to another module (XEP-0045: a room's group messages and
   * its occupants' private messages are not one-to-one chats). `test` gets the parsed message.
   */
  exclude(test: (m: ParsedMessage) => boolean): Disposer;
  dispose(): void;
}

export function registerMessages(client: XmppClient, opts: { readonly sendReceipts: () => boolean }): MessagesModule {
  const received = createEmitter<ParsedMessage>();
  const refused = createEmitter<string>();
  const excluded = new Set<(m: ParsedMessage) => boolean>();
  const receipts = registerReceipts(client, { send: opts.sendReceipts });
  const disposers: Disposer[] = [
    receipts.dispose,
    client.disco.addFeature(NS.sid),
    client.disco.addFeature(NS.chatStates),
    client.disco.addFeature(NS.markers),
    client.disco.addFeature(NS.correct),
    client.onMessage((el) => {
      // Carbons and archive results are unwrapped and checked by their own modules (0280, 0313).
      if (isForwardingWrapper(el)) return;
      // Invitations (XEP-0045 §7.8, XEP-0249) are the invitation module's; their fallback body
      // ("X invites you to …") must not show up as a chat message from the room.
      if (isInvitation(el)) return;
      const r = parseMessage(el);
      if (!r.ok) {
        refused.emit(r.reason);
        return;
      }
      for (const test of excluded) if (test(r.message)) return;
      receipts.answer(r.message);
      received.emit(r.message);
    }),
  ];

  return {
    send(m) {
      const stanza = buildChatMessage(m);
      client.send(stanza);
      return { id: String(stanza.attrs.id) };
    },
    sendChatState(to, state) {
      // XEP-0085 §5.5: standalone notifications carry no body and should not be stored.
      client.send(xml('message', { to, type: 'chat' }, xml(state, { xmlns: NS.chatStates }), xml('no-store', { xmlns: 'urn:xmpp:hints' })));
    },
    markDisplayed(to, id) {
      client.send(xml('message', { to, type: 'chat' }, xml('displayed', { xmlns: NS.markers, id }), xml('store', { xmlns: 'urn:xmpp:hints' })));
    },
    onDidReceiveMessage: received.on,
    onDidRefuseMessage: refused.on,
    exclude(test) {
      excluded.add(test);
      return () => {
        excluded.delete(test);
      };
    },
    dispose: () => {
      for (const d of disposers) d();
    },
  };
}

/**
 * The stanza for an outgoing chat message, built without sending it: the outbox persists exactly
 * this (same id = XEP-0359 origin-id) and re-sends it after a crash or a lost link.
 */
export function buildChatMessage(m: OutgoingMessage): Element {
  const id = m.id ?? randomUUID();
  return (
    xml(
      'message',
      { to: m.to, type: m.type ?? 'chat', id },
      xml('body', {}, m.body),
      ...(m.thread ? [xml('thread', {}, m.thread)] : []),
      xml('origin-id', { xmlns: NS.sid, id }),
      xml('request', { xmlns: NS.receipts }),
      xml('markable', { xmlns: NS.markers }),
      xml('active', { xmlns: NS.chatStates }),
      ...(m.replaces ? [xml('replace', { xmlns: NS.correct, id: m.replaces })] : []),
      ...(m.private ? carbonsPrivateHints() : []),
      ...(m.extensions ?? []),
    )
  );
}

/** A mediated invitation/decline or a direct invitation: handled by xep/0045-muc-invite.ts. */
function isInvitation(el: Element): boolean {
  const user = el.getChild('x', 'http://jabber.org/protocol/muc#user');
  return (user !== undefined && (user.getChild('invite') !== undefined || user.getChild('decline') !== undefined)) || el.getChild('x', 'jabber:x:conference') !== undefined;
}
