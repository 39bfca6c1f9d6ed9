/**
 * RoomDraft: one room being changed by one batch (see rooms.ts), and the keys of its timeline.
 * Imports only types from rooms.ts, so the two modules have no runtime cycle.
 */
import type { Occupant, RoomSummary } from '../../../../shared/ipc/index';
import { nextState } from './chats';
import type { EntryKey, GroupState, Room, RoomEntry, VoiceRequest } from './rooms';

/**
 * Keys are unique per room. Ours are keyed by our id; theirs by sender and id (ids are chosen by
 * senders: two occupants may pick the same one, and an incoming message may carry one of ours).
 */
export function entryKey(e: RoomEntry): EntryKey {
  switch (e.kind) {
    case 'group':
      return e.message.direction === 'out' ? `out:${e.message.id}` : `in:${e.message.nick ?? ''}:${e.message.id}`;
    case 'private':
      return `pm-${e.direction}:${e.nick}:${e.id}`;
    case 'system':
      return `sys:${e.id}`;
  }
}

export const entryAt = (e: RoomEntry): string => (e.kind === 'group' ? e.message.at : e.at);

export function sameOccupant(a: Occupant | undefined, b: Occupant): boolean {
  return (
    a !== undefined &&
    a.nick === b.nick &&
    a.role === b.role &&
    a.affiliation === b.affiliation &&
    a.jid === b.jid &&
    a.occupantId === b.occupantId &&
    a.show === b.show &&
    a.status === b.status &&
    a.self === b.self
  );
}

export function sameSummary(a: RoomSummary, b: RoomSummary): boolean {
  return (
    a.room === b.room &&
    a.nick === b.nick &&
    a.name === b.name &&
    a.subject === b.subject &&
    a.membersOnly === b.membersOnly &&
    a.passwordProtected === b.passwordProtected &&
    a.nonAnonymous === b.nonAnonymous &&
    a.archived === b.archived
  );
}

const MAX_PENDING_STATES = 256;

/**
 * A room being changed by one batch. Each part is copied the first time the batch changes it
 * (occupants, timeline, voice requests), never per change, and parts the batch does not touch
 * keep their identity.
 */
export class RoomDraft {
  private occ: Map<string, Occupant> | undefined;
  private keys: Record<EntryKey, RoomEntry> | undefined;
  private ord: EntryKey[] | undefined;
  private unr: EntryKey[] | undefined;
  private pend: Record<string, GroupState> | undefined;
  private fields: { -readonly [K in 'summary' | 'joined' | 'left' | 'history' | 'voiceRequests']?: Room[K] } = {};
  private replacedOccupants: ReadonlyMap<string, Occupant> | undefined;

  constructor(readonly base: Room) {}

  get summary(): RoomSummary {
    return this.fields.summary ?? this.base.summary;
  }
  get joined(): boolean {
    return this.fields.joined ?? this.base.joined;
  }
  get voiceRequests(): readonly VoiceRequest[] {
    return this.fields.voiceRequests ?? this.base.voiceRequests;
  }
  occupants(): ReadonlyMap<string, Occupant> {
    return this.occ ?? this.replacedOccupants ?? this.base.occupants;
  }
  byKey(): Readonly<Record<EntryKey, RoomEntry>> {
    return this.keys ?? this.base.byKey;
  }

  setSummary(s: RoomSummary): void {
    if (!sameSummary(this.summary, s)) this.fields.summary = s;
  }
  set(f: Partial<Pick<Room, 'joined' | 'left' | 'history' | 'voiceRequests'>>): void {
    Object.assign(this.fields, f);
  }

  /** The whole occupant list (a join or a snapshot): unchanged occupants keep their objects. */
  replaceOccupants(list: readonly Occupant[]): void {
    const before = this.occupants();
    const next = new Map<string, Occupant>();
    for (const o of list) {
      const old = before.get(o.nick);
      next.set(o.nick, sameOccupant(old, o) && old ? old : o);
    }
    this.occ = undefined;
    this.replacedOccupants = next;
  }

  private writableOccupants(): Map<string, Occupant> {
    if (!this.occ) this.occ = new Map(this.occupants());
    return this.occ;
  }

  /** O(1) per occupant (after the batch's one copy); an identical occupant changes nothing. */
  setOccupant(o: Occupant): boolean {
    if (sameOccupant(this.occupants().get(o.nick), o)) return false;
    this.writableOccupants().set(o.nick, o);
    return true;
  }

  removeOccupant(nick: string): Occupant | undefined {
    const old = this.occupants().get(nick);
    if (old) this.writableOccupants().delete(nick);
    return old;
  }

  private writableTimeline(): { byKey: Record<EntryKey, RoomEntry>; order: EntryKey[] } {
    this.keys ??= { ...this.base.byKey };
    this.ord ??= [...this.base.order];
    return { byKey: this.keys, order: this.ord };
  }

  /** Inserts keeping the order by time; equal times keep arrival order. Most entries are the newest: the end is checked first. */
  private insertOrdered(key: EntryKey, at: string): void {
    const { byKey, order } = this.writableTimeline();
    const atOf = (k: EntryKey): string => {
      const e = byKey[k];
      return e ? entryAt(e) : '';
    };
    const last = order[order.length - 1];
    if (last === undefined || atOf(last) <= at) {
      order.push(key);
      return;
    }
    let lo = 0;
    let hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (atOf(order[mid] as EntryKey) <= at) lo = mid + 1;
      else hi = mid;
    }
    order.splice(lo, 0, key);
  }

  /**
   * Adds an entry. An existing key is kept (main never sends a message twice; a history page is
   * older than what arrived live), except that our own message takes the further state.
   */
  addEntry(e: RoomEntry, opts: { readonly live: boolean }): boolean {
    const key = entryKey(e);
    const existing = this.byKey()[key];
    let entry = e;
    if (e.kind === 'group' && e.message.direction === 'out') {
      const pending = (this.pend ?? this.base.pendingStates)[e.message.id];
      let state = e.message.state;
      if (pending) {
        state = nextState(state, pending) as GroupState;
        this.pend ??= { ...this.base.pendingStates };
        delete this.pend[e.message.id];
      }
      if (existing?.kind === 'group') state = nextState(existing.message.state, state) as GroupState;
      if (existing && existing.kind === 'group' && existing.message.state === state) return false;
      if (state !== e.message.state) entry = { kind: 'group', message: { ...e.message, state } };
      if (existing) {
        this.writableTimeline().byKey[key] = existing.kind === 'group' ? { kind: 'group', message: { ...existing.message, state } } : entry;
        return true;
      }
    } else if (existing) {
      return false;
    }
    this.writableTimeline().byKey[key] = entry;
    this.insertOrdered(key, entryAt(entry));
    const fromOthers = (e.kind === 'group' && e.message.direction === 'in' && e.message.nick !== undefined) || (e.kind === 'private' && e.direction === 'in');
    if (opts.live && fromOthers) {
      this.unr ??= [...this.base.unread];
      this.unr.push(key);
    }
    return true;
  }

  applyState(id: string, state: 'sent' | 'failed'): void {
    const key = `out:${id}`;
    const e = this.byKey()[key];
    if (!e || e.kind !== 'group') {
      this.pend ??= { ...this.base.pendingStates };
      const ids = Object.keys(this.pend);
      if (ids.length >= MAX_PENDING_STATES && ids[0] !== undefined) delete this.pend[ids[0]];
      this.pend[id] = nextState(this.pend[id] ?? 'queued', state) as GroupState;
      return;
    }
    const next = nextState(e.message.state, state) as GroupState;
    if (next !== e.message.state) this.writableTimeline().byKey[key] = { kind: 'group', message: { ...e.message, state: next } };
  }

  changed(): boolean {
    return this.occ !== undefined || this.replacedOccupants !== undefined || this.keys !== undefined || this.unr !== undefined || this.pend !== undefined || Object.keys(this.fields).length > 0;
  }

  finish(): Room {
    if (!this.changed()) return this.base;
    return {
      ...this.base,
      ...this.fields,
      occupants: this.occupants(),
      byKey: this.keys ?? this.base.byKey,
      order: this.ord ?? this.base.order,
      unread: this.unr ?? this.base.unread,
      pendingStates: this.pend ?? this.base.pendingStates,
    };
  }
}
