import { useEffect, useRef, useState } from 'react';
import { t } from '../../i18n/en';
import { getBastion } from '../../ipc/bastion';
import { disconnect, refreshSecurityReport } from '../../state/actions';
import { useConnectionState, useDisconnecting, useSecurityReport } from '../../state/selectors';
import { ChatPane } from '../im/ChatPane';
import { ReconnectBanner } from '../im/ReconnectBanner';
import { RosterPanel } from '../im/RosterPanel';
import { useOpenRoom } from '../../state/rooms-selectors';
import { RoomPane } from '../rooms/RoomView';
import { RoomsPanel } from '../rooms/RoomsPanel';
import { SettingsDialog } from '../settings/SettingsDialog';
import { SecurityPanel } from './SecurityPanel';

function LockIcon(): React.JSX.Element {
  return (
    <svg className="icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
      <path
        fill="currentColor"
        d="M12 2a5 5 0 0 0-5 5v3H6a2 2 0 0 0-2 2v8a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-8a2 2 0 0 0-2-2h-1V7a5 5 0 0 0-5-5Zm-3 8V7a3 3 0 1 1 6 0v3H9Zm3 3.5a1.5 1.5 0 0 1 .75 2.8V18h-1.5v-1.7A1.5 1.5 0 0 1 12 13.5Z"
      />
    </svg>
  );
}

/**
 * The main window after sign-in: who is signed in and their presence, the reconnect banner,
 * the roster with the subscription requests, the open conversation, and the security panel.
 * Ctrl+K (Cmd+K) jumps to the contact search from anywhere.
 */
export function ConnectedView(): React.JSX.Element {
  const state = useConnectionState();
  const report = useSecurityReport();
  const disconnecting = useDisconnecting();
  const openRoom = useOpenRoom();
  const [panelOpen, setPanelOpen] = useState(false);
  const [settingsOpen, setSettingsOpen] = useState(false);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const lockRef = useRef<HTMLButtonElement>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  useEffect(() => headingRef.current?.focus(), []);
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.key.toLowerCase() === 'k') {
        // Not from inside a modal dialog: the rest of the page is inert then.
        if (document.querySelector('dialog[open]')) return;
        e.preventDefault();
        searchRef.current?.focus();
        searchRef.current?.select();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
  const live = state.state === 'connected';

  const jid = state.jid ?? state.account ?? '';
  const bare = jid.split('/')[0] ?? jid;
  const toggle = (): void => {
    if (!panelOpen) void refreshSecurityReport(getBastion());
    setPanelOpen(!panelOpen);
  };

  return (
    <div className="screen screen-connected">
      <header className="screen-header connected-header">
        <div className="who">
          <h1 ref={headingRef} tabIndex={-1} data-testid="account-jid">
            {bare}
          </h1>
          <p className="muted">
            {live ? <span className="badge badge-ok">{t('connected.title')}</span> : <span className="badge badge-warn">{t('connected.reconnectingBadge')}</span>}{' '}
            <span data-testid="full-jid">{jid}</span>
          </p>
        </div>
        <div className="header-actions">
          <button
            ref={lockRef}
            type="button"
            className={report?.tls?.encrypted ? 'icon-button lock lock-secure' : 'icon-button lock'}
            aria-label={t('connected.security')}
            title={t('connected.security')}
            aria-expanded={panelOpen}
            aria-controls="security-panel"
            onClick={toggle}
          >
            <LockIcon />
          </button>
          <button type="button" aria-haspopup="dialog" data-testid="open-settings" onClick={() => setSettingsOpen(true)}>
            {t('settings.open')}
          </button>
          <button
            type="button"
            aria-disabled={disconnecting || undefined}
            onClick={() => {
              if (!disconnecting) void disconnect(getBastion());
            }}
          >
            {disconnecting ? t('connected.disconnecting') : t('connected.disconnect')}
          </button>
        </div>
      </header>
      <ReconnectBanner />
      <main className={panelOpen ? 'screen-main connected-main with-panel' : 'screen-main connected-main'}>
        <RosterPanel searchRef={searchRef} />
        {openRoom ? <RoomPane room={openRoom} /> : <ChatPane />}
        {/* After the main pane in the document (the grid puts it under the contacts), so the
            keyboard goes contacts → conversation → rooms. */}
        <RoomsPanel />
        {panelOpen && (
          <SecurityPanel
            report={report}
            onClose={() => {
              setPanelOpen(false);
              lockRef.current?.focus();
            }}
          />
        )}
      </main>
      {settingsOpen && <SettingsDialog connected={live} onClose={() => setSettingsOpen(false)} />}
    </div>
  );
}
