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
} as const satisfies { readonly [K in CommandName]: CommandSchema };

export const eventSchemas = {
  didReceivePing: z.object({ nonce: z.string(), receivedAt: z.iso.datetime() }).readonly(),
} as const satisfies { readonly [K in EventName]: z.ZodType };

export type AppInfo = z.output<typeof appInfoSchema>;
export type CommandInput<K extends CommandName> = z.input<(typeof commandSchemas)[K]['input']>;
export type CommandOutput<K extends CommandName> = z.output<(typeof commandSchemas)[K]['output']>;
export type EventPayload<K extends EventName> = z.output<(typeof eventSchemas)[K]>;

/** What the renderer sees on `window.bastion`, and nothing more. */
export interface BastionApi {
  invoke<K extends CommandName>(name: K, input: CommandInput<K>): Promise<Result<CommandOutput<K>>>;
  on<K extends EventName>(name: K, listener: (payload: EventPayload<K>) => void): Disposer;
}
