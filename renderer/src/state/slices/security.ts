import type { ConnectionState, EventPayload, IpcError } from '../../../../shared/ipc/index';
import type { SecurityReport } from '../../../../shared/security/report';

export type CertificateChangeQuestion = EventPayload<'didDetectCertificateChange'>;

/** The connection-security report [R7590-HF1…HF3] and the open certificate question [R7590-HF4]. */
export interface SecuritySlice {
  readonly report: SecurityReport | null;
  readonly pendingChange: CertificateChangeQuestion | undefined;
  readonly deciding: boolean;
  readonly decisionError: IpcError | undefined;
}

export const initialSecurity: SecuritySlice = { report: null, pendingChange: undefined, deciding: false, decisionError: undefined };

export function reportUpdated(s: SecuritySlice, report: SecurityReport | null): SecuritySlice {
  return { ...s, report };
}

export function certificateChangeDetected(s: SecuritySlice, q: CertificateChangeQuestion): SecuritySlice {
  return { ...s, pendingChange: q, deciding: false, decisionError: undefined };
}

/** A question only makes sense while its connect attempt runs: any other state retires it. */
export function securitySawConnectionState(s: SecuritySlice, c: ConnectionState): SecuritySlice {
  if (!s.pendingChange || c.state === 'awaiting-certificate-decision' || c.state === 'connecting') return s;
  return { ...s, pendingChange: undefined, deciding: false, decisionError: undefined };
}

export function decisionStarted(s: SecuritySlice): SecuritySlice {
  return { ...s, deciding: true, decisionError: undefined };
}

export function decisionFinished(s: SecuritySlice, requestId: string, error: IpcError | undefined): SecuritySlice {
  if (s.pendingChange?.requestId !== requestId) return { ...s, deciding: false };
  return error ? { ...s, deciding: false, decisionError: error } : { ...s, pendingChange: undefined, deciding: false, decisionError: undefined };
}
