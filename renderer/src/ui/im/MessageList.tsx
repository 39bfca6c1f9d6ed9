import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { t } from '../../i18n/en';
import { getBastion } from '../../ipc/bastion';
import { loadLatestHistory, loadOlderHistory, markDisplayed } from '../../state/im-actions';
import { useConversationStale, useHistoryState, useMessageOrder, useUnreadKeys } from '../../state/im-selectors';
import { useStore } from '../../state/store';
import { MessageRow } from './MessageRow';
import { useSeenUnread } from '../common/use-seen-unread';

/** Scrolled this close to the top, the next older page is loaded. */
const LOAD_OLDER_PX = 160;

/** Is the user looking at this window? (XEP-0333: 'displayed' means the user saw it.) */

/**
 * The conversation's messages, virtualised (only the rows in and near the viewport are in the
 * DOM), oldest at the top. It follows new messages while scrolled to the bottom, keeps the row
 * being read in place when older history is prepended, loads older pages on scrolling up, and
 * reports the newest unread incoming message that is visible while the window has focus.
 *
 * Row positions are set as style properties from script (CSSOM), which the CSP's
 * style-src 'self' allows; there are no inline style attributes in the markup.
 */
export function MessageList({ peer, peerName }: { readonly peer: string; readonly peerName: string }): React.JSX.Element {
  const order = useMessageOrder(peer);
  const history = useHistoryState(peer);
  const unread = useUnreadKeys(peer);
  const stale = useConversationStale(peer);
  const scrollRef = useRef<HTMLDivElement>(null);
  const scrolledToEnd = useRef(false);
  const [announcement, setAnnouncement] = useState('');
  const lastAnnounced = useRef<string | undefined>(undefined);

  const virtualizer = useVirtualizer({
    count: order.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => 72,
    overscan: 6,
    getItemKey: (i) => order[i] ?? i,
    // Chat behaviour: prepending keeps the row being read in place; appending follows when at the bottom.
    anchorTo: 'end',
    followOnAppend: true,
    scrollEndThreshold: 48,
    paddingStart: 8,
    paddingEnd: 8,
  });

  const loaded = history?.status === 'ready' || (history?.status === 'loading' && order.length > 0);

  // The first page: start at the newest message.
  useLayoutEffect(() => {
    if (scrolledToEnd.current || !loaded || order.length === 0) return;
    scrolledToEnd.current = true;
    virtualizer.scrollToIndex(order.length - 1, { align: 'end' });
  }, [loaded, order.length, virtualizer]);

  // An update could not be attributed safely (see applyCorrection): reload from the store.
  useEffect(() => {
    if (stale) void loadLatestHistory(getBastion(), peer, true);
  }, [stale, peer]);

  const unreadNow = useCallback(() => useStore.getState().chats.conversations[peer]?.unread, [peer]);
  const onSeen = useCallback(
    (key: string): boolean => {
      const m = useStore.getState().chats.conversations[peer]?.byKey[key];
      if (!m) return false;
      markDisplayed(getBastion(), peer, key, m.id);
      return true;
    },
    [peer],
  );
  const checkDisplayed = useSeenUnread({ scrollRef, virtualizer, unreadNow, onSeen, unread, order });

  // Screen readers hear new incoming messages (the list itself is not a live region: scrolling
  // adds and removes rows, which must not be announced).
  useEffect(() => {
    const key = order[order.length - 1];
    if (key === undefined || key === lastAnnounced.current) return;
    const first = lastAnnounced.current === undefined;
    lastAnnounced.current = key;
    const m = useStore.getState().chats.conversations[peer]?.byKey[key];
    if (!first && m && m.direction === 'in') setAnnouncement(t('chat.newMessage', { name: peerName, body: m.body }));
  }, [order, peer, peerName]);

  const onScroll = (): void => {
    const el = scrollRef.current;
    if (el && el.scrollTop < LOAD_OLDER_PX && scrolledToEnd.current && history && history.status !== 'loading' && !history.complete) {
      void loadOlderHistory(getBastion(), peer);
    }
    checkDisplayed();
  };

  const items = virtualizer.getVirtualItems();
  const setSize = history?.complete ? order.length : -1;
  return (
    <>
      <p className="history-state" data-testid="history-state">
        {history?.status === 'loading' && order.length > 0 && t('chat.loadingOlder')}
        {history?.status === 'failed' && t('chat.historyFailed', { message: history.error ?? '' })}
        {history?.status === 'ready' && history.complete && order.length > 0 && t('chat.start')}
      </p>
      <div
        ref={scrollRef}
        className="message-scroller"
        role="region"
        aria-label={t('chat.history', { name: peerName })}
        // Focusable so that the keyboard can scroll it (WCAG 2.1.1).
        tabIndex={0}
        onScroll={onScroll}
        data-testid="message-scroller"
      >
        {loaded && order.length === 0 && <p className="muted chat-empty-note">{t('chat.empty')}</p>}
        <ol className="message-list" style={{ height: virtualizer.getTotalSize() }}>
          {items.map((item) => {
            const key = order[item.index];
            if (key === undefined) return null;
            return (
              <li
                key={key}
                ref={virtualizer.measureElement}
                data-index={item.index}
                className="message-slot"
                style={{ transform: `translateY(${item.start}px)` }}
                aria-posinset={item.index + 1}
                aria-setsize={setSize}
              >
                <MessageRow peer={peer} msgKey={key} peerName={peerName} />
              </li>
            );
          })}
        </ol>
      </div>
      <p className="visually-hidden" aria-live="polite" data-testid="new-message-announcement">
        {announcement}
      </p>
    </>
  );
}
