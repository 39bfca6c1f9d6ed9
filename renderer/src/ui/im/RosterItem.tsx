import { memo } from 'react';
import type { Contact } from '../../../../shared/ipc/index';
import { t } from '../../i18n/en';
import { getBastion } from '../../ipc/bastion';
import { openChat } from '../../state/im-actions';
import { displayName, useRosterRow } from '../../state/im-selectors';
import { followsTheirPresence } from '../../state/slices/roster';
import { PresenceDot, showLabel, type ShowName } from './presence';

/**
 * One contact in the roster: a button that opens the conversation. It selects its own presence,
 * unread count and selection with one shallow-compared store subscription (not one per value:
 * every store write runs every mounted row's selectors), so a presence change re-renders this row
 * only. The roster is virtualised, so only the rows near the viewport are mounted at all.
 */
export const RosterItem = memo(function RosterItem({ contact }: { readonly contact: Contact }): React.JSX.Element {
  const { presence, unread, selected, online } = useRosterRow(contact.jid);
  const follows = contact.subscription === 'to' || contact.subscription === 'both';

  let show: ShowName = presence?.show ?? 'offline';
  let status = presence?.status;
  let text: string;
  if (!online) {
    show = 'unknown';
    status = undefined;
    text = showLabel('unknown');
  } else if (!follows) {
    text = followsTheirPresence(contact) ? t('roster.pendingOut') : t('roster.noPresence');
    show = 'unknown';
  } else {
    text = showLabel(show);
  }

  return (
    <button
      type="button"
      className={selected ? 'roster-item roster-item-selected' : 'roster-item'}
      aria-current={selected ? 'true' : undefined}
      data-jid={contact.jid}
      data-show={show}
      title={contact.jid}
      onClick={() => openChat(getBastion(), contact.jid)}
    >
      <PresenceDot show={show} />
      <span className="roster-item-text">
        <span className="roster-name">{displayName(contact.jid, contact)}</span>{' '}
        <span className="roster-status" data-testid="roster-status">
          {status ? t('roster.statusText', { show: text, status }) : text}
        </span>
      </span>
      {unread > 0 && ' '}
      {unread > 0 && (
        <span className="unread-badge" data-testid="unread-badge">
          <span aria-hidden="true">{unread}</span>
          <span className="visually-hidden">{unread === 1 ? t('roster.unreadOne') : t('roster.unread', { count: unread })}</span>
        </span>
      )}
    </button>
  );
});
