import { memo, useMemo, useState } from 'react';
import type { BookmarkWire } from '../../../../shared/ipc/index';
import { t } from '../../i18n/en';
import { getBastion } from '../../ipc/bastion';
import { useAccount } from '../../state/im-selectors';
import { joinRoom, openRoom, removeBookmark } from '../../state/rooms-actions';
import { roomName, useBookmarks, useRoomJids, useRoomJoined, useRoomLeft, useRoomSummary, useRoomUnreadCount } from '../../state/rooms-selectors';
import { useStore } from '../../state/store';
import { CreateRoomDialog } from './CreateRoomDialog';
import { InvitationsInbox } from './InvitationsInbox';
import { defaultNick, leftLabel } from './room-text';
import { RoomBrowserDialog } from './RoomBrowserDialog';

/** Up/Down (and Home/End) move between the room buttons; Tab leaves the list. */
function onListKeyDown(e: React.KeyboardEvent<HTMLElement>): void {
  if (!['ArrowDown', 'ArrowUp', 'Home', 'End'].includes(e.key)) return;
  const target = e.target as HTMLElement;
  if (!target.classList.contains('room-item')) return;
  const items = [...e.currentTarget.querySelectorAll<HTMLButtonElement>('.room-item')];
  const i = items.indexOf(target as HTMLButtonElement);
  const next = e.key === 'Home' ? 0 : e.key === 'End' ? items.length - 1 : e.key === 'ArrowDown' ? i + 1 : i - 1;
  const el = items[Math.max(0, Math.min(items.length - 1, next))];
  if (el) {
    e.preventDefault();
    el.focus();
  }
}

/**
 * The rooms part of the sidebar: browse and create, invitations, the rooms we are in (with
 * unread counts) and the bookmarks we are not in (join with one click; autojoin shown). It
 * comes after the conversation in the document (and is placed under the contacts by the grid),
 * so the contacts, the conversation and its composer keep their keyboard order.
 */
export function RoomsPanel(): React.JSX.Element {
  // The room list re-renders when a room comes or goes, not on every message (rows select their own).
  const jids = useRoomJids();
  const bookmarks = useBookmarks();
  const [dialog, setDialog] = useState<'browse' | 'create' | { readonly join: BookmarkWire } | undefined>();
  const others = useMemo(() => {
    const joined = new Set(jids);
    return bookmarks.filter((b) => !joined.has(b.room));
  }, [bookmarks, jids]);

  return (
    <aside className="rooms-panel" aria-labelledby="rooms-title" data-testid="rooms-panel">
      <div className="section-head rooms-head">
        <h2 id="rooms-title">{t('rooms.title')}</h2>
        <span className="rooms-tools">
          <button type="button" className="button-small" onClick={() => setDialog('browse')}>
            {t('rooms.browse')}
          </button>
          <button type="button" className="button-small" onClick={() => setDialog('create')}>
            {t('rooms.create')}
          </button>
        </span>
      </div>
      <InvitationsInbox />
      {jids.length === 0 ? (
        <p className="muted rooms-empty">{t('rooms.none')}</p>
      ) : (
        <ul className="room-list" aria-label={t('rooms.joined')} onKeyDown={onListKeyDown}>
          {jids.map((jid) => (
            <li key={jid}>
              <RoomItem room={jid} />
            </li>
          ))}
        </ul>
      )}
      {others.length > 0 && (
        <section className="bookmarks" aria-labelledby="bookmarks-title">
          <h3 id="bookmarks-title">{t('bookmarks.title')}</h3>
          <ul className="bookmark-list">
            {others.map((b) => (
              <li key={b.room}>
                <BookmarkItem bookmark={b} onJoinWithPassword={() => setDialog({ join: b })} />
              </li>
            ))}
          </ul>
        </section>
      )}
      {dialog === 'browse' && <RoomBrowserDialog onClose={() => setDialog(undefined)} />}
      {dialog === 'create' && <CreateRoomDialog onClose={() => setDialog(undefined)} />}
      {typeof dialog === 'object' && <RoomBrowserDialog initialRoom={dialog.join.room} initialNick={dialog.join.nick} onClose={() => setDialog(undefined)} />}
    </aside>
  );
}

/** One room we are in: a button that shows it; its own unread count and state. */
const RoomItem = memo(function RoomItem({ room }: { readonly room: string }): React.JSX.Element {
  const summary = useRoomSummary(room);
  const unread = useRoomUnreadCount(room);
  const joined = useRoomJoined(room);
  const left = useRoomLeft(room);
  const selected = useStore((s) => s.rooms.open === room);
  const name = roomName(room, summary);
  return (
    <button
      type="button"
      className={selected ? 'room-item room-item-selected' : 'room-item'}
      aria-current={selected ? 'true' : undefined}
      data-room={room}
      title={room}
      onClick={() => openRoom(getBastion(), room)}
    >
      <span className="room-glyph" aria-hidden="true">
        #
      </span>
      <span className="roster-item-text">
        <span className="roster-name">{name}</span>{' '}
        <span className="roster-status" data-testid="room-status">
          {joined ? (name === room ? t('rooms.asNick', { nick: summary?.nick ?? '' }) : room) : left ? leftLabel(left.reason) : t('rooms.notJoined')}
        </span>
      </span>
      {unread > 0 && ' '}
      {unread > 0 && (
        <span className="unread-badge" data-testid="room-unread">
          <span aria-hidden="true">{unread}</span>
          <span className="visually-hidden">{unread === 1 ? t('roster.unreadOne') : t('roster.unread', { count: unread })}</span>
        </span>
      )}
    </button>
  );
});

function BookmarkItem({ bookmark: b, onJoinWithPassword }: { readonly bookmark: BookmarkWire; readonly onJoinWithPassword: () => void }): React.JSX.Element {
  const account = useAccount();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const name = roomName(b.room, undefined, b.name);

  const join = async (): Promise<void> => {
    setBusy(true);
    setError(undefined);
    // A bookmark's password stays in main: it joins with it (never sent to the renderer).
    const r = await joinRoom(getBastion(), b.room, b.nick ?? defaultNick(account), undefined, b.hasPassword);
    setBusy(false);
    // The stored password no longer works: ask for the new one.
    if (!r.ok && b.hasPassword) onJoinWithPassword();
    else if (!r.ok) setError(t('rooms.joinFailed', { message: r.error.message }));
  };
  const remove = async (): Promise<void> => {
    setBusy(true);
    setError(undefined);
    const e = await removeBookmark(getBastion(), b.room);
    setBusy(false);
    if (e) setError(t('bookmarks.removeFailed', { message: e.message }));
  };

  return (
    <div className="bookmark" data-room={b.room}>
      <span className="roster-item-text">
        <span className="roster-name">{name}</span>
        <span className="roster-status">{b.autojoin ? t('bookmarks.autojoin', { room: b.room }) : b.room}</span>
      </span>
      <span className="bookmark-actions">
        <button type="button" className="button-small" aria-label={t('bookmarks.joinLabel', { name })} aria-disabled={busy || undefined} onClick={() => !busy && void join()}>
          {t('bookmarks.join')}
        </button>
        <button type="button" className="button-small button-quiet" aria-label={t('bookmarks.removeLabel', { name })} aria-disabled={busy || undefined} onClick={() => !busy && void remove()}>
          {t('bookmarks.remove')}
        </button>
      </span>
      {error && (
        <p role="alert" className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}
