import { useState } from 'react';
import { t } from '../../i18n/en';
import { getBastion } from '../../ipc/bastion';
import { answerSubscription } from '../../state/im-actions';
import { useRequests } from '../../state/im-selectors';

/**
 * Subscription requests waiting for the user [IMPP-P1]: nobody sees the user's presence until
 * the user approves them here; Deny refuses (and revokes an earlier approval).
 */
export function RequestsInbox(): React.JSX.Element | null {
  const requests = useRequests();
  const [busy, setBusy] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  if (requests.length === 0) return null;

  const answer = async (jid: string, approve: boolean): Promise<void> => {
    setBusy(jid);
    setError(undefined);
    const e = await answerSubscription(getBastion(), jid, approve);
    setBusy(undefined);
    if (e) setError(t('requests.failed', { jid, message: e.message }));
  };

  return (
    <section className="requests" aria-labelledby="requests-title" data-testid="requests-inbox">
      <h3 id="requests-title">
        {t('requests.title')} <span className="count-badge">{requests.length}</span>
      </h3>
      <p className="requests-intro">{t('requests.intro')}</p>
      {error && (
        <p role="alert" className="field-error">
          {error}
        </p>
      )}
      <ul className="request-list">
        {requests.map((r) => (
          <li key={r.from} className="request" data-jid={r.from}>
            <span className="request-jid">{r.from}</span>
            {r.status && <span className="request-status">{t('requests.message', { status: r.status })}</span>}
            <span className="request-actions">
              <button type="button" className="button-primary button-small" aria-label={t('requests.approveLabel', { jid: r.from })} disabled={busy !== undefined} onClick={() => void answer(r.from, true)}>
                {t('requests.approve')}
              </button>
              <button type="button" className="button-small" aria-label={t('requests.denyLabel', { jid: r.from })} disabled={busy !== undefined} onClick={() => void answer(r.from, false)}>
                {t('requests.deny')}
              </button>
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
