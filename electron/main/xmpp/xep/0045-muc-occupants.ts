/**
 * The occupants of one room, normalised: by nick (the occupant JID's resource, XEP-0045 §4.1)
 * and by XEP-0421 occupant id (only when the room is trusted to set them). Every presence is one
 * O(1) upsert or removal — a 2,000-presence join flood copies no array and rescans nothing — and
 * changes are coalesced per nick and handed out in batches (`createChangeBatcher`) so that a
 * flood reaches the UI as a handful of IPC messages [IMPP-D1].
 */
import { ownString } from '../../../../shared/util/own-string';
import type { BareJid, FullJid } from '../../../../shared/xmpp/jid';
import type { Show } from '../im/presence';
import type { MucAffiliation, MucRole } from './0045-muc-parse';
import type { LeaveReason } from './0045-muc-status';

export interface Occupant {
  readonly room: BareJid;
  readonly nick: string;
  /** room/nick */
  readonly jid: FullJid;
  /** XEP-0421, only when the room advertises it (undefined otherwise, even if one was sent). */
  readonly occupantId: string | undefined;
  readonly role: MucRole;
  readonly affiliation: MucAffiliation;
  /** When the room shows real JIDs to us (non-anonymous room, or we moderate). */
  readonly realJid: FullJid | BareJid | undefined;
  readonly show: Show | 'online';
  readonly status: string | undefined;
  /** This is us (status 110). */
  readonly self: boolean;
}

export type OccupantChange =
  /** A new occupant, or one that replaces whoever had this nick before (rejoin within a batch). */
  | { readonly kind: 'added'; readonly occupant: Occupant; readonly previousNick?: string }
  | { readonly kind: 'changed'; readonly occupant: Occupant }
  | {
      readonly kind: 'removed';
      readonly occupant: Occupant;
      readonly reason: LeaveReason | 'nick-change';
      /** For 'nick-change' (§7.6, status 303). */
      readonly newNick?: string;
      /** §9.1/§9.2: who kicked or banned, and why. */
      readonly actor?: string;
      readonly text?: string;
    };

export interface OccupantStore {
  readonly size: number;
  get(nick: string): Occupant | undefined;
  byOccupantId(id: string): Occupant | undefined;
  /** Adds or replaces; `rawOccupantId` is kept and exposed only while ids are trusted. Undefined when the room is full. */
  upsert(o: Omit<Occupant, 'occupantId'>, rawOccupantId: string | undefined): { readonly occupant: Occupant; readonly added: boolean } | undefined;
  remove(nick: string): Occupant | undefined;
  values(): IterableIterator<Occupant>;
  /** The room's XEP-0421 support became known: re-derive every occupant's id (once, O(n)). */
  setTrusted(trusted: boolean): Occupant[];
  clear(): void;
}

export function createOccupantStore(maxOccupants: number): OccupantStore {
  const byNick = new Map<string, Occupant>();
  const rawIds = new Map<string, string>();
  const byId = new Map<string, string>();
  let trusted = false;

  const unindex = (nick: string): void => {
    const raw = rawIds.get(nick);
    if (raw !== undefined && byId.get(raw) === nick) byId.delete(raw);
    rawIds.delete(nick);
  };

  return {
    get size() {
      return byNick.size;
    },
    get: (nick) => byNick.get(nick),
    byOccupantId(id) {
      const nick = trusted ? byId.get(id) : undefined;
      return nick === undefined ? undefined : byNick.get(nick);
    },
    upsert(input, rawInput) {
      // Kept for as long as the occupant is in the room: own copies, not slices of the socket read.
      const o = {
        ...input,
        nick: ownString(input.nick),
        jid: ownString(input.jid),
        realJid: ownString(input.realJid),
        status: ownString(input.status),
      };
      const raw = ownString(rawInput);
      const added = !byNick.has(o.nick);
      // The limit protects memory and the UI; our own entry always fits.
      if (added && !o.self && byNick.size >= maxOccupants) return undefined;
      unindex(o.nick);
      if (raw !== undefined) {
        rawIds.set(o.nick, raw);
        byId.set(raw, o.nick);
      }
      const occupant: Occupant = { ...o, occupantId: trusted ? raw : undefined };
      byNick.set(o.nick, occupant);
      return { occupant, added };
    },
    remove(nick) {
      const o = byNick.get(nick);
      if (!o) return undefined;
      byNick.delete(nick);
      unindex(nick);
      return o;
    },
    values: () => byNick.values(),
    setTrusted(t) {
      if (t === trusted) return [];
      trusted = t;
      const changed: Occupant[] = [];
      for (const [nick, o] of byNick) {
        const id = t ? rawIds.get(nick) : undefined;
        if (id === o.occupantId) continue;
        const next = { ...o, occupantId: id };
        byNick.set(nick, next);
        changed.push(next);
      }
      return changed;
    },
    clear() {
      byNick.clear();
      rawIds.clear();
      byId.clear();
    },
  };
}

export interface ChangeBatcher {
  push(room: BareJid, change: OccupantChange): void;
  /** Delivers what is queued for `room` now (before onDidJoin, so listeners see the occupants first). */
  flush(room?: BareJid): void;
  dispose(): void;
}

/**
 * Coalesces changes per (room, nick) — added+changed = added, added+removed = nothing,
 * changed+removed = removed, removed+added = added — and delivers each room's batch at most once
 * per `intervalMs`.
 */
export function createChangeBatcher(deliver: (room: BareJid, changes: readonly OccupantChange[]) => void, intervalMs: number): ChangeBatcher {
  const pending = new Map<BareJid, Map<string, OccupantChange>>();
  let timer: NodeJS.Timeout | undefined;

  const flushRoom = (room: BareJid): void => {
    const m = pending.get(room);
    pending.delete(room);
    if (m && m.size > 0) deliver(room, [...m.values()]);
  };
  const flushAll = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    for (const room of [...pending.keys()]) flushRoom(room);
  };

  return {
    push(room, change) {
      let m = pending.get(room);
      if (!m) pending.set(room, (m = new Map()));
      const nick = change.occupant.nick;
      const prev = m.get(nick);
      let next: OccupantChange | undefined = change;
      if (prev?.kind === 'added' && change.kind === 'changed') next = { ...prev, occupant: change.occupant };
      else if (prev?.kind === 'added' && change.kind === 'removed') next = undefined;
      if (prev) m.delete(nick); // re-inserted at the end: the batch keeps the latest order
      if (next) m.set(nick, next);
      if (!timer) {
        timer = setTimeout(flushAll, intervalMs);
        timer.unref?.();
      }
    },
    flush(room) {
      if (room === undefined) flushAll();
      else flushRoom(room);
    },
    dispose() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      pending.clear();
    },
  };
}
