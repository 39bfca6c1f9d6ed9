import { useId, useMemo, useRef, useState, type RefObject } from 'react';
import { t } from '../../i18n/en';
import { useContacts, useRosterLoaded } from '../../state/im-selectors';
import { groupContacts } from '../../state/roster-groups';
import { AddContactDialog } from './AddContactDialog';
import { OwnPresence } from './OwnPresence';
import { RequestsInbox } from './RequestsInbox';
import { RosterList, rosterRows } from './RosterList';

/** The sidebar: the user's own presence, search, subscription requests, the roster by group, add contact. */
export function RosterPanel({ searchRef }: { readonly searchRef: RefObject<HTMLInputElement | null> }): React.JSX.Element {
  const contacts = useContacts();
  const loaded = useRosterLoaded();
  const [query, setQuery] = useState('');
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const [adding, setAdding] = useState(false);
  const groups = useMemo(() => groupContacts(contacts, query), [contacts, query]);
  const rows = useMemo(() => rosterRows(groups, collapsed, query.trim() !== ''), [groups, collapsed, query]);
  const id = useId();
  const total = Object.keys(contacts).length;
  const topRef = useRef<HTMLDivElement>(null);

  const toggle = (key: string): void =>
    setCollapsed((c) => {
      const n = new Set(c);
      if (!n.delete(key)) n.add(key);
      return n;
    });

  return (
    <aside className="roster" aria-labelledby="roster-title">
      {/* Everything above the (virtualised) list: its height is the list's offset in the scrolling sidebar. */}
      <div ref={topRef}>
        <OwnPresence />
        <div className="section-head roster-head">
          <h2 id="roster-title">{t('roster.title')}</h2>
          <button type="button" className="button-small" onClick={() => setAdding(true)}>
            {t('roster.add')}
          </button>
        </div>
        <div className="roster-search">
          <label htmlFor="roster-search" className="visually-hidden">
            {t('roster.search')}
          </label>
          <input
            id="roster-search"
            ref={searchRef}
            type="search"
            value={query}
            placeholder={t('roster.searchPlaceholder')}
            aria-keyshortcuts="Control+K"
            autoComplete="off"
            spellCheck={false}
            onChange={(e) => setQuery(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Escape' && query !== '') {
                e.preventDefault();
                setQuery('');
              }
            }}
          />
        </div>
        <RequestsInbox />
        {!loaded && total === 0 && <p className="muted">{t('roster.loading')}</p>}
        {loaded && total === 0 && <p className="muted">{t('roster.empty')}</p>}
        {total > 0 && groups.length === 0 && (
          <p className="muted" role="status">
            {t('roster.noMatch', { query: query.trim() })}
          </p>
        )}
      </div>
      <RosterList topRef={topRef} rows={rows} idPrefix={id} onToggle={toggle} />
      {adding && <AddContactDialog onClose={() => setAdding(false)} />}
    </aside>
  );
}
