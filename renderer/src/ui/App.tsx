import { t } from '../i18n/en';
import { useLink, usePendingCertificateChange, useRoute, type Route } from '../state/selectors';
import { CertificateChangeDialog } from './CertificateChangeDialog';
import { ClassificationBanner } from './ClassificationBanner';
import { ConnectedView } from './connected/ConnectedView';
import { ConsentScreen } from './ConsentScreen';
import { LoginScreen } from './login/LoginScreen';
import { StatusBar } from './StatusBar';

/**
 * The app shell: classification banners top and bottom, one screen chosen from the store's state
 * (selectRoute — the consent guard lives there), the status bar, and the certificate-change
 * question above whatever screen is showing.
 */
export function App(): React.JSX.Element {
  const route = useRoute();
  const question = usePendingCertificateChange();
  return (
    <div className="shell">
      <ClassificationBanner position="top" />
      <div className="shell-content" data-route={route}>
        <Screen route={route} />
      </div>
      <StatusBar />
      <ClassificationBanner position="bottom" />
      {question && (route === 'login' || route === 'connected') && <CertificateChangeDialog key={question.requestId} question={question} />}
    </div>
  );
}

function Screen({ route }: { readonly route: Route }): React.JSX.Element {
  switch (route) {
    case 'starting':
      return <Starting />;
    case 'core-unavailable':
      return <CoreUnavailable />;
    case 'consent':
      return <ConsentScreen />;
    case 'login':
      return <LoginScreen />;
    case 'connected':
      return <ConnectedView />;
  }
}

function Starting(): React.JSX.Element {
  return (
    <div className="screen">
      <header className="screen-header">
        <h1>{t('app.name')}</h1>
      </header>
      <main className="screen-main">
        <p className="progress">
          <span className="spinner" aria-hidden="true" />
          {t('app.loading')}
        </p>
      </main>
    </div>
  );
}

function CoreUnavailable(): React.JSX.Element {
  const link = useLink();
  return (
    <div className="screen">
      <header className="screen-header">
        <h1>{t('app.coreUnavailableTitle')}</h1>
      </header>
      <main className="screen-main">
        <div role="alert" className="alert alert-error">
          <p>{link.state === 'failed' ? t('app.coreUnavailable', { message: link.error.message }) : ''}</p>
          <p>{t('app.coreUnavailableHelp')}</p>
        </div>
      </main>
    </div>
  );
}
