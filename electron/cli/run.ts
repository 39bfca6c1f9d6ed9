/**
 * The CLI as a function: argv in, exit status out, all I/O through CliIo. main.ts runs it on
 * the real process; the benchmark runs it in-process.
 */
import { BASTION_VERSION } from '../main/core/version';
import { parseCommandLine, UsageError } from './args';
import { doctor } from './commands/doctor';
import { listen } from './commands/listen';
import { send } from './commands/send';
import { helpText } from './help';
import type { CliIo } from './io';
import { PromptAborted } from './tty';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const cmd = parseCommandLine(argv);
    switch (cmd.kind) {
      case 'help':
        io.out(helpText(cmd.command));
        return EXIT_OK;
      case 'version':
        io.out(`bastion ${BASTION_VERSION}\n`);
        return EXIT_OK;
      case 'doctor':
        return await doctor(cmd, io);
      case 'send':
        return await send(cmd, io);
      case 'listen':
        return await listen(cmd, io);
    }
  } catch (e: unknown) {
    if (e instanceof UsageError) {
      io.err(`bastion: ${e.message}\nTry 'bastion ${e.command ? `${e.command} ` : ''}--help'.\n`);
      return EXIT_USAGE;
    }
    if (e instanceof PromptAborted) {
      io.err('bastion: aborted\n');
      return EXIT_FAILED;
    }
    io.err(`bastion: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT_FAILED;
  }
}
