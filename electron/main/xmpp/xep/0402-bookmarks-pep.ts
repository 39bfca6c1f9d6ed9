/**
 * XEP-0402 PEP Native Bookmarks on the wire: one item per room in the PEP node
 * `urn:xmpp:bookmarks:1` of our own account (item id = room JID, payload `<conference/>`),
 * published with the publish-options of its "Adding a bookmark" example so the node stays private and keeps every bookmark.
 * Module logic (backend choice, notifications, change events) is in ./0402-bookmarks.ts.
 */
import type { Element } from '@xmpp/xml';
import xml from '@xmpp/xml';
import type { BareJid } from '../../../../shared/xmpp/jid';
import { IqError, type XmppClient } from '../client/client';
import { NS_DATA_FORMS } from '../client/disco-registry';
import {
  checkBookmark,
  DEFAULT_BOOKMARK_LIMITS,
  extensionElement,
  parseAutojoin,
  type Bookmark,
  type BookmarkLimits,
  type ParsedBookmarks,
  type RefusedBookmark,
} from './0048-bookmarks';

export const NS_BOOKMARKS = 'urn:xmpp:bookmarks:1';
export const NS_BOOKMARKS_COMPAT = `${NS_BOOKMARKS}#compat`;
export const NS_PUBSUB = 'http://jabber.org/protocol/pubsub';
export const NS_PUBSUB_EVENT = 'http://jabber.org/protocol/pubsub#event';
export const NS_PUBSUB_OWNER = 'http://jabber.org/protocol/pubsub#owner';
export const NS_PUBSUB_ERRORS = 'http://jabber.org/protocol/pubsub#errors';
export const FEATURE_PUBLISH_OPTIONS = `${NS_PUBSUB}#publish-options`;
export const FEATURE_CONFIG_NODE_MAX = `${NS_PUBSUB}#config-node-max`;

/** Reads one PEP item (`<item id='room'><conference/></item>`, XEP-0402 syntax). */
export function parsePepBookmark(item: Element, limits: BookmarkLimits = DEFAULT_BOOKMARK_LIMITS): ReturnType<typeof checkBookmark> {
  const conf = item.getChild('conference', NS_BOOKMARKS);
  if (!conf) return { ok: false, reason: `no <conference xmlns='${NS_BOOKMARKS}'/> in the item` };
  const nicks = conf.getChildren('nick');
  const passwords = conf.getChildren('password');
  const extensions = conf.getChildren('extensions');
  if (nicks.length > 1 || passwords.length > 1 || extensions.length > 1) return { ok: false, reason: 'more than one <nick/>, <password/> or <extensions/>' };
  const ext = extensions[0]?.children.filter((c): c is Element => typeof c !== 'string') ?? [];
  if (ext.length > limits.maxExtensions) return { ok: false, reason: `${ext.length} extension elements (at most ${limits.maxExtensions})` };
  return checkBookmark(
    {
      room: String(item.attrs.id ?? ''),
      ...(typeof conf.attrs.name === 'string' ? { name: conf.attrs.name } : {}),
      ...(nicks[0] ? { nick: nicks[0].getText() } : {}),
      ...(passwords[0] ? { password: passwords[0].getText() } : {}),
      autojoin: parseAutojoin(conf.attrs.autojoin),
      extensions: ext.map((e) => e.toString()),
    },
    limits,
  );
}

/** Reads `<items node='urn:xmpp:bookmarks:1'>` of a fetch answer (at most maxBookmarks items are looked at). */
export function parsePepBookmarks(items: Element | undefined, limits: BookmarkLimits = DEFAULT_BOOKMARK_LIMITS): ParsedBookmarks {
  const all = items?.getChildren('item') ?? [];
  const bookmarks = new Map<BareJid, Bookmark>();
  const refused: RefusedBookmark[] = [];
  for (const item of all.slice(0, limits.maxBookmarks)) {
    const p = parsePepBookmark(item, limits);
    if (p.ok && !bookmarks.has(p.bookmark.room)) bookmarks.set(p.bookmark.room, p.bookmark);
    else refused.push({ id: String(item.attrs.id ?? '').slice(0, 256), reason: p.ok ? 'a second item for the same room' : p.reason });
  }
  return { bookmarks: [...bookmarks.values()], refused, truncated: all.length > limits.maxBookmarks };
}

/** The item payload of XEP-0402 (name, autojoin, nick, password, extensions). */
export function conferenceElement(b: Bookmark): Element {
  const ext = b.extensions.flatMap((e) => extensionElement(e) ?? []);
  return xml(
    'conference',
    { xmlns: NS_BOOKMARKS, autojoin: b.autojoin ? 'true' : 'false', ...(b.name !== undefined ? { name: b.name } : {}) },
    ...(b.nick !== undefined ? [xml('nick', {}, b.nick)] : []),
    ...(b.password !== undefined ? [xml('password', {}, b.password)] : []),
    ...(ext.length > 0 ? [xml('extensions', {}, ...ext)] : []),
  );
}

/** XEP-0402 node configuration (v1.1.4: max_items 'max'): private to us, persistent, every bookmark kept. */
export function bookmarkNodeOptions(maxItems: string): ReadonlyMap<string, string> {
  return new Map([
    ['pubsub#persist_items', 'true'],
    ['pubsub#max_items', maxItems],
    ['pubsub#send_last_published_item', 'never'],
    ['pubsub#access_model', 'whitelist'],
  ]);
}

function optionsForm(formType: string, options: ReadonlyMap<string, string>): Element {
  return xml(
    'x',
    { xmlns: NS_DATA_FORMS, type: 'submit' },
    xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, formType)),
    ...[...options].map(([k, v]) => xml('field', { var: k }, xml('value', {}, v))),
  );
}

/** XEP-0060 §7.1.5: the node exists with a configuration that contradicts our publish-options. */
export function isPreconditionNotMet(e: unknown): boolean {
  return e instanceof IqError && e.stanza?.getChild('error')?.getChild('precondition-not-met', NS_PUBSUB_ERRORS) !== undefined;
}

/** Our bookmarks node; a node nobody has created yet is an empty list. */
export async function fetchPepBookmarks(client: XmppClient, limits: BookmarkLimits, timeoutMs?: number): Promise<ParsedBookmarks> {
  try {
    const r = await client.request('get', undefined, xml('pubsub', { xmlns: NS_PUBSUB }, xml('items', { node: NS_BOOKMARKS })), timeoutMs);
    return parsePepBookmarks(r.getChild('pubsub', NS_PUBSUB)?.getChild('items'), limits);
  } catch (e: unknown) {
    if (e instanceof IqError && e.condition === 'item-not-found') return { bookmarks: [], refused: [], truncated: false };
    throw e;
  }
}

/** What one session learnt about publishing to this server (kept by the module between publishes). */
export interface PepPublishState {
  /** The service refused some publish-options fields: only the two XEP-0223 ones are sent. */
  reducedOptions: boolean;
  /** We configured the node ourselves this session. */
  nodeConfigured: boolean;
}

/** XEP-0223 §3 needs these two; some services accept no other publish-options field. */
const ESSENTIAL = new Set(['pubsub#persist_items', 'pubsub#access_model']);

/** A service that does not accept a publish-options field (ejabberd 23.01: resource-constraint "Unknown field"). */
function isUnsupportedOption(e: unknown): boolean {
  return e instanceof IqError && ['resource-constraint', 'bad-request', 'not-acceptable', 'feature-not-implemented'].includes(e.condition);
}

/**
 * Publishes (adds or replaces) one bookmark with the XEP-0402 publish-options (`maxItems`: 'max' or a
 * number). A node another client configured differently is reconfigured (precondition-not-met);
 * a service that takes only the XEP-0223 fields as publish-options gets those, and the rest of
 * the XEP-0402 configuration through the node configuration once per session.
 */
export async function publishPepBookmark(client: XmppClient, b: Bookmark, maxItems: string, state: PepPublishState, timeoutMs?: number): Promise<void> {
  const full = bookmarkNodeOptions(maxItems);
  const essential = new Map([...full].filter(([k]) => ESSENTIAL.has(k)));
  const publish = async (options: ReadonlyMap<string, string>): Promise<void> => {
    const request = (): Promise<Element> =>
      client.request(
        'set',
        undefined,
        xml(
          'pubsub',
          { xmlns: NS_PUBSUB },
          xml('publish', { node: NS_BOOKMARKS }, xml('item', { id: b.room }, conferenceElement(b))),
          xml('publish-options', {}, optionsForm(FEATURE_PUBLISH_OPTIONS, options)),
        ),
        timeoutMs,
      );
    try {
      await request();
    } catch (e: unknown) {
      if (!isPreconditionNotMet(e)) throw e;
      // XEP-0060 §7.1.5: the node exists with other settings (created by another client). It is
      // our node, so we configure it as XEP-0402 requires (XEP-0060 §8.2) and publish once more.
      await configureBookmarksNode(client, full, timeoutMs);
      state.nodeConfigured = true;
      await request();
    }
  };
  if (!state.reducedOptions) {
    try {
      await publish(full);
      return;
    } catch (e: unknown) {
      if (!isUnsupportedOption(e)) throw e;
      state.reducedOptions = true;
    }
  }
  await publish(essential);
  if (!state.nodeConfigured) {
    // Without max_items the service's default could keep one bookmark only.
    await configureBookmarksNode(client, full, timeoutMs);
    state.nodeConfigured = true;
  }
}

/** XEP-0060 §8.2: sets our options on the node; only fields its form offers (others would be refused). */
export async function configureBookmarksNode(client: XmppClient, options: ReadonlyMap<string, string>, timeoutMs?: number): Promise<void> {
  const r = await client.request('get', undefined, xml('pubsub', { xmlns: NS_PUBSUB_OWNER }, xml('configure', { node: NS_BOOKMARKS })), timeoutMs);
  const form = r.getChild('pubsub', NS_PUBSUB_OWNER)?.getChild('configure')?.getChild('x', NS_DATA_FORMS);
  const offered = new Set((form?.getChildren('field') ?? []).map((f) => String(f.attrs.var ?? '')));
  const wanted = new Map([...options].filter(([k]) => offered.has(k)));
  if (!wanted.has('pubsub#access_model')) throw new Error('the bookmarks node cannot be made private: its configuration form has no pubsub#access_model');
  await client.request('set', undefined, xml('pubsub', { xmlns: NS_PUBSUB_OWNER }, xml('configure', { node: NS_BOOKMARKS }, optionsForm(`${NS_PUBSUB}#node_config`, wanted))), timeoutMs);
}

/** Removes one bookmark; notify='true' so our other devices hear of it (XEP-0060 §7.2.2.1). Gone already is fine. */
export async function retractPepBookmark(client: XmppClient, room: BareJid, timeoutMs?: number): Promise<void> {
  try {
    await client.request('set', undefined, xml('pubsub', { xmlns: NS_PUBSUB }, xml('retract', { node: NS_BOOKMARKS, notify: 'true' }, xml('item', { id: room }))), timeoutMs);
  } catch (e: unknown) {
    if (!(e instanceof IqError && e.condition === 'item-not-found')) throw e;
  }
}
