/**
 * Narrow hooks for the room components, and the pure rules they show: who may do what in a room
 * (XEP-0045 §5.1 roles, §5.2 affiliations), how the occupant list is grouped. Each hook returns a
 * value that keeps its identity while what it shows is unchanged: an occupant's presence change
 * re-renders that occupant's row and the list around it, nothing in the timeline.
 */
import type { Occupant, RoomSummary } from '../../../shared/ipc/index';
import type { EntryKey, Room, RoomEntry } from './slices/rooms';
import { useShallow } from 'zustand/react/shallow';
import { useStore, type RootState } from './store';

const NO_KEYS: readonly EntryKey[] = [];
const NO_OCCUPANTS: ReadonlyMap<string, Occupant> = new Map();

const room = (s: RootState, jid: string): Room | undefined => s.rooms.rooms[jid];

export const useOpenRoom = (): string | undefined => useStore((s) => s.rooms.open);
/** The rooms' JIDs, sorted; the same array while no room comes or goes. */
export const useRoomJids = (): readonly string[] => useStore(useShallow((s: RootState) => Object.keys(s.rooms.rooms).sort((a, b) => a.localeCompare(b))));
export const useRoomSummary = (jid: string): RoomSummary | undefined => useStore((s) => room(s, jid)?.summary);
export const useRoomJoined = (jid: string): boolean => useStore((s) => room(s, jid)?.joined ?? false);
export const useRoomLeft = (jid: string) => useStore((s) => room(s, jid)?.left);
export const useRoomExists = (jid: string): boolean => useStore((s) => room(s, jid) !== undefined);
export const useRoomUnreadCount = (jid: string): number => useStore((s) => room(s, jid)?.unread.length ?? 0);
export const useRoomUnreadKeys = (jid: string): readonly EntryKey[] => useStore((s) => room(s, jid)?.unread ?? NO_KEYS);
export const useRoomOrder = (jid: string): readonly EntryKey[] => useStore((s) => room(s, jid)?.order ?? NO_KEYS);
export const useRoomEntry = (jid: string, key: EntryKey): RoomEntry | undefined => useStore((s) => room(s, jid)?.byKey[key]);
export const useRoomHistory = (jid: string) => useStore((s) => room(s, jid)?.history);
export const useOccupants = (jid: string): ReadonlyMap<string, Occupant> => useStore((s) => room(s, jid)?.occupants ?? NO_OCCUPANTS);
export const useOccupant = (jid: string, nick: string): Occupant | undefined => useStore((s) => room(s, jid)?.occupants.get(nick));
export const useVoiceRequests = (jid: string) => useStore((s) => room(s, jid)?.voiceRequests);
export const useInvitations = () => useStore((s) => s.rooms.invitations);
export const useBookmarks = () => useStore((s) => s.rooms.bookmarks);

/** Our own occupant in the room (the self flag; the summary's nick when main has not flagged one). */
export function selfOccupant(r: Room | undefined): Occupant | undefined {
  if (!r) return undefined;
  const byNick = r.occupants.get(r.summary.nick);
  if (byNick?.self) return byNick;
  for (const o of r.occupants.values()) if (o.self) return o;
  return byNick;
}
export const useSelf = (jid: string): Occupant | undefined => useStore((s) => selfOccupant(room(s, jid)));

/** What a room is called: its name, else its JID. */
export function roomName(jid: string, summary: RoomSummary | undefined, bookmarkName?: string): string {
  const name = summary?.name?.trim() || bookmarkName?.trim();
  return name ? name : jid;
}

// ---- the occupant list ----

export type GroupRole = 'moderator' | 'participant' | 'visitor';
export const GROUP_ROLES: readonly GroupRole[] = ['moderator', 'participant', 'visitor'];

export interface OccupantGroups {
  readonly moderator: readonly string[];
  readonly participant: readonly string[];
  readonly visitor: readonly string[];
}

const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });

/** Nicks by role (role 'none' is not in the room), each group sorted by nick. O(n log n), memoised by the caller on the map's identity. */
export function groupOccupants(occupants: ReadonlyMap<string, Occupant>): OccupantGroups {
  const g = { moderator: [] as string[], participant: [] as string[], visitor: [] as string[] };
  for (const o of occupants.values()) if (o.role !== 'none') g[o.role].push(o.nick);
  for (const list of Object.values(g)) list.sort(collator.compare);
  return g;
}

// ---- permissions (the server decides; the UI only offers what should work) ----

const AFFILIATION_RANK = { outcast: 0, none: 1, member: 2, admin: 3, owner: 4 } as const;
const rank = (o: Occupant): number => AFFILIATION_RANK[o.affiliation];

export type ModerationAction = 'kick' | 'grant-voice' | 'revoke-voice' | 'grant-moderator' | 'revoke-moderator' | 'ban' | 'member' | 'admin' | 'owner' | 'remove-affiliation';

/**
 * The actions our occupant may take on another (XEP-0045 §8 moderator, §9 admin, §10 owner use
 * cases and the privilege tables of §5.1.2/§5.2.2). Affiliation changes need the occupant's real
 * JID: in a room that hides it from us they are not offered.
 */
export function allowedActions(self: Occupant | undefined, target: Occupant): readonly ModerationAction[] {
  if (!self || self.self === false || target.self || self.nick === target.nick) return [];
  const out: ModerationAction[] = [];
  const moderator = self.role === 'moderator';
  const admin = rank(self) >= AFFILIATION_RANK.admin;
  const owner = self.affiliation === 'owner';
  // §8.2: a moderator cannot kick an admin or owner (nor anyone of an affiliation above its own).
  const outranked = rank(target) >= AFFILIATION_RANK.admin && rank(target) >= rank(self);
  if (moderator && !outranked) out.push('kick');
  // §8.3/§8.4: voice; admins and owners always have it.
  if (moderator && target.role === 'visitor') out.push('grant-voice');
  if (moderator && target.role === 'participant' && rank(target) < AFFILIATION_RANK.admin) out.push('revoke-voice');
  // §9.6/§9.7: moderator status is the admins' to give and take (not from an admin or owner).
  if (admin && target.role !== 'moderator') out.push('grant-moderator');
  if (admin && target.role === 'moderator' && rank(target) < AFFILIATION_RANK.admin) out.push('revoke-moderator');
  if (target.jid !== undefined) {
    // §9.1: admins ban anyone below admin; owners anyone but another owner (§10.x lets them demote first).
    if ((owner && target.affiliation !== 'owner') || (admin && rank(target) < AFFILIATION_RANK.admin)) out.push('ban');
    // §9.3 member (admins); §10.3/§10.6 owner and admin (owners).
    if (admin && target.affiliation !== 'member' && rank(target) < AFFILIATION_RANK.admin) out.push('member');
    if (owner && target.affiliation !== 'admin') out.push('admin');
    if (owner && target.affiliation !== 'owner') out.push('owner');
    // §9.4 (admins revoke membership), §10.4/§10.7 (owners revoke admin and owner).
    if (target.affiliation !== 'none' && ((admin && rank(target) < AFFILIATION_RANK.admin) || owner)) out.push('remove-affiliation');
  }
  return out;
}

/** §8.1: moderators change the subject (rooms may let participants too; the room refuses when not). */
export const canChangeSubject = (self: Occupant | undefined): boolean => self?.role === 'moderator';
/** §10.2, §10.9: the owner configures and destroys the room. */
export const isOwner = (self: Occupant | undefined): boolean => self?.affiliation === 'owner';
/** §7.4: visitors of a moderated room cannot send; §8.6 they may ask for voice. */
export const canSpeak = (self: Occupant | undefined): boolean => self !== undefined && self.role !== 'visitor' && self.role !== 'none';
