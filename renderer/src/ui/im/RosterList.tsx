import { defaultRangeExtractor, useVirtualizer, type VirtualItem } from '@tanstack/react-virtual';
import { useCallback, useLayoutEffect, useMemo, useRef, useState, type RefObject } from 'react';
import type { Contact } from '../../../../shared/ipc/index';
import { t } from '../../i18n/en';
import type { RosterGroup } from '../../state/roster-groups';
import { ChevronIcon } from './icons';
import { RosterItem } from './RosterItem';

/** A group header of the virtual list. `index` numbers the groups (for the list's element id). */
export interface GroupRow {
  readonly kind: 'group';
  readonly key: string;
  readonly name: string | undefined;
  readonly index: number;
  readonly count: number;
  readonly open: boolean;
}

/** A contact under a group's header; a contact in several groups has one row in each. */
export interface ContactRow {
  readonly kind: 'contact';
  readonly key: string;
  readonly contact: Contact;
  readonly head: GroupRow;
  /** Position in the group, from 1 (aria-posinset: only the mounted rows are in the DOM). */
  readonly pos: number;
}

export type RosterRow = GroupRow | ContactRow;

const groupKey = (g: RosterGroup): string => (g.name === undefined ? '\u0000' : `g:${g.name}`);

/** The roster as one flat list of rows: each group's header, then its contacts unless collapsed (a search opens every group). */
export function rosterRows(groups: readonly RosterGroup[], collapsed: ReadonlySet<string>, searching: boolean): RosterRow[] {
  const rows: RosterRow[] = [];
  groups.forEach((g, index) => {
    const key = groupKey(g);
    const head: GroupRow = { kind: 'group', key, name: g.name, index, count: g.contacts.length, open: searching || !collapsed.has(key) };
    rows.push(head);
    if (head.open) g.contacts.forEach((contact, i) => rows.push({ kind: 'contact', key: `${key}\u0001${contact.jid}`, contact, head, pos: i + 1 }));
  });
  return rows;
}

interface Section {
  readonly head: GroupRow;
  readonly header: VirtualItem | undefined;
  readonly contacts: VirtualItem[];
}

/** The mounted rows, in runs by group (a group's rows are consecutive, so each group is one run). */
function sectionsOf(rows: readonly RosterRow[], items: readonly VirtualItem[]): Section[] {
  const out: { head: GroupRow; header: VirtualItem | undefined; contacts: VirtualItem[] }[] = [];
  for (const item of items) {
    const row = rows[item.index];
    if (!row) continue;
    const head = row.kind === 'group' ? row : row.head;
    let s = out[out.length - 1];
    if (s?.head !== head) {
      s = { head, header: undefined, contacts: [] };
      out.push(s);
    }
    if (row.kind === 'group') s.header = item;
    else s.contacts.push(item);
  }
  return out;
}

const NAV_KEYS = new Set(['ArrowDown', 'ArrowUp', 'Home', 'End']);

/**
 * The roster's groups and contacts, virtualised: only the rows in and near the viewport are in the
 * DOM (a 5,000-contact roster mounted in full took seconds to lay out, and every presence batch
 * re-laid it out). Group headers are rows of the same list. The list's parent (the sidebar) is what
 * scrolls, not the list (taken from the DOM: a parent's ref is not set yet when this component's
 * layout effects first run); `topRef` is what sits above the list in it, whose height is the
 * list's scroll margin.
 *
 * Keyboard: Up/Down/Home/End move between the contact buttons, also to contacts not mounted yet
 * (scrolled into view, then focused); the row that has focus stays mounted while scrolled away so
 * focus is never lost to the document. Each group keeps its `<section>`/`<ul>` (the header's
 * `aria-controls` target) while any of its rows is mounted.
 */
export function RosterList({
  rows,
  idPrefix,
  topRef,
  onToggle,
}: {
  readonly rows: readonly RosterRow[];
  readonly idPrefix: string;
  readonly topRef: RefObject<HTMLElement | null>;
  readonly onToggle: (key: string) => void;
}): React.JSX.Element {
  const listRef = useRef<HTMLDivElement>(null);
  const [margin, setMargin] = useState(0);
  const focusedKey = useRef<string | undefined>(undefined);
  const pendingFocus = useRef<string | undefined>(undefined);
  const indexByKey = useMemo(() => new Map(rows.map((r, i) => [r.key, i])), [rows]);
  // Stable while the rows are: a new function re-lays out every row on every render.
  const getItemKey = useCallback((i: number) => rows[i]?.key ?? i, [rows]);

  // The list's offset in the sidebar: follows the height of what is above it (requests, notes, window width).
  useLayoutEffect(() => {
    const list = listRef.current;
    const scroller = list?.parentElement;
    if (!list || !scroller) return;
    const update = (): void => setMargin(Math.round(list.getBoundingClientRect().top - scroller.getBoundingClientRect().top + scroller.scrollTop));
    update();
    const ro = new ResizeObserver(update);
    if (topRef.current) ro.observe(topRef.current);
    return () => ro.disconnect();
  }, [topRef]);

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => listRef.current?.parentElement ?? null,
    estimateSize: (i) => (rows[i]?.kind === 'group' ? 32 : 54),
    overscan: 8,
    getItemKey,
    scrollMargin: margin,
    rangeExtractor: (range) => {
      const out = defaultRangeExtractor(range);
      const f = focusedKey.current === undefined ? undefined : indexByKey.get(focusedKey.current);
      if (f !== undefined && !out.includes(f)) {
        out.push(f);
        out.sort((a, b) => a - b);
      }
      return out;
    },
  });

  const buttonAt = (index: number): HTMLButtonElement | null => listRef.current?.querySelector<HTMLButtonElement>(`[data-index="${index}"] .roster-item`) ?? null;

  // A contact that was not mounted when the keyboard moved to it: focus it once it is.
  useLayoutEffect(() => {
    const key = pendingFocus.current;
    if (key === undefined) return;
    const index = indexByKey.get(key);
    const el = index === undefined ? null : buttonAt(index);
    if (index === undefined || el) pendingFocus.current = undefined;
    el?.focus();
  });

  const onKeyDown = (e: React.KeyboardEvent<HTMLElement>): void => {
    if (!NAV_KEYS.has(e.key)) return;
    const target = e.target as HTMLElement;
    if (!target.classList.contains('roster-item')) return;
    const i = Number(target.closest<HTMLElement>('[data-index]')?.dataset.index);
    if (!Number.isInteger(i)) return;
    const isContact = (j: number): boolean => rows[j]?.kind === 'contact';
    let next = i;
    if (e.key === 'Home' || e.key === 'End') {
      const step = e.key === 'Home' ? 1 : -1;
      for (let j = e.key === 'Home' ? 0 : rows.length - 1; j >= 0 && j < rows.length; j += step) {
        if (isContact(j)) {
          next = j;
          break;
        }
      }
    } else {
      const step = e.key === 'ArrowDown' ? 1 : -1;
      for (let j = i + step; j >= 0 && j < rows.length; j += step) {
        if (isContact(j)) {
          next = j;
          break;
        }
      }
    }
    e.preventDefault();
    const el = buttonAt(next);
    if (el) {
      el.focus(); // the browser scrolls it into view
      return;
    }
    pendingFocus.current = rows[next]?.key;
    virtualizer.scrollToIndex(next, { align: 'auto' });
  };

  const onFocus = (e: React.FocusEvent<HTMLElement>): void => {
    const i = Number((e.target as HTMLElement).closest<HTMLElement>('[data-index]')?.dataset.index);
    focusedKey.current = Number.isInteger(i) ? rows[i]?.key : undefined;
  };
  const onBlur = (e: React.FocusEvent<HTMLElement>): void => {
    if (!(e.relatedTarget instanceof Node && e.currentTarget.contains(e.relatedTarget))) focusedKey.current = undefined;
  };

  const offset = virtualizer.options.scrollMargin;
  const place = (item: VirtualItem): React.CSSProperties => ({ transform: `translateY(${item.start - offset}px)` });
  const sections = sectionsOf(rows, virtualizer.getVirtualItems());
  return (
    <div ref={listRef} className="roster-groups" style={{ height: virtualizer.getTotalSize() }} onKeyDown={onKeyDown} onFocus={onFocus} onBlur={onBlur}>
      {sections.map(({ head, header, contacts }) => {
        const listId = `${idPrefix}-group-${head.index}`;
        const name = head.name ?? t('roster.ungrouped');
        return (
          <section key={head.key} className="roster-group" data-group={head.name ?? ''}>
            {header && (
              <h3
                ref={virtualizer.measureElement}
                data-index={header.index}
                className={head.index === 0 ? 'roster-group-head roster-row' : 'roster-group-head roster-row roster-group-gap'}
                style={place(header)}
              >
                <button type="button" className="group-toggle" aria-expanded={head.open} aria-controls={listId} onClick={() => onToggle(head.key)}>
                  <ChevronIcon />
                  <span>{name}</span>{' '}
                  <span className="muted group-count">
                    <span aria-hidden="true">{head.count}</span>
                    <span className="visually-hidden">{head.count === 1 ? t('roster.groupCountOne') : t('roster.groupCount', { count: head.count })}</span>
                  </span>
                </button>
              </h3>
            )}
            <ul id={listId} className="roster-list" aria-label={name} hidden={!head.open}>
              {contacts.map((item) => {
                const row = rows[item.index];
                if (row?.kind !== 'contact') return null;
                return (
                  <li
                    key={row.key}
                    ref={virtualizer.measureElement}
                    data-index={item.index}
                    className="roster-row"
                    style={place(item)}
                    aria-posinset={row.pos}
                    aria-setsize={head.count}
                  >
                    <RosterItem contact={row.contact} />
                  </li>
                );
              })}
            </ul>
          </section>
        );
      })}
    </div>
  );
}
