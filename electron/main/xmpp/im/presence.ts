/**
 * RFC 6121 §3–4 presence and subscriptions. Our own presence (show, status, priority), who is
 * online with which resources, and subscription requests that are never answered on the
 * user's behalf [IMPP-P1]: a request waits for an explicit approve or deny, and approval can be
 * revoked later.
 */
import type { Element } from '@xmpp/xml';
import xml from '@xmpp/xml';
import { createEmitter, type Disposer } from '../../../../shared/util/disposable';
import { bareOf, parseJid, type BareJid, type FullJid } from '../../../../shared/xmpp/jid';
import type { XmppClient } from '../client/client';

export const SHOWS = ['chat', 'away', 'xa', 'dnd'] as const;
export type Show = (typeof SHOWS)[number];

export interface OwnPresence {
  readonly show?: Show;
  readonly status?: string;
  /** -128…127 (RFC 6121 §4.7.2.3). */
  readonly priority?: number;
}

export interface ContactResource {
  readonly jid: FullJid;
  readonly show: Show | 'online';
  readonly status?: string;
  readonly priority: number;
}

export type PresenceEvent =
  | { readonly kind: 'available'; readonly resource: ContactResource }
  | { readonly kind: 'unavailable'; readonly jid: FullJid | BareJid; readonly status?: string }
  | { readonly kind: 'subscription-request'; readonly from: BareJid; readonly status?: string }
  | { readonly kind: 'subscribed' | 'unsubscribed' | 'unsubscribe'; readonly from: BareJid }
  | { readonly kind: 'error'; readonly from: string; readonly condition: string };

export interface PresenceModule {
  setOwn(p: OwnPresence): void;
  /**
   * Directed presence to one entity (RFC 6121 §4.6). `children` are added to an available
   * presence after the extensions (XEP-0045 §7.2.1: the `<x xmlns='…/muc'/>` of a room join).
   */
  sendTo(to: string, p: OwnPresence | 'unavailable', children?: readonly Element[]): void;
  /**
   * Leaves presence from some senders to another module: room occupants' presence (XEP-0045)
   * is not contact presence. `test` gets the sender's bare JID.
   */
  exclude(test: (from: BareJid) => boolean): Disposer;
  /** Asks to see their presence (RFC 6121 §3.1.1). */
  requestSubscription(to: BareJid, status?: string): void;
  /** Approves their request (or pre-approves, §3.4). */
  approve(from: BareJid): void;
  /** Denies their request, or revokes an approval given earlier (§3.2, §3.4). */
  deny(from: BareJid): void;
  /** Stops seeing their presence (§3.3). */
  cancel(to: BareJid): void;
  /** Requests waiting for the user, oldest first. */
  pendingRequests(): readonly BareJid[];
  resources(of: BareJid): readonly ContactResource[];
  onDidChangePresence(cb: (e: PresenceEvent) => void): Disposer;
  /**
   * Adds a child element to every available presence we send, broadcast or directed: XEP-0115
   * caps, XEP-0153 photo hash, XEP-0319 idle. The one shared hook, so that no module rebuilds
   * our presence; the callback runs per presence and may return nothing.
   */
  addExtension(ext: PresenceExtension): Disposer;
  /** The presence last given to setOwn (undefined before the first): what auto-away restores. */
  own(): OwnPresence | undefined;
  /** Sends our last broadcast presence again because an extension's data changed; nothing before setOwn. */
  rebroadcast(): void;
  dispose(): void;
}

/** Contributes a child to an outgoing available presence; `to` is set for directed presence. */
export type PresenceExtension = (to: string | undefined) => Element | undefined;

function ownPresence(p: OwnPresence, to: string | undefined, extensions: Iterable<PresenceExtension>, children: readonly Element[] = []): Element {
  const priority = p.priority === undefined ? undefined : Math.max(-128, Math.min(127, Math.trunc(p.priority)));
  const extra: Element[] = [];
  for (const ext of extensions) {
    try {
      const el = ext(to);
      if (el) extra.push(el);
    } catch {
      // A broken contributor must not stop presence from going out.
    }
  }
  return xml(
    'presence',
    to ? { to } : {},
    ...(p.show ? [xml('show', {}, p.show)] : []),
    ...(p.status ? [xml('status', {}, p.status)] : []),
    ...(priority !== undefined ? [xml('priority', {}, String(priority))] : []),
    ...extra,
    ...children,
  );
}

export function registerPresence(client: XmppClient): PresenceModule {
  const online = new Map<BareJid, Map<FullJid, ContactResource>>();
  const pending: BareJid[] = [];
  const extensions = new Set<PresenceExtension>();
  const excluded = new Set<(from: BareJid) => boolean>();
  let current: OwnPresence | undefined;
  const listeners = createEmitter<PresenceEvent>();
  const emit = (e: PresenceEvent): void => {
    listeners.emit(e);
  };
  const subscription = (type: string, to: BareJid, status?: string): void =>
    client.send(xml('presence', { to, type }, ...(status ? [xml('status', {}, status)] : [])));

  const off = client.onPresence((el) => {
    const parsed = parseJid(String(el.attrs.from ?? ''));
    if (!parsed.ok) return; // no or malformed 'from': nothing we can attribute it to
    const bare = bareOf(parsed.jid);
    for (const test of excluded) if (test(bare)) return;
    const type = (el.attrs.type as string | undefined) ?? 'available';
    const status = el.getChildText('status') ?? undefined;
    switch (type) {
      case 'available': {
        if (parsed.jid.resource === undefined) return;
        const full = `${bare}/${parsed.jid.resource}` as FullJid;
        const showText = el.getChildText('show') ?? '';
        const show = (SHOWS as readonly string[]).includes(showText) ? (showText as Show) : 'online';
        const prio = Number.parseInt(el.getChildText('priority') ?? '0', 10);
        const resource: ContactResource = { jid: full, show, ...(status ? { status } : {}), priority: Number.isFinite(prio) ? Math.max(-128, Math.min(127, prio)) : 0 };
        const map = online.get(bare) ?? new Map<FullJid, ContactResource>();
        online.set(bare, map.set(full, resource));
        emit({ kind: 'available', resource });
        return;
      }
      case 'unavailable': {
        const jid = parsed.jid.resource === undefined ? bare : (`${bare}/${parsed.jid.resource}` as FullJid);
        if (jid === bare) online.delete(bare);
        else online.get(bare)?.delete(jid as FullJid);
        emit({ kind: 'unavailable', jid, ...(status ? { status } : {}) });
        return;
      }
      case 'subscribe':
        if (!pending.includes(bare)) pending.push(bare);
        emit({ kind: 'subscription-request', from: bare, ...(status ? { status } : {}) });
        return;
      case 'subscribed':
      case 'unsubscribed':
      case 'unsubscribe':
        if (type === 'unsubscribed') online.delete(bare);
        emit({ kind: type, from: bare });
        return;
      case 'error': {
        const cond = el.getChild('error')?.children.find((c) => typeof c !== 'string' && c.name !== 'text');
        emit({ kind: 'error', from: String(el.attrs.from), condition: typeof cond === 'object' ? cond.name : 'undefined-condition' });
        return;
      }
      default:
        return; // 'probe' is for servers; anything else is not presence we understand
    }
  });

  const dropPending = (jid: BareJid): void => {
    const i = pending.indexOf(jid);
    if (i >= 0) pending.splice(i, 1);
  };

  return {
    setOwn: (p) => {
      current = p;
      client.send(ownPresence(p, undefined, extensions));
    },
    sendTo: (to, p, children) => client.send(p === 'unavailable' ? xml('presence', { to, type: 'unavailable' }) : ownPresence(p, to, extensions, children)),
    exclude(test) {
      excluded.add(test);
      return () => {
        excluded.delete(test);
      };
    },
    requestSubscription: (to, status) => subscription('subscribe', to, status),
    approve: (from) => {
      dropPending(from);
      subscription('subscribed', from);
    },
    deny: (from) => {
      dropPending(from);
      subscription('unsubscribed', from);
    },
    cancel: (to) => subscription('unsubscribe', to),
    pendingRequests: () => [...pending],
    resources: (of) => [...(online.get(of)?.values() ?? [])],
    onDidChangePresence: listeners.on,
    addExtension(ext) {
      extensions.add(ext);
      return () => {
        extensions.delete(ext);
      };
    },
    own: () => current,
    rebroadcast: () => {
      if (current === undefined) return;
      try {
        client.send(ownPresence(current, undefined, extensions));
      } catch {
        // The stream is gone: the next session sends presence afresh.
      }
    },
    dispose: off,
  };
}
