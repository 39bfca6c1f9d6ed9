/**
 * The one IPC contract between the renderer and the main process, declared once.
 * Commands go renderer → main and answer with a `Result`; events go main → renderer and are
 * named for what happened. Main validates every argument against these schemas; the preload
 * (Electron) and the web bridge (browser host) expose exactly `BastionApi` on `window.bastion`.
 */
import { z } from 'zod';
import type { CommandName, EventName } from './names';
import type { Result } from './result';
import type { Disposer } from '../util/disposable';
import { imCommandSchemas, imEventSchemas } from './im';
import { roomsCommandSchemas, roomsEventSchemas } from './rooms';
import { certificateDecisionSchema, securityReportSchema, SESSION_STAGES } from '../security/report';
import { policyViewSchema } from '../policy/schema';

export interface CommandSchema {
  readonly input: z.ZodType;
  readonly output: z.ZodType;
}

const runtimeSchema = z.enum(['electron', 'browser-host', 'cli']);

export const appInfoSchema = z
  .object({
    name: z.string(),
    version: z.string(),
    /** Where the main-process core runs: the Electron app, the test/dev browser host or the CLI. */
    runtime: runtimeSchema,
    platform: z.string(),
    /** Versions of the engines behind the core, for the About box and bug reports. */
    versions: z.record(z.string(), z.string()),
  })
  .readonly();

const emptySchema = z.object({}).strict();

export const connectionStateSchema = z
  .object({
    /** 'locked': the card was removed; the session ended and needs the card and PIN again. */
    /** 'reconnecting': the link was lost; the next attempt is at `retryAt` (fresh DNS each time). */
    state: z.enum(['disconnected', 'connecting', 'awaiting-certificate-decision', 'connected', 'reconnecting', 'failed', 'locked']),
    account: z.string().optional(),
    jid: z.string().optional(),
    error: z.object({ stage: z.enum(SESSION_STAGES), message: z.string() }).readonly().optional(),
    retryAt: z.iso.datetime().optional(),
    /** Messages waiting in the outbox for the server. */
    queued: z.number().int().min(0).optional(),
  })
  .readonly();

/** How the user authenticates: password, CAC (PKCS#11) or a PKCS#12 software certificate. */
export const authSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('password'), password: z.string().min(1).max(1024) }).strict(),
  z
    .object({
      kind: z.literal('card'),
      slot: z.string().regex(/^\d{1,20}$/),
      /** CKA_ID (hex) of the certificate and its key. */
      certificateId: z.string().regex(/^[0-9a-f]{1,256}$/),
      pin: z.string().min(4).max(64),
    })
    .strict(),
  z
    .object({
      kind: z.literal('pkcs12'),
      /** The file's bytes, base64; the renderer has no file system, so it sends the content. */
      fileBase64: z.string().min(4).max(200_000).regex(/^[A-Za-z0-9+/]*={0,2}$/),
      password: z.string().max(1024),
    })
    .strict(),
]);

export const cardCertificateSchema = z
  .object({
    id: z.string(),
    label: z.string(),
    subject: z.string(),
    issuer: z.string(),
    notBefore: z.string(),
    notAfter: z.string(),
    fingerprint256: z.string(),
    keyType: z.enum(['rsa', 'ec', 'unsupported']),
    bits: z.number(),
    usableForTls: z.boolean(),
    reason: z.string().optional(),
    warnings: z.array(z.string()).readonly(),
    /** The JID this certificate maps to (XEP-0178: xmppAddr, else UPN, else e-mail). */
    xmppIdentity: z.object({ jid: z.string(), source: z.string() }).readonly().nullable(),
  })
  .readonly();

export const cardTokenSchema = z
  .object({
    slot: z.string(),
    label: z.string(),
    manufacturer: z.string(),
    model: z.string(),
    serial: z.string(),
    /** What the card says about its PIN counter. */
    pin: z.enum(['ok', 'low', 'final-try', 'locked']),
    minPinLength: z.number(),
    maxPinLength: z.number(),
    certificates: z.array(cardCertificateSchema).readonly(),
  })
  .readonly();

export const cardsSchema = z
  .object({
    /** The PKCS#11 module in use, or why there is none. */
    module: z.object({ path: z.string(), source: z.string() }).readonly().nullable(),
    problem: z.string().optional(),
    tokens: z.array(cardTokenSchema).readonly(),
  })
  .readonly();

const knownCertificateSchema = z
  .object({ spkiSha256: z.string(), issuer: z.string(), issuerSpkiSha256: z.string(), leafSha256: z.string(), firstSeen: z.string(), lastSeen: z.string() })
  .readonly();

export const commandSchemas = {
  getAppInfo: {
    input: z.object({}).strict(),
    output: appInfoSchema,
  },
  /** Diagnostics: proves the renderer ↔ main path (and its event path) end to end. */
  ping: {
    input: z.object({ nonce: z.string().min(1).max(128) }).strict(),
    output: z
      .object({ nonce: z.string(), runtime: runtimeSchema, receivedAt: z.iso.datetime() })
      .readonly(),
  },
  /**
   * Opens a session for the account with a password, a CAC or a PKCS#12 file. Secrets (password,
   * PIN, file password) cross IPC once, are used, and are not kept. Refused with
   * 'consent-required' until the consent banner was acknowledged [UCR-G3].
   */
  connect: {
    input: z.object({ account: z.string().min(3).max(3071), auth: authSchema }).strict(),
    output: z.object({ jid: z.string() }).readonly(),
  },
  /**
   * XEP-0077: creates the account on its server (after TLS and every certificate check, never
   * in the clear) and signs in with it on the same connection. Needs the consent like connect.
   */
  registerAccount: {
    input: z.object({ account: z.string().min(3).max(3071).regex(/^[^@/\s]+@[^@/\s]+$/, 'user@domain'), password: z.string().min(8).max(1024) }).strict(),
    output: z.object({ jid: z.string() }).readonly(),
  },
  disconnect: { input: emptySchema, output: emptySchema.readonly() },
  /** The report of the current (or last attempted) session, for the security panel [R7590-HF1…HF3]. */
  getSecurityReport: { input: emptySchema, output: securityReportSchema.nullable() },
  /** The DoD Notice and Consent banner text and whether it was acknowledged in this run [UCR-G3]. */
  getConsent: { input: emptySchema, output: z.object({ text: z.string(), acknowledged: z.boolean() }).readonly() },
  acknowledgeConsent: { input: emptySchema, output: emptySchema.readonly() },
  /**
   * The admin policy in force [UCR-G3]: every setting's effective value, which keys the admin
   * enforces (the UI shows them as managed and offers no way to change them), where the policy
   * was read, and the admin-facing error when it is broken (connect is then refused).
   */
  getPolicy: { input: emptySchema, output: policyViewSchema },
  /** Smart-card readers, tokens and the certificates on them [UCR-T5]. */
  listCards: { input: emptySchema, output: cardsSchema },
  /** The user's answer to didDetectCertificateChange [R7590-HF4]. */
  decideCertificateChange: {
    input: z.object({ requestId: z.string().min(1).max(64), decision: certificateDecisionSchema }).strict(),
    output: emptySchema.readonly(),
  },
  /** The current connection state (a renderer that reloads asks instead of waiting for an event). */
  getConnectionState: { input: emptySchema, output: connectionStateSchema },
  ...imCommandSchemas,
  ...roomsCommandSchemas,
} as const satisfies { readonly [K in CommandName]: CommandSchema };

export const eventSchemas = {
  didReceivePing: z.object({ nonce: z.string(), receivedAt: z.iso.datetime() }).readonly(),
  didChangeConnectionState: connectionStateSchema,
  didUpdateSecurityReport: securityReportSchema,
  /** A card was inserted or removed: the new list. */
  didChangeCards: cardsSchema,
  /** The server's certificate changed in a way that is not a routine renewal: ask the user. */
  didDetectCertificateChange: z
    .object({ requestId: z.string(), account: z.string(), previous: knownCertificateSchema, presented: knownCertificateSchema })
    .readonly(),
  ...imEventSchemas,
  ...roomsEventSchemas,
} as const satisfies { readonly [K in EventName]: z.ZodType };

export type AppInfo = z.output<typeof appInfoSchema>;
export type ConnectionState = z.output<typeof connectionStateSchema>;
export type AuthInput = z.output<typeof authSchema>;
export type Cards = z.output<typeof cardsSchema>;
export type CardToken = z.output<typeof cardTokenSchema>;
export type CommandInput<K extends CommandName> = z.input<(typeof commandSchemas)[K]['input']>;
export type CommandOutput<K extends CommandName> = z.output<(typeof commandSchemas)[K]['output']>;
export type EventPayload<K extends EventName> = z.output<(typeof eventSchemas)[K]>;

/** What the renderer sees on `window.bastion`, and nothing more. */
export interface BastionApi {
  invoke<K extends CommandName>(name: K, input: CommandInput<K>): Promise<Result<CommandOutput<K>>>;
  on<K extends EventName>(name: K, listener: (payload: EventPayload<K>) => void): Disposer;
}
