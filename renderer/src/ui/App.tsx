import { getBastion } from '../ipc/bastion';
import { runPing } from '../state/bootstrap';
import { useAppStore } from '../state/app-store';

export function App(): React.JSX.Element {
  const link = useAppStore((s) => s.link);
  const ping = useAppStore((s) => s.lastPing);
  return (
    <div className="app">
      <header className="app-header">
        <h1>Bastion</h1>
      </header>
      <main className="app-main">
        <section aria-labelledby="core-status-title">
          <h2 id="core-status-title">Core</h2>
          <p role="status" data-testid="core-status">
            {link.state === 'connecting' && 'Connecting to the Bastion core…'}
            {link.state === 'ready' && `Core ${link.info.version} ready (${link.info.runtime}, ${link.info.platform})`}
            {link.state === 'failed' && `Core unavailable: ${link.error.message}`}
          </p>
          <button type="button" onClick={() => void runPing(getBastion())} disabled={link.state !== 'ready'}>
            Test the core connection
          </button>
          {ping && (
            <p data-testid="ping-result">
              Round trip {ping.roundTripMs.toFixed(1)} ms{ping.eventSeen ? ', event received' : ', no event'}
            </p>
          )}
        </section>
      </main>
    </div>
  );
}
