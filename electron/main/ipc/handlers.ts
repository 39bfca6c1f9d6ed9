import type { CommandInput, CommandName, CommandOutput } from '../../../shared/ipc';

/** Who called: main checks this before anything else runs. */
export interface CallContext {
  /** A label for logs and audit ("electron:main-frame", "browser-host:ws#3"). */
  readonly sender: string;
}

export type CommandHandler<K extends CommandName> = (
  input: CommandInput<K>,
  ctx: CallContext,
) => Promise<CommandOutput<K>> | CommandOutput<K>;

/**
 * One handler per command of the contract. A mapped type over `CommandName`, so a command
 * added to `shared/ipc/names.ts` without a handler here fails the build.
 */
export type CommandHandlers = { readonly [K in CommandName]: CommandHandler<K> };

/**
 * Thrown by handlers for expected failures ("not connected", "wrong PIN"); the dispatcher turns
 * it into `{ ok: false, error }`. Anything else thrown is a bug and becomes a generic `internal`.
 */
export class CommandFailure extends Error {
  constructor(
    readonly code: 'invalid-argument' | 'invalid-state' | 'connection-failed' | 'pin-rejected' | 'card-unavailable' | 'consent-required',
    message: string,
  ) {
    super(message);
    this.name = 'CommandFailure';
  }
}
