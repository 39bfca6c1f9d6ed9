import { useEffect, useRef } from 'react';
import { t } from '../i18n/en';
import { getBastion } from '../ipc/bastion';
import { acknowledgeConsent } from '../state/actions';
import { useConsent } from '../state/selectors';

/**
 * The DoD Notice and Consent banner [UCR-G3]: the first screen, and the only one until the user
 * acknowledges it. The text gets focus so that it is read first and scrolls with the keyboard.
 */
export function ConsentScreen(): React.JSX.Element {
  const consent = useConsent();
  const textRef = useRef<HTMLDivElement>(null);
  useEffect(() => textRef.current?.focus(), []);
  return (
    <div className="screen screen-consent">
      <header className="screen-header">
        <h1 id="consent-title">{t('consent.title')}</h1>
      </header>
      <main className="screen-main consent-main">
        <p id="consent-intro">{t('consent.intro')}</p>
        {consent.status === 'failed' && (
          <p role="alert" className="alert alert-error">
            {t('consent.loadFailed', { message: consent.error?.message ?? '' })}
          </p>
        )}
        <div
          ref={textRef}
          role="region"
          aria-label={t('consent.textLabel')}
          aria-describedby="consent-intro"
          tabIndex={0}
          className="consent-text"
          data-testid="consent-text"
        >
          <pre>{consent.text}</pre>
        </div>
        {consent.status === 'ready' && consent.error && (
          <p role="alert" className="alert alert-error">
            {t('consent.ackFailed', { message: consent.error.message })}
          </p>
        )}
        <div className="actions">
          <button
            disabled={consent.status !== 'ready'}
            type="button"
            className="button-primary"
            aria-disabled={consent.acknowledging || undefined}
            onClick={() => {
              if (!consent.acknowledging) void acknowledgeConsent(getBastion());
            }}
          >
            {consent.acknowledging ? t('consent.acknowledging') : t('consent.acknowledge')}
          </button>
        </div>
      </main>
    </div>
  );
}
