/**
 * XEP-0016 Privacy Lists [IMPP-P2]: named lists of allow/deny rules the server enforces, one
 * optionally active for this session and one default for every session without an active list
 * (and, on servers that do so, for offline delivery). Items are parsed strictly (§2.1, §2.2);
 * pushes (§2.7) are accepted only from our own account, as for XEP-0191.
 *
 * The "only my contacts may message me" preset is at the end: `onlyMyContactsItems` says which
 * rules it writes and why.
 */
import type { Element } from '@xmpp/xml';
import xml from '@xmpp/xml';
import { createEmitter, type Disposer } from '../../../../shared/util/disposable';
import { assertNever } from '../../../../shared/util/assert-never';
import { bareOf, fullOf, parseJid } from '../../../../shared/xmpp/jid';
import { IqError, StanzaError, type XmppClient } from '../client/client';

export const NS_PRIVACY = 'jabber:iq:privacy';

/** §2.1 child elements of an item: which stanzas it applies to (none listed = all). */
export const PRIVACY_STANZAS = ['message', 'iq', 'presence-in', 'presence-out'] as const;
export type PrivacyStanza = (typeof PRIVACY_STANZAS)[number];
export const SUBSCRIPTION_VALUES = ['both', 'to', 'from', 'none'] as const;
export type SubscriptionValue = (typeof SUBSCRIPTION_VALUES)[number];

/** §2.1 'type' and 'value': what an item matches. 'all' is the fall-through item without a type. */
export type PrivacyMatch =
  | { readonly kind: 'jid'; readonly jid: string }
  | { readonly kind: 'group'; readonly group: string }
  | { readonly kind: 'subscription'; readonly subscription: SubscriptionValue }
  | { readonly kind: 'all' };

export interface PrivacyItem {
  readonly action: 'allow' | 'deny';
  /** §2.2: items are evaluated in ascending order. */
  readonly order: number;
  readonly match: PrivacyMatch;
  /** Empty: the item applies to every kind of stanza. */
  readonly stanzas: readonly PrivacyStanza[];
}

export interface PrivacyLists {
  readonly names: readonly string[];
  /** The list active for this session (§2.4), if any. */
  readonly active?: string;
  /** The default list (§2.5), if any. */
  readonly default?: string;
}

export const MAX_PRIVACY_ITEMS = 1000;
const MAX_ORDER = 0xffffffff; // xs:unsignedInt (§2.2, schema)

export type PrivacyFailure = 'not-supported' | 'not-found' | 'conflict' | 'bad-request' | 'malformed' | 'failed';

export class PrivacyError extends Error {
  constructor(
    readonly reason: PrivacyFailure,
    message: string,
    readonly condition?: string,
  ) {
    super(message);
    this.name = 'PrivacyError';
  }
}

/** A JID item value normalised as the servers compare them (§2.1: full, bare, domain/resource, domain). */
function normaliseJid(value: string): string | undefined {
  const p = parseJid(value);
  if (!p.ok) return undefined;
  const { resource } = p.jid;
  return resource === undefined ? bareOf(p.jid) : fullOf({ ...p.jid, resource });
}

/**
 * Parses the items of one `<list/>` strictly: a list with any item we cannot read is refused as
 * a whole, because a partial list would misstate who can reach the user. Items come back in
 * evaluation order. Equal 'order' values, which §2.2 forbids, are read in document order: ejabberd
 * writes order 0 for every XEP-0191 block it keeps in the default list, and evaluates them so.
 */
export function parsePrivacyItems(list: Element, maxItems = MAX_PRIVACY_ITEMS): { readonly ok: true; readonly items: readonly PrivacyItem[] } | { readonly ok: false; readonly reason: string } {
  const els = list.getChildren('item');
  if (els.length > maxItems) return { ok: false, reason: `the list has ${els.length} items (at most ${maxItems})` };
  const items: (PrivacyItem & { readonly at: number })[] = [];
  for (const [at, el] of els.entries()) {
    const where = `item ${at + 1}`;
    const action = el.attrs.action as unknown;
    if (action !== 'allow' && action !== 'deny') return { ok: false, reason: `${where}: action must be allow or deny (§2.1)` };
    const orderText = String(el.attrs.order ?? '');
    const order = /^\d{1,10}$/.test(orderText) ? Number(orderText) : NaN;
    if (!(order <= MAX_ORDER)) return { ok: false, reason: `${where}: order '${orderText}' is not an unsigned integer (§2.2)` };
    const type = el.attrs.type as unknown;
    const value = el.attrs.value as unknown;
    let match: PrivacyMatch;
    if (type === undefined) {
      if (value !== undefined) return { ok: false, reason: `${where}: a value without a type` };
      match = { kind: 'all' };
    } else if (typeof value !== 'string' || value === '') {
      return { ok: false, reason: `${where}: type ${String(type)} without a value` };
    } else if (type === 'jid') {
      const jid = normaliseJid(value);
      if (jid === undefined) return { ok: false, reason: `${where}: '${value}' is not a JID` };
      match = { kind: 'jid', jid };
    } else if (type === 'group') {
      if (value.length > 1024) return { ok: false, reason: `${where}: group name too long` };
      match = { kind: 'group', group: value };
    } else if (type === 'subscription') {
      if (!(SUBSCRIPTION_VALUES as readonly string[]).includes(value)) return { ok: false, reason: `${where}: subscription must be both, to, from or none (§2.1)` };
      match = { kind: 'subscription', subscription: value as SubscriptionValue };
    } else {
      return { ok: false, reason: `${where}: unknown type '${String(type)}' (§2.1: jid, group or subscription)` };
    }
    const stanzas: PrivacyStanza[] = [];
    for (const c of el.children) {
      if (typeof c === 'string') {
        if (c.trim() !== '') return { ok: false, reason: `${where}: text inside an item` };
        continue;
      }
      if (!(PRIVACY_STANZAS as readonly string[]).includes(c.name) || c.children.length > 0) return { ok: false, reason: `${where}: unknown child <${c.name}/> (§2.1)` };
      if (!stanzas.includes(c.name as PrivacyStanza)) stanzas.push(c.name as PrivacyStanza);
    }
    items.push({ action, order, match, stanzas, at });
  }
  items.sort((a, b) => a.order - b.order || a.at - b.at);
  return { ok: true, items: items.map(({ at: _at, ...item }) => item) };
}

export function serializePrivacyItem(item: PrivacyItem): Element {
  const m = item.match;
  const typed = ((): Record<string, string> => {
    switch (m.kind) {
      case 'jid':
        return { type: 'jid', value: m.jid };
      case 'group':
        return { type: 'group', value: m.group };
      case 'subscription':
        return { type: 'subscription', value: m.subscription };
      case 'all':
        return {};
      default:
        return assertNever(m, 'privacy match');
    }
  })();
  return xml('item', { ...typed, action: item.action, order: String(item.order) }, ...item.stanzas.map((s) => xml(s)));
}

/** Checks a list before it is sent: the server would refuse it, or worse, read it differently. */
export function checkPrivacyItems(items: readonly PrivacyItem[]): string | undefined {
  if (items.length === 0) return 'an empty list would delete it (§2.6); use deleteList';
  if (items.length > MAX_PRIVACY_ITEMS) return `at most ${MAX_PRIVACY_ITEMS} items`;
  const orders = new Set<number>();
  for (const i of items) {
    if (!Number.isInteger(i.order) || i.order < 0 || i.order > MAX_ORDER) return `order ${i.order} is not an unsigned integer`;
    if (orders.has(i.order)) return `order ${i.order} appears twice (§2.2: unique)`;
    orders.add(i.order);
    if (i.match.kind === 'jid' && normaliseJid(i.match.jid) === undefined) return `'${i.match.jid}' is not a JID`;
  }
  return undefined;
}

export interface PrivacyModule {
  lists(): Promise<PrivacyLists>;
  getList(name: string): Promise<readonly PrivacyItem[]>;
  /** Creates or replaces a list (§2.6); pushes go to every session of ours. */
  setList(name: string, items: readonly PrivacyItem[]): Promise<void>;
  deleteList(name: string): Promise<void>;
  /** Activates a list for this session, or with null declines any (§2.4). */
  setActive(name: string | null): Promise<void>;
  /** Sets the default list, or with null declines one (§2.5). */
  setDefault(name: string | null): Promise<void>;
  /**
   * Stores the "only my contacts may message me" list and makes it active and default. XEP-0191
   * blocks kept in the previous default list (ejabberd keeps them there) are carried over.
   */
  enableOnlyMyContacts(opts?: { readonly alsoAllow?: readonly string[] }): Promise<OnlyMyContactsResult>;
  /**
   * Turns the preset off: blocks made meanwhile are kept in BLOCKS_LIST and the preset list is
   * deleted; where the server refuses that (another session uses the default, §3.4) the list
   * keeps only the blocks and `listDeleted` is false. Either way strangers get through again.
   */
  disableOnlyMyContacts(): Promise<{ readonly listDeleted: boolean; readonly reason?: string }>;
  /** Whether the preset is the default or active list and still ends in its deny rule. */
  onlyMyContactsEnabled(): Promise<boolean>;
  /** A list was created, changed or deleted (§2.7 push; from any session of ours or the server). */
  onDidChangeList(cb: (name: string) => void): Disposer;
  dispose(): void;
}

function failure(e: unknown, what: string): unknown {
  if (!(e instanceof IqError) || e.condition === 'timeout' || e.condition === 'disconnected') return e;
  const reason: PrivacyFailure =
    e.condition === 'service-unavailable' || e.condition === 'feature-not-implemented'
      ? 'not-supported'
      : e.condition === 'item-not-found'
        ? 'not-found'
        : e.condition === 'conflict'
          ? 'conflict'
          : e.condition === 'bad-request'
            ? 'bad-request'
            : 'failed';
  const why = reason === 'not-supported' ? 'the server does not support privacy lists (XEP-0016)' : e.message;
  return new PrivacyError(reason, `${what}: ${why}`, e.condition);
}

export const ONLY_CONTACTS_LIST = 'bastion-only-contacts';
/** Where blocks go when the preset is turned off: the name ejabberd's XEP-0191 bridge uses. */
export const BLOCKS_LIST = 'Blocked contacts';

export interface OnlyMyContactsResult {
  readonly active: boolean;
  /** False when the server refused (Prosody: another session of ours is using the default list). */
  readonly default: boolean;
  readonly defaultRefused?: string;
  /** Deny-JID items (blocks) carried over from the previous default list. */
  readonly carriedBlocks: number;
}

const isBlock = (i: PrivacyItem): boolean => i.action === 'deny' && i.match.kind === 'jid';
const FINAL_DENY: Omit<PrivacyItem, 'order'> = { action: 'deny', match: { kind: 'all' }, stanzas: ['message'] };
const isFinalDeny = (i: PrivacyItem): boolean => i.action === 'deny' && i.match.kind === 'all' && i.stanzas.length === 1 && i.stanzas[0] === 'message';

/**
 * The preset's rules, all for `<message/>` only, first match wins (§2.2):
 *  1. allow our own account (any resource): ejabberd exempts only bare→full traffic of ours;
 *  2. the blocks carried over (deny, as they were): a blocked contact stays blocked;
 *  3. allow subscription both, to, from: the server checks the roster when each message arrives,
 *     so a contact added later (from any client, even while Bastion is offline) is let through
 *     and a removed one is not, with no rewrite of the list — which one JID item per contact
 *     would need on every roster change, and could not get while Bastion is not running;
 *  4. allow `alsoAllow` (e.g. our MUC service, whose rooms are not contacts);
 *  5. deny every other message (a stranger has subscription "none", §2.1).
 * Presence and IQs are untouched: strangers can still ask to subscribe (the only way to become a
 * contact) and the server's IQs (roster and privacy pushes, pings) still reach us. A roster entry
 * without a subscription either way counts as a stranger, because subscription "none" cannot
 * tell "in the roster without subscription" from "not in the roster" (§2.1). A jid item for our
 * domain would match every user of the domain (§2.1), so the server's own bare-domain messages
 * are not allowed by the list: ejabberd lets them through regardless (mod_privacy exempts the
 * local server), Prosody's mod_privacy_lists applies the list to them. Carbons and MAM results
 * come from our own JID; MUC rooms are not contacts, so pass the MUC service in `alsoAllow`.
 * Further server differences (test/integration/im-privacy.test.ts): Prosody does not filter
 * messages stored while we are offline; ejabberd's XEP-0191 "unblock everyone" deletes every
 * deny item of the default list, this one's last rule included (onlyMyContactsEnabled() sees it).
 */
export function onlyMyContactsItems(own: string, carried: readonly PrivacyItem[], alsoAllow: readonly string[] = []): PrivacyItem[] {
  const m = ['message'] as const;
  const rules: Omit<PrivacyItem, 'order'>[] = [
    { action: 'allow', match: { kind: 'jid', jid: own }, stanzas: m },
    ...carried.filter(isBlock).map(({ order: _o, ...b }) => b),
    ...(['both', 'to', 'from'] as const).map((subscription) => ({ action: 'allow' as const, match: { kind: 'subscription' as const, subscription }, stanzas: m })),
    ...alsoAllow.map((jid) => ({ action: 'allow' as const, match: { kind: 'jid' as const, jid }, stanzas: m })),
    FINAL_DENY,
  ];
  return rules.map((r, i) => ({ ...r, order: (i + 1) * 10 }));
}

export function registerPrivacy(client: XmppClient): PrivacyModule {
  const listChanged = createEmitter<string>();
  const ask = async (type: 'get' | 'set', what: string, ...children: Element[]): Promise<Element> => {
    try {
      return await client.request(type, undefined, xml('query', { xmlns: NS_PRIVACY }, ...children));
    } catch (e: unknown) {
      throw failure(e, what);
    }
  };
  const checkName = (name: string): void => {
    if (name.length === 0 || name.length > 1024) throw new PrivacyError('bad-request', 'a list name is 1 to 1024 characters');
  };

  const disposePush = client.handleIq('set', NS_PRIVACY, 'query', (iq) => {
    const from = iq.attrs.from as string | undefined;
    if (from !== undefined && from !== client.account) throw new StanzaError('service-unavailable', 'cancel');
    const lists = iq.getChild('query', NS_PRIVACY)?.getChildren('list') ?? [];
    const name = lists[0]?.attrs.name;
    // §2.7: a push names exactly one list.
    if (lists.length !== 1 || typeof name !== 'string' || name === '') throw new StanzaError('bad-request', 'modify');
    listChanged.emit(name);
    return undefined;
  });

  const api: PrivacyModule = {
    async lists() {
      const q = (await ask('get', 'privacy lists')).getChild('query', NS_PRIVACY);
      const nameOf = (el: Element | undefined): string | undefined => (typeof el?.attrs.name === 'string' && el.attrs.name !== '' ? el.attrs.name : undefined);
      const active = nameOf(q?.getChild('active'));
      const def = nameOf(q?.getChild('default'));
      const names = [...new Set((q?.getChildren('list') ?? []).flatMap((l) => nameOf(l) ?? []))];
      return { names, ...(active ? { active } : {}), ...(def ? { default: def } : {}) };
    },
    async getList(name) {
      checkName(name);
      const r = await ask('get', `privacy list '${name}'`, xml('list', { name }));
      const list = r.getChild('query', NS_PRIVACY)?.getChildren('list').find((l) => l.attrs.name === name);
      if (!list) throw new PrivacyError('malformed', `the server's answer holds no list '${name}'`);
      const parsed = parsePrivacyItems(list);
      if (!parsed.ok) throw new PrivacyError('malformed', `privacy list '${name}' cannot be read: ${parsed.reason}`);
      return parsed.items;
    },
    async setList(name, items) {
      checkName(name);
      const bad = checkPrivacyItems(items);
      if (bad) throw new PrivacyError('bad-request', `privacy list '${name}': ${bad}`);
      await ask('set', `saving privacy list '${name}'`, xml('list', { name }, ...items.map(serializePrivacyItem)));
    },
    async deleteList(name) {
      checkName(name);
      await ask('set', `deleting privacy list '${name}'`, xml('list', { name }));
    },
    async setActive(name) {
      if (name !== null) checkName(name);
      await ask('set', name === null ? 'declining the active list' : `activating '${name}'`, xml('active', name === null ? {} : { name }));
    },
    async setDefault(name) {
      if (name !== null) checkName(name);
      await ask('set', name === null ? 'declining the default list' : `making '${name}' the default`, xml('default', name === null ? {} : { name }));
    },
    async enableOnlyMyContacts(opts = {}) {
      const alsoAllow = (opts.alsoAllow ?? []).map((j) => normaliseJid(j) ?? '');
      if (alsoAllow.includes('')) throw new PrivacyError('bad-request', 'alsoAllow holds something that is not a JID');
      const before = await api.lists();
      let carried: readonly PrivacyItem[] = [];
      if (before.default !== undefined) {
        carried = await api.getList(before.default).catch((e: unknown) => {
          if (e instanceof PrivacyError && e.reason === 'not-found') return [];
          throw e;
        });
      }
      const blocks = carried.filter((i) => isBlock(i) && !(i.match.kind === 'jid' && i.match.jid === client.account));
      await api.setList(ONLY_CONTACTS_LIST, onlyMyContactsItems(client.account, blocks, alsoAllow));
      await api.setActive(ONLY_CONTACTS_LIST);
      if (before.default === ONLY_CONTACTS_LIST) return { active: true, default: true, carriedBlocks: blocks.length };
      try {
        await api.setDefault(ONLY_CONTACTS_LIST);
        return { active: true, default: true, carriedBlocks: blocks.length };
      } catch (e: unknown) {
        // §2.5: a server may refuse to change the default while another session uses it.
        if (e instanceof PrivacyError && e.reason === 'conflict') return { active: true, default: false, defaultRefused: e.message, carriedBlocks: blocks.length };
        throw e;
      }
    },
    async disableOnlyMyContacts() {
      const now = await api.lists();
      if (!now.names.includes(ONLY_CONTACTS_LIST)) return { listDeleted: true };
      const blocks = (await api.getList(ONLY_CONTACTS_LIST)).filter(isBlock);
      // Deletion of an active or default list is refused (§2.6): release it first.
      if (now.active === ONLY_CONTACTS_LIST) await api.setActive(null);
      try {
        if (blocks.length > 0) {
          const kept = now.names.includes(BLOCKS_LIST) ? (await api.getList(BLOCKS_LIST)).filter((i) => !isBlock(i)) : [];
          await api.setList(BLOCKS_LIST, [...blocks, ...kept].map((i, n) => ({ ...i, order: (n + 1) * 10 })));
          if (now.default === ONLY_CONTACTS_LIST) await api.setDefault(BLOCKS_LIST);
        } else if (now.default === ONLY_CONTACTS_LIST) {
          await api.setDefault(null);
        }
        await api.deleteList(ONLY_CONTACTS_LIST);
        return { listDeleted: true };
      } catch (e: unknown) {
        if (!(e instanceof PrivacyError && e.reason === 'conflict')) throw e;
        // §3.4: while another session of ours uses the default list it cannot be moved or
        // deleted (Prosody enforces this). The list is emptied of its filter instead, keeping
        // only the blocks; a later call, once alone, removes it.
        const rest: PrivacyItem[] = blocks.length > 0 ? blocks : [{ action: 'allow', order: 0, match: { kind: 'all' }, stanzas: [] }];
        await api.setList(ONLY_CONTACTS_LIST, rest.map((i, n) => ({ ...i, order: (n + 1) * 10 })));
        return { listDeleted: false, reason: e.message };
      }
    },
    async onlyMyContactsEnabled() {
      const now = await api.lists();
      if (now.active !== ONLY_CONTACTS_LIST && now.default !== ONLY_CONTACTS_LIST) return false;
      // ejabberd's "unblock everyone" (XEP-0191) drops every deny item of the default list,
      // the preset's last rule included: then it no longer filters anything.
      return (await api.getList(ONLY_CONTACTS_LIST)).some(isFinalDeny);
    },
    onDidChangeList: listChanged.on,
    dispose: disposePush,
  };
  return api;
}
