import { useState } from 'react';
import { t } from '../../i18n/en';
import { getBastion } from '../../ipc/bastion';
import { setOwnPresence } from '../../state/im-actions';
import { useIsOnline, useOwnPresence } from '../../state/im-selectors';
import { OWN_SHOWS, type OwnShow } from '../../state/slices/roster';
import { PresenceDot, showLabel } from './presence';

/** The user's own presence: availability (applied when chosen) and a status message (applied with Enter or the button). */
export function OwnPresence(): React.JSX.Element {
  const own = useOwnPresence();
  const online = useIsOnline();
  const [status, setStatus] = useState(own.status);
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<{ readonly error: boolean; readonly text: string } | undefined>();

  const apply = async (show: OwnShow, text: string): Promise<void> => {
    setBusy(true);
    const error = await setOwnPresence(getBastion(), show, text);
    setBusy(false);
    setNote(error ? { error: true, text: t('presence.failed', { message: error.message }) } : { error: false, text: t('presence.saved', { show: showLabel(show) }) });
  };

  return (
    <form
      className="own-presence"
      aria-label={t('presence.ownLegend')}
      onSubmit={(e) => {
        e.preventDefault();
        void apply(own.show, status);
      }}
    >
      <PresenceDot show={online ? own.show : 'unknown'} />
      <label htmlFor="own-show" className="visually-hidden">
        {t('presence.own')}
      </label>
      <select id="own-show" value={own.show} disabled={!online || busy} onChange={(e) => void apply(e.target.value as OwnShow, status)}>
        {OWN_SHOWS.map((s) => (
          <option key={s} value={s}>
            {showLabel(s)}
          </option>
        ))}
      </select>
      <label htmlFor="own-status" className="visually-hidden">
        {t('presence.message')}
      </label>
      <input id="own-status" type="text" maxLength={1024} value={status} placeholder={t('presence.message')} disabled={!online} onChange={(e) => setStatus(e.target.value)} />
      <button type="submit" className="button-small" disabled={!online || busy}>
        {t('presence.set')}
      </button>
      <p role="status" className={note?.error ? 'own-presence-note field-error' : 'visually-hidden'} data-testid="own-presence-note">
        {note?.text ?? ''}
      </p>
    </form>
  );
}
