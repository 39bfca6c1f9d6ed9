import { useEffect, useState } from 'react';
import { t } from '../../i18n/en';
import { useLinkState } from '../../state/im-selectors';
import { formatInstant } from '../common/format';
import { getBastion } from '../../ipc/bastion';

function useNow(active: boolean, everyMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return undefined;
    setNow(Date.now());
    const id = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(id);
  }, [active, everyMs]);
  return now;
}

function queuedText(n: number): string {
  return n === 0 ? t('reconnect.queuedNone') : n === 1 ? t('reconnect.queuedOne') : t('reconnect.queuedMany', { count: n });
}

/**
 * Shown while the core reconnects: when the next attempt is (a live countdown for the eye; the
 * time itself for screen readers, so the live region does not speak every second), how many
 * messages wait in the outbox, and the last error.
 */
export function ReconnectBanner(): React.JSX.Element | null {
  const link = useLinkState();
  const waiting = link.state === 'reconnecting' && link.retryAt !== undefined;
  const now = useNow(waiting);
  if (link.state !== 'reconnecting' && link.state !== 'connecting') return null;
  const retryAt = link.retryAt ? Date.parse(link.retryAt) : Number.NaN;
  const seconds = Number.isNaN(retryAt) ? 0 : Math.max(0, Math.ceil((retryAt - now) / 1000));
  return (
    <section className="reconnect-banner alert alert-warning" aria-labelledby="reconnect-title" data-testid="reconnect-banner">
      <h2 id="reconnect-title">{t('reconnect.title')}</h2>
      <p className="reconnect-countdown" aria-hidden="true" data-testid="reconnect-countdown">
        {waiting && seconds > 0 ? t('reconnect.countdown', { seconds }) : t('reconnect.now')}
      </p>
      <p role="status" data-testid="reconnect-status">
        {waiting && link.retryAt ? t('reconnect.at', { time: formatInstant(link.retryAt) }) : t('reconnect.now')} <span data-testid="reconnect-queued">{queuedText(link.queued)}</span>
      </p>
      {link.error && <p data-testid="reconnect-error">{t('reconnect.error', { message: link.error })}</p>}
      {waiting && (
        <button type="button" className="button" data-testid="reconnect-now" onClick={() => void getBastion().invoke('reconnectNow', {})}>
          {t('reconnect.retryNow')}
        </button>
      )}
    </section>
  );
}
