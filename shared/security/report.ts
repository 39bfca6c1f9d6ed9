/**
 * The connection-security report [R7590-HF1, HF2, HF3]: everything the session core measured
 * while establishing a session, for the UI's security panel, the CLI's `bastion doctor` and the
 * audit log. Plain data, JSON-safe, no secrets (no passwords, PINs or message bodies).
 */
export interface DnsQueryRecord {
  readonly name: string;
  readonly type: 'SRV' | 'A' | 'AAAA';
  readonly at: string;
  readonly durationMs: number;
  readonly answers: readonly string[];
  readonly error?: string;
}

export interface CertificateSummary {
  readonly subject: string;
  readonly issuer: string;
  readonly serialNumber: string;
  readonly validFrom: string;
  readonly validTo: string;
  readonly sha256: string;
  readonly spkiSha256: string;
  readonly subjectAltName?: string;
}

export interface SecurityReport {
  readonly account: string;
  readonly startedAt: string;
  readonly finishedAt?: string;
  readonly outcome: 'established' | 'failed';
  readonly failure?: { readonly stage: SessionStage; readonly message: string };
  readonly dns?: {
    readonly servers: readonly string[] | 'system';
    readonly queries: readonly DnsQueryRecord[];
    readonly skipped: readonly { readonly target: string; readonly port: number; readonly reason: string }[];
  };
  readonly connection?: {
    readonly host: string;
    readonly address: string;
    readonly port: number;
    readonly attempts: readonly { readonly address: string; readonly port: number; readonly ok: boolean; readonly error?: string }[];
  };
  readonly starttls?: { readonly advertised: boolean | 'unknown'; readonly result: 'proceed' | 'failure' | 'none' };
  readonly tls?: {
    readonly encrypted: boolean;
    readonly version: string;
    readonly cipherSuite: string;
    readonly keyExchange: string;
    readonly group: string | null;
    readonly resumed: boolean;
    readonly peerChain: readonly CertificateSummary[];
    /** The configured trust anchor the chain ends at. */
    readonly anchor?: CertificateSummary;
    readonly nameMatch?: { readonly type: 'DNS-ID' | 'SRV-ID' | 'CN-ID'; readonly presented: string; readonly reference: string };
    readonly revocation?: { readonly status: 'good' | 'revoked' | 'unknown' | 'not-checked'; readonly source: string; readonly detail?: string };
    readonly clientCertificate?: CertificateSummary & { readonly signAlgorithm?: string };
  };
  readonly sasl?: { readonly mechanism: string; readonly channelBinding?: string; readonly offered: readonly string[] };
  readonly boundJid?: string;
  readonly notes: readonly string[];
}

export const SESSION_STAGES = ['policy', 'dns', 'tcp', 'starttls', 'tls', 'server-identity', 'certificate-change', 'sasl', 'bind', 'stream'] as const;
export type SessionStage = (typeof SESSION_STAGES)[number];
