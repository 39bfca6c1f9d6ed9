import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useCallback, useMemo, useRef } from 'react';
import type { Occupant } from '../../../../shared/ipc/index';
import { t } from '../../i18n/en';
import { allowedActions, GROUP_ROLES, groupOccupants, useOccupant, useOccupants, useRoomJoined, useSelf, type GroupRole, type ModerationAction } from '../../state/rooms-selectors';
import { MenuButton, type MenuItem } from '../common/MenuButton';
import { MoreIcon } from '../im/icons';
import { PresenceDot, showLabel } from '../im/presence';
import { actionLabel, affiliationLabel } from './room-text';

type Row = { readonly kind: 'head'; readonly role: GroupRole; readonly count: number } | { readonly kind: 'occupant'; readonly nick: string; readonly role: GroupRole };

export type OccupantAction = { readonly kind: 'moderate'; readonly action: ModerationAction; readonly target: Occupant } | { readonly kind: 'private'; readonly nick: string };

const HEAD: Readonly<Record<GroupRole, Parameters<typeof t>[0]>> = { moderator: 'occupants.moderators', participant: 'occupants.participants', visitor: 'occupants.visitors' };

/**
 * Who is in the room, grouped by role (moderators, participants, visitors) and sorted by nick;
 * virtualised, so a room of thousands keeps a small DOM. Each row selects its own occupant: a
 * presence change re-renders that row (the grouping is recomputed once per batch that changes
 * the occupant map, not per occupant).
 */
export function OccupantList({ room, onAction }: { readonly room: string; readonly onAction: (a: OccupantAction) => void }): React.JSX.Element {
  const occupants = useOccupants(room);
  const rows = useMemo(() => {
    const g = groupOccupants(occupants);
    const out: Row[] = [];
    for (const role of GROUP_ROLES) {
      const nicks = g[role];
      if (nicks.length === 0) continue;
      out.push({ kind: 'head', role, count: nicks.length });
      for (const nick of nicks) out.push({ kind: 'occupant', nick, role });
    }
    return out;
  }, [occupants]);
  const total = rows.reduce((n, r) => (r.kind === 'occupant' ? n + 1 : n), 0);
  const scrollRef = useRef<HTMLDivElement>(null);
  // Stable while the rows are: a new function re-lays out every row on every render.
  const getItemKey = useCallback(
    (i: number) => {
      const r = rows[i];
      return r === undefined ? i : r.kind === 'head' ? `head:${r.role}` : `o:${r.nick}`;
    },
    [rows],
  );
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: (i) => (rows[i]?.kind === 'head' ? 30 : 46),
    overscan: 10,
    getItemKey,
  });

  return (
    <section className="occupants" aria-labelledby={`occupants-${room}`} data-testid="occupant-list">
      <h3 id={`occupants-${room}`} className="occupants-title">
        {t('occupants.title')} <span className="muted">{total}</span>
      </h3>
      <div ref={scrollRef} className="occupant-scroller">
        <ul className="occupant-list" style={{ height: virtualizer.getTotalSize() }}>
          {virtualizer.getVirtualItems().map((item) => {
            const r = rows[item.index];
            if (!r) return null;
            return (
              <li key={item.key} ref={virtualizer.measureElement} data-index={item.index} className="occupant-slot" style={{ transform: `translateY(${item.start}px)` }}>
                {r.kind === 'head' ? (
                  <h4 className="occupant-group-head">
                    {t(HEAD[r.role])} <span className="muted">{r.count}</span>
                  </h4>
                ) : (
                  <OccupantRow room={room} nick={r.nick} onAction={onAction} />
                )}
              </li>
            );
          })}
        </ul>
      </div>
    </section>
  );
}

const OccupantRow = memo(function OccupantRow({ room, nick, onAction }: { readonly room: string; readonly nick: string; readonly onAction: (a: OccupantAction) => void }): React.JSX.Element | null {
  const o = useOccupant(room, nick);
  const self = useSelf(room);
  const joined = useRoomJoined(room);
  if (!o) return null;
  const actions = allowedActions(self, o);
  const items: MenuItem[] = [];
  if (joined && !o.self) items.push({ id: 'private', label: t('occupants.private'), onSelect: () => onAction({ kind: 'private', nick: o.nick }) });
  for (const a of actions) items.push({ id: a, label: `${actionLabel(a)}…`, danger: a === 'kick' || a === 'ban', onSelect: () => onAction({ kind: 'moderate', action: a, target: o }) });
  const status = o.status ? t('roster.statusText', { show: showLabel(o.show), status: o.status }) : showLabel(o.show);
  return (
    <div className="occupant" data-nick={o.nick} data-role={o.role} data-affiliation={o.affiliation} data-testid="occupant">
      <PresenceDot show={o.show} />
      <span className="roster-item-text">
        <span className="roster-name" title={o.nick}>
          {o.nick}
          {o.self && <span className="muted"> {t('occupants.you')}</span>}
        </span>
        <span className="roster-status">
          {o.affiliation !== 'none' && <span className="affiliation-badge">{affiliationLabel(o.affiliation)}</span>}
          {status}
        </span>
      </span>
      {items.length > 0 && <MenuButton label={t('occupants.actions', { nick: o.nick })} content={<MoreIcon />} items={items} className="button-small button-quiet occupant-menu" testId="occupant-menu" />}
    </div>
  );
});
