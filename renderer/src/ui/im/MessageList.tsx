import { useCallback, useEffect, useLayoutEffect, useRef, useState, type RefObject } from 'react';
import { t } from '../../i18n/en';
import { getBastion } from '../../ipc/bastion';
import { loadLatestHistory, loadNewerHistory, loadOlderHistory, markDisplayed } from '../../state/im-actions';
import { useHistoryState, useMessageOrder, useUnreadKeys } from '../../state/im-selectors';
import type { ChatHistoryState, MessageKey } from '../../state/slices/chats';
import { useStore } from '../../state/store';
import { MessageRow } from './MessageRow';
import { MessageSlots } from '../common/MessageSlots';
import { useMessageVirtualizer } from '../common/use-message-virtualizer';
import { useCheckEdgesAfterLoad } from '../common/use-check-edges-after-load';
import { useSeenUnread } from '../common/use-seen-unread';

/** Scrolled this close to the top (bottom), the next older (newer) page is loaded. */
const LOAD_PAGE_PX = 160;
/** A row not measured yet is laid out at this height until it is. */
const ESTIMATED_ROW_PX = 72;

/**
 * The conversation's messages, virtualised (only the rows in and near the viewport are in the
 * DOM), oldest at the top. It follows new messages while scrolled to the bottom, keeps the row
 * being read in place when older history is prepended, loads older (and, after paging back,
 * newer) pages on scrolling, and reports the newest unread incoming message that is visible
 * while the window has focus.
 */
export function MessageList({ peer, peerName }: { readonly peer: string; readonly peerName: string }): React.JSX.Element {
  const order = useMessageOrder(peer);
  const history = useHistoryState(peer);
  const unread = useUnreadKeys(peer);
  const scrollRef = useRef<HTMLDivElement>(null);
  const onScroll = useRef<(() => void) | undefined>(undefined);
  const [announcement, setAnnouncement] = useState('');
  const lastAnnounced = useRef<string | undefined>(undefined);
  // The rows mount after the scroller is in the DOM (a layout effect: before the first paint), so
  // that the virtualizer knows the viewport's size in its first render.
  const [scrollerMounted, setScrollerMounted] = useState(false);
  useLayoutEffect(() => setScrollerMounted(true), []);

  const loaded = history?.status === 'ready' || (history?.status === 'loading' && order.length > 0);
  const atLatest = history?.latest ?? true;

  // Screen readers hear new incoming messages (the list itself is not a live region: scrolling
  // adds and removes rows, which must not be announced).
  useEffect(() => {
    const key = order[order.length - 1];
    if (key === undefined || key === lastAnnounced.current) return;
    const first = lastAnnounced.current === undefined;
    lastAnnounced.current = key;
    const m = useStore.getState().chats.conversations[peer]?.byKey[key];
    if (!first && atLatest && m && m.direction === 'in') setAnnouncement(t('chat.newMessage', { name: peerName, body: m.body }));
  }, [order, peer, peerName, atLatest]);

  return (
    <>
      <p className="history-state" data-testid="history-state">
        {history?.status === 'loading' && order.length > 0 && t(history.loading === 'older' ? 'chat.loadingOlder' : history.loading === 'newer' ? 'chat.loadingNewer' : 'chat.loading')}
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
        onScroll={() => onScroll.current?.()}
        data-testid="message-scroller"
      >
        {loaded && order.length === 0 && <p className="muted chat-empty-note">{t('chat.empty')}</p>}
        {/* Mounted with the first page, so that its first render already shows the newest rows. */}
        {scrollerMounted && loaded && order.length > 0 && history && (
          <MessageRows peer={peer} peerName={peerName} order={order} history={history} unread={unread} scrollRef={scrollRef} onScroll={onScroll} />
        )}
      </div>
      {!atLatest && (
        <button type="button" className="button-small jump-to-newest" onClick={() => void loadLatestHistory(getBastion(), peer, true)} data-testid="jump-to-newest">
          {unread.length > 0 ? t('chat.jumpToNewestUnread', { count: unread.length }) : t('chat.jumpToNewest')}
        </button>
      )}
      <p className="visually-hidden" aria-live="polite" data-testid="new-message-announcement">
        {announcement}
      </p>
    </>
  );
}

function MessageRows(props: {
  readonly peer: string;
  readonly peerName: string;
  readonly order: readonly MessageKey[];
  readonly history: ChatHistoryState;
  readonly unread: readonly MessageKey[];
  readonly scrollRef: RefObject<HTMLDivElement | null>;
  readonly onScroll: RefObject<(() => void) | undefined>;
}): React.JSX.Element {
  const { peer, peerName, order, history, unread, scrollRef, onScroll } = props;
  /** The window generation the view was last put at the end of (see ChatHistoryState). */
  const shownGeneration = useRef<number | undefined>(undefined);
  // Follow appended messages only when the window held the newest message before: a newer page
  // appended while scrolling down through older history must not jump to its end.
  const wasLatest = useRef(history.latest);
  const follow = history.latest && wasLatest.current;
  useEffect(() => {
    wasLatest.current = history.latest;
  }, [history.latest]);
  const virtualizer = useMessageVirtualizer({ list: `chat:${peer}`, order, scrollRef, estimatePx: ESTIMATED_ROW_PX, follow });

  // The first page, and a window replaced by the newest page: start at the newest message.
  const generation = history.generation;
  useLayoutEffect(() => {
    if (shownGeneration.current === generation || order.length === 0) return;
    shownGeneration.current = generation;
    virtualizer.scrollToIndex(order.length - 1, { align: 'end' });
  }, [generation, order.length, virtualizer, scrollRef]);

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

  onScroll.current = () => {
    const el = scrollRef.current;
    if (el && shownGeneration.current !== undefined && history.status !== 'loading') {
      if (el.scrollTop < LOAD_PAGE_PX && !history.complete) void loadOlderHistory(getBastion(), peer);
      else if (el.scrollHeight - el.scrollTop - el.clientHeight < LOAD_PAGE_PX && !history.latest) void loadNewerHistory(getBastion(), peer);
    }
    checkDisplayed();
  };
  useCheckEdgesAfterLoad(history, () => onScroll.current?.());

  return (
    <MessageSlots
      virtualizer={virtualizer}
      order={order}
      setSize={history.complete ? order.length : -1}
      row={(key) => <MessageRow peer={peer} msgKey={key} peerName={peerName} />}
    />
  );
}
