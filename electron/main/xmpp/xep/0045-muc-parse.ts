/**
 * XEP-0045 stanzas from a room → readonly plain data, once, at the edge: occupant presence
 * (§7.2.2 muc#user `<item/>`, §15.6 status codes, §10.9 `<destroy/>`), nicks checked like a
 * JID resourcepart (RFC 7622 §3.4), roles and affiliations only from their closed sets.
 */
import type { Element } from '@xmpp/xml';
import { bareOf, parseJid, type BareJid, type FullJid } from '../../../../shared/xmpp/jid';
import { SHOWS, type Show } from '../im/presence';
import { statusCodes, type MucStatusCode } from './0045-muc-status';
import { readOccupantId } from './0421-occupant-id';

export const NS_MUC = 'http://jabber.org/protocol/muc';
export const NS_MUC_USER = 'http://jabber.org/protocol/muc#user';
export const NS_MUC_OWNER = 'http://jabber.org/protocol/muc#owner';

export const ROLES = ['moderator', 'participant', 'visitor', 'none'] as const;
export type MucRole = (typeof ROLES)[number];
export const AFFILIATIONS = ['owner', 'admin', 'member', 'outcast', 'none'] as const;
export type MucAffiliation = (typeof AFFILIATIONS)[number];

/** Longest status text kept from an occupant's presence. */
export const MAX_STATUS_CHARS = 1024;
const CONTROL = /[\u0000-\u001f\u007f]/u;

/** A nick is the resourcepart of an occupant JID (§7.2.1): non-empty, ≤ 1023 bytes, no controls. */
export function validNick(nick: string): string | undefined {
  if (typeof nick !== 'string') return undefined;
  const n = nick.normalize('NFC');
  if (n.trim().length === 0 || CONTROL.test(n) || Buffer.byteLength(n, 'utf8') > 1023) return undefined;
  return n;
}

/** A room address: `room@service`, no resource. */
export function parseRoomJid(input: string): BareJid | undefined {
  const p = parseJid(input);
  return p.ok && p.jid.local !== undefined && p.jid.resource === undefined ? bareOf(p.jid) : undefined;
}

/** The occupant JID room/nick (§4.1). */
export const occupantJid = (room: BareJid, nick: string): FullJid => `${room}/${nick}` as FullJid;

/** Where a stanza came from, as room + nick (nick undefined: the room itself). */
export function roomAddress(from: unknown): { readonly room: BareJid; readonly nick: string | undefined } | undefined {
  if (typeof from !== 'string') return undefined;
  const p = parseJid(from);
  if (!p.ok || p.jid.local === undefined) return undefined;
  if (p.jid.resource === undefined) return { room: bareOf(p.jid), nick: undefined };
  const nick = validNick(p.jid.resource);
  return nick === undefined ? undefined : { room: bareOf(p.jid), nick };
}

export interface MucItem {
  readonly role: MucRole;
  readonly affiliation: MucAffiliation;
  /** The occupant's real JID, when the room shows it to us (§7.2.3, §7.2.4). */
  readonly realJid: FullJid | BareJid | undefined;
  /** §7.6: on a 303 unavailable presence, the new nick. */
  readonly nick: string | undefined;
  /** §9.1, §9.2: who kicked or banned, and why. */
  readonly actor: string | undefined;
  readonly reason: string | undefined;
}

export interface MucPresence {
  readonly room: BareJid;
  readonly nick: string;
  readonly type: 'available' | 'unavailable' | 'error';
  readonly item: MucItem | undefined;
  readonly codes: readonly MucStatusCode[];
  readonly show: Show | 'online';
  readonly status: string | undefined;
  /** XEP-0421 id as sent (validated); whether to believe it is the room's business (0421). */
  readonly occupantId: string | undefined;
  /** §10.9: the room was destroyed; `venue` is the replacement room if any. */
  readonly destroy: { readonly venue: BareJid | undefined; readonly reason: string | undefined } | undefined;
  readonly error: { readonly condition: string; readonly text: string | undefined } | undefined;
}

const oneOf = <T extends string>(set: readonly T[], v: unknown, fallback: T): T => (typeof v === 'string' && (set as readonly string[]).includes(v) ? (v as T) : fallback);

function parseItem(item: Element | undefined): MucItem | undefined {
  if (!item) return undefined;
  const jid = typeof item.attrs.jid === 'string' ? parseJid(item.attrs.jid) : undefined;
  const realJid = jid?.ok ? (jid.jid.resource === undefined ? bareOf(jid.jid) : (`${bareOf(jid.jid)}/${jid.jid.resource}` as FullJid)) : undefined;
  const actorEl = item.getChild('actor');
  const actor = typeof actorEl?.attrs.nick === 'string' ? validNick(actorEl.attrs.nick) : typeof actorEl?.attrs.jid === 'string' ? actorEl.attrs.jid : undefined;
  const reason = item.getChildText('reason') ?? undefined;
  return {
    role: oneOf(ROLES, item.attrs.role, 'none'),
    affiliation: oneOf(AFFILIATIONS, item.attrs.affiliation, 'none'),
    realJid,
    nick: typeof item.attrs.nick === 'string' ? validNick(item.attrs.nick) : undefined,
    actor: actor?.slice(0, 1023),
    reason: reason?.slice(0, MAX_STATUS_CHARS),
  };
}

export function errorOf(el: Element): { condition: string; text: string | undefined } | undefined {
  const error = el.getChild('error');
  if (!error) return undefined;
  const cond = error.children.find((c): c is Element => typeof c !== 'string' && c.name !== 'text' && c.attrs.xmlns === 'urn:ietf:params:xml:ns:xmpp-stanzas');
  return { condition: cond?.name ?? 'undefined-condition', text: error.getChildText('text')?.slice(0, MAX_STATUS_CHARS) ?? undefined };
}

/** The muc#user `<x/>` of a stanza, if exactly one (two are a malformed or forged stanza). */
export function mucUserX(el: Element): Element | undefined {
  const xs = el.getChildren('x', NS_MUC_USER);
  return xs.length === 1 ? xs[0] : undefined;
}

/** Status codes of a room message or presence (§15.6). */
export function codesOf(el: Element): MucStatusCode[] {
  return statusCodes(mucUserX(el)?.getChildren('status').map((s) => s.attrs.code as string | undefined) ?? []);
}

/** A presence from room/nick; undefined when it is not one (no nick, bad type). */
export function parseMucPresence(el: Element): MucPresence | undefined {
  const addr = roomAddress(el.attrs.from);
  if (!addr?.nick) return undefined;
  const typeAttr = (el.attrs.type as string | undefined) ?? 'available';
  if (typeAttr !== 'available' && typeAttr !== 'unavailable' && typeAttr !== 'error') return undefined;
  const x = mucUserX(el);
  const destroyEl = x?.getChild('destroy');
  const showText = el.getChildText('show') ?? '';
  const status = el.getChildText('status') ?? undefined;
  return {
    room: addr.room,
    nick: addr.nick,
    type: typeAttr,
    item: parseItem(x?.getChild('item')),
    codes: codesOf(el),
    show: (SHOWS as readonly string[]).includes(showText) ? (showText as Show) : 'online',
    status: status?.slice(0, MAX_STATUS_CHARS),
    occupantId: readOccupantId(el),
    destroy: destroyEl
      ? { venue: typeof destroyEl.attrs.jid === 'string' ? parseRoomJid(destroyEl.attrs.jid) : undefined, reason: destroyEl.getChildText('reason')?.slice(0, MAX_STATUS_CHARS) ?? undefined }
      : undefined,
    error: typeAttr === 'error' ? errorOf(el) : undefined,
  };
}
