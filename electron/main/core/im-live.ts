/**
 * One live session's IM: registers the protocol modules on an authenticated client and turns
 * what they report into store rows and renderer updates. Every incoming copy of a message —
 * live, carbon (XEP-0280), archive (XEP-0313), offline delivery — goes through `ingest`, which
 * de-duplicates on the store's (peer, direction, id) key, so the user sees each message once.
 */
import { randomUUID } from 'node:crypto';
import { parse as parseXml } from 'ltx';
import type { ContactPresence, ImUpdate } from '../../../shared/ipc';
import type { Disposer } from '../../../shared/util/disposable';
import { bareOf, parseJid, type BareJid } from '../../../shared/xmpp/jid';
import { IqError, type XmppClient } from '../xmpp/client/client';
import type { ParsedMessage } from '../xmpp/im/message-parse';
import { registerMessages, type MessagesModule } from '../xmpp/im/messages';
import { registerPresence, type PresenceModule } from '../xmpp/im/presence';
import { registerRoster, type RosterItem, type RosterModule } from '../xmpp/im/roster';
import { registerDisco } from '../xmpp/xep/0030-disco';
import { registerVersion } from '../xmpp/xep/0092-version';
import { registerBlocking, type BlockingModule } from '../xmpp/xep/0191-blocking';
import { registerPing } from '../xmpp/xep/0199-ping';
import { registerTime } from '../xmpp/xep/0202-time';
import { registerCarbons, type CarbonsModule } from '../xmpp/xep/0280-carbons';
import { NS_MAM, registerMam, type ArchivedMessage, type MamModule } from '../xmpp/xep/0313-mam';
import { registerCaps, type CapsCache, type CapsModule } from '../xmpp/xep/0115-caps';
import { registerIdle, type IdlePort } from '../xmpp/xep/0319-idle';
import { registerXhtmlIm } from '../xmpp/xep/0071-xhtml-im';
import { registerMulticast } from '../xmpp/xep/0033-multicast';
import { registerPrivacy, type PrivacyModule } from '../xmpp/xep/0016-privacy';
import { registerAccountManagement, type AccountModule } from '../xmpp/xep/0077-register';
import { registerMuc } from '../xmpp/xep/0045-muc';
import type { MucModule } from '../xmpp/xep/0045-muc-types';
import { registerMucAdmin, type MucAdminModule } from '../xmpp/xep/0045-muc-admin';
import { registerInvitations, type InvitationsModule } from '../xmpp/xep/0045-muc-invite';
import { registerMucBrowse, type MucBrowseModule } from '../xmpp/xep/0045-muc-browse';
import { registerBookmarks, type BookmarksModule } from '../xmpp/xep/0402-bookmarks';
import type { AccountStore, MessageDirection } from '../store/im-store';
import type { OutboxLink } from './outbox';

/** UCR 2008 Table 5.7.3-1 "conditional" XEPs: implemented, and admin policy may switch them off. */
export interface XepSwitches {
  readonly privacyLists: boolean;
  readonly multicast: boolean;
  readonly xhtmlIm: boolean;
  readonly entityCapabilities: boolean;
}
const ALL_ON: XepSwitches = { privacyLists: true, multicast: true, xhtmlIm: true, entityCapabilities: true };

export interface LiveImDeps {
  readonly client: XmppClient;
  readonly store: AccountStore;
  readonly emit: (u: ImUpdate) => void;
  readonly appVersion: string;
  /** The keepalive found the link dead: the caller closes the stream and reconnects. */
  readonly onDead: (why: string) => void;
  readonly now?: () => number;
  readonly keepalive?: { readonly idleMs: number; readonly timeoutMs: number };
  /** First login: how far back the archive is read (later logins continue from the stored id). */
  readonly firstCatchUpDays?: number;
  /** XEP-0115 verification string → features, persistent across runs. */
  readonly capsCache?: CapsCache;
  /** OS idle (XEP-0319 auto-away): away after 5 minutes, xa after 30. */
  readonly idle?: IdlePort;
  readonly xeps?: XepSwitches;
}

export interface LiveIm {
  readonly roster: RosterModule;
  readonly presence: PresenceModule;
  readonly messages: MessagesModule;
  readonly blocking: BlockingModule;
  readonly carbons: CarbonsModule;
  readonly mam: MamModule;
  /** Undefined when policy switched the XEP off. */
  readonly caps: CapsModule | undefined;
  readonly privacy: PrivacyModule | undefined;
  readonly accountManagement: AccountModule;
  /** Multi-user chat (XEP-0045) and its companions; wired to the UI by rooms.ts. */
  readonly muc: MucModule;
  readonly mucAdmin: MucAdminModule;
  readonly invitations: InvitationsModule;
  readonly bookmarks: BookmarksModule;
  readonly browse: MucBrowseModule;
  /** Loads the roster (versioned, from the cache), announces presence, turns on carbons, catches up from the archive. */
  start(): Promise<{ readonly notes: readonly string[] }>;
  /** The outbox's view of this session. */
  outboxLink(): OutboxLink;
  presenceOf(jid: BareJid): ContactPresence;
  dispose(): void;
}

const MAM_KEY = 'mam-last-id';

export function startLiveIm(deps: LiveImDeps): LiveIm {
  const { client, store, emit } = deps;
  const now = deps.now ?? Date.now;
  const account = client.account;
  const disposers: Disposer[] = [];
  const disco = registerDisco(client, { name: 'Bastion' });
  const version = registerVersion(client, { name: 'Bastion', version: deps.appVersion });
  const time = registerTime(client);
  const roster = registerRoster(client);
  const presence = registerPresence(client);
  const messages = registerMessages(client, { sendReceipts: () => true });
  const blocking = registerBlocking(client);
  const carbons = registerCarbons(client);
  const mam = registerMam(client);
  const ka = deps.keepalive ?? { idleMs: 60_000, timeoutMs: 20_000 };
  const ping = registerPing(client, { ...ka, onDead: deps.onDead });
  const xeps = deps.xeps ?? ALL_ON;
  const xhtml = xeps.xhtmlIm ? registerXhtmlIm(client) : undefined;
  const caps = xeps.entityCapabilities ? registerCaps(client, { presence, disco, node: 'https://bastion.invalid/caps', ...(deps.capsCache ? { cache: deps.capsCache } : {}) }) : undefined;
  const multicast = xeps.multicast ? registerMulticast(client) : undefined;
  const idle = registerIdle(client, { presence, ...(deps.idle ? { port: deps.idle, autoAway: { awayAfterMs: 5 * 60_000, xaAfterMs: 30 * 60_000 } } : {}) });
  const privacy = xeps.privacyLists ? registerPrivacy(client) : undefined;
  const accountManagement = registerAccountManagement(client);
  for (const m of [xhtml, caps, multicast, idle, privacy, accountManagement]) if (m) disposers.push(() => m.dispose());
  // Rooms: registered after presence and messages so room traffic never reaches one-to-one chat.
  const muc = registerMuc(client, { presence, messages, mam, ...(caps ? { caps } : {}) });
  const mucAdmin = registerMucAdmin(client, {
    join: (room, nick) => muc.join(room, { nick, createInstant: false }).then((r) => ({ created: r.created, nick: r.nick })),
  });
  const invitations = registerInvitations(client);
  const bookmarks = registerBookmarks(client);
  const browse = registerMucBrowse(client);
  disposers.push(muc.dispose, mucAdmin.dispose, invitations.dispose, bookmarks.dispose, browse.dispose);
  disposers.push(disco.dispose, version.dispose, time.dispose, roster.dispose, presence.dispose, messages.dispose, blocking.dispose, carbons.dispose, mam.dispose, ping.dispose);

  const peerOf = (m: ParsedMessage, direction: MessageDirection): string | undefined => {
    if (direction === 'in') return m.fromBare;
    const to = parseJid(m.to ?? '');
    return to.ok ? bareOf(to.jid) : undefined;
  };

  /** Every copy of every message comes through here (see the header). */
  function ingest(m: ParsedMessage, via: 'live' | 'carbon-sent' | 'carbon-received' | 'archive', archived?: ArchivedMessage): void {
    if (m.type === 'groupchat') return; // rooms: issue 6
    const direction: MessageDirection = via === 'carbon-sent' || (via === 'archive' && m.fromBare === account) ? 'out' : 'in';
    const peer = peerOf(m, direction);
    if (!peer || peer === account) return;
    if (m.type === 'error') {
      if (m.id && store.setMessageState(peer, 'out', m.id, 'failed')) emit({ kind: 'message-state', peer, id: m.id, state: 'failed' });
      return;
    }
    if (m.receiptFor && direction === 'in' && store.setMessageState(peer, 'out', m.receiptFor, 'delivered')) {
      emit({ kind: 'message-state', peer, id: m.receiptFor, state: 'delivered' });
    }
    if (m.marker?.kind === 'displayed' && direction === 'in' && store.setMessageState(peer, 'out', m.marker.id, 'displayed')) {
      emit({ kind: 'message-state', peer, id: m.marker.id, state: 'displayed' });
    }
    if (m.chatState && via === 'live' && direction === 'in' && m.body === undefined) emit({ kind: 'chat-state', peer, state: m.chatState });
    if (m.body === undefined) return;
    const id = m.originId ?? m.id ?? m.stanzaIds.get(account) ?? archived?.archiveId ?? randomUUID();
    // XEP-0071 switched off by policy: the plain body only.
    const formatted = xeps.xhtmlIm && m.xhtml && m.xhtml.nodes.length > 0 ? m.xhtml.nodes : undefined;
    if (m.replaces) {
      // XEP-0308 §5: only the same sender's message in the same conversation can be corrected —
      // the (peer, direction) key makes that so.
      if (store.correctMessage(peer, direction, m.replaces, m.body, id, formatted ? JSON.stringify(formatted) : undefined)) {
        emit({ kind: 'message-corrected', peer, direction, id: m.replaces, body: m.body });
      }
      return;
    }
    const at = m.delayedAt?.getTime() ?? archived?.archivedAt?.getTime() ?? now();
    const row = {
      peer,
      direction,
      msgId: id,
      ...(m.originId ? { originId: m.originId } : {}),
      ...(archived ? { archiveId: archived.archiveId } : {}),
      sender: direction === 'in' ? m.from : account,
      type: m.type,
      body: m.body,
      ...(m.thread ? { thread: m.thread } : {}),
      ts: at,
      state: direction === 'in' ? ('received' as const) : ('sent' as const),
      ...(formatted ? { xhtml: JSON.stringify(formatted) } : {}),
    };
    if (!store.addMessage(row)) return;
    emit({
      kind: 'message',
      message: { peer, direction, id, sender: row.sender, body: m.body, at: new Date(at).toISOString(), state: row.state, corrected: false, ...(formatted ? { xhtml: formatted } : {}) },
    });
  }

  disposers.push(
    messages.onDidReceiveMessage((m) => ingest(m, 'live')),
    carbons.onDidReceiveCarbon((c) => ingest(c.message, c.direction === 'sent' ? 'carbon-sent' : 'carbon-received')),
    roster.onDidChangeRoster((changes, v) => {
      for (const c of changes) emit(c.kind === 'set' ? { kind: 'contact', contact: c.item } : { kind: 'contact-removed', jid: c.jid });
      store.saveRoster(v, roster.items());
    }),
    presence.onDidChangePresence((e) => {
      switch (e.kind) {
        case 'available':
          emit({ kind: 'presence', presence: presenceOf(bareJidOf(e.resource.jid)) });
          return;
        case 'unavailable':
          emit({ kind: 'presence', presence: presenceOf(bareJidOf(e.jid)) });
          return;
        case 'subscription-request':
          emit({ kind: 'subscription-request', from: e.from, ...(e.status ? { status: e.status } : {}) });
          return;
        case 'subscribed':
        case 'unsubscribed':
        case 'unsubscribe':
        case 'error':
          return; // the roster push that follows carries the new state
      }
    }),
  );

  function bareJidOf(j: string): BareJid {
    const p = parseJid(j);
    return p.ok ? bareOf(p.jid) : (j as BareJid);
  }

  function presenceOf(jid: BareJid): ContactPresence {
    const resources = presence.resources(jid);
    const best = [...resources].sort((a, b) => b.priority - a.priority)[0];
    return {
      jid,
      show: best ? best.show : 'offline',
      ...(best?.status ? { status: best.status } : {}),
      resources: resources.map((r) => ({ resource: r.jid.slice(r.jid.indexOf('/') + 1), show: r.show, ...(r.status ? { status: r.status } : {}), priority: r.priority })),
    };
  }

  // Answered once per live session (catch-up and the outbox's archive check both ask); a failed
  // query is asked again next time.
  let mamSupport: Promise<boolean> | undefined;
  const hasMam = (): Promise<boolean> =>
    (mamSupport ??= disco.info(account).then(
      (info) => info.features.includes(NS_MAM),
      () => {
        mamSupport = undefined;
        return false;
      },
    ));

  async function catchUp(notes: string[]): Promise<void> {
    if (!(await hasMam())) {
      notes.push('the server has no message archive (XEP-0313): messages received while offline come only from offline storage');
      return;
    }
    const afterId = store.getState(MAM_KEY);
    const days = deps.firstCatchUpDays ?? 14;
    const run = await mam.catchUp({
      afterId,
      ...(afterId === undefined ? { start: new Date(now() - days * 86_400_000) } : {}),
      pageSize: 100,
      maxPages: 50,
      onPage: (page, lastId) => {
        for (const a of page) ingest(a.message, 'archive', a);
        if (lastId) store.setState(MAM_KEY, lastId);
      },
    });
    if (!run.complete) notes.push(`archive catch-up stopped early (${run.stoppedBecause ?? 'incomplete'}); older messages can be loaded later`);
  }

  /** One link object per client: it survives a XEP-0198 resumption (the outbox keys on it). */
  const link: OutboxLink = {
    transmit: (stanza) => client.send(parseXml(stanza) as unknown as Parameters<XmppClient['send']>[0]),
    confirm: async () => {
      // RFC 6120 §10.1: in-order processing — the answer proves the server has every earlier stanza.
      await ping.ping(undefined, 30_000).catch((e: unknown) => {
        // Any stanza error is still an answer from the server; no answer is not.
        if (!(e instanceof IqError) || e.stanza === undefined) throw e;
      });
    },
    alreadySent: async (entries) => {
      if (entries.length === 0 || !(await hasMam())) return new Set<string>();
      const wanted = new Set(entries.map((e) => e.msgId));
      const since = Math.min(...entries.map((e) => e.created)) - 5 * 60_000;
      const run = await mam.queryAll({ start: new Date(since), pageSize: 100 }, { maxPages: 20 });
      const found = new Set<string>();
      for (const a of run.messages) {
        const id = a.message.originId ?? a.message.id;
        if (a.message.fromBare === account && id && wanted.has(id)) found.add(id);
      }
      return found;
    },
  };

  return {
    roster,
    presence,
    messages,
    blocking,
    carbons,
    mam,
    caps,
    privacy,
    accountManagement,
    muc,
    mucAdmin,
    invitations,
    bookmarks,
    browse,
    async start() {
      const notes: string[] = [];
      const cached = store.rosterCache();
      const items = cached.items as RosterItem[];
      const loaded = await roster.load(cached.version !== undefined ? { version: cached.version, items } : undefined);
      store.saveRoster(loaded.version, loaded.items);
      for (const item of loaded.items) emit({ kind: 'contact', contact: item });
      await carbons.enable().catch(() => notes.push('the server does not offer message carbons (XEP-0280): messages sent from other devices are not shown here'));
      presence.setOwn({});
      await catchUp(notes).catch((e: unknown) => notes.push(`archive catch-up failed: ${e instanceof Error ? e.message : String(e)}`));
      return { notes };
    },
    outboxLink: () => link,
    presenceOf,
    dispose: () => {
      for (const d of disposers.splice(0)) d();
    },
  };
}
