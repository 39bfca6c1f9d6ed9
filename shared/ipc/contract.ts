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
import { certificateDecisionSchema, securityReportSchema, SESSION_STAGES } from '../security/report';

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
    state: z.enum(['disconnected', 'connecting', 'awaiting-certificate-decision', 'connected', 'failed']),
    account: z.string().optional(),
    jid: z.string().optional(),
    error: z.object({ stage: z.enum(SESSION_STAGES), message: z.string() }).readonly().optional(),
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
   * Opens a session for the account (password for now; CAC and PKCS#12 come with their issue).
   * The password crosses IPC once, is used for SASL, and is not kept.
   */
  connect: {
    input: z.object({ account: z.string().min(3).max(3071), password: z.string().min(1).max(1024) }).strict(),
    output: z.object({ jid: z.string() }).readonly(),
  },
  disconnect: { input: emptySchema, output: emptySchema.readonly() },
  /** The report of the current (or last attempted) session, for the security panel [R7590-HF1…HF3]. */
  getSecurityReport: { input: emptySchema, output: securityReportSchema.nullable() },
  /** The user's answer to didDetectCertificateChange [R7590-HF4]. */
  decideCertificateChange: {
    input: z.object({ requestId: z.string().min(1).max(64), decision: certificateDecisionSchema }).strict(),
    output: emptySchema.readonly(),
  },
} as const satisfies { readonly [K in CommandName]: CommandSchema };

export const eventSchemas = {
  didReceivePing: z.object({ nonce: z.string(), receivedAt: z.iso.datetime() }).readonly(),
  didChangeConnectionState: connectionStateSchema,
  didUpdateSecurityReport: securityReportSchema,
  /** The server's certificate changed in a way that is not a routine renewal: ask the user. */
  didDetectCertificateChange: z
    .object({ requestId: z.string(), account: z.string(), previous: knownCertificateSchema, presented: knownCertificateSchema })
    .readonly(),
} as const satisfies { readonly [K in EventName]: z.ZodType };

export type AppInfo = z.output<typeof appInfoSchema>;
export type ConnectionState = z.output<typeof connectionStateSchema>;
export type CommandInput<K extends CommandName> = z.input<(typeof commandSchemas)[K]['input']>;
export type CommandOutput<K extends CommandName> = z.output<(typeof commandSchemas)[K]['output']>;
export type EventPayload<K extends EventName> = z.output<(typeof eventSchemas)[K]>;

/** What the renderer sees on `window.bastion`, and nothing more. */
export interface BastionApi {
  invoke<K extends CommandName>(name: K, input: CommandInput<K>): Promise<Result<CommandOutput<K>>>;
  on<K extends EventName>(name: K, listener: (payload: EventPayload<K>) => void): Disposer;
}
