/**
 * One account's session as the UI sees it: connect, disconnect, the last security report, and
 * the certificate-change question put to the user [R7590-HF4]. Owns no socket itself — the
 * session core does — and keeps no password after `connect` returns.
 */
import { randomUUID } from 'node:crypto';
import type { ConnectionState } from '../../../shared/ipc';
import type { SecurityReport } from '../../../shared/security/report';
import type { EventHub } from '../ipc/events';
import { CommandFailure } from '../ipc/handlers';
import type { CertificateDecision, CertificateMemory } from '../xmpp/session/certificate-memory';
import { establishSession, type EstablishedSession, type EstablishOptions } from '../xmpp/session/establish';
import { SessionFailure } from '../xmpp/session/failure';
import type { SessionPolicy } from '../xmpp/session/policy';

export interface SessionEnvironment {
  /** The configured trust anchors (DoD PKI roots in production) [UCR-T4]. */
  loadTrustAnchors(): Promise<string>;
  readonly policy: SessionPolicy;
  readonly certificateMemory: CertificateMemory;
  /** For tests: replaces establishSession (e.g. to inject a DNS port). */
  readonly establish?: (opts: EstablishOptions) => Promise<EstablishedSession>;
}

export interface SessionManager {
  connect(account: string, password: string): Promise<{ jid: string }>;
  disconnect(): Promise<void>;
  report(): SecurityReport | null;
  decide(requestId: string, decision: CertificateDecision): void;
  dispose(): Promise<void>;
}

export function createSessionManager(env: SessionEnvironment, events: EventHub): SessionManager {
  let session: EstablishedSession | undefined;
  let lastReport: SecurityReport | null = null;
  let busy = false;
  const pendingDecisions = new Map<string, (d: CertificateDecision) => void>();

  const setState = (s: ConnectionState): void => events.emit('didChangeConnectionState', s);
  const publish = (r: SecurityReport): void => {
    lastReport = r;
    events.emit('didUpdateSecurityReport', r);
  };

  async function disconnect(): Promise<void> {
    const s = session;
    session = undefined;
    for (const resolve of pendingDecisions.values()) resolve('reject');
    pendingDecisions.clear();
    if (s) {
      await s.stream.close().catch(() => undefined);
      setState({ state: 'disconnected', account: s.account });
    }
  }

  return {
    async connect(account, password) {
      if (busy || session) throw new CommandFailure('invalid-state', session ? 'already connected: disconnect first' : 'a connection attempt is already running');
      busy = true;
      setState({ state: 'connecting', account });
      try {
        const trustAnchorsPem = await env.loadTrustAnchors().catch((e: unknown) => {
          throw new CommandFailure('invalid-state', `no trust anchors are configured: ${e instanceof Error ? e.message : String(e)}`);
        });
        const establish = env.establish ?? establishSession;
        const s = await establish({
          account,
          auth: { kind: 'password', password },
          trustAnchorsPem,
          policy: env.policy,
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
        publish(s.report);
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
