/**
 * RFC 6121 §2 roster: fetch (with §2.6 versioning), pushes, add/rename/regroup/remove.
 * Pushes are accepted only from our own account (no 'from', or our bare JID) — RFC 6121
 * §2.1.6 — so nobody else can edit the roster by sending us an IQ.
 */
import type { Element } from '@xmpp/xml';
import xml from '@xmpp/xml';
import { createEmitter, type Disposer } from '../../../../shared/util/disposable';
import { bareOf, parseJid, type BareJid } from '../../../../shared/xmpp/jid';
import { StanzaError, type XmppClient } from '../client/client';

export const NS_ROSTER = 'jabber:iq:roster';
const NS_ROSTERVER = 'urn:xmpp:features:rosterver';

export type Subscription = 'none' | 'to' | 'from' | 'both';

export interface RosterItem {
  readonly jid: BareJid;
  readonly name?: string;
  readonly subscription: Subscription;
  /** We asked to see their presence and they have not answered (RFC 6121 §2.1.2.2). */
  readonly pendingOut: boolean;
  readonly groups: readonly string[];
}

export type RosterChange = { readonly kind: 'set'; readonly item: RosterItem } | { readonly kind: 'removed'; readonly jid: BareJid };

const SUBSCRIPTIONS: readonly string[] = ['none', 'to', 'from', 'both'];

/** Parses one `<item/>`; undefined for anything malformed (a bad JID, an unknown state). */
export function parseRosterItem(el: Element): RosterItem | { readonly removed: BareJid } | undefined {
  const parsed = parseJid(String(el.attrs.jid ?? ''));
  if (!parsed.ok || parsed.jid.resource !== undefined) return undefined;
  const jid = bareOf(parsed.jid);
  const sub = String(el.attrs.subscription ?? 'none');
  if (sub === 'remove') return { removed: jid };
  if (!SUBSCRIPTIONS.includes(sub)) return undefined;
  const groups = [...new Set(el.getChildren('group').map((g) => g.getText().trim()).filter((g) => g.length > 0 && g.length <= 1024))];
  const name = typeof el.attrs.name === 'string' && el.attrs.name.length <= 1024 ? el.attrs.name : undefined;
  return { jid, ...(name ? { name } : {}), subscription: sub as Subscription, pendingOut: el.attrs.ask === 'subscribe', groups };
}

export interface RosterModule {
  /** Fetches the roster; with a stored version only the changes come back (RFC 6121 §2.6). */
  load(cached?: { readonly version: string; readonly items: readonly RosterItem[] }): Promise<{ readonly version: string | undefined; readonly items: readonly RosterItem[] }>;
  items(): readonly RosterItem[];
  version(): string | undefined;
  set(item: { readonly jid: BareJid; readonly name?: string; readonly groups?: readonly string[] }): Promise<void>;
  remove(jid: BareJid): Promise<void>;
  onDidChangeRoster(cb: (changes: readonly RosterChange[], version: string | undefined) => void): Disposer;
  dispose(): void;
}

export function registerRoster(client: XmppClient): RosterModule {
  const items = new Map<BareJid, RosterItem>();
  let version: string | undefined;
  const listeners = createEmitter<{ readonly changes: readonly RosterChange[]; readonly version: string | undefined }>();
  const emit = (changes: readonly RosterChange[]): void => {
    if (changes.length === 0) return;
    listeners.emit({ changes, version });
  };

  function apply(el: Element): RosterChange | undefined {
    const r = parseRosterItem(el);
    if (!r) return undefined;
    if ('removed' in r) {
      if (!items.delete(r.removed)) return undefined;
      return { kind: 'removed', jid: r.removed };
    }
    items.set(r.jid, r);
    return { kind: 'set', item: r };
  }

  const disposePush = client.handleIq('set', NS_ROSTER, 'query', (iq) => {
    const from = iq.attrs.from as string | undefined;
    if (from !== undefined && from !== client.account) throw new StanzaError('service-unavailable', 'cancel');
    const query = iq.getChild('query', NS_ROSTER);
    const pushed = query?.getChildren('item') ?? [];
    // RFC 6121 §2.1.6: a push carries exactly one item.
    if (pushed.length !== 1 || !pushed[0]) throw new StanzaError('bad-request', 'modify');
    if (typeof query?.attrs.ver === 'string') version = query.attrs.ver;
    const change = apply(pushed[0]);
    emit(change ? [change] : []);
    return undefined;
  });

  return {
    async load(cached) {
      // RFC 6121 §2.6.2: 'ver' (empty without a cache) only where the server offers versioning.
      const versioning = client.features?.getChild('ver', NS_ROSTERVER) !== undefined;
      const ver = versioning ? { ver: cached?.version ?? '' } : {};
      const r = await client.request('get', undefined, xml('query', { xmlns: NS_ROSTER, ...ver }));
      const query = r.getChild('query', NS_ROSTER);
      if (!query && cached && versioning) {
        // RFC 6121 §2.6.3: an empty result means "your version is current"; pushes follow.
        items.clear();
        for (const i of cached.items) items.set(i.jid, i);
        version = cached.version;
      } else {
        items.clear();
        for (const el of query?.getChildren('item') ?? []) apply(el);
        version = typeof query?.attrs.ver === 'string' ? query.attrs.ver : undefined;
      }
      emit([...items.values()].map((item) => ({ kind: 'set' as const, item })));
      return { version, items: [...items.values()] };
    },
    items: () => [...items.values()],
    version: () => version,
    async set(item) {
      await client.request(
        'set',
        undefined,
        xml('query', { xmlns: NS_ROSTER }, xml('item', { jid: item.jid, ...(item.name ? { name: item.name } : {}) }, ...(item.groups ?? []).map((g) => xml('group', {}, g)))),
      );
    },
    async remove(jid) {
      await client.request('set', undefined, xml('query', { xmlns: NS_ROSTER }, xml('item', { jid, subscription: 'remove' })));
    },
    onDidChangeRoster: (cb) => listeners.on((e) => cb(e.changes, e.version)),
    dispose: disposePush,
  };
}
