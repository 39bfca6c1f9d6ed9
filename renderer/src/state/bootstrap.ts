/**
 * The one module that listens to the core: it subscribes to every IPC event, loads what the
 * first screen needs, and feeds the store's slices. Every update goes through `dispatch`, so a
 * flood of events costs at most one store commit (and one React render) per animation frame.
 */
import type { BastionApi } from '../../../shared/ipc/contract';
import { createDisposables, type Disposer } from '../../../shared/util/disposable';
import { cardsChanged } from './slices/cards';
import { connectionStateChanged } from './slices/connection';
import { consentFailed, consentLoaded } from './slices/consent';
import { certificateChangeDetected, reportUpdated, securitySawConnectionState } from './slices/security';
import { dispatch, on } from './store';

export function bootstrap(api: BastionApi): Disposer {
  const subs = createDisposables();
  let disposed = false;

  subs.add(
    api.on('didChangeConnectionState', (p) =>
      dispatch((s) => ({ ...s, connection: connectionStateChanged(s.connection, p), security: securitySawConnectionState(s.security, p) })),
    ),
  );
  subs.add(api.on('didUpdateSecurityReport', (p) => dispatch(on('security', (x) => reportUpdated(x, p)))));
  subs.add(api.on('didDetectCertificateChange', (p) => dispatch(on('security', (x) => certificateChangeDetected(x, p)))));
  subs.add(api.on('didChangeCards', (p) => dispatch(on('cards', (x) => cardsChanged(x, p)))));
  subs.add(api.on('didReceivePing', (p) => dispatch(on('app', (a) => ({ ...a, lastPingEvent: p.nonce })))));

  void api.invoke('getAppInfo', {}).then((r) => {
    if (disposed) return;
    dispatch(on('app', (a) => ({ ...a, link: r.ok ? { state: 'ready', info: r.value } : { state: 'failed', error: r.error } })));
  });
  void api.invoke('getConsent', {}).then((r) => {
    if (disposed) return;
    dispatch(on('consent', (c) => (r.ok ? consentLoaded(c, r.value) : consentFailed(c, r.error))));
  });
  // The report of an earlier attempt in this run, if any (the panel also refreshes on open).
  void api.invoke('getSecurityReport', {}).then((r) => {
    if (disposed || !r.ok) return;
    dispatch(on('security', (x) => (x.report ? x : reportUpdated(x, r.value))));
  });

  return () => {
    disposed = true;
    subs.dispose();
  };
}
