/**
 * One account's session as the UI sees it: connect, disconnect, the last security report, and
 * the certificate-change question put to the user [R7590-HF4]. Owns no socket itself — the
 * session core does — and keeps no password after `connect` returns.
 */
import { randomUUID } from 'node:crypto';
import type { AuthInput, ConnectionState } from '../../../shared/ipc';
import type { SecurityReport } from '../../../shared/security/report';
import type { EventHub } from '../ipc/events';
import { CommandFailure } from '../ipc/handlers';
import type { CertificateDecision, CertificateMemory } from '../xmpp/session/certificate-memory';
import { establishSession, type EstablishedSession, type EstablishOptions } from '../xmpp/session/establish';
import { SessionFailure } from '../xmpp/session/failure';
import type { SessionPolicy } from '../xmpp/session/policy';
import type { CardEnvironment, CardManager } from './card-manager';
import { prepareCredentials } from './credentials';

export interface SessionEnvironment {
  /** The configured trust anchors (DoD PKI roots in production) [UCR-T4]. */
  loadTrustAnchors(): Promise<string>;
  readonly policy: SessionPolicy;
  readonly certificateMemory: CertificateMemory;
  /** Smart cards: PKCS#11 module paths and how to start the card worker. */
  readonly cards: CardEnvironment;
  /** Card removed during a session: 'terminate' (default: end it and ask for the card and PIN again) or 'keep'. */
  readonly onCardRemoval: 'terminate' | 'keep';
  /** For tests: replaces establishSession (e.g. to inject a DNS port). */
  readonly establish?: (opts: EstablishOptions) => Promise<EstablishedSession>;
}

export interface SessionManager {
  connect(account: string, auth: AuthInput): Promise<{ jid: string }>;
  disconnect(): Promise<void>;
  report(): SecurityReport | null;
  decide(requestId: string, decision: CertificateDecision): void;
  dispose(): Promise<void>;
}

export function createSessionManager(env: SessionEnvironment, events: EventHub, cards: CardManager): SessionManager {
  let session: EstablishedSession | undefined;
  /** The card slot the current session's key is on, if any. */
  let sessionSlot: string | undefined;
  let lastReport: SecurityReport | null = null;
  let busy = false;
  const pendingDecisions = new Map<string, (d: CertificateDecision) => void>();

  const setState = (s: ConnectionState): void => events.emit('didChangeConnectionState', s);
  const publish = (r: SecurityReport): void => {
    lastReport = r;
    events.emit('didUpdateSecurityReport', r);
  };

  // Card removal [UCR-T5]: by default the session ends at once and the user must bring the card
  // back and enter the PIN again; policy may keep the session (the TLS keys are already agreed).
  cards.onDidRemoveToken((e) => {
    const s = session;
    if (!s || sessionSlot === undefined || e.slot !== sessionSlot || env.onCardRemoval === 'keep') return;
    session = undefined;
    sessionSlot = undefined;
    void s.stream.close(500).catch(() => undefined);
    setState({ state: 'locked', account: s.account, error: { stage: 'tls', message: 'the smart card was removed: insert it and enter your PIN again' } });
  });

  async function disconnect(): Promise<void> {
    const s = session;
    session = undefined;
    sessionSlot = undefined;
    for (const resolve of pendingDecisions.values()) resolve('reject');
    pendingDecisions.clear();
    if (s) {
      await s.stream.close().catch(() => undefined);
      setState({ state: 'disconnected', account: s.account });
    }
  }

  return {
    async connect(account, authInput) {
      if (busy || session) throw new CommandFailure('invalid-state', session ? 'already connected: disconnect first' : 'a connection attempt is already running');
      busy = true;
      setState({ state: 'connecting', account });
      let credentials: Awaited<ReturnType<typeof prepareCredentials>> | undefined;
      try {
        const trustAnchorsPem = await env.loadTrustAnchors().catch((e: unknown) => {
          throw new CommandFailure('invalid-state', `no trust anchors are configured: ${e instanceof Error ? e.message : String(e)}`);
        });
        credentials = await prepareCredentials(authInput, cards);
        // The identity can only lower the policy's ceiling (an RSA card without PSS: TLS 1.2).
        const max = credentials.maxTlsVersion === '1.2' ? ('1.2' as const) : undefined;
        const policy = max ? { ...env.policy, tls: { ...env.policy.tls, maxVersion: max } } : env.policy;
        if (max && policy.tls.minVersion === '1.3') {
          throw new CommandFailure('card-unavailable', 'this card cannot sign with RSA-PSS, which TLS 1.3 requires, and policy does not allow TLS 1.2');
        }
        const establish = env.establish ?? establishSession;
        const s = await establish({
          account,
          auth: credentials.auth,
          trustAnchorsPem,
          policy,
          certificateMemory: env.certificateMemory,
          onCertificateChange: (change) =>
            new Promise<CertificateDecision>((resolve) => {
              const requestId = randomUUID();
              pendingDecisions.set(requestId, resolve);
              setState({ state: 'awaiting-certificate-decision', account });
              events.emit('didDetectCertificateChange', { requestId, account: change.account, previous: change.previous, presented: change.presented });
            }),
        });
        session = s;
        sessionSlot = credentials.slot;
        publish({ ...s.report, notes: [...s.report.notes, ...credentials.notes] });
        s.stream.onClose((err) => {
          if (session !== s) return;
          session = undefined;
          setState({ state: 'failed', account: s.account, error: { stage: 'stream', message: err.message } });
        });
        setState({ state: 'connected', account: s.account, jid: s.jid });
        return { jid: s.jid };
      } catch (e: unknown) {
        if (e instanceof SessionFailure) {
          publish(e.report);
          setState({ state: 'failed', account, error: { stage: e.stage, message: e.message } });
          throw new CommandFailure('connection-failed', e.message);
        }
        setState({ state: 'failed', account, error: { stage: 'policy', message: e instanceof Error ? e.message : String(e) } });
        throw e;
      } finally {
        busy = false;
        pendingDecisions.clear();
        // A PKCS#12 key is needed only for the handshake: freed now, established or not.
        credentials?.dispose();
      }
    },
    disconnect,
    report: () => lastReport,
    decide(requestId, decision) {
      const resolve = pendingDecisions.get(requestId);
      if (!resolve) throw new CommandFailure('invalid-state', 'no certificate decision is pending with that id');
      pendingDecisions.delete(requestId);
      resolve(decision);
    },
    dispose: disconnect,
  };
}
