import type { Virtualizer } from '@tanstack/react-virtual';
import type { ReactNode } from 'react';

/**
 * The mounted rows of a virtualised message list (chats and rooms): each in an absolutely placed
 * slot the virtualizer measures, with its position in the whole list for screen readers
 * (aria-setsize is -1 while older history may still exist: the size is unknown).
 *
 * Positions are set as style properties from script (CSSOM), which the CSP's style-src 'self'
 * allows; there are no inline style attributes in the markup.
 */
export function MessageSlots(props: {
  readonly virtualizer: Virtualizer<HTMLDivElement, Element>;
  readonly order: readonly string[];
  readonly setSize: number;
  readonly row: (key: string) => ReactNode;
}): React.JSX.Element {
  const { virtualizer, order, setSize, row } = props;
  return (
    <ol className="message-list" style={{ height: virtualizer.getTotalSize() }}>
      {virtualizer.getVirtualItems().map((item) => {
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
            {row(key)}
          </li>
        );
      })}
    </ol>
  );
}
