/**
 * The bookmark model shared by both storage formats, and XEP-0048 Bookmark Storage kept in
 * XEP-0049 Private XML Storage (`jabber:iq:private` → `<storage xmlns='storage:bookmarks'/>`), the
 * fallback for servers without XEP-0402 (./0402-bookmarks.ts chooses the backend).
 *
 * Everything a server hands us is read at the edge with limits (`BookmarkLimits`): a hostile or
 * broken server cannot make us hold 100k bookmarks, a megabyte password or a room JID with a
 * resource. A bad entry is refused with a reason and the others are kept.
 *
 * XEP-0048 stores the whole list in one element, so a change is read-modify-write of the whole
 * list; children we do not model (`<url/>` bookmarks, other clients' elements inside a
 * `<conference/>`) are written back as they came, so we never destroy another client's data.
 */
import type { Element } from '@xmpp/xml';
import xml from '@xmpp/xml';
import { parse as parseXml } from 'ltx';
import { bareOf, parseJid, type BareJid } from '../../../../shared/xmpp/jid';
import type { XmppClient } from '../client/client';

export const NS_BOOKMARKS_LEGACY = 'storage:bookmarks';
export const NS_PRIVATE = 'jabber:iq:private';

/** A chat room bookmark (XEP-0402 / XEP-0048 §3), the same for both storage formats. */
export interface Bookmark {
  /** The room; a bare JID with a localpart (room@service). */
  readonly room: BareJid;
  readonly name?: string;
  /** Our preferred nickname in the room. */
  readonly nick?: string;
  readonly password?: string;
  readonly autojoin: boolean;
  /**
   * Elements other clients attached that Bastion does not model (XEP-0402 `<extensions/>`
   * children; unknown `<conference/>` children in XEP-0048), serialised XML kept verbatim so that
   * an update writes them back (XEP-0402: clients MUST preserve them).
   */
  readonly extensions: readonly string[];
}

/** What a caller gives to add or replace a bookmark; `extensions` undefined keeps the stored ones. */
export interface BookmarkInput {
  readonly room: string;
  readonly name?: string;
  readonly nick?: string;
  readonly password?: string;
  readonly autojoin?: boolean;
  readonly extensions?: readonly string[];
}

export interface BookmarkLimits {
  readonly maxBookmarks: number;
  readonly maxNameChars: number;
  readonly maxPasswordChars: number;
  /** Per bookmark: number of extension elements and their serialised size together. */
  readonly maxExtensions: number;
  readonly maxExtensionChars: number;
}

export const DEFAULT_BOOKMARK_LIMITS: BookmarkLimits = Object.freeze({
  maxBookmarks: 1000,
  maxNameChars: 1024,
  maxPasswordChars: 1024,
  maxExtensions: 32,
  maxExtensionChars: 16_384,
});

/** One entry we did not take, and why (for logs and diagnostics). */
export interface RefusedBookmark {
  readonly id: string;
  readonly reason: string;
}

export interface ParsedBookmarks {
  readonly bookmarks: readonly Bookmark[];
  readonly refused: readonly RefusedBookmark[];
  /** More entries than `maxBookmarks` arrived; the rest were not read. */
  readonly truncated: boolean;
}

// XML 1.0 §2.2: characters no document can carry; user input with one would break the stream.
const XML_ILLEGAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/u;

export type BookmarkCheck = { readonly ok: true; readonly bookmark: Bookmark } | { readonly ok: false; readonly reason: string };

/** Validates and normalises one bookmark (from the wire or from the user). */
export function checkBookmark(input: BookmarkInput, limits: BookmarkLimits = DEFAULT_BOOKMARK_LIMITS): BookmarkCheck {
  const p = parseJid(typeof input.room === 'string' ? input.room.trim() : '');
  if (!p.ok) return { ok: false, reason: `the room is not a JID: ${p.reason}` };
  if (p.jid.local === undefined || p.jid.resource !== undefined) return { ok: false, reason: 'the room must be a bare JID room@service' };
  const room = bareOf(p.jid);
  const text = (v: string | undefined, what: string, max: number): string | undefined | Error => {
    if (v === undefined || v === '') return undefined;
    if (typeof v !== 'string') return new Error(`the ${what} is not text`);
    if (v.length > max) return new Error(`the ${what} is longer than ${max} characters`);
    if (XML_ILLEGAL.test(v)) return new Error(`the ${what} contains characters XML forbids`);
    return v;
  };
  const name = text(input.name, 'name', limits.maxNameChars);
  const password = text(input.password, 'password', limits.maxPasswordChars);
  // The nick is the resourcepart of our occupant JID (XEP-0045 §7.2): RFC 7622 rules apply.
  const nick = text(input.nick, 'nick', 1023);
  for (const v of [name, password, nick]) if (v instanceof Error) return { ok: false, reason: v.message };
  if (typeof nick === 'string' && !parseJid(`${room}/${nick}`).ok) return { ok: false, reason: 'the nick is not a valid resourcepart' };
  const extensions = input.extensions ?? [];
  if (extensions.length > limits.maxExtensions) return { ok: false, reason: `${extensions.length} extension elements (at most ${limits.maxExtensions})` };
  if (extensions.reduce((n, e) => n + e.length, 0) > limits.maxExtensionChars) return { ok: false, reason: `extensions longer than ${limits.maxExtensionChars} characters` };
  for (const e of extensions) {
    const el = extensionElement(e);
    if (!el) return { ok: false, reason: 'an extension is not one namespaced XML element' };
  }
  return {
    ok: true,
    bookmark: {
      room,
      ...(typeof name === 'string' ? { name } : {}),
      ...(typeof nick === 'string' ? { nick } : {}),
      ...(typeof password === 'string' ? { password } : {}),
      autojoin: input.autojoin === true,
      extensions: [...extensions],
    },
  };
}

/** A stored extension back as an element; undefined unless it is one element with a namespace. */
export function extensionElement(serialised: string): Element | undefined {
  try {
    const el = parseXml(serialised) as unknown as Element;
    return typeof el.attrs.xmlns === 'string' && el.attrs.xmlns !== '' ? el : undefined;
  } catch {
    return undefined;
  }
}

/** XEP-0048 / XML Schema: the lexical forms of xs:boolean. */
export function parseAutojoin(v: unknown): boolean {
  return v === 'true' || v === '1';
}

export function sameBookmark(a: Bookmark, b: Bookmark): boolean {
  return (
    a.room === b.room &&
    a.name === b.name &&
    a.nick === b.nick &&
    a.password === b.password &&
    a.autojoin === b.autojoin &&
    a.extensions.length === b.extensions.length &&
    a.extensions.every((e, i) => e === b.extensions[i])
  );
}

/** Children of an element that are elements, serialised (text between them is dropped). */
const elementsOf = (el: Element, skip: (c: Element) => boolean): string[] =>
  el.children.filter((c): c is Element => typeof c !== 'string' && !skip(c)).map((c) => c.toString());

/** The legacy `<storage/>`: our bookmarks plus everything else it holds, kept for write-back. */
export interface LegacyStorage extends ParsedBookmarks {
  /** Serialised children that are not conference bookmarks we took (`<url/>`, refused entries …). */
  readonly other: readonly string[];
}

/** Reads `<storage xmlns='storage:bookmarks'/>` (XEP-0048 §3); absent storage is an empty list. */
export function parseLegacyStorage(storage: Element | undefined, limits: BookmarkLimits = DEFAULT_BOOKMARK_LIMITS): LegacyStorage {
  const bookmarks: Bookmark[] = [];
  const refused: RefusedBookmark[] = [];
  const other: string[] = [];
  let truncated = false;
  const seen = new Set<string>();
  const children = storage?.children.filter((c): c is Element => typeof c !== 'string') ?? [];
  const keep = (c: Element): void => {
    if (other.length < limits.maxBookmarks) other.push(c.toString());
    else truncated = true; // what we cannot keep we must not overwrite: see modifyPrivateStorage
  };
  // Bounded before anything is parsed: a list of 100k entries costs us one slice, not 100k checks.
  if (children.length > limits.maxBookmarks * 2) truncated = true;
  for (const c of children.slice(0, limits.maxBookmarks * 2)) {
    if (c.name !== 'conference') {
      keep(c);
      continue;
    }
    const id = String(c.attrs.jid ?? '');
    if (bookmarks.length >= limits.maxBookmarks) {
      truncated = true;
      continue;
    }
    const nickEls = c.getChildren('nick');
    const passwordEls = c.getChildren('password');
    if (nickEls.length > 1 || passwordEls.length > 1) {
      refused.push({ id: id.slice(0, 256), reason: 'more than one <nick/> or <password/>' });
      keep(c);
      continue;
    }
    const checked = checkBookmark(
      {
        room: id,
        ...(typeof c.attrs.name === 'string' ? { name: c.attrs.name } : {}),
        ...(nickEls[0] ? { nick: nickEls[0].getText() } : {}),
        ...(passwordEls[0] ? { password: passwordEls[0].getText() } : {}),
        autojoin: parseAutojoin(c.attrs.autojoin),
        // Other clients' additions carry their own namespace (Gajim's <minimize/> …); anything
        // else in storage:bookmarks is outside the XEP-0048 schema and is not kept.
        extensions: elementsOf(c, (x) => x.name === 'nick' || x.name === 'password' || typeof x.attrs.xmlns !== 'string'),
      },
      limits,
    );
    if (!checked.ok || seen.has(checked.bookmark.room)) {
      refused.push({ id: id.slice(0, 256), reason: checked.ok ? 'a second bookmark for the same room' : checked.reason });
      // Kept for write-back: it may be another client's entry we simply cannot read.
      keep(c);
      continue;
    }
    seen.add(checked.bookmark.room);
    bookmarks.push(checked.bookmark);
  }
  return { bookmarks, refused, truncated, other };
}

/** One `<conference/>` of XEP-0048 (the JID is an attribute here, unlike XEP-0402). */
export function legacyConference(b: Bookmark): Element {
  return xml(
    'conference',
    { jid: b.room, autojoin: b.autojoin ? 'true' : 'false', ...(b.name !== undefined ? { name: b.name } : {}) },
    ...(b.nick !== undefined ? [xml('nick', {}, b.nick)] : []),
    ...(b.password !== undefined ? [xml('password', {}, b.password)] : []),
    ...b.extensions.flatMap((e) => extensionElement(e) ?? []),
  );
}

export function legacyStorageElement(bookmarks: readonly Bookmark[], other: readonly string[]): Element {
  return xml('storage', { xmlns: NS_BOOKMARKS_LEGACY }, ...bookmarks.map(legacyConference), ...other.flatMap((o) => wellFormed(o) ?? []));
}

function wellFormed(s: string): Element | undefined {
  try {
    return parseXml(s) as unknown as Element;
  } catch {
    return undefined;
  }
}

/** XEP-0049: our private `storage:bookmarks` (we ask our own account, so no 'to'). */
export async function fetchPrivateStorage(client: XmppClient, limits: BookmarkLimits, timeoutMs?: number): Promise<LegacyStorage> {
  const r = await client.request('get', undefined, xml('query', { xmlns: NS_PRIVATE }, xml('storage', { xmlns: NS_BOOKMARKS_LEGACY })), timeoutMs);
  return parseLegacyStorage(r.getChild('query', NS_PRIVATE)?.getChild('storage', NS_BOOKMARKS_LEGACY), limits);
}

/** XEP-0049: replaces the whole stored list. */
export async function storePrivateStorage(client: XmppClient, bookmarks: readonly Bookmark[], other: readonly string[], timeoutMs?: number): Promise<void> {
  await client.request('set', undefined, xml('query', { xmlns: NS_PRIVATE }, legacyStorageElement(bookmarks, other)), timeoutMs);
}

/**
 * One read-modify-write of the private list: the list is read fresh (another device may have
 * changed it since we last looked; XEP-0049 has no compare-and-swap, so this narrows the race
 * rather than closing it), `change` edits it, and it is written back with the untouched rest.
 */
export async function modifyPrivateStorage(
  client: XmppClient,
  limits: BookmarkLimits,
  change: (bookmarks: readonly Bookmark[]) => readonly Bookmark[],
  timeoutMs?: number,
): Promise<readonly Bookmark[]> {
  const current = await fetchPrivateStorage(client, limits, timeoutMs);
  if (current.truncated) throw new Error(`the stored bookmark list holds more than ${limits.maxBookmarks} entries: not rewriting it`);
  const next = change(current.bookmarks);
  if (next.length > limits.maxBookmarks) throw new Error(`at most ${limits.maxBookmarks} bookmarks`);
  await storePrivateStorage(client, next, current.other, timeoutMs);
  return next;
}
