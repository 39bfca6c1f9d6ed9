import { useEffect, useRef } from 'react';
import type { HistoryState } from '../../state/slices/chats';

/**
 * Runs a message list's scroll-edge check (the one its scroll handler runs) once more whenever
 * a history load has ended. An edge reached while a page was loading is passed over, and at an
 * edge no further scroll event comes (scrolling up at the top moves nothing), so without this the
 * next page would never be asked for and the list would look like the start of the conversation.
 * It also keeps loading while the pages so far do not fill the viewport (nothing to scroll).
 * Only after a successful load: a failed one is retried by the user's scrolling, not in a loop.
 */
export function useCheckEdgesAfterLoad(history: HistoryState | undefined, check: () => void): void {
  const latestCheck = useRef(check);
  latestCheck.current = check;
  // The slices make a new history object whenever a load starts or ends (and only then).
  useEffect(() => {
    if (history?.status === 'ready') latestCheck.current();
  }, [history]);
}
