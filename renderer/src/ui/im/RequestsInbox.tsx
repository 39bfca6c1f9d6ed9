import { t } from '../../i18n/en';
import { getBastion } from '../../ipc/bastion';
import { answerSubscription } from '../../state/im-actions';
import { useRequests } from '../../state/im-selectors';
import { Inbox, InboxItem, useInboxAnswer } from '../common/Inbox';

/**
 * Subscription requests waiting for the user [IMPP-P1]: nobody sees the user's presence until
 * the user approves them here; Deny refuses (and revokes an earlier approval).
 */
export function RequestsInbox(): React.JSX.Element | null {
  const requests = useRequests();
  const { busy, error, answer } = useInboxAnswer();
  if (requests.length === 0) return null;
  const reply = (jid: string, approve: boolean) => () =>
    void answer(() => answerSubscription(getBastion(), jid, approve), (message) => t('requests.failed', { jid, message }));

  return (
    <Inbox titleId="requests-title" title={t('requests.title')} count={requests.length} className="requests" testId="requests-inbox" intro={t('requests.intro')} error={error}>
      {requests.map((r) => (
        <InboxItem
          key={r.from}
          className="request"
          data-jid={r.from}
          disabled={busy}
          yes={{ text: t('requests.approve'), label: t('requests.approveLabel', { jid: r.from }), onClick: reply(r.from, true) }}
          no={{ text: t('requests.deny'), label: t('requests.denyLabel', { jid: r.from }), onClick: reply(r.from, false) }}
        >
          <span className="request-jid">{r.from}</span>
          {r.status && <span className="request-status">{t('requests.message', { status: r.status })}</span>}
        </InboxItem>
      ))}
    </Inbox>
  );
}
