import { t } from '../../i18n/en';
import { getBastion } from '../../ipc/bastion';
import { useAccount } from '../../state/im-selectors';
import { answerInvitation } from '../../state/rooms-actions';
import { useInvitations } from '../../state/rooms-selectors';
import { Inbox, InboxItem, useInboxAnswer } from '../common/Inbox';
import { defaultNick } from './room-text';

/**
 * Room invitations waiting for the user (XEP-0045 §7.8 mediated, XEP-0249 direct): Accept joins
 * the room (with the invitation's password, which main keeps), Decline tells the inviter when the
 * invitation came through the room.
 */
export function InvitationsInbox(): React.JSX.Element | null {
  const invitations = useInvitations();
  const account = useAccount();
  const { busy, error, answer } = useInboxAnswer();
  if (invitations.length === 0) return null;
  const reply = (id: string, room: string, accept: boolean) => () =>
    void answer(() => answerInvitation(getBastion(), id, room, accept, defaultNick(account)), (message) => t('invitations.failed', { room, message }));

  return (
    <Inbox titleId="invitations-title" title={t('invitations.title')} count={invitations.length} className="requests invitations" testId="invitations-inbox" error={error}>
      {invitations.map((i) => (
        <InboxItem
          key={i.id}
          className="request"
          data-room={i.room}
          disabled={busy}
          yes={{ text: t('invitations.accept'), label: t('invitations.acceptLabel', { room: i.room }), onClick: reply(i.id, i.room, true) }}
          no={{ text: t('invitations.decline'), label: t('invitations.declineLabel', { room: i.room }), onClick: reply(i.id, i.room, false) }}
        >
          <span className="request-jid">{i.room}</span>
          <span className="request-status">{t('invitations.from', { from: i.from.split('/')[0] ?? i.from })}</span>
          {i.reason && <span className="request-status">{t('requests.message', { status: i.reason })}</span>}
          {i.hasPassword && <span className="request-status">{t('invitations.password')}</span>}
        </InboxItem>
      ))}
    </Inbox>
  );
}
