import { useId, useMemo, useState, type RefObject } from 'react';
import { t } from '../../i18n/en';
import { useContacts, useRosterLoaded } from '../../state/im-selectors';
import { groupContacts, type RosterGroup } from '../../state/roster-groups';
import { AddContactDialog } from './AddContactDialog';
import { ChevronIcon } from './icons';
import { OwnPresence } from './OwnPresence';
import { RequestsInbox } from './RequestsInbox';
import { RosterItem } from './RosterItem';

const groupKey = (g: RosterGroup): string => (g.name === undefined ? '\u0000' : `g:${g.name}`);

/** Up/Down (and Home/End) move between the contact buttons; Tab leaves the list. */
function onRosterKeyDown(e: React.KeyboardEvent<HTMLElement>): void {
  if (!['ArrowDown', 'ArrowUp', 'Home', 'End'].includes(e.key)) return;
  const target = e.target as HTMLElement;
  if (!target.classList.contains('roster-item')) return;
  const items = [...e.currentTarget.querySelectorAll<HTMLButtonElement>('.roster-item')].filter((b) => b.getClientRects().length > 0);
  const i = items.indexOf(target as HTMLButtonElement);
  const next = e.key === 'Home' ? 0 : e.key === 'End' ? items.length - 1 : e.key === 'ArrowDown' ? i + 1 : i - 1;
  const el = items[Math.max(0, Math.min(items.length - 1, next))];
  if (el) {
    e.preventDefault();
    el.focus();
  }
}

/** The sidebar: the user's own presence, search, subscription requests, the roster by group, add contact. */
export function RosterPanel({ searchRef }: { readonly searchRef: RefObject<HTMLInputElement | null> }): React.JSX.Element {
  const contacts = useContacts();
  const loaded = useRosterLoaded();
  const [query, setQuery] = useState('');
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const [adding, setAdding] = useState(false);
  const groups = useMemo(() => groupContacts(contacts, query), [contacts, query]);
  const id = useId();
  const total = Object.keys(contacts).length;

  const toggle = (key: string): void =>
    setCollapsed((c) => {
      const n = new Set(c);
      if (!n.delete(key)) n.add(key);
      return n;
    });

  return (
    <aside className="roster" aria-labelledby="roster-title" onKeyDown={onRosterKeyDown}>
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
      <div className="roster-groups">
        {!loaded && total === 0 && <p className="muted">{t('roster.loading')}</p>}
        {loaded && total === 0 && <p className="muted">{t('roster.empty')}</p>}
        {total > 0 && groups.length === 0 && (
          <p className="muted" role="status">
            {t('roster.noMatch', { query: query.trim() })}
          </p>
        )}
        {groups.map((g, i) => {
          const key = groupKey(g);
          const open = query.trim() !== '' || !collapsed.has(key);
          const listId = `${id}-group-${i}`;
          const name = g.name ?? t('roster.ungrouped');
          return (
            <section key={key} className="roster-group" data-group={g.name ?? ''}>
              <h3 className="roster-group-head">
                <button type="button" className="group-toggle" aria-expanded={open} aria-controls={listId} onClick={() => toggle(key)}>
                  <ChevronIcon />
                  <span>{name}</span>{' '}
                  <span className="muted group-count">
                    <span aria-hidden="true">{g.contacts.length}</span>
                    <span className="visually-hidden">{g.contacts.length === 1 ? t('roster.groupCountOne') : t('roster.groupCount', { count: g.contacts.length })}</span>
                  </span>
                </button>
              </h3>
              <ul id={listId} className="roster-list" aria-label={name} hidden={!open}>
                {g.contacts.map((c) => (
                  <li key={c.jid}>
                    <RosterItem contact={c} />
                  </li>
                ))}
              </ul>
            </section>
          );
        })}
      </div>
      {adding && <AddContactDialog onClose={() => setAdding(false)} />}
    </aside>
  );
}
