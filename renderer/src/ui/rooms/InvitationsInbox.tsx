import { useState } from 'react';
import { t } from '../../i18n/en';
import { getBastion } from '../../ipc/bastion';
import { useAccount } from '../../state/im-selectors';
import { answerInvitation } from '../../state/rooms-actions';
import { useInvitations } from '../../state/rooms-selectors';
import { defaultNick } from './room-text';

/**
 * Room invitations waiting for the user (XEP-0045 §7.8 mediated, XEP-0249 direct): Accept joins
 * the room (with the invitation's password, which main keeps), Decline tells the inviter when the
 * invitation came through the room.
 */
export function InvitationsInbox(): React.JSX.Element | null {
  const invitations = useInvitations();
  const account = useAccount();
  const [busy, setBusy] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  if (invitations.length === 0) return null;

  const answer = async (id: string, room: string, accept: boolean): Promise<void> => {
    setBusy(id);
    setError(undefined);
    const e = await answerInvitation(getBastion(), id, room, accept, defaultNick(account));
    setBusy(undefined);
    if (e) setError(t('invitations.failed', { room, message: e.message }));
  };

  return (
    <section className="requests invitations" aria-labelledby="invitations-title" data-testid="invitations-inbox">
      <h3 id="invitations-title">
        {t('invitations.title')} <span className="count-badge">{invitations.length}</span>
      </h3>
      {error && (
        <p role="alert" className="field-error">
          {error}
        </p>
      )}
      <ul className="request-list">
        {invitations.map((i) => (
          <li key={i.id} className="request" data-room={i.room}>
            <span className="request-jid">{i.room}</span>
            <span className="request-status">{t('invitations.from', { from: i.from.split('/')[0] ?? i.from })}</span>
            {i.reason && <span className="request-status">{t('requests.message', { status: i.reason })}</span>}
            {i.hasPassword && <span className="request-status">{t('invitations.password')}</span>}
            <span className="request-actions">
              <button type="button" className="button-primary button-small" aria-label={t('invitations.acceptLabel', { room: i.room })} disabled={busy !== undefined} onClick={() => void answer(i.id, i.room, true)}>
                {t('invitations.accept')}
              </button>
              <button type="button" className="button-small" aria-label={t('invitations.declineLabel', { room: i.room })} disabled={busy !== undefined} onClick={() => void answer(i.id, i.room, false)}>
                {t('invitations.decline')}
              </button>
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
