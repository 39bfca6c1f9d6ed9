/**
 * The connection-security report [R7590-HF1, HF2, HF3, HF4]: everything the session core
 * measured while establishing a session, for the UI's security panel, `bastion doctor` and the
 * audit log. Plain JSON-safe data with no secrets (no passwords, PINs or message bodies). The
 * schema doubles as the IPC contract's definition of the report.
 */
import { z } from 'zod';

export const SESSION_STAGES = ['policy', 'dns', 'tcp', 'starttls', 'tls', 'server-identity', 'revocation', 'certificate-change', 'sasl', 'bind', 'stream'] as const;
export type SessionStage = (typeof SESSION_STAGES)[number];

export const dnsQueryRecordSchema = z
  .object({
    name: z.string(),
    type: z.enum(['SRV', 'A', 'AAAA']),
    at: z.string(),
    durationMs: z.number(),
    answers: z.array(z.string()).readonly(),
    error: z.string().optional(),
  })
  .readonly();
export type DnsQueryRecord = z.output<typeof dnsQueryRecordSchema>;

export const certificateSummarySchema = z
  .object({
    subject: z.string(),
    issuer: z.string(),
    serialNumber: z.string(),
    validFrom: z.string(),
    validTo: z.string(),
    sha256: z.string(),
    spkiSha256: z.string(),
    subjectAltName: z.string().optional(),
  })
  .readonly();
export type CertificateSummary = z.output<typeof certificateSummarySchema>;

const certificateChangeKind = z.enum(['first-use', 'same-key', 'renewed-same-ca', 'changed']);
export const certificateDecisionSchema = z.enum(['accept-once', 'accept-always', 'reject']);

export const securityReportSchema = z
  .object({
    account: z.string(),
    startedAt: z.string(),
    finishedAt: z.string().optional(),
    outcome: z.enum(['established', 'failed']),
    failure: z.object({ stage: z.enum(SESSION_STAGES), message: z.string() }).readonly().optional(),
    dns: z
      .object({
        servers: z.union([z.array(z.string()).readonly(), z.literal('system')]),
        queries: z.array(dnsQueryRecordSchema).readonly(),
        skipped: z.array(z.object({ target: z.string(), port: z.number(), reason: z.string() }).readonly()).readonly(),
      })
      .readonly()
      .optional(),
    connection: z
      .object({
        host: z.string(),
        address: z.string(),
        port: z.number(),
        attempts: z
          .array(z.object({ address: z.string(), port: z.number(), ok: z.boolean(), durationMs: z.number().optional(), error: z.string().optional() }).readonly())
          .readonly(),
      })
      .readonly()
      .optional(),
    starttls: z.object({ advertised: z.union([z.boolean(), z.literal('unknown')]), result: z.enum(['proceed', 'failure', 'none']) }).readonly().optional(),
    tls: z
      .object({
        encrypted: z.boolean(),
        version: z.string(),
        cipherSuite: z.string(),
        keyExchange: z.string(),
        group: z.string().nullable(),
        resumed: z.boolean(),
        peerChain: z.array(certificateSummarySchema).readonly(),
        /** The configured trust anchor the chain ends at. */
        anchor: certificateSummarySchema.optional(),
        nameMatch: z.object({ type: z.enum(['DNS-ID', 'SRV-ID', 'CN-ID']), presented: z.string(), reference: z.string() }).readonly().optional(),
        revocation: z
          .object({ status: z.enum(['good', 'revoked', 'unknown', 'not-checked']), source: z.string(), detail: z.string().optional() })
          .readonly()
          .optional(),
        clientCertificate: certificateSummarySchema.and(z.object({ signAlgorithm: z.string().optional() })).optional(),
      })
      .readonly()
      .optional(),
    /** R7590-HF4: how the server's certificate compares with the one remembered for this account. */
    certificateChange: z
      .object({
        kind: certificateChangeKind,
        previous: z.object({ spkiSha256: z.string(), issuer: z.string(), firstSeen: z.string() }).readonly().optional(),
        decision: certificateDecisionSchema.optional(),
      })
      .readonly()
      .optional(),
    sasl: z
      .object({ mechanism: z.string(), channelBinding: z.string().optional(), offered: z.array(z.string()).readonly(), profile: z.enum(['SASL', 'SASL2+Bind2']).optional() })
      .readonly()
      .optional(),
    boundJid: z.string().optional(),
    notes: z.array(z.string()).readonly(),
  })
  .readonly();

export type SecurityReport = z.output<typeof securityReportSchema>;
