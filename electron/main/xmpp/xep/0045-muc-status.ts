/**
 * XEP-0045 status codes (§15.6 "Status Codes", the XMPP Registrar's mucstatus registry) and
 * join refusals (§7.2.6–§7.2.12) as typed, readable data: the rest of the MUC module and the UI
 * never look at a number or an error condition name.
 */
import { assertNever } from '../../../../shared/util/assert-never';

export const MUC_STATUS = {
  100: { kind: 'real-jid-public', text: 'Any occupant of this room can see your full JID' },
  101: { kind: 'affiliation-changed-while-away', text: 'Your affiliation changed while you were not in the room' },
  102: { kind: 'shows-unavailable-members', text: 'The room now shows unavailable members' },
  103: { kind: 'hides-unavailable-members', text: 'The room no longer shows unavailable members' },
  104: { kind: 'config-changed', text: 'The room configuration changed' },
  110: { kind: 'self-presence', text: 'This presence is about you' },
  170: { kind: 'logging-enabled', text: 'This room is now logged' },
  171: { kind: 'logging-disabled', text: 'This room is no longer logged' },
  172: { kind: 'non-anonymous', text: 'The room is now non-anonymous: everyone can see full JIDs' },
  173: { kind: 'semi-anonymous', text: 'The room is now semi-anonymous: only moderators can see full JIDs' },
  174: { kind: 'fully-anonymous', text: 'The room is now fully anonymous' },
  201: { kind: 'room-created', text: 'A new room was created' },
  210: { kind: 'nick-assigned', text: 'The service assigned or changed your nickname' },
  301: { kind: 'banned', text: 'Banned from the room' },
  303: { kind: 'nick-changed', text: 'Changed nickname' },
  307: { kind: 'kicked', text: 'Kicked from the room' },
  321: { kind: 'removed-affiliation-change', text: 'Removed from the room because of an affiliation change' },
  322: { kind: 'removed-members-only', text: 'Removed from the room because it is now members-only' },
  332: { kind: 'removed-shutdown', text: 'Removed from the room because the service is shutting down' },
  333: { kind: 'removed-error', text: 'Removed from the room because of a technical problem' },
} as const;

export type MucStatusCode = keyof typeof MUC_STATUS;
export type MucStatusKind = (typeof MUC_STATUS)[MucStatusCode]['kind'];

export const isMucStatusCode = (n: number): n is MucStatusCode => Object.hasOwn(MUC_STATUS, n);

/** The codes of §15.6 that describe a room configuration change (sent in a message from the room). */
export const CONFIG_CHANGE_CODES: ReadonlySet<MucStatusCode> = new Set([102, 103, 104, 170, 171, 172, 173, 174]);

/** Reads `<status code/>` children of a muc#user `<x/>`: known codes once each, in order; others dropped. */
export function statusCodes(codes: Iterable<string | undefined>): MucStatusCode[] {
  const out: MucStatusCode[] = [];
  for (const c of codes) {
    if (c === undefined || !/^\d{3}$/u.test(c)) continue;
    const n = Number(c);
    if (isMucStatusCode(n) && !out.includes(n)) out.push(n);
  }
  return out;
}

/** Why we (or an occupant) are no longer in a room. */
export type LeaveReason =
  | 'left'
  | 'kicked'
  | 'banned'
  | 'destroyed'
  | 'affiliation-change'
  | 'members-only'
  | 'shutdown'
  | 'error'
  /** XEP-0410 self-ping, or a refusal from the room, said we are not an occupant any more. */
  | 'not-joined';

/** §9.x, §10.9: the reason an unavailable presence gives (destroy wins over codes). */
export function leaveReason(codes: readonly MucStatusCode[], destroyed: boolean): LeaveReason {
  if (destroyed) return 'destroyed';
  if (codes.includes(301)) return 'banned';
  if (codes.includes(307)) return 'kicked';
  if (codes.includes(321)) return 'affiliation-change';
  if (codes.includes(322)) return 'members-only';
  if (codes.includes(332)) return 'shutdown';
  if (codes.includes(333)) return 'error';
  return 'left';
}

export type MucJoinRefusal =
  | 'nick-in-use'
  | 'password-required'
  | 'password-wrong'
  | 'members-only'
  | 'banned'
  | 'max-users'
  | 'not-found'
  | 'creation-refused'
  | 'nick-not-acceptable'
  | 'nick-invalid'
  | 'gone'
  | 'timeout'
  | 'disconnected'
  | 'invalid-request'
  | 'other';

/** A refused join or nick change, with what the user can do about it. */
export class MucJoinError extends Error {
  constructor(
    readonly kind: MucJoinRefusal,
    /** The stanza error condition (or 'timeout' / 'disconnected' / 'invalid-request'). */
    readonly condition: string,
    readonly serverText?: string,
    /** For 'nick-in-use': a nick to try instead. */
    readonly suggestedNick?: string,
  ) {
    super(`${joinRefusalText(kind)}${serverText ? ` (${serverText})` : ''}`);
    this.name = 'MucJoinError';
  }
}

/** §7.2.6–§7.2.12: the error condition of a refused join presence. */
export function joinRefusal(condition: string, passwordGiven: boolean): MucJoinRefusal {
  switch (condition) {
    case 'conflict':
      return 'nick-in-use'; // §7.2.9
    case 'not-authorized':
      return passwordGiven ? 'password-wrong' : 'password-required'; // §7.2.6
    case 'registration-required':
      return 'members-only'; // §7.2.7
    case 'forbidden':
      return 'banned'; // §7.2.8
    case 'service-unavailable':
      return 'max-users'; // §7.2.10
    case 'item-not-found':
      return 'not-found'; // §7.2.11: locked, or does not exist and we may not create it
    case 'not-allowed':
      return 'creation-refused'; // §10.1.1: the service does not let us create rooms
    case 'not-acceptable':
      return 'nick-not-acceptable'; // §7.2.9: the room enforces reserved nicks
    case 'jid-malformed':
      return 'nick-invalid'; // §7.2.1: no nick, or one the service cannot use
    case 'gone':
      return 'gone'; // the room was destroyed (§10.9) and may name a new one
    default:
      return 'other';
  }
}

export function joinRefusalText(kind: MucJoinRefusal): string {
  switch (kind) {
    case 'nick-in-use':
      return 'That nickname is already in use in this room';
    case 'password-required':
      return 'This room needs a password';
    case 'password-wrong':
      return 'The room password is wrong';
    case 'members-only':
      return 'This room is for members only';
    case 'banned':
      return 'You are banned from this room';
    case 'max-users':
      return 'The room is full';
    case 'not-found':
      return 'The room does not exist or is locked';
    case 'creation-refused':
      return 'The service does not allow you to create this room';
    case 'nick-not-acceptable':
      return 'This room only accepts your registered nickname';
    case 'nick-invalid':
      return 'That nickname cannot be used';
    case 'gone':
      return 'The room has been destroyed';
    case 'timeout':
      return 'The room did not answer';
    case 'disconnected':
      return 'The connection was lost';
    case 'invalid-request':
      return 'The room address or nickname is not valid';
    case 'other':
      return 'The room refused the request';
    default:
      return assertNever(kind, 'join refusal');
  }
}

/** A nick to offer after a conflict (§7.2.9): the reserved nick if we have one, else a variant. */
export function alternativeNick(nick: string, random: () => number = Math.random): string {
  const suffix = String(Math.floor(random() * 900) + 100);
  const base = [...nick].slice(0, 60).join('');
  return `${base}_${suffix}`;
}
