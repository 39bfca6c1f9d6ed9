import type { Virtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useRef, type RefObject } from 'react';

const userIsLooking = (): boolean => document.visibilityState === 'visible' && document.hasFocus();

/**
 * Read markers for a virtualised message list (chats and rooms): the newest unread row that is
 * at least half in view, while the user is looking (window visible and focused), is reported once
 * — after new rows are laid out, and again when the window regains focus or visibility.
 */
export function useSeenUnread(opts: {
  readonly scrollRef: RefObject<HTMLDivElement | null>;
  readonly virtualizer: Virtualizer<HTMLDivElement, Element>;
  /** The unread keys now (read from the store when checking, not captured). */
  readonly unreadNow: () => readonly string[] | undefined;
  /** Marks `key` read; false when it could not (it is then tried again next time). */
  readonly onSeen: (key: string) => boolean;
  /** Re-check after these change (the unread list and the row order). */
  readonly unread: unknown;
  readonly order: unknown;
}): () => void {
  const { scrollRef, virtualizer, unreadNow, onSeen, unread, order } = opts;
  const lastMarked = useRef<string | undefined>(undefined);
  const check = useCallback((): void => {
    const el = scrollRef.current;
    if (!el || !userIsLooking()) return;
    const keys = unreadNow();
    if (!keys || keys.length === 0) return;
    const unreadSet = new Set(keys);
    const top = el.scrollTop;
    const bottom = top + el.clientHeight;
    let newest: string | undefined;
    for (const item of virtualizer.getVirtualItems()) {
      const key = String(item.key);
      // Visible = at least half of it is in the viewport.
      const visible = Math.min(item.end, bottom) - Math.max(item.start, top) >= Math.min(item.size, el.clientHeight) / 2;
      if (visible && unreadSet.has(key)) newest = key;
    }
    if (!newest || lastMarked.current === newest) return;
    if (onSeen(newest)) lastMarked.current = newest;
  }, [scrollRef, virtualizer, unreadNow, onSeen]);

  // New unread messages, new rows laid out: check after the layout settles.
  useEffect(() => {
    const id = requestAnimationFrame(check);
    return () => cancelAnimationFrame(id);
  }, [unread, order, check]);

  useEffect(() => {
    window.addEventListener('focus', check);
    document.addEventListener('visibilitychange', check);
    return () => {
      window.removeEventListener('focus', check);
      document.removeEventListener('visibilitychange', check);
    };
  }, [check]);

  return check;
}
