import {
  commandSchemas,
  fail,
  isCommandName,
  ok,
  type CommandName,
  type Result,
} from '../../../shared/ipc';
import { CommandFailure, type CallContext, type CommandHandler, type CommandHandlers } from './handlers';

export interface DispatcherLog {
  error(message: string, detail?: unknown): void;
}

export interface Dispatcher {
  /**
   * Runs one command from an untrusted caller: the name and the input are checked against the
   * contract before any handler sees them. Never throws; every outcome is a `Result`.
   */
  dispatch(name: unknown, input: unknown, ctx: CallContext): Promise<Result<unknown>>;
}

/** Keeps schema issue text short and free of the offending values (they may be secrets). */
function describeIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 5)
    .map((i) => `${i.path.map(String).join('.') || '(input)'}: ${i.message}`)
    .join('; ');
}

export function createDispatcher(deps: {
  readonly handlers: CommandHandlers;
  readonly log: DispatcherLog;
}): Dispatcher {
  const { handlers, log } = deps;
  return {
    async dispatch(name, input, ctx) {
      if (!isCommandName(name)) return fail('unknown-command', `unknown command: ${String(name).slice(0, 64)}`);
      const schema = commandSchemas[name];
      const parsed = schema.input.safeParse(input);
      if (!parsed.success) return fail('invalid-argument', `${name}: ${describeIssues(parsed.error.issues)}`);
      try {
        // The handler table is indexed by the same name, so the input type matches; TypeScript
        // cannot correlate the two lookups through a union key, hence the single cast here.
        const handler = handlers[name] as CommandHandler<CommandName>;
        const value: unknown = await handler(parsed.data as never, ctx);
        return ok(value);
      } catch (e: unknown) {
        if (e instanceof CommandFailure) return fail(e.code, e.message);
        log.error(`command ${name} from ${ctx.sender} failed`, e);
        return fail('internal', `${name} failed inside Bastion; see the application log`);
      }
    },
  };
}
