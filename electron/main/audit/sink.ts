/**
 * The audit port the core writes security events to [UCR-G3] (CoreDeps.audit). The core only
 * says what happened; where it goes (the JSON-lines file of log.ts, a test's array) is the
 * host's choice. Never a message body, a PIN, a password or key material: the file sink scrubs
 * every detail (scrub.ts), and the helpers here pass only what an auditor needs.
 */
import type { SecurityReport } from '../../../shared/security/report';
import type { AuditDetail } from './scrub';

export const AUDIT_EVENT_TYPES = [
  'policy-load',
  'consent-acknowledged',
  'login-attempt',
  'login',
  'logout',
  'reconnect',
  'session-ended',
  'tls-failure',
  'certificate-change',
  'certificate-decision',
  'card-inserted',
  'card-removed',
  'pin-rejected',
  'password-changed',
  'account-created',
] as const;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];
export type AuditOutcome = 'success' | 'failure' | 'refused' | 'info';

export interface AuditEvent {
  readonly type: AuditEventType;
  readonly outcome: AuditOutcome;
  /** The XMPP account (bare JID as typed or bound); absent for machine events (policy, cards). */
  readonly account?: string | undefined;
  readonly detail?: AuditDetail;
}

export interface AuditSink {
  /** Synchronous and durable for the file sink (fsync-ed before it returns); never throws. */
  record(event: AuditEvent): void;
  /** Releases the file (every event is on disk already). */
  close?(): void;
}

export const NO_AUDIT: AuditSink = { record: () => undefined };

/** The stages at which a failure is a TLS failure (handshake, server identity, revocation). */
const TLS_STAGES = new Set(['starttls', 'tls', 'server-identity', 'revocation']);
const pinRejections = new WeakMap<AuditSink, number>();

/**
 * A sign-in or reconnect that failed: SessionFailure (a stage and a reason), or a refusal before
 * the network (CommandFailure: card, PIN, certificate file). Read by shape, so this module needs
 * neither class; the reason strings are the core's own and hold no secret.
 */
export function auditFailure(audit: AuditSink, type: 'login' | 'reconnect', account: string, e: unknown): void {
  const err = e as { stage?: unknown; code?: unknown; message?: unknown };
  const reason = typeof err.message === 'string' ? err.message : String(e);
  if (typeof err.stage === 'string') {
    audit.record({ type, outcome: 'failure', account, detail: { stage: err.stage, reason } });
    if (TLS_STAGES.has(err.stage)) audit.record({ type: 'tls-failure', outcome: 'failure', account, detail: { stage: err.stage, reason } });
    return;
  }
  if (err.code === 'pin-rejected') {
    // The count only: never the PIN, nor anything derived from it.
    const count = (pinRejections.get(audit) ?? 0) + 1;
    pinRejections.set(audit, count);
    audit.record({ type: 'pin-rejected', outcome: 'failure', account, detail: { rejectedThisRun: count } });
    audit.record({ type, outcome: 'failure', account, detail: { stage: 'card', code: 'pin-rejected' } });
    return;
  }
  audit.record({ type, outcome: typeof err.code === 'string' && err.code !== 'internal' ? 'refused' : 'failure', account, detail: { ...(typeof err.code === 'string' ? { code: err.code } : {}), reason } });
}

/** A session is up (sign-in or reconnect): who, how, and what protects it. */
export function auditEstablished(audit: AuditSink, type: 'login' | 'reconnect', report: SecurityReport, extra: AuditDetail = {}): void {
  const tls = report.tls;
  audit.record({
    type,
    outcome: 'success',
    account: report.account,
    detail: {
      ...extra,
      ...(report.connection ? { server: `${report.connection.host} ${report.connection.address}:${report.connection.port}` } : {}),
      ...(report.boundJid ? { jid: report.boundJid } : {}),
      ...(tls ? { tls: tls.version, cipher: tls.cipherSuite, serverCertificateSha256: tls.peerChain[0]?.sha256 ?? null, revocation: tls.revocation?.status ?? 'not-checked' } : {}),
      // R7590-HF4: first use, same key, renewal by the same CA, or a change the user decided on.
      ...(report.certificateChange ? { serverCertificate: report.certificateChange.kind, ...(report.certificateChange.decision ? { decision: report.certificateChange.decision } : {}) } : {}),
      ...(tls?.clientCertificate ? { clientCertificate: { subject: tls.clientCertificate.subject, sha256: tls.clientCertificate.sha256 } } : {}),
      ...(report.sasl ? { sasl: report.sasl.mechanism } : {}),
    },
  });
}
