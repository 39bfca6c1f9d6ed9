/**
 * What the user can ask the core to do. Each action calls one command and records the outcome
 * in the store; secrets (password, PIN, file password) are passed through and never stored.
 */
import type { AuthInput, BastionApi, CommandInput, IpcError, Result } from '../../../shared/ipc/index';
import { cardsChanged, cardsFailed, cardsLoading } from './slices/cards';
import { clearAlert, connectFinished, connectStarted, disconnectFinished, disconnectStarted, type LastLogin } from './slices/connection';
import { consentFailed } from './slices/consent';
import { decisionFinished, decisionStarted, reportUpdated } from './slices/security';
import { dispatch, on } from './store';

export type CertificateDecision = CommandInput<'decideCertificateChange'>['decision'];

const errorOf = <T>(r: Result<T>): IpcError | undefined => (r.ok ? undefined : r.error);

export async function acknowledgeConsent(api: BastionApi): Promise<void> {
  dispatch(on('consent', (c) => ({ ...c, acknowledging: true, error: undefined })));
  const r = await api.invoke('acknowledgeConsent', {});
  dispatch(on('consent', (c) => (r.ok ? { ...c, acknowledged: true, acknowledging: false } : consentFailed(c, r.error))));
}

/**
 * Opens the session. The returned error lets the caller react (a rejected PIN goes back to the
 * PIN dialog); the store keeps it for the alert region too.
 */
export async function connect(api: BastionApi, account: string, auth: AuthInput): Promise<IpcError | undefined> {
  const lastLogin: LastLogin = {
    account,
    method: auth.kind,
    card: auth.kind === 'card' ? { slot: auth.slot, certificateId: auth.certificateId } : undefined,
  };
  dispatch(on('connection', (c) => connectStarted(c, lastLogin)));
  const r = await api.invoke('connect', { account, auth });
  const error = errorOf(r);
  dispatch(on('connection', (c) => connectFinished(c, error)));
  // Success or failure, the core has a report of the attempt now.
  void refreshSecurityReport(api);
  return error;
}

export async function disconnect(api: BastionApi): Promise<void> {
  dispatch(on('connection', disconnectStarted));
  const r = await api.invoke('disconnect', {});
  dispatch(on('connection', (c) => disconnectFinished(c, errorOf(r))));
}

export function dismissAlert(): void {
  dispatch(on('connection', clearAlert));
}

export async function refreshSecurityReport(api: BastionApi): Promise<void> {
  const r = await api.invoke('getSecurityReport', {});
  if (r.ok) dispatch(on('security', (x) => reportUpdated(x, r.value)));
}

export async function decideCertificateChange(api: BastionApi, requestId: string, decision: CertificateDecision): Promise<void> {
  dispatch(on('security', decisionStarted));
  const r = await api.invoke('decideCertificateChange', { requestId, decision });
  dispatch(on('security', (x) => decisionFinished(x, requestId, errorOf(r))));
}

export async function refreshCards(api: BastionApi): Promise<void> {
  dispatch(on('cards', cardsLoading));
  const r = await api.invoke('listCards', {});
  dispatch(on('cards', (x) => (r.ok ? cardsChanged(x, r.value) : cardsFailed(x, r.error))));
}

/**
 * Diagnostics round trip: the command answers, and its event arrives on the event path (through
 * bootstrap's subscription; the core emits the event before it answers, and updates are applied
 * in arrival order, so the event's update is already applied when this one runs).
 */
export async function runPing(api: BastionApi): Promise<void> {
  const nonce = crypto.randomUUID();
  const started = performance.now();
  const r = await api.invoke('ping', { nonce });
  const roundTripMs = performance.now() - started;
  dispatch(
    on('app', (a) => (r.ok ? { ...a, lastPing: { nonce, roundTripMs, eventSeen: a.lastPingEvent === nonce } } : { ...a, link: { state: 'failed', error: r.error } })),
  );
}
