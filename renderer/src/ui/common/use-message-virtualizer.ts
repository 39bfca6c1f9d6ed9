import { useVirtualizer, type Virtualizer } from '@tanstack/react-virtual';
import { useCallback, useMemo, useRef, type RefObject } from 'react';
import { rowHeights } from './row-heights';

const PADDING_PX = 8;

/**
 * The virtualizer of a message list (chats and rooms), oldest row at the top: rows keyed by
 * message key, heights remembered across visits (row-heights.ts), the row being read kept in
 * place when rows are added or dropped above or below it, and new rows followed while the view
 * is at the bottom and `follow` holds.
 *
 * Its first render lays out the newest rows (a message list opens at its end), provided the
 * scroller is in the DOM by then (MessageList mounts its rows after it); otherwise it starts at
 * the top, as RoomMessageList does, and the caller's scrollToIndex moves it to the end.
 */
export function useMessageVirtualizer(opts: {
  /** Names the list for the remembered heights: `chat:<peer>`, `room:<room>`. */
  readonly list: string;
  readonly order: readonly string[];
  readonly scrollRef: RefObject<HTMLDivElement | null>;
  /** A row not measured yet is laid out at this height until it is. */
  readonly estimatePx: number;
  readonly follow: boolean;
}): Virtualizer<HTMLDivElement, Element> {
  const { list, order, scrollRef, estimatePx, follow } = opts;
  const orderRef = useRef(order);
  orderRef.current = order;
  const heights = useMemo(() => rowHeights(list, (i) => orderRef.current[i], () => scrollRef.current?.clientWidth ?? 0), [list, scrollRef]);
  // Stable while the order is: a new function would make the virtualizer re-lay out every row on
  // every render (its measurements are memoised on it).
  const getItemKey = useCallback((i: number) => order[i] ?? i, [order]);
  const estimateSize = useCallback((i: number) => heights.get(orderRef.current[i] ?? '') ?? estimatePx, [heights, estimatePx]);
  return useVirtualizer({
    count: order.length,
    getScrollElement: () => scrollRef.current,
    estimateSize,
    measureElement: heights.measure,
    overscan: 6,
    getItemKey,
    initialRect: { width: scrollRef.current?.clientWidth ?? 0, height: scrollRef.current?.clientHeight ?? 0 },
    initialOffset: () => {
      // Without the scroller's size the end cannot be placed (an offset past a zero-height
      // viewport renders no row at all): start at the top and let scrollToIndex move it.
      const el = scrollRef.current;
      if (!el) return 0;
      let total = 2 * PADDING_PX;
      for (let i = 0; i < orderRef.current.length; i++) total += estimateSize(i);
      return Math.max(0, total - el.clientHeight);
    },
    // A reading anchor: prepending, trimming and appending keep the row being read in place.
    anchorTo: 'end',
    followOnAppend: follow,
    scrollEndThreshold: 48,
    paddingStart: PADDING_PX,
    paddingEnd: PADDING_PX,
  });
}
