/**
 * One account's IM across sessions: its store, its outbox, the frame batcher that carries its
 * updates to the renderer, and the IM commands. The commands work offline where that makes
 * sense (history, roster from the cache, sending = queueing) and say "not connected" where it
 * does not. A live session (im-live.ts) is attached while connected.
 */
import type { ChatMessage, ImUpdate, MessageStateName, XhtmlNodeWire } from '../../../shared/ipc';
import { renderXhtmlIm } from '../xmpp/xep/0071-xhtml-im';
import type { BareJid } from '../../../shared/xmpp/jid';
import { createFrameBatcher } from '../ipc/batcher';
import type { CommandHandlers } from '../ipc/handlers';
import { CommandFailure } from '../ipc/handlers';
import type { AccountStore, StoredMessage } from '../store/im-store';
import { buildChatMessage } from '../xmpp/im/messages';
import type { RosterItem } from '../xmpp/im/roster';
import type { LiveIm } from './im-live';
import { createOutbox, type Outbox } from './outbox';
import { randomUUID } from 'node:crypto';

export type ImCommands = Pick<
  CommandHandlers,
  | 'getRoster'
  | 'getHistory'
  | 'sendMessage'
  | 'sendChatState'
  | 'markDisplayed'
  | 'setPresence'
  | 'addContact'
  | 'removeContact'
  | 'answerSubscription'
  | 'getBlocked'
  | 'setBlocked'
  | 'getMessagePrivacy'
  | 'setMessagePrivacy'
  | 'changePassword'
>;

export interface ImAccount {
  readonly account: BareJid;
  readonly outbox: Outbox;
  readonly commands: ImCommands;
  /** Updates from the live session go through here (batched per frame). */
  emit(u: ImUpdate): void;
  attach(live: LiveIm, opts: { readonly resumed: boolean }): Promise<void>;
  detach(): void;
  flush(): void;
  dispose(): void;
}

/** Coalescing keys: a later update with the same key supersedes the earlier one in a batch. */
function updateKey(u: ImUpdate): string | undefined {
  switch (u.kind) {
    case 'presence':
      return `p ${u.presence.jid}`;
    case 'chat-state':
      return `cs ${u.peer}`;
    case 'contact':
      return `c ${u.contact.jid}`;
    case 'contact-removed':
      return `c ${u.jid}`;
    case 'message-state':
      return `ms ${u.peer} ${u.id}`;
    case 'message':
    case 'message-corrected':
    case 'subscription-request':
    case 'subscription-answered':
      return undefined;
  }
}

const toWire = (m: StoredMessage): ChatMessage => ({
  peer: m.peer,
  direction: m.direction,
  id: m.msgId,
  sender: m.sender,
  body: m.body,
  at: new Date(m.ts).toISOString(),
  state: m.state,
  corrected: m.replacedBy !== undefined,
  ...(m.xhtml ? { xhtml: JSON.parse(m.xhtml) as XhtmlNodeWire[] } : {}),
});

/** Protocol refusals (not-supported, not-allowed …) become CommandFailures the user can read. */
const protocolFailure =
  (what: string) =>
  (e: unknown): never => {
    throw new CommandFailure('invalid-state', `${what} failed: ${e instanceof Error ? e.message : String(e)}`);
  };

export function createImAccount(opts: {
  readonly account: BareJid;
  readonly store: AccountStore;
  readonly deliver: (updates: readonly ImUpdate[]) => void;
  readonly onOutboxChange?: (pending: number) => void;
  readonly now?: () => number;
}): ImAccount {
  const { account, store } = opts;
  const now = opts.now ?? Date.now;
  const batcher = createFrameBatcher<ImUpdate>({ deliver: opts.deliver, key: updateKey });
  let live: LiveIm | undefined;
  const setState = (peer: string, id: string, state: MessageStateName): void => {
    if (store.setMessageState(peer, 'out', id, state)) batcher.push({ kind: 'message-state', peer, id, state });
  };
  const outbox = createOutbox(store, {
    onSent: (peer, id) => {
      setState(peer, id, 'sent');
      opts.onOutboxChange?.(outbox.pending());
    },
  });

  const ownPresence = (): { show: 'online' | 'chat' | 'away' | 'xa' | 'dnd'; status?: string } => {
    const p = live?.presence.own();
    return { show: p?.show ?? 'online', ...(p?.status ? { status: p.status } : {}) };
  };

  const needPrivacy = () => {
    const p = needLive().privacy;
    if (!p) throw new CommandFailure('invalid-state', 'privacy lists (XEP-0016) are switched off by the administrator');
    return p;
  };

  const needLive = (): LiveIm => {
    if (!live) throw new CommandFailure('invalid-state', 'not connected');
    return live;
  };

  const commands: ImCommands = {
    getRoster: () => {
      const items = live ? live.roster.items() : (store.rosterCache().items as RosterItem[]);
      return {
        contacts: items,
        presence: live ? items.map((i) => live!.presenceOf(i.jid)) : [],
        requests: live ? live.presence.pendingRequests() : [],
        own: ownPresence(),
      };
    },
    getHistory: ({ peer, before, beforeId, after, afterId, limit }) => ({
      messages: store
        .history(peer, {
          limit,
          ...(before ? { beforeTs: Date.parse(before) } : {}),
          ...(beforeId ? { beforeId } : {}),
          ...(after ? { afterTs: Date.parse(after) } : {}),
          ...(afterId ? { afterId } : {}),
        })
        .map(toWire),
    }),
    sendMessage: ({ to, body, replaces, xhtml }) => {
      const id = randomUUID();
      const ts = now();
      // XEP-0071: main sanitises the tree itself and derives the plain body from it (§8), so
      // the two can never say different things.
      const rich = xhtml && xhtml.length > 0 ? renderXhtmlIm(xhtml) : undefined;
      const text = rich && rich.body.trim().length > 0 ? rich.body : body;
      const formatted = rich && rich.content.nodes.length > 0 ? JSON.stringify(rich.content.nodes) : undefined;
      const stanza = buildChatMessage({ to, body: text, id, ...(replaces ? { replaces } : {}), ...(rich ? { extensions: [rich.html] } : {}) });
      if (replaces) {
        // XEP-0308: our own earlier message in this conversation only.
        if (!store.hasMessage(to, 'out', replaces)) throw new CommandFailure('invalid-argument', 'only your own messages in this conversation can be corrected');
        store.correctMessage(to, 'out', replaces, text, id, formatted);
        batcher.push({ kind: 'message-corrected', peer: to, direction: 'out', id: replaces, body: text });
      } else {
        store.addMessage({ peer: to, direction: 'out', msgId: id, originId: id, sender: account, type: 'chat', body: text, ts, state: 'queued', ...(formatted ? { xhtml: formatted } : {}) });
      }
      // Written to the outbox (disk) before the network sees it.
      outbox.submit({ msgId: id, peer: to, stanza: stanza.toString() });
      opts.onOutboxChange?.(outbox.pending());
      return { id, state: 'queued' as const, at: new Date(ts).toISOString() };
    },
    sendChatState: ({ to, state }) => {
      needLive().messages.sendChatState(to, state);
      return {};
    },
    markDisplayed: ({ peer, id }) => {
      needLive().messages.markDisplayed(peer, id);
      return {};
    },
    setPresence: ({ show, status }) => {
      needLive().presence.setOwn({ ...(show === 'online' ? {} : { show }), ...(status ? { status } : {}) });
      return {};
    },
    addContact: async ({ jid, name, groups }) => {
      const l = needLive();
      await l.roster.set({ jid: jid as BareJid, ...(name ? { name } : {}), ...(groups ? { groups } : {}) });
      // Adding someone means wanting to see their presence; they still have to approve [IMPP-P1].
      l.presence.requestSubscription(jid as BareJid);
      return {};
    },
    removeContact: async ({ jid }) => {
      await needLive().roster.remove(jid as BareJid);
      return {};
    },
    answerSubscription: ({ jid, approve }) => {
      const l = needLive();
      if (approve) l.presence.approve(jid as BareJid);
      else l.presence.deny(jid as BareJid);
      batcher.push({ kind: 'subscription-answered', from: jid });
      return {};
    },
    getBlocked: async () => ({ jids: await needLive().blocking.list().catch(protocolFailure('the blocking list')) }),
    setBlocked: async ({ jid, blocked }) => {
      const l = needLive();
      await (blocked ? l.blocking.block([jid]) : l.blocking.unblock([jid])).catch(protocolFailure(blocked ? 'blocking' : 'unblocking'));
      return {};
    },
    getMessagePrivacy: async () => ({ onlyContacts: await needPrivacy().onlyMyContactsEnabled().catch(protocolFailure('privacy lists')) }),
    setMessagePrivacy: async ({ onlyContacts }) => {
      const p = needPrivacy();
      if (onlyContacts) {
        const r = await p.enableOnlyMyContacts().catch(protocolFailure('privacy lists'));
        return r.default
          ? { onlyContacts: true }
          : { onlyContacts: true, note: `applies to this session only: the server did not make it the default (${r.defaultRefused ?? 'another session is online'})` };
      }
      const r = await p.disableOnlyMyContacts().catch(protocolFailure('privacy lists'));
      return r.listDeleted ? { onlyContacts: false } : { onlyContacts: false, note: r.reason ?? 'the server kept the list while another session is online' };
    },
    changePassword: async ({ newPassword }) => {
      await needLive().accountManagement.changePassword(newPassword).catch(protocolFailure('changing the password'));
      return {};
    },
  };

  return {
    account,
    outbox,
    commands,
    emit: (u) => batcher.push(u),
    async attach(l, o) {
      live = l;
      await outbox.attach(l.outboxLink(), o);
    },
    detach() {
      live = undefined;
      outbox.detach();
    },
    flush: () => batcher.flush(),
    dispose() {
      live = undefined;
      outbox.detach();
      batcher.flush();
      batcher.dispose();
    },
  };
}
