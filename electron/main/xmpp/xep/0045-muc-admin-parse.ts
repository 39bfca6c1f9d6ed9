/**
 * XEP-0045 owner/admin answers parsed at the edge: the §8.5/§9.5/§9.8/§10.5/§10.8 lists and the
 * §8.6 voice requests a room forwards to moderators. Anything unreadable is refused as a whole
 * with a reason (a wrong list entry would put someone on the wrong list in the UI; a voice
 * request not from the room itself could make us grant voice to someone else).
 */
import type { Element } from '@xmpp/xml';
import { bareOf, parseJid, type BareJid } from '../../../../shared/xmpp/jid';
import { findDataForm, type DataForm } from './0004-forms';
import { MucAdminError } from './0045-muc-errors';
import { AFFILIATIONS, NS_MUC, parseRoomJid, ROLES, type MucAffiliation, type MucRole } from './0045-muc-parse';

export const NS_MUC_ADMIN = `${NS_MUC}#admin`;
/** §8.6 / §15.5.4: the FORM_TYPE of voice requests. */
export const FORM_REQUEST = `${NS_MUC}#request`;

export const isRole = (s: unknown): s is MucRole => (ROLES as readonly unknown[]).includes(s);
export const isAffiliation = (s: unknown): s is MucAffiliation => (AFFILIATIONS as readonly unknown[]).includes(s);

/** One entry of a §9.5/§9.8/§10.5/§10.8/§8.5 list. */
export interface MucListItem {
  readonly jid?: BareJid;
  readonly nick?: string;
  readonly affiliation?: MucAffiliation;
  readonly role?: MucRole;
  readonly reason?: string;
}
/** §8.6: a voice request the room forwarded to us as a moderator. */
export interface VoiceRequest {
  readonly room: BareJid;
  readonly nick?: string;
  /** The requester's real JID, when the room shows it to moderators. */
  readonly jid?: string;
  readonly role: string;
  /** The form as received: answering submits it back (§8.6 example 96). */
  readonly form: DataForm;
}

export const MAX_LIST_ITEMS = 10_000;

/** Parses a §9.5-style list answer; a list with an unreadable item is refused as a whole. */
export function parseMucList(query: Element | undefined, by: 'role' | 'affiliation', value: string, max = MAX_LIST_ITEMS): readonly MucListItem[] {
  if (!query?.is('query', NS_MUC_ADMIN)) throw new MucAdminError('malformed', 'the room answered without a muc#admin list');
  const els = query.getChildren('item');
  if (els.length > max) throw new MucAdminError('malformed', `the list has ${els.length} entries (at most ${max})`);
  return els.map((it, i): MucListItem => {
    const { jid, nick, affiliation, role } = it.attrs as Record<string, unknown>;
    let bare: BareJid | undefined;
    if (jid !== undefined) {
      const p = parseJid(String(jid));
      if (!p.ok) throw new MucAdminError('malformed', `list entry ${i + 1}: '${String(jid)}' is not a JID (${p.reason})`);
      bare = bareOf(p.jid);
    }
    if (by === 'affiliation' && bare === undefined) throw new MucAdminError('malformed', `list entry ${i + 1} has no JID`);
    if (by === 'role' && typeof nick !== 'string') throw new MucAdminError('malformed', `list entry ${i + 1} has no nickname`);
    if (affiliation !== undefined && !isAffiliation(affiliation)) throw new MucAdminError('malformed', `list entry ${i + 1}: unknown affiliation '${String(affiliation)}'`);
    if (role !== undefined && !isRole(role)) throw new MucAdminError('malformed', `list entry ${i + 1}: unknown role '${String(role)}'`);
    // An entry of another value than asked for would put someone on the wrong list in the UI.
    const got = by === 'role' ? role : affiliation;
    if (got !== undefined && got !== value) throw new MucAdminError('malformed', `list entry ${i + 1} is ${String(got)}, not ${value}`);
    const reason = it.getChildText('reason');
    return {
      ...(bare !== undefined ? { jid: bare } : {}),
      ...(typeof nick === 'string' ? { nick } : {}),
      ...(by === 'affiliation' ? { affiliation: value as MucAffiliation } : isAffiliation(affiliation) ? { affiliation } : {}),
      ...(by === 'role' ? { role: value as MucRole } : isRole(role) ? { role } : {}),
      ...(reason !== null && reason !== '' ? { reason } : {}),
    };
  });
}

/**
 * §8.6: a voice request forwarded by a room: a `form` of FORM_TYPE muc#request in a message
 * from the room's own (bare) JID. Anything else — an occupant's or a user's full JID, an error
 * or groupchat message — is refused, so nobody can make us grant voice to someone else.
 */
export function parseVoiceRequest(message: Element): { readonly ok: true; readonly request: VoiceRequest } | { readonly ok: false; readonly reason: string } | undefined {
  const found = findDataForm(message, FORM_REQUEST);
  if (!found) return undefined;
  if (!found.ok) return { ok: false, reason: `voice request: ${found.reason}` };
  const { form } = found;
  if (form.kind !== 'form') return { ok: false, reason: `voice request: a ${form.kind} form, not a request to answer` };
  const room = parseRoomJid(String(message.attrs.from ?? ''));
  if (!room) return { ok: false, reason: `voice request from '${String(message.attrs.from ?? '')}', not from a room` };
  const type = String(message.attrs.type ?? 'normal');
  if (type === 'error' || type === 'groupchat') return { ok: false, reason: `voice request in a ${type} message` };
  const value = (name: string): string | undefined => form.fields.find((f) => f.var === name)?.values[0];
  const nick = value('muc#roomnick');
  const jid = value('muc#jid');
  return { ok: true, request: { room, role: value('muc#role') ?? 'participant', form, ...(nick ? { nick } : {}), ...(jid ? { jid } : {}) } };
}
