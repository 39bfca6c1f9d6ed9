/**
 * One account's multi-user chat across sessions: the room commands, the rooms the user is in
 * (remembered in the store, so a new stream or the next start rejoins them — XEP-0410 self-ping
 * first, history from the room's archive after the last id we stored, no gap or duplicate),
 * group history in the store, and `didUpdateRooms` batches to the renderer.
 */
import { randomUUID } from 'node:crypto';
import type { GroupMessageWire, Occupant as OccupantWire, RoomSummary, RoomUpdate } from '../../../shared/ipc';
import type { Disposer } from '../../../shared/util/disposable';
import type { BareJid } from '../../../shared/xmpp/jid';
import { createFrameBatcher } from '../ipc/batcher';
import { CommandFailure, type CommandHandlers } from '../ipc/handlers';
import type { AccountStore, StoredMessage } from '../store/im-store';
import type { DataForm } from '../xmpp/xep/0004-forms';
import type { Bookmark } from '../xmpp/xep/0048-bookmarks';
import { roomSettingsAnswers } from '../xmpp/xep/0045-muc-config';
import { parseRoomJid } from '../xmpp/xep/0045-muc-parse';
import type { Occupant } from '../xmpp/xep/0045-muc-occupants';
import type { VoiceRequest } from '../xmpp/xep/0045-muc-admin';
import type { Invitation } from '../xmpp/xep/0045-muc-invite';
import type { GroupMessage } from '../xmpp/xep/0045-muc-types';
import type { LiveIm } from './im-live';

export type RoomCommands = Pick<
  CommandHandlers,
  | 'getRooms'
  | 'joinRoom'
  | 'leaveRoom'
  | 'sendGroupMessage'
  | 'sendRoomPrivateMessage'
  | 'setRoomSubject'
  | 'changeRoomNick'
  | 'getRoomHistory'
  | 'setOccupantRole'
  | 'setRoomAffiliation'
  | 'getRoomAffiliations'
  | 'createRoom'
  | 'getRoomConfig'
  | 'submitRoomConfig'
  | 'destroyRoom'
  | 'inviteToRoom'
  | 'answerInvitation'
  | 'answerVoiceRequest'
  | 'requestVoice'
  | 'browseRooms'
  | 'getRoomInfo'
  | 'getBookmarks'
  | 'setBookmark'
  | 'removeBookmark'
>;

export interface RoomsAccount {
  readonly commands: RoomCommands;
  /** A new live session: commands and events go to it from now on. */
  attach(live: LiveIm): void;
  /** Once presence is out: rejoin the rooms we were in (self-ping first), then autojoin bookmarks. */
  restore(): Promise<void>;
  detach(): void;
  flush(): void;
  dispose(): void;
}

interface RememberedRoom {
  readonly room: BareJid;
  readonly nick: string;
  readonly password?: string;
}
const ROOMS_KEY = 'muc-rooms';
const archiveKey = (room: string): string => `muc-archive ${room}`;

/** Our failures as CommandFailures: the protocol modules' errors already carry readable messages. */
const fail = (what: string) => (e: unknown): never => {
  if (e instanceof CommandFailure) throw e;
  const suggested = (e as { suggestedNick?: string }).suggestedNick;
  throw new CommandFailure('invalid-state', `${what}: ${e instanceof Error ? e.message : String(e)}${suggested ? ` — try the nickname “${suggested}”` : ''}`);
};

/** A bookmark as the renderer sees it: whether it has a password, never the password. */
const bookmarkToWire = (b: Bookmark) => ({ room: b.room, ...(b.name ? { name: b.name } : {}), ...(b.nick ? { nick: b.nick } : {}), autojoin: b.autojoin, hasPassword: b.password !== undefined });

const occupantToWire = (o: Occupant): OccupantWire => ({
  nick: o.nick,
  role: o.role,
  affiliation: o.affiliation,
  ...(o.realJid ? { jid: o.realJid } : {}),
  ...(o.occupantId ? { occupantId: o.occupantId } : {}),
  show: o.show,
  ...(o.status ? { status: o.status } : {}),
  self: o.self,
});

const storedToWire = (m: StoredMessage): GroupMessageWire => ({
  room: m.peer,
  id: m.msgId,
  ...(m.sender ? { nick: m.sender } : {}),
  direction: m.direction,
  body: m.body,
  at: new Date(m.ts).toISOString(),
  state: m.state === 'queued' || m.state === 'sent' || m.state === 'failed' ? m.state : 'received',
  corrected: m.replacedBy !== undefined,
});

function formToWire(f: DataForm) {
  return {
    ...(f.title ? { title: f.title } : {}),
    instructions: f.instructions,
    ...(f.formType ? { formType: f.formType } : {}),
    fields: f.fields.map((x) => ({
      ...(x.var ? { var: x.var } : {}),
      type: x.type,
      ...(x.label ? { label: x.label } : {}),
      ...(x.desc ? { desc: x.desc } : {}),
      required: x.required,
      values: x.values,
      options: x.options.map((o) => ({ ...(o.label ? { label: o.label } : {}), value: o.value })),
    })),
  };
}

function roomJid(s: string): BareJid {
  const r = parseRoomJid(s);
  if (!r) throw new CommandFailure('invalid-argument', `not a room address: ${s}`);
  return r;
}

export function createRoomsAccount(opts: {
  readonly account: BareJid;
  readonly store: AccountStore;
  readonly deliver: (updates: readonly RoomUpdate[]) => void;
  readonly now?: () => number;
}): RoomsAccount {
  const { store } = opts;
  const now = opts.now ?? Date.now;
  const batcher = createFrameBatcher<RoomUpdate>({ deliver: opts.deliver });
  const emit = (u: RoomUpdate): void => batcher.push(u);
  let live: LiveIm | undefined;
  let subscriptions: Disposer[] = [];
  const invitations = new Map<string, Invitation>();
  const voiceRequests = new Map<string, VoiceRequest>();

  const remembered = (): RememberedRoom[] => {
    try {
      return JSON.parse(store.getState(ROOMS_KEY) ?? '[]') as RememberedRoom[];
    } catch {
      return [];
    }
  };
  const remember = (r: RememberedRoom): void => store.setState(ROOMS_KEY, JSON.stringify([...remembered().filter((x) => x.room !== r.room), r]));
  const forget = (room: string): void => store.setState(ROOMS_KEY, JSON.stringify(remembered().filter((x) => x.room !== room)));

  const needLive = (): LiveIm => {
    if (!live) throw new CommandFailure('invalid-state', 'not connected');
    return live;
  };
  /** A joined room with its occupants, as 'joined' updates and getRooms carry it. */
  const joinedView = (l: LiveIm, room: BareJid) => ({ room: summary(l, room), occupants: l.muc.occupants(room).map(occupantToWire) });
  const summary = (l: LiveIm, room: BareJid): RoomSummary => {
    const info = l.muc.info(room);
    const subject = l.muc.subject(room);
    return {
      room,
      nick: l.muc.nick(room) ?? '',
      ...(info?.name ? { name: info.name } : {}),
      ...(subject ? { subject } : {}),
      membersOnly: info?.membersOnly ?? false,
      passwordProtected: info?.passwordProtected ?? false,
      nonAnonymous: info?.nonAnonymous ?? false,
      archived: info?.mam ?? false,
    };
  };

  /** Every group message, live or history, goes through here: stored once, shown once. */
  function ingest(m: GroupMessage): void {
    const direction = m.fromSelf ? 'out' : 'in';
    const at = m.delayedAt?.getTime() ?? now();
    const added = store.addMessage({
      peer: m.room,
      direction,
      msgId: m.id,
      ...(m.message.originId ? { originId: m.message.originId } : {}),
      ...(m.stanzaId ? { archiveId: m.stanzaId } : {}),
      sender: m.nick ?? '',
      type: 'groupchat',
      body: m.body,
      ts: at,
      state: direction === 'out' ? 'sent' : 'received',
    });
    if (m.stanzaId) store.setState(archiveKey(m.room), m.stanzaId);
    if (!added) return;
    emit({
      kind: 'message',
      message: { room: m.room, id: m.id, ...(m.nick ? { nick: m.nick } : {}), direction, body: m.body, at: new Date(at).toISOString(), state: direction === 'out' ? 'sent' : 'received', corrected: false },
    });
  }

  function subscribe(l: LiveIm): void {
    subscriptions = [
      l.muc.onDidJoin(({ room }) => emit({ kind: 'joined', ...joinedView(l, room) })),
      l.muc.onDidLeave((e) => {
        if (e.reason !== 'not-joined') forget(e.room);
        emit({ kind: 'left', room: e.room, reason: e.reason, ...(e.actor ? { actor: e.actor } : {}), ...(e.text ? { text: e.text } : {}), ...(e.venue ? { venue: e.venue } : {}) });
      }),
      l.muc.onDidChangeOccupants((room, changes) => {
        const set: OccupantWire[] = [];
        const removed: { nick: string; reason: string; newNick?: string; actor?: string; text?: string }[] = [];
        for (const c of changes) {
          if (c.kind === 'removed') {
            removed.push({ nick: c.occupant.nick, reason: c.reason, ...(c.newNick ? { newNick: c.newNick } : {}), ...(c.actor ? { actor: c.actor } : {}), ...(c.text ? { text: c.text } : {}) });
          } else {
            if (c.kind === 'added' && c.previousNick) removed.push({ nick: c.previousNick, reason: 'nick-change', newNick: c.occupant.nick });
            set.push(occupantToWire(c.occupant));
          }
        }
        emit({ kind: 'occupants', room, set, removed });
      }),
      l.muc.onDidReceiveGroupMessage(ingest),
      l.muc.onDidReceivePrivateMessage((m) => emit({ kind: 'private-message', room: m.room, nick: m.nick, id: m.id, body: m.body, at: new Date(now()).toISOString() })),
      l.muc.onDidChangeMessageState((s) => {
        if (s.state === 'sent') {
          store.setMessageState(s.room, 'out', s.id, 'sent');
          if (s.stanzaId) store.setState(archiveKey(s.room), s.stanzaId);
          emit({ kind: 'message-state', room: s.room, id: s.id, state: 'sent' });
        } else {
          store.setMessageState(s.room, 'out', s.id, 'failed');
          emit({ kind: 'message-state', room: s.room, id: s.id, state: 'failed', error: s.text ?? s.condition });
        }
      }),
      l.muc.onDidChangeSubject((s) => emit({ kind: 'subject', room: s.room, subject: s.subject, ...(s.by ? { by: s.by } : {}), initial: s.initial })),
      l.muc.onDidChangeRoomConfig((c) => emit({ kind: 'joined', ...joinedView(l, c.room) })),
      l.muc.onDidReceiveStatus((e) => emit({ kind: 'status', room: e.room, code: Number(e.code), text: e.text, ...(e.nick ? { nick: e.nick } : {}), self: e.self })),
      l.invitations.onDidReceiveInvitation((inv) => {
        const id = randomUUID();
        invitations.set(id, inv);
        emit({ kind: 'invitation', id, room: inv.room, from: inv.from, ...(inv.reason ? { reason: inv.reason } : {}), hasPassword: inv.password !== undefined, via: inv.kind });
      }),
      l.mucAdmin.onDidReceiveVoiceRequest((req) => {
        const id = randomUUID();
        voiceRequests.set(id, req);
        emit({ kind: 'voice-request', id, room: req.room, ...(req.nick ? { nick: req.nick } : {}), ...(req.jid ? { jid: req.jid } : {}) });
      }),
      l.bookmarks.onDidChangeBookmarks((e) => {
        emit({ kind: 'bookmarks', bookmarks: (l.bookmarks.current() ?? []).map(bookmarkToWire) });
        // Autojoin across devices: a bookmark another device set to autojoin is joined here too.
        if (e.source !== 'remote') return;
        for (const c of e.changes) {
          if (c.kind !== 'removed' && c.bookmark.autojoin && !l.muc.isJoined(c.bookmark.room)) void join(l, c.bookmark.room, c.bookmark.nick ?? defaultNick(), c.bookmark.password).catch(() => undefined);
        }
      }),
    ];
  }

  const defaultNick = (): string => opts.account.slice(0, opts.account.indexOf('@'));

  async function join(l: LiveIm, room: BareJid, nick: string, password?: string): Promise<{ room: string; nick: string; created: boolean }> {
    const afterId = store.getState(archiveKey(room));
    const r = await l.muc.join(room, { nick, ...(password ? { password } : {}), history: { ...(afterId ? { afterId } : {}), maxStanzas: 50 } });
    remember({ room, nick: r.nick, ...(password ? { password } : {}) });
    return { room: r.room, nick: r.nick, created: r.created };
  }

  /** After a new stream: rooms we were in come back (self-ping first), then autojoin bookmarks. */
  async function restore(l: LiveIm): Promise<void> {
    const rooms = remembered();
    if (rooms.length > 0) {
      const outcomes = await l.muc.rejoinIfNeeded(
        rooms.map((r) => {
          const lastArchiveId = store.getState(archiveKey(r.room));
          return { ...r, ...(lastArchiveId ? { lastArchiveId } : {}) };
        }),
      );
      for (const o of outcomes) if (o.outcome === 'failed') emit({ kind: 'status', room: o.room, code: 0, text: `could not rejoin: ${o.error?.message ?? 'refused'}`, self: true });
    }
    const autojoin = await l.bookmarks.autojoinRooms().catch(() => []);
    for (const b of autojoin) {
      if (!l.muc.isJoined(b.room)) {
        await join(l, b.room, b.nick ?? defaultNick(), b.password).catch((e: unknown) =>
          emit({ kind: 'status', room: b.room, code: 0, text: `could not join: ${e instanceof Error ? e.message : String(e)}`, self: true }),
        );
      }
    }
  }

  const commands: RoomCommands = {
    getRooms: () => {
      const l = live;
      if (!l) return { rooms: [] };
      return { rooms: l.muc.joined().map((j) => joinedView(l, j.room)) };
    },
    joinRoom: async ({ room, nick, password, useBookmarkPassword }) => {
      const l = needLive();
      const r = roomJid(room);
      const stored = useBookmarkPassword ? (l.bookmarks.current() ?? (await l.bookmarks.list().catch(() => []))).find((b) => b.room === r)?.password : undefined;
      return join(l, r, nick, password ?? stored).catch(fail('joining the room failed'));
    },
    leaveRoom: async ({ room }) => {
      forget(room);
      await needLive().muc.leave(roomJid(room)).catch(fail('leaving the room failed'));
      return {};
    },
    sendGroupMessage: ({ room, body }) => {
      const l = needLive();
      const r = roomJid(room);
      if (!l.muc.isJoined(r)) throw new CommandFailure('invalid-state', 'join the room first');
      const ts = now();
      const { id } = l.muc.send(r, body);
      store.addMessage({ peer: r, direction: 'out', msgId: id, originId: id, sender: l.muc.nick(r) ?? '', type: 'groupchat', body, ts, state: 'queued' });
      return { id, at: new Date(ts).toISOString() };
    },
    sendRoomPrivateMessage: ({ room, nick, body }) => ({ id: needLive().muc.sendPrivate(roomJid(room), nick, body).id }),
    setRoomSubject: async ({ room, subject }) => {
      await needLive().muc.setSubject(roomJid(room), subject).catch(fail('changing the subject failed'));
      return {};
    },
    changeRoomNick: async ({ room, nick }) => {
      const r = roomJid(room);
      await needLive().muc.changeNick(r, nick).catch(fail('changing the nickname failed'));
      const known = remembered().find((x) => x.room === r);
      remember({ ...(known ?? { room: r }), nick });
      return {};
    },
    getRoomHistory: ({ room, before, beforeId, limit }) => ({
      messages: store.history(room, { limit, ...(before ? { beforeTs: Date.parse(before) } : {}), ...(beforeId ? { beforeId } : {}) }).map(storedToWire),
    }),
    setOccupantRole: async ({ room, nick, role, reason }) => {
      await needLive().mucAdmin.setRole(roomJid(room), nick, role, reason).catch(fail('the change was refused'));
      return {};
    },
    setRoomAffiliation: async ({ room, jid, affiliation, reason }) => {
      await needLive().mucAdmin.setAffiliation(roomJid(room), jid, affiliation, reason).catch(fail('the change was refused'));
      return {};
    },
    getRoomAffiliations: async ({ room, affiliation }) => {
      const items = await needLive().mucAdmin.list(roomJid(room), 'affiliation', affiliation).catch(fail('the list could not be read'));
      return { items: items.map((i) => ({ ...(i.jid ? { jid: i.jid } : {}), ...(i.nick ? { nick: i.nick } : {}), ...(i.reason ? { reason: i.reason } : {}) })) };
    },
    createRoom: async ({ room, nick, settings }) => {
      const l = needLive();
      const r = roomJid(room);
      const created = await l.mucAdmin.createReserved(r, nick).catch(fail('the room could not be created'));
      if (!created.created) throw new CommandFailure('invalid-state', 'a room with that address already exists: join it instead');
      let unsupported: readonly string[] = [];
      if (settings && Object.keys(settings).length > 0) {
        // A service that does not lock new rooms sends no form with the join: ask for it.
        const form = created.config ?? (await l.mucAdmin.getConfig(r).catch(fail('the configuration could not be read')));
        const a = roomSettingsAnswers(form, settings);
        unsupported = a.unsupported;
        await l.mucAdmin.submitConfig(r, a.answers, form).catch(fail('the room configuration was refused'));
      } else {
        await l.mucAdmin.acceptDefaultConfig(r).catch(fail('the room could not be unlocked'));
      }
      remember({ room: r, nick: created.nick, ...(settings?.password ? { password: settings.password } : {}) });
      return { room: r, nick: created.nick, unsupported };
    },
    getRoomConfig: async ({ room }) => ({ form: formToWire(await needLive().mucAdmin.getConfig(roomJid(room)).catch(fail('the configuration could not be read'))) }),
    submitRoomConfig: async ({ room, answers }) => {
      await needLive().mucAdmin.submitConfig(roomJid(room), answers).catch(fail('the configuration was refused'));
      return {};
    },
    destroyRoom: async ({ room, reason }) => {
      await needLive().mucAdmin.destroy(roomJid(room), { ...(reason ? { reason } : {}) }).catch(fail('the room could not be destroyed'));
      forget(room);
      return {};
    },
    inviteToRoom: ({ room, jid, reason }) => {
      needLive().invitations.invite(roomJid(room), jid, { ...(reason ? { reason } : {}) });
      return {};
    },
    answerInvitation: async ({ id, accept, nick, reason }) => {
      const inv = invitations.get(id);
      if (!inv) throw new CommandFailure('invalid-argument', 'no such invitation (it was answered already?)');
      const l = needLive();
      invitations.delete(id);
      if (accept) await join(l, inv.room, nick ?? defaultNick(), inv.password).catch(fail('joining the room failed'));
      else if (inv.kind === 'mediated') l.invitations.decline(inv, reason);
      return {};
    },
    answerVoiceRequest: ({ id, allow }) => {
      const req = voiceRequests.get(id);
      if (!req) throw new CommandFailure('invalid-argument', 'no such voice request');
      voiceRequests.delete(id);
      needLive().mucAdmin.answerVoiceRequest(req, allow);
      return {};
    },
    requestVoice: ({ room }) => {
      needLive().mucAdmin.requestVoice(roomJid(room));
      return {};
    },
    browseRooms: async ({ service, filter }) => {
      const l = needLive();
      const services = (await l.browse.findConferenceServices().catch(fail('the conference services could not be found'))).map((s) => s.jid);
      const target = service ?? services[0];
      if (!target) return { services, rooms: [], complete: true };
      const list = await l.browse.listRooms(target, { ...(filter ? { filter } : {}) }).catch(fail('the rooms could not be listed'));
      return { services, service: target, rooms: list.rooms.map((r) => ({ jid: r.jid, ...(r.name ? { name: r.name } : {}) })), complete: list.complete };
    },
    getRoomInfo: async ({ room }) => {
      const i = await needLive().browse.roomInfo(roomJid(room)).catch(fail('the room information could not be read'));
      return {
        room: i.jid,
        ...(i.name ? { name: i.name } : {}),
        ...(i.info.description ? { description: i.info.description } : {}),
        ...(i.info.subject ? { subject: i.info.subject } : {}),
        ...(i.info.occupants !== undefined ? { occupants: i.info.occupants } : {}),
        features: i.rawFeatures,
      };
    },
    getBookmarks: async () => {
      const l = needLive();
      const [list, backend] = await Promise.all([l.bookmarks.list(), l.bookmarks.backend()]).catch(fail('the bookmarks could not be read'));
      return { bookmarks: list.map(bookmarkToWire), backend: backend.backend };
    },
    setBookmark: async ({ room, name, nick, password, autojoin }) => {
      await needLive().bookmarks.add({ room: roomJid(room), ...(name ? { name } : {}), ...(nick ? { nick } : {}), ...(password ? { password } : {}), autojoin }).catch(fail('the bookmark could not be saved'));
      return {};
    },
    removeBookmark: async ({ room }) => {
      await needLive().bookmarks.remove(roomJid(room)).catch(fail('the bookmark could not be removed'));
      return {};
    },
  };

  return {
    commands,
    attach(l) {
      if (live === l) return;
      for (const d of subscriptions.splice(0)) d();
      live = l;
      subscribe(l);
    },
    restore: () => (live ? restore(live) : Promise.resolve()),
    detach() {
      for (const d of subscriptions.splice(0)) d();
      live = undefined;
    },
    flush: () => batcher.flush(),
    dispose() {
      for (const d of subscriptions.splice(0)) d();
      live = undefined;
      batcher.flush();
      batcher.dispose();
    },
  };
}
