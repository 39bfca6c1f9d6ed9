import { measureElement, type Virtualizer } from '@tanstack/react-virtual';

/** Conversations whose row heights are remembered, and rows per conversation (oldest forgotten first). */
const MAX_LISTS = 50;
const MAX_ROWS = 2_000;

interface Heights {
  width: number;
  readonly rows: Map<string, number>;
}

const lists = new Map<string, Heights>();

/**
 * Row heights measured on earlier visits to a message list, by list (a conversation or a room)
 * and row key, for the width they were measured at. A list opened again is laid out with its
 * real heights at once, so it lands at its end in the first frame instead of correcting an
 * estimate over the next few (a message's height only changes with the width or an edit, and
 * either is measured again when its row is on screen).
 */
export interface RowHeights {
  /** The remembered height of a row, if it was measured at this width. */
  get(key: string): number | undefined;
  /** `measureElement` for the virtualizer: measures as usual and remembers the answer. */
  readonly measure: (el: Element, entry: ResizeObserverEntry | undefined, v: Virtualizer<HTMLDivElement, Element>) => number;
}

export function rowHeights(list: string, keyAt: (index: number) => string | undefined, width: () => number): RowHeights {
  const current = (): Heights => {
    const w = width();
    let h = lists.get(list);
    if (h) lists.delete(list);
    if (!h || (w > 0 && h.width !== w)) h = { width: w, rows: new Map() };
    // Most recently used last: the first entry is the one to forget.
    lists.set(list, h);
    if (lists.size > MAX_LISTS) lists.delete(lists.keys().next().value as string);
    return h;
  };
  let heights = current();
  return {
    get: (key) => heights.rows.get(key),
    measure: (el, entry, v) => {
      const size = measureElement(el, entry, v);
      const key = keyAt(Number(el.getAttribute('data-index')));
      const w = width();
      if (w > 0 && w !== heights.width) heights = current();
      if (key !== undefined && size > 0) {
        heights.rows.delete(key);
        heights.rows.set(key, size);
        if (heights.rows.size > MAX_ROWS) heights.rows.delete(heights.rows.keys().next().value as string);
      }
      return size;
    },
  };
}
