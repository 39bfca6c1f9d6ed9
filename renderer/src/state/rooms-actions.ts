/**
 * The room commands the user triggers: each calls one command of the rooms contract and records
 * what the renderer needs; what the rooms do afterwards (joins, occupants, messages, kicks)
 * arrives through didUpdateRooms (bootstrap).
 */
import type { BastionApi, CommandInput, CommandOutput, GroupMessageWire, IpcError, Result } from '../../../shared/ipc/index';
import { chatOpened } from './slices/chats';
import {
  bookmarksLoaded,
  entryAdded,
  groupMessageSent,
  invitationAnswered,
  markRoomAllRead,
  markRoomReadUpTo,
  roomClosed,
  roomHistoryFailed,
  roomHistoryLoaded,
  roomHistoryLoading,
  roomOpened,
  roomsSnapshot,
  voiceRequestAnswered,
  withRoom,
  type EntryKey,
} from './slices/rooms';
import { dispatch, on, useStore } from './store';

export const ROOM_HISTORY_PAGE = 50;

const errorOf = <T>(r: Result<T>): IpcError | undefined => (r.ok ? undefined : r.error);

export type RoleChange = CommandInput<'setOccupantRole'>['role'];
export type AffiliationChange = CommandInput<'setRoomAffiliation'>['affiliation'];
export type CreateRoomSettings = NonNullable<CommandInput<'createRoom'>['settings']>;
export type FormAnswers = CommandInput<'submitRoomConfig'>['answers'];
export type BrowseResult = CommandOutput<'browseRooms'>;
export type RoomInfoResult = CommandOutput<'getRoomInfo'>;

/** The joined rooms as main has them (each new session, and a reload during one). */
export async function loadRooms(api: BastionApi): Promise<void> {
  const r = await api.invoke('getRooms', {});
  if (r.ok) dispatch(on('rooms', (s) => roomsSnapshot(s, r.value.rooms)));
}

export async function loadBookmarks(api: BastionApi): Promise<IpcError | undefined> {
  const r = await api.invoke('getBookmarks', {});
  if (r.ok) dispatch(on('rooms', (s) => bookmarksLoaded(s, r.value.bookmarks)));
  return errorOf(r);
}

export async function loadLatestRoomHistory(api: BastionApi, room: string): Promise<void> {
  dispatch(on('rooms', (s) => roomHistoryLoading(s, room)));
  const r = await api.invoke('getRoomHistory', { room, limit: ROOM_HISTORY_PAGE });
  dispatch(on('rooms', (s) => (r.ok ? roomHistoryLoaded(s, room, r.value.messages, { limit: ROOM_HISTORY_PAGE }) : roomHistoryFailed(s, room, r.error.message))));
}

/** One page older than the oldest group message loaded; (time, id) cursor so messages sharing a millisecond are not skipped. */
export async function loadOlderRoomHistory(api: BastionApi, room: string): Promise<void> {
  const r0 = useStore.getState().rooms.rooms[room];
  if (!r0 || r0.history.status === 'loading' || r0.history.complete) return;
  let oldest: GroupMessageWire | undefined;
  for (const k of r0.order) {
    const e = r0.byKey[k];
    if (e?.kind === 'group') {
      oldest = e.message;
      break;
    }
  }
  dispatch(on('rooms', (s) => roomHistoryLoading(s, room)));
  const r = await api.invoke('getRoomHistory', { room, limit: ROOM_HISTORY_PAGE, ...(oldest ? { before: oldest.at, beforeId: oldest.id } : {}) });
  dispatch(on('rooms', (s) => (r.ok ? roomHistoryLoaded(s, room, r.value.messages, { limit: ROOM_HISTORY_PAGE }) : roomHistoryFailed(s, room, r.error.message))));
}

/** Shows a room in the main pane (and no conversation); its history is loaded the first time. */
export function openRoom(api: BastionApi, room: string | undefined): void {
  dispatch((s) => ({ ...s, rooms: roomOpened(s.rooms, room), chats: room === undefined ? s.chats : chatOpened(s.chats, undefined) }));
  if (room === undefined) return;
  const r = useStore.getState().rooms.rooms[room];
  if (r && (r.history.status === 'idle' || (r.history.status === 'failed' && r.order.length === 0))) void loadLatestRoomHistory(api, room);
}

/** Joins (main creates an instant room when none exists) and shows the room. */
export async function joinRoom(api: BastionApi, room: string, nick: string, password?: string, useBookmarkPassword = false): Promise<Result<CommandOutput<'joinRoom'>>> {
  const r = await api.invoke('joinRoom', { room, nick, ...(password ? { password } : {}), ...(useBookmarkPassword ? { useBookmarkPassword } : {}) });
  if (r.ok) {
    // The room's 'joined' update came before the answer; a reload of state can miss it: ask.
    if (!useStore.getState().rooms.rooms[r.value.room]) await loadRooms(api);
    openRoom(api, r.value.room);
  }
  return r;
}

export async function leaveRoom(api: BastionApi, room: string): Promise<IpcError | undefined> {
  const r = await api.invoke('leaveRoom', { room });
  if (r.ok) dispatch(on('rooms', (s) => roomClosed(s, room)));
  return errorOf(r);
}

/** Closes the view of a room we are no longer in. */
export function closeRoom(room: string): void {
  dispatch(on('rooms', (s) => roomClosed(s, room)));
}

/** Sends to the room; the message is shown at once ('queued'), the room's reflection makes it 'sent'. */
export async function sendGroupMessage(api: BastionApi, room: string, body: string): Promise<IpcError | undefined> {
  const r = await api.invoke('sendGroupMessage', { room, body });
  if (!r.ok) return r.error;
  const nick = useStore.getState().rooms.rooms[room]?.summary.nick;
  const m: GroupMessageWire = { room, id: r.value.id, nick, direction: 'out', body, at: r.value.at, state: 'queued', corrected: false };
  dispatch(on('rooms', (s) => groupMessageSent(s, m)));
  return undefined;
}

export async function sendRoomPrivateMessage(api: BastionApi, room: string, nick: string, body: string): Promise<IpcError | undefined> {
  const r = await api.invoke('sendRoomPrivateMessage', { room, nick, body });
  if (!r.ok) return r.error;
  const at = new Date().toISOString();
  dispatch(on('rooms', (s) => entryAdded(s, room, { kind: 'private', id: r.value.id, nick, direction: 'out', body, at })));
  return undefined;
}

export function markRoomRead(room: string, key: EntryKey | undefined): void {
  dispatch(on('rooms', (s) => withRoom(s, room, (r) => (key === undefined ? markRoomAllRead(r) : markRoomReadUpTo(r, key)))));
}

export async function setRoomSubject(api: BastionApi, room: string, subject: string): Promise<IpcError | undefined> {
  return errorOf(await api.invoke('setRoomSubject', { room, subject }));
}

export async function changeRoomNick(api: BastionApi, room: string, nick: string): Promise<IpcError | undefined> {
  return errorOf(await api.invoke('changeRoomNick', { room, nick }));
}

export async function setOccupantRole(api: BastionApi, room: string, nick: string, role: RoleChange, reason: string): Promise<IpcError | undefined> {
  const text = reason.trim();
  return errorOf(await api.invoke('setOccupantRole', { room, nick, role, ...(text ? { reason: text } : {}) }));
}

export async function setRoomAffiliation(api: BastionApi, room: string, jid: string, affiliation: AffiliationChange, reason: string): Promise<IpcError | undefined> {
  const text = reason.trim();
  return errorOf(await api.invoke('setRoomAffiliation', { room, jid, affiliation, ...(text ? { reason: text } : {}) }));
}

export async function createRoom(api: BastionApi, room: string, nick: string, settings: CreateRoomSettings): Promise<Result<CommandOutput<'createRoom'>>> {
  const r = await api.invoke('createRoom', { room, nick, settings });
  if (r.ok && !useStore.getState().rooms.rooms[r.value.room]) await loadRooms(api);
  return r;
}

export async function getRoomConfig(api: BastionApi, room: string): Promise<Result<CommandOutput<'getRoomConfig'>>> {
  return api.invoke('getRoomConfig', { room });
}

export async function submitRoomConfig(api: BastionApi, room: string, answers: FormAnswers): Promise<IpcError | undefined> {
  return errorOf(await api.invoke('submitRoomConfig', { room, answers }));
}

export async function destroyRoom(api: BastionApi, room: string, reason: string): Promise<IpcError | undefined> {
  const text = reason.trim();
  const r = await api.invoke('destroyRoom', { room, ...(text ? { reason: text } : {}) });
  if (r.ok) dispatch(on('rooms', (s) => roomClosed(s, room)));
  return errorOf(r);
}

export async function inviteToRoom(api: BastionApi, room: string, jid: string, reason: string): Promise<IpcError | undefined> {
  const text = reason.trim();
  return errorOf(await api.invoke('inviteToRoom', { room, jid, ...(text ? { reason: text } : {}) }));
}

/** Accepting joins with the invitation's password (main keeps it) and shows the room. */
export async function answerInvitation(api: BastionApi, id: string, room: string, accept: boolean, nick?: string): Promise<IpcError | undefined> {
  const r = await api.invoke('answerInvitation', { id, accept, ...(accept && nick ? { nick } : {}) });
  if (!r.ok) return r.error;
  dispatch(on('rooms', (s) => invitationAnswered(s, id)));
  if (accept) {
    if (!useStore.getState().rooms.rooms[room]) await loadRooms(api);
    openRoom(api, room);
  }
  return undefined;
}

export async function answerVoiceRequest(api: BastionApi, room: string, id: string, allow: boolean): Promise<IpcError | undefined> {
  const r = await api.invoke('answerVoiceRequest', { id, allow });
  if (r.ok) dispatch(on('rooms', (s) => voiceRequestAnswered(s, room, id)));
  return errorOf(r);
}

export async function requestVoice(api: BastionApi, room: string): Promise<IpcError | undefined> {
  return errorOf(await api.invoke('requestVoice', { room }));
}

export async function browseRooms(api: BastionApi, service: string | undefined, filter: string): Promise<Result<BrowseResult>> {
  const f = filter.trim();
  return api.invoke('browseRooms', { ...(service ? { service } : {}), ...(f ? { filter: f } : {}) });
}

export async function getRoomInfo(api: BastionApi, room: string): Promise<Result<RoomInfoResult>> {
  return api.invoke('getRoomInfo', { room });
}

export async function setBookmark(api: BastionApi, bookmark: CommandInput<'setBookmark'>): Promise<IpcError | undefined> {
  const r = await api.invoke('setBookmark', bookmark);
  if (r.ok) await loadBookmarks(api);
  return errorOf(r);
}

export async function removeBookmark(api: BastionApi, room: string): Promise<IpcError | undefined> {
  const r = await api.invoke('removeBookmark', { room });
  if (r.ok) await loadBookmarks(api);
  return errorOf(r);
}
