import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { t } from '../../i18n/en';
import { getBastion } from '../../ipc/bastion';
import { loadOlderRoomHistory, markRoomRead } from '../../state/rooms-actions';
import { useRoomHistory, useRoomOrder, useRoomUnreadKeys } from '../../state/rooms-selectors';
import { useStore } from '../../state/store';
import { RoomEntryRow } from './RoomEntryRow';
import { MessageSlots } from '../common/MessageSlots';
import { useMessageVirtualizer } from '../common/use-message-virtualizer';
import { useCheckEdgesAfterLoad } from '../common/use-check-edges-after-load';
import { useSeenUnread } from '../common/use-seen-unread';

const LOAD_OLDER_PX = 160;

/**
 * A room's timeline, virtualised like the one-to-one MessageList (only rows near the viewport
 * are in the DOM): starts at the newest line, follows new ones while at the bottom, keeps the
 * row being read in place when older history is prepended, loads older pages near the top, and
 * clears the unread count up to the newest unread message visible while the window has focus.
 */
export function RoomMessageList({ room, name }: { readonly room: string; readonly name: string }): React.JSX.Element {
  const order = useRoomOrder(room);
  const history = useRoomHistory(room);
  const unread = useRoomUnreadKeys(room);
  const scrollRef = useRef<HTMLDivElement>(null);
  const scrolledToEnd = useRef(false);
  const lastAnnounced = useRef<string | undefined>(undefined);
  const [announcement, setAnnouncement] = useState('');

  const virtualizer = useMessageVirtualizer({ list: `room:${room}`, order, scrollRef, estimatePx: 64, follow: true });

  const loaded = history?.status === 'ready' || history?.status === 'failed' || order.length > 0;

  useLayoutEffect(() => {
    if (scrolledToEnd.current || !loaded || order.length === 0) return;
    scrolledToEnd.current = true;
    virtualizer.scrollToIndex(order.length - 1, { align: 'end' });
  }, [loaded, order.length, virtualizer]);

  const unreadNow = useCallback(() => useStore.getState().rooms.rooms[room]?.unread, [room]);
  const onSeen = useCallback(
    (key: string): boolean => {
      markRoomRead(room, key);
      return true;
    },
    [room],
  );
  const checkSeen = useSeenUnread({ scrollRef, virtualizer, unreadNow, onSeen, unread, order });

  // New messages from others are announced (the list is not a live region: scrolling changes it).
  useEffect(() => {
    const key = order[order.length - 1];
    if (key === undefined || key === lastAnnounced.current) return;
    const first = lastAnnounced.current === undefined;
    lastAnnounced.current = key;
    const e = useStore.getState().rooms.rooms[room]?.byKey[key];
    if (first || !e) return;
    if (e.kind === 'group' && e.message.direction === 'in' && e.message.nick) setAnnouncement(t('rooms.newMessage', { nick: e.message.nick, body: e.message.body }));
    else if (e.kind === 'private' && e.direction === 'in') setAnnouncement(t('rooms.newPrivate', { nick: e.nick, body: e.body }));
  }, [order, room]);

  const onScroll = (): void => {
    const el = scrollRef.current;
    if (el && el.scrollTop < LOAD_OLDER_PX && scrolledToEnd.current && history && history.status !== 'loading' && !history.complete) {
      void loadOlderRoomHistory(getBastion(), room);
    }
    checkSeen();
  };
  useCheckEdgesAfterLoad(history, onScroll);

  const setSize = history?.complete ? order.length : -1;
  return (
    <>
      <p className="history-state" data-testid="history-state">
        {history?.status === 'loading' && order.length > 0 && t('chat.loadingOlder')}
        {history?.status === 'failed' && t('chat.historyFailed', { message: history.error ?? '' })}
        {history?.status === 'ready' && history.complete && order.length > 0 && t('rooms.historyStart')}
      </p>
      <div ref={scrollRef} className="message-scroller" role="region" aria-label={t('rooms.history', { name })} tabIndex={0} onScroll={onScroll} data-testid="room-scroller">
        {loaded && order.length === 0 && <p className="muted chat-empty-note">{t('rooms.empty')}</p>}
        <MessageSlots virtualizer={virtualizer} order={order} setSize={setSize} row={(key) => <RoomEntryRow room={room} entryKey={key} />} />
      </div>
      <p className="visually-hidden" aria-live="polite" data-testid="room-announcement">
        {announcement}
      </p>
    </>
  );
}
