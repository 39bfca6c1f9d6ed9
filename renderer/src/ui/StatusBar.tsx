import { t } from '../i18n/en';
import { getBastion } from '../ipc/bastion';
import { runPing } from '../state/actions';
import { useLastPing, useLink } from '../state/selectors';

/** Footer: is the core reachable, and a diagnostics round trip for support calls. */
export function StatusBar(): React.JSX.Element {
  const link = useLink();
  const ping = useLastPing();
  return (
    <footer className="status-bar" aria-label={t('app.statusBar')}>
      <p role="status" data-testid="core-status" className="status-text">
        {link.state === 'connecting' && t('app.coreConnecting')}
        {link.state === 'ready' && t('app.coreReady', { version: link.info.version, runtime: link.info.runtime, platform: link.info.platform })}
        {link.state === 'failed' && t('app.coreUnavailable', { message: link.error.message })}
      </p>
      {ping && (
        <p data-testid="ping-result" className="status-text">
          {t('app.pingResult', { ms: ping.roundTripMs.toFixed(1), event: t(ping.eventSeen ? 'app.pingEventSeen' : 'app.pingEventMissing') })}
        </p>
      )}
      <button type="button" className="button-quiet button-small" onClick={() => void runPing(getBastion())} disabled={link.state !== 'ready'}>
        {t('app.ping')}
      </button>
    </footer>
  );
}
