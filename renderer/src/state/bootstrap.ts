/**
 * The one module that listens to the core: it subscribes to every IPC event, loads what the
 * first screen needs, and feeds the store's slices. Every update goes through `dispatch`, so a
 * flood of events costs at most one store commit (and one React render) per animation frame.
 */
import type { BastionApi, ConnectionState } from '../../../shared/ipc/contract';
import { createDisposables, type Disposer } from '../../../shared/util/disposable';
import { loadRoster, openChat } from './im-actions';
import { loadPolicy } from './policy';
import { imNotifications, parseTag, roomNotifications, type NotificationRequest, type NotifyContext, type Throttle } from './notifications';
import { loadBookmarks, loadRooms, openRoom } from './rooms-actions';
import { applyRoomsBatch } from './rooms-updates';
import { applyImBatch } from './im-updates';
import { cardsChanged } from './slices/cards';
import { initialChats } from './slices/chats';
import { connectionStateChanged } from './slices/connection';
import { consentFailed, consentLoaded } from './slices/consent';
import { initialRooms } from './slices/rooms';
import { initialRoster, presenceUnknown } from './slices/roster';
import { certificateChangeDetected, reportUpdated, securitySawConnectionState } from './slices/security';
import { dispatch, on, useStore, type RootState } from './store';

const ENDED: ReadonlySet<ConnectionState['state']> = new Set(['disconnected', 'failed', 'locked']);

/**
 * A connection state reaches every slice that depends on it: the session ended → the account's
 * contacts and conversations go (the next sign-in may be someone else); the link dropped → no
 * presence is known any more.
 */
function connectionUpdate(p: ConnectionState): (s: RootState) => RootState {
  return (s) => {
    const next: RootState = { ...s, connection: connectionStateChanged(s.connection, p), security: securitySawConnectionState(s.security, p) };
    if (ENDED.has(p.state)) return { ...next, roster: initialRoster, chats: initialChats, rooms: initialRooms };
    if (p.state !== 'connected') return { ...next, roster: presenceUnknown(s.roster) };
    return next;
  };
}

export function bootstrap(api: BastionApi): Disposer {
  const subs = createDisposables();
  let disposed = false;

  let lastState: ConnectionState['state'] | undefined;
  const connectionChanged = (p: ConnectionState): void => {
    const before = lastState;
    lastState = p.state;
    dispatch(connectionUpdate(p));
    // Each new session (and a reload during one) starts from a snapshot; updates follow as events.
    if (p.state === 'connected' && before !== 'connected') {
      void loadRoster(api);
      void loadRooms(api);
      void loadBookmarks(api);
    }
  };
  subs.add(api.on('didChangeConnectionState', connectionChanged));
  // One store update per batch (and, through dispatch, at most one commit per frame).
  // OS notifications are decided on the state before the batch (the conversation open now).
  const throttle: Throttle = new Map();
  const ctx = (): NotifyContext => ({ focused: typeof document === 'undefined' || document.hasFocus(), now: Date.now() });
  const notify = (list: readonly NotificationRequest[]): void => {
    for (const n of list) void api.invoke('showNotification', n);
  };
  subs.add(
    api.on('didUpdateIm', (p) => {
      notify(imNotifications(useStore.getState(), p.updates, ctx(), throttle));
      dispatch((s) => applyImBatch(s, p.updates));
    }),
  );
  subs.add(
    api.on('didUpdateRooms', (p) => {
      notify(roomNotifications(useStore.getState(), p.updates, ctx(), throttle));
      dispatch(on('rooms', (r) => applyRoomsBatch(r, p.updates)));
    }),
  );
  subs.add(
    api.on('didClickNotification', (p) => {
      const target = parseTag(p.tag);
      if (target?.kind === 'chat') openChat(api, target.jid);
      else if (target?.kind === 'room' && useStore.getState().rooms.rooms[target.jid]) openRoom(api, target.jid);
    }),
  );
  subs.add(api.on('didUpdateSecurityReport', (p) => dispatch(on('security', (x) => reportUpdated(x, p)))));
  subs.add(api.on('didDetectCertificateChange', (p) => dispatch(on('security', (x) => certificateChangeDetected(x, p)))));
  subs.add(api.on('didChangeCards', (p) => dispatch(on('cards', (x) => cardsChanged(x, p)))));
  subs.add(api.on('didReceivePing', (p) => dispatch(on('app', (a) => ({ ...a, lastPingEvent: p.nonce })))));

  void api.invoke('getAppInfo', {}).then((r) => {
    if (disposed) return;
    dispatch(on('app', (a) => ({ ...a, link: r.ok ? { state: 'ready', info: r.value } : { state: 'failed', error: r.error } })));
  });
  void loadPolicy(api);
  void api.invoke('getConsent', {}).then((r) => {
    if (disposed) return;
    dispatch(on('consent', (c) => (r.ok ? consentLoaded(c, r.value) : consentFailed(c, r.error))));
  });
  // A reload during a session: where the core is now (unless an event already said so).
  void api.invoke('getConnectionState', {}).then((r) => {
    if (disposed || !r.ok || lastState !== undefined) return;
    connectionChanged(r.value);
  });
  // The report of an earlier attempt in this run, if any (the panel also refreshes on open).
  void api.invoke('getSecurityReport', {}).then((r) => {
    if (disposed || !r.ok) return;
    dispatch(on('security', (x) => (x.report ? x : reportUpdated(x, r.value))));
  });

  return () => {
    disposed = true;
    subs.dispose();
  };
}
