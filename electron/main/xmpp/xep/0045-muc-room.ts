/**
 * The state the MUC module keeps per room and the context its parts (0045-muc.ts for presence
 * and the API, 0045-muc-messages.ts for messages, 0045-muc-history.ts for history) share. Sets
 * and maps here are bounded: a room cannot make us remember without limit.
 */
import { createEmitter, type Disposer } from '../../../../shared/util/disposable';
import type { BareJid } from '../../../../shared/xmpp/jid';
import type { XmppClient } from '../client/client';
import type { ChangeBatcher, Occupant, OccupantStore } from './0045-muc-occupants';
import type { GroupMessage, GroupMessageState, LeaveEvent, MucOptions, MucStatusEvent, PrivateMessage, RoomConfigChange, RoomInfo, SubjectChange } from './0045-muc-types';
import type { MucJoinError } from './0045-muc-status';

/** Our sent messages awaiting their reflection (or an error), per room. */
export const MAX_PENDING_SENT = 2_000;
/** Room stanza-ids already delivered, per room, for de-duplication across live and archive. */
export const MAX_SEEN_IDS = 10_000;
/** Live messages held back while the archive catch-up runs, per room. */
export const MAX_QUEUED_LIVE = 5_000;

export interface Waiter<T> {
  readonly resolve: (v: T) => void;
  readonly reject: (e: Error) => void;
  readonly timer: NodeJS.Timeout;
}

export interface Room {
  readonly jid: BareJid;
  nick: string;
  password: string | undefined;
  state: 'joining' | 'joined' | 'leaving';
  readonly occupants: OccupantStore;
  info: RoomInfo | undefined;
  self: Occupant | undefined;
  created: boolean;
  subject: string | undefined;
  /** The join-time subject arrived (§7.2.15): legacy history is over. */
  subjectSeen: boolean;
  /** origin-id/id of our messages → group or private; insertion order = age. */
  readonly pending: Map<string, 'group' | 'private'>;
  readonly seen: Set<string>;
  lastArchiveId: string | undefined;
  /** While an archive catch-up runs, live messages wait here (in order). */
  catchingUp: boolean;
  readonly queued: GroupMessage[];
  legacyHistory: number;
  /** §7.6: new nick → old nick between the 303 unavailable and the new presence. */
  readonly renames: Map<string, string>;
  join: (Waiter<Occupant> & { readonly nick: string; readonly passwordGiven: boolean }) | undefined;
  nickChange: (Waiter<void> & { readonly nick: string }) | undefined;
  leaving: Waiter<void> | undefined;
  readonly subjectWaiters: Map<string, Waiter<void> & { readonly subject: string }>;
  /** Resolves the legacy history outcome when the subject arrives. */
  onSubject: (() => void) | undefined;
}

export function newRoom(jid: BareJid, nick: string, password: string | undefined, occupants: OccupantStore): Room {
  return {
    jid,
    nick,
    password,
    state: 'joining',
    occupants,
    info: undefined,
    self: undefined,
    created: false,
    subject: undefined,
    subjectSeen: false,
    pending: new Map(),
    seen: new Set(),
    lastArchiveId: undefined,
    catchingUp: false,
    queued: [],
    legacyHistory: 0,
    renames: new Map(),
    join: undefined,
    nickChange: undefined,
    leaving: undefined,
    subjectWaiters: new Map(),
    onSubject: undefined,
  };
}

/** Adds to an insertion-ordered set/map, dropping the oldest entry over `max`. */
export function remember(set: Set<string>, id: string, max = MAX_SEEN_IDS): void {
  set.delete(id);
  set.add(id);
  if (set.size > max) set.delete(set.values().next().value as string);
}
export function rememberSent(room: Room, id: string, kind: 'group' | 'private'): void {
  room.pending.delete(id);
  room.pending.set(id, kind);
  if (room.pending.size > MAX_PENDING_SENT) room.pending.delete(room.pending.keys().next().value as string);
}

export interface Emitters {
  join: (r: { readonly room: BareJid; readonly nick: string; readonly created: boolean }) => void;
  leave: (e: LeaveEvent) => void;
  group: (m: GroupMessage) => void;
  private: (m: PrivateMessage) => void;
  state: (s: GroupMessageState) => void;
  subject: (s: SubjectChange) => void;
  config: (c: RoomConfigChange) => void;
  status: (e: MucStatusEvent) => void;
  refuse: (reason: string) => void;
}

export interface MucContext {
  readonly client: XmppClient;
  readonly opts: MucOptions;
  readonly rooms: Map<BareJid, Room>;
  readonly batcher: ChangeBatcher;
  readonly emit: Emitters;
  readonly maxHistory: number;
  readonly timeoutMs: number;
  /** disco#info of a room; undefined when it cannot be read. */
  fetchInfo(room: BareJid): Promise<RoomInfo | undefined>;
  /** Sets the room's info and what follows from it (occupant-id trust). */
  applyInfo(room: Room, info: RoomInfo | undefined): void;
  /** The room is gone for us: state dropped, waiters settled, onDidLeave emitted. */
  finish(room: Room, e: Omit<LeaveEvent, 'room'>, joinError?: MucJoinError): void;
  /** XEP-0410 check in the background after a refusal that says we may be out. */
  verifyJoined(room: Room): void;
}

/** A typed listener set: `add` returns the disposer; `fire` never lets a listener break the caller. */
export function listenerSet<T extends unknown[]>(): { add(cb: (...a: T) => void): Disposer; fire(...a: T): void } {
  // The emitter isolates each listener: a broken one must not stop the stanza handler (and so the others).
  const emitter = createEmitter<T>();
  return {
    add: (cb) => emitter.on((a) => cb(...a)),
    fire: (...a) => emitter.emit(a),
  };
}
