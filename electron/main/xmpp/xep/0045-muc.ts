/**
 * XEP-0045 Multi-User Chat, occupant side [UCR-G1]: join (§7.2, with instant-room creation
 * §10.1.2), leave (§7.14), nick change (§7.6), subject (§8.1), group and private messages
 * (0045-muc-messages.ts), occupants in a normalised store (0045-muc-occupants.ts, XEP-0421 ids),
 * every status code as a typed event (0045-muc-status.ts), room history by XEP-0313 or the
 * legacy way (0045-muc-history.ts) and XEP-0410 self-ping to find out whether we are still in.
 *
 * SECURITY: a room is believed only about itself, and only while we are in it: presence and
 * messages from rooms we did not join are not looked at; a subject change from someone who is
 * not an occupant is refused; occupant ids only from rooms that advertise XEP-0421; nicks,
 * roles, affiliations and JIDs are validated at the edge (0045-muc-parse.ts); occupants per room
 * and history per join are bounded.
 */
import { randomUUID } from 'node:crypto';
import type { Element } from '@xmpp/xml';
import xml from '@xmpp/xml';
import type { Disposer } from '../../../../shared/util/disposable';
import type { BareJid } from '../../../../shared/xmpp/jid';
import type { XmppClient } from '../client/client';
import { buildGroupMessage, buildPrivateMessage, handleRoomMessage } from './0045-muc-messages';
import { createArchiveOccupantIds, legacyHistory, mamHistory } from './0045-muc-history';
import { createChangeBatcher, createOccupantStore, type Occupant, type OccupantChange } from './0045-muc-occupants';
import { NS_MUC, NS_MUC_OWNER, occupantJid, parseRoomJid, roomAddress, validNick } from './0045-muc-parse';
import { handleRoomPresence } from './0045-muc-presence';
import { rejoinRoom } from './0045-muc-rejoin';
import { listenerSet, newRoom, remember, rememberSent, type MucContext, type Room } from './0045-muc-room';
import { alternativeNick, MucJoinError } from './0045-muc-status';
import type { GroupMessage, GroupMessageState, HistoryOutcome, JoinResult, LeaveEvent, MucModule, MucOptions, MucStatusEvent, PrivateMessage, RoomConfigChange, RoomInfo, SubjectChange } from './0045-muc-types';
import { NS_DISCO_INFO, parseDiscoInfo } from './0030-disco';
import { NS_MAM, registerMam } from './0313-mam';
import { selfPing } from './0410-self-ping';
import { occupantIdTrusted } from './0421-occupant-id';

export * from './0045-muc-types';
export { MucJoinError } from './0045-muc-status';
export type { Occupant, OccupantChange } from './0045-muc-occupants';

export const DEFAULT_MAX_OCCUPANTS = 20_000;
export const DEFAULT_MAX_HISTORY = 1_000;

export function roomInfoOf(features: readonly string[], name: string | undefined): RoomInfo {
  return {
    features,
    name,
    mam: features.includes(NS_MAM),
    occupantIds: occupantIdTrusted(features),
    nonAnonymous: features.includes('muc_nonanonymous'),
    membersOnly: features.includes('muc_membersonly'),
    passwordProtected: features.includes('muc_passwordprotected'),
  };
}

export function registerMuc(client: XmppClient, opts: MucOptions = {}): MucModule {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const maxOccupants = Math.max(1, opts.maxOccupantsPerRoom ?? DEFAULT_MAX_OCCUPANTS);
  const ownMam = opts.mam ? undefined : registerMam(client);
  const mam = opts.mam ?? ownMam;
  const rooms = new Map<BareJid, Room>();
  /** Rooms we just left: their last stanzas (our own unavailable …) are still not contact traffic. */
  const recentlyLeft = new Set<string>();
  let disposed = false;
  const ev = {
    join: listenerSet<[{ room: BareJid; nick: string; created: boolean }]>(),
    leave: listenerSet<[LeaveEvent]>(),
    occupants: listenerSet<[BareJid, readonly OccupantChange[]]>(),
    group: listenerSet<[GroupMessage]>(),
    private: listenerSet<[PrivateMessage]>(),
    state: listenerSet<[GroupMessageState]>(),
    subject: listenerSet<[SubjectChange]>(),
    config: listenerSet<[RoomConfigChange]>(),
    status: listenerSet<[MucStatusEvent]>(),
    refuse: listenerSet<[string]>(),
  };
  const batcher = createChangeBatcher((room, changes) => ev.occupants.fire(room, changes), opts.batchMs ?? 50);
  const archiveIds = createArchiveOccupantIds();

  const ctx: MucContext = {
    client,
    opts,
    rooms,
    batcher,
    maxHistory: Math.max(0, opts.maxHistoryMessages ?? DEFAULT_MAX_HISTORY),
    timeoutMs,
    emit: {
      join: ev.join.fire,
      leave: ev.leave.fire,
      group: ev.group.fire,
      private: ev.private.fire,
      state: ev.state.fire,
      subject: ev.subject.fire,
      config: ev.config.fire,
      status: ev.status.fire,
      refuse: ev.refuse.fire,
    },
    async fetchInfo(room) {
      try {
        const r = await client.request('get', room, xml('query', { xmlns: NS_DISCO_INFO }), Math.min(timeoutMs, 15_000));
        const info = parseDiscoInfo(r.getChild('query', NS_DISCO_INFO));
        return roomInfoOf(info.features.slice(0, 512), info.identities.find((i) => i.category === 'conference')?.name?.slice(0, 1024));
      } catch {
        return undefined;
      }
    },
    applyInfo(room, info) {
      room.info = info;
      for (const o of room.occupants.setTrusted(info?.occupantIds ?? false)) {
        if (o.self) room.self = o;
        batcher.push(room.jid, { kind: 'changed', occupant: o });
      }
    },
    finish(room, e, joinError) {
      if (rooms.get(room.jid) !== room) return;
      rooms.delete(room.jid);
      remember(recentlyLeft, room.jid, 256);
      batcher.flush(room.jid);
      const wasJoined = room.state !== 'joining';
      const gone = joinError ?? new MucJoinError('other', e.reason, `not in ${room.jid} any more (${e.reason})`);
      for (const w of [room.join, room.nickChange, ...room.subjectWaiters.values()]) {
        if (!w) continue;
        clearTimeout(w.timer);
        w.reject(gone);
      }
      room.join = undefined;
      room.nickChange = undefined;
      room.subjectWaiters.clear();
      room.onSubject?.();
      if (room.leaving) {
        clearTimeout(room.leaving.timer);
        room.leaving.resolve();
      }
      room.occupants.clear();
      // Disposing (the session is over) is not leaving: the app rejoins on the next session.
      if (wasJoined && !disposed) ev.leave.fire({ room: room.jid, ...e });
    },
    verifyJoined(room) {
      void selfPing(client, occupantJid(room.jid, room.nick), timeoutMs).then((r) => {
        if (r.verdict === 'not-joined' && rooms.get(room.jid) === room && room.state === 'joined') ctx.finish(room, { reason: 'not-joined', text: r.reason });
      });
    },
  };

  const joinPresence = (room: BareJid, nick: string, children: readonly Element[]): void => {
    const to = occupantJid(room, nick);
    if (opts.presence) opts.presence.sendTo(to, opts.presence.own() ?? {}, children);
    else client.send(xml('presence', { to }, ...children));
  };

  function sendPresenceToRooms(): void {
    for (const room of rooms.values()) {
      if (room.state !== 'joined') continue;
      try {
        joinPresence(room.jid, room.nick, []);
      } catch {
        return; // the stream is gone; a new one rejoins
      }
    }
  }

  function waiter<T>(what: string, onTimeout: () => void): { promise: Promise<T>; w: { resolve: (v: T) => void; reject: (e: Error) => void; timer: NodeJS.Timeout } } {
    let resolve!: (v: T) => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const timer = setTimeout(() => {
      onTimeout();
      reject(new MucJoinError('timeout', 'timeout', `${what}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    timer.unref?.();
    return { promise, w: { resolve, reject, timer } };
  }

  async function join(roomInput: BareJid, o: Parameters<MucModule['join']>[1]): Promise<JoinResult> {
    const jid = parseRoomJid(roomInput);
    const nick = validNick(o.nick);
    if (!jid || !nick) throw new MucJoinError('invalid-request', 'invalid-request', !jid ? `not a room address: ${roomInput}` : 'not a usable nickname');
    if (rooms.has(jid)) throw new MucJoinError('invalid-request', 'invalid-request', `already in (or joining) ${jid}`);
    const info = await ctx.fetchInfo(jid);
    if (rooms.has(jid)) throw new MucJoinError('invalid-request', 'invalid-request', `already in (or joining) ${jid}`);
    const room = newRoom(jid, nick, o.password, createOccupantStore(maxOccupants));
    rooms.set(jid, room);
    recentlyLeft.delete(jid);
    ctx.applyInfo(room, info);
    const useMam = info?.mam === true && mam !== undefined;
    // Live messages that come before the archive was read wait for it (no reordering, no duplicates).
    room.catchingUp = useMam;
    const h = o.history;
    // §7.2.14: no legacy history when the archive gives it; otherwise what the caller asked.
    const historyEl = useMam
      ? xml('history', { maxstanzas: '0' })
      : h && (h.maxStanzas !== undefined || h.since)
        ? xml('history', { ...(h.maxStanzas !== undefined ? { maxstanzas: String(Math.max(0, Math.min(h.maxStanzas, ctx.maxHistory))) } : {}), ...(h.since ? { since: h.since.toISOString().replace(/\.\d{3}Z$/u, 'Z') } : {}) })
        : undefined;
    const { promise, w } = waiter<Occupant>(`joining ${jid}`, () => {
      room.join = undefined;
      rooms.delete(jid);
      // The room may still let us in after we gave up: say we are gone.
      try {
        client.send(xml('presence', { to: occupantJid(jid, nick), type: 'unavailable' }));
      } catch {
        /* stream closed */
      }
    });
    room.join = { ...w, nick, passwordGiven: o.password !== undefined };
    try {
      joinPresence(jid, nick, [xml('x', { xmlns: NS_MUC }, ...(historyEl ? [historyEl] : []), ...(o.password !== undefined ? [xml('password', {}, o.password)] : []))]);
    } catch (e: unknown) {
      clearTimeout(w.timer);
      rooms.delete(jid);
      throw new MucJoinError('disconnected', 'disconnected', e instanceof Error ? e.message : String(e));
    }
    let self: Occupant;
    try {
      self = await promise;
    } catch (e: unknown) {
      if (e instanceof MucJoinError && e.kind === 'nick-in-use') throw new MucJoinError(e.kind, e.condition, e.serverText, await suggestNick(jid, nick));
      throw e;
    }
    const notes: string[] = [];
    if (room.created && (o.createInstant ?? opts.createInstant ?? true)) {
      // §10.1.2: accept the default configuration (an empty submitted form) so that the new room is unlocked.
      await client
        .request('set', jid, xml('query', { xmlns: NS_MUC_OWNER }, xml('x', { xmlns: 'jabber:x:data', type: 'submit' })), timeoutMs)
        .catch((e: unknown) => notes.push(`the new room could not be unlocked: ${e instanceof Error ? e.message : String(e)}`));
    }
    if (!info || room.created) {
      const fresh = await ctx.fetchInfo(jid);
      if (fresh && rooms.get(jid) === room) ctx.applyInfo(room, fresh);
    }
    if (rooms.get(jid) !== room) throw new MucJoinError('other', 'gone', `left ${jid} while joining`);
    room.state = 'joined';
    batcher.flush(jid);
    ev.join.fire({ room: jid, nick: room.nick, created: room.created });
    const history: Promise<HistoryOutcome> = useMam && mam ? mamHistory(ctx, room, mam, h, (id) => archiveIds.take(jid, id)) : legacyHistory(room, Math.min(timeoutMs, 10_000));
    return { room: jid, nick: room.nick, created: room.created, info: room.info, self: room.self ?? self, history, notes };
  }

  /** §7.12: a nick we registered with the room is the best suggestion; else a variant. */
  async function suggestNick(room: BareJid, nick: string): Promise<string> {
    try {
      const r = await client.request('get', room, xml('query', { xmlns: NS_DISCO_INFO, node: 'x-roomuser-item' }), Math.min(timeoutMs, 5_000));
      const reserved = r.getChild('query', NS_DISCO_INFO)?.getChildren('identity').find((i) => i.attrs.category === 'conference')?.attrs.name;
      const valid = typeof reserved === 'string' ? validNick(reserved) : undefined;
      if (valid && valid !== nick) return valid;
    } catch {
      // no reserved nick (or the room does not say)
    }
    return alternativeNick(nick);
  }

  function joinedRoom(room: BareJid): Room {
    const r = rooms.get(room);
    if (!r || r.state !== 'joined') throw new Error(`not in room ${room}`);
    return r;
  }

  const withFeatures = (o: Occupant): Occupant & { readonly features?: readonly string[] } => {
    const features = opts.caps?.featuresOf(o.jid);
    return features ? { ...o, features } : o;
  };

  const disposers: Disposer[] = [
    // §6.1: an entity that does multi-user chat says so in disco#info (and so in its XEP-0115 hash).
    client.disco.addFeature(NS_MUC),
    client.onPresence((el) => handleRoomPresence(ctx, el)),
    client.onMessage((el) => {
      archiveIds.observe(el, (r) => rooms.has(r));
      handleRoomMessage(ctx, el);
    }),
    batcher.dispose,
  ];
  // Room traffic is ours, not the contact list's or the one-to-one chats'.
  const ours = (jid: BareJid): boolean => rooms.has(jid) || recentlyLeft.has(jid);
  if (opts.presence) disposers.push(opts.presence.exclude(ours));
  if (opts.messages) disposers.push(opts.messages.exclude((m) => ours(m.fromBare)));
  if (opts.presence) {
    let scheduled = false;
    // §7.7: a change of our availability goes to each room too; the broadcast is our cue.
    disposers.push(
      opts.presence.addExtension((to) => {
        if (to === undefined && !scheduled && rooms.size > 0) {
          scheduled = true;
          queueMicrotask(() => {
            scheduled = false;
            sendPresenceToRooms();
          });
        }
        return undefined;
      }),
    );
  }
  if (opts.caps) {
    disposers.push(
      opts.caps.onDidResolve((e) => {
        const addr = roomAddress(e.jid);
        const room = addr?.nick !== undefined ? rooms.get(addr.room) : undefined;
        const o = addr?.nick !== undefined ? room?.occupants.get(addr.nick) : undefined;
        if (room && o) batcher.push(room.jid, { kind: 'changed', occupant: o });
      }),
    );
  }

  const mod: MucModule = {
    join,
    leave(roomJid, status) {
      const room = rooms.get(roomJid);
      if (!room) return Promise.resolve();
      const unavailable = xml('presence', { to: occupantJid(room.jid, room.nick), type: 'unavailable' }, ...(status ? [xml('status', {}, status)] : []));
      if (room.state === 'joining') {
        // Cancel a join under way: the join rejects, there is nothing to leave yet.
        try {
          client.send(unavailable);
        } catch {
          /* stream closed */
        }
        ctx.finish(room, { reason: 'left' }, new MucJoinError('other', 'cancelled', 'the join was cancelled'));
        return Promise.resolve();
      }
      const { promise, w } = waiter<void>(`leaving ${roomJid}`, () => ctx.finish(room, { reason: 'left' }));
      room.leaving = w;
      room.state = 'leaving';
      try {
        client.send(unavailable);
      } catch {
        ctx.finish(room, { reason: 'left' });
      }
      return promise.catch(() => undefined);
    },
    setSubject(roomJid, subject) {
      const room = joinedRoom(roomJid);
      const id = randomUUID();
      const { promise, w } = waiter<void>(`subject of ${roomJid}`, () => room.subjectWaiters.delete(id));
      room.subjectWaiters.set(id, { ...w, subject });
      client.send(xml('message', { to: room.jid, type: 'groupchat', id }, xml('subject', {}, subject)));
      return promise;
    },
    send(roomJid, body, o = {}) {
      const room = joinedRoom(roomJid);
      const stanza = buildGroupMessage(room.jid, body, o);
      const id = String(stanza.attrs.id);
      rememberSent(room, id, 'group');
      client.send(stanza);
      return { id };
    },
    sendPrivate(roomJid, nick, body, o = {}) {
      const room = joinedRoom(roomJid);
      const valid = validNick(nick);
      if (!valid) throw new Error('not a usable nickname');
      const stanza = buildPrivateMessage(occupantJid(room.jid, valid), body, o.id);
      const id = String(stanza.attrs.id);
      rememberSent(room, id, 'private');
      client.send(stanza);
      return { id };
    },
    changeNick(roomJid, nickInput) {
      const room = joinedRoom(roomJid);
      const nick = validNick(nickInput);
      if (!nick) return Promise.reject(new MucJoinError('invalid-request', 'invalid-request', 'not a usable nickname'));
      if (nick === room.nick) return Promise.resolve();
      if (room.nickChange) return Promise.reject(new MucJoinError('invalid-request', 'invalid-request', 'a nick change is already under way'));
      const { promise, w } = waiter<void>(`changing nick in ${roomJid}`, () => (room.nickChange = undefined));
      room.nickChange = { ...w, nick };
      // §7.6: presence to the new occupant JID, without the MUC <x/>.
      joinPresence(room.jid, nick, []);
      return promise.catch(async (e: unknown) => {
        if (e instanceof MucJoinError && e.kind === 'nick-in-use') throw new MucJoinError(e.kind, e.condition, e.serverText, await suggestNick(room.jid, nick));
        throw e;
      });
    },
    checkJoined(roomJid, nick) {
      const n = nick ?? rooms.get(roomJid)?.nick;
      if (n === undefined) return Promise.resolve({ verdict: 'not-joined' as const, condition: undefined, reason: 'no nick known for this room' });
      return selfPing(client, occupantJid(roomJid, n), timeoutMs);
    },
    async rejoinIfNeeded(specs) {
      const deps = { ctx, muc: mod, mam, maxOccupants, occupantIdOf: archiveIds.take, joined: ev.join.fire };
      return Promise.all(specs.map((s) => rejoinRoom(deps, s)));
    },
    sendPresenceToRooms,
    joined: () => [...rooms.values()].filter((r) => r.state === 'joined').map((r) => ({ room: r.jid, nick: r.nick, lastArchiveId: r.lastArchiveId })),
    isJoined: (room) => rooms.get(room)?.state === 'joined',
    nick: (room) => rooms.get(room)?.nick,
    info: (room) => rooms.get(room)?.info,
    subject: (room) => rooms.get(room)?.subject,
    occupants: (room) => [...(rooms.get(room)?.occupants.values() ?? [])].map(withFeatures),
    occupant(room, nick) {
      const o = rooms.get(room)?.occupants.get(nick);
      return o ? withFeatures(o) : undefined;
    },
    occupantById: (room, id) => rooms.get(room)?.occupants.byOccupantId(id),
    onDidJoin: ev.join.add,
    onDidLeave: ev.leave.add,
    onDidChangeOccupants: ev.occupants.add,
    onDidReceiveGroupMessage: ev.group.add,
    onDidReceivePrivateMessage: ev.private.add,
    onDidChangeMessageState: ev.state.add,
    onDidChangeSubject: ev.subject.add,
    onDidChangeRoomConfig: ev.config.add,
    onDidReceiveStatus: ev.status.add,
    onDidRefuse: ev.refuse.add,
    dispose() {
      disposed = true;
      for (const d of disposers.splice(0)) d();
      ownMam?.dispose();
      for (const room of [...rooms.values()]) ctx.finish(room, { reason: 'left' }, new MucJoinError('disconnected', 'disconnected', 'the session ended'));
    },
  };

  return mod;
}
