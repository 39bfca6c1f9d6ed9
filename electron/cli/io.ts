/**
 * Everything the CLI touches outside itself, in one place: output streams, the environment,
 * the terminal (for the password prompt) and the stop signals. `nodeIo()` is the real process;
 * the benchmark and tests can run the same commands in-process with their own.
 */
import { readSecretFromTty } from './tty';

export interface CliIo {
  /** The user's output: reports, received messages. */
  out(text: string): void;
  /** Diagnostics and progress. Never message bodies, never secrets. */
  err(text: string): void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Forget an environment variable once read (the password should not linger). */
  unsetEnv(name: string): void;
  /** Whether a password can be asked for interactively. */
  readonly interactive: boolean;
  /** Reads one line from the terminal with echo off. */
  readSecret(prompt: string): Promise<string>;
  /** Resolves on the first SIGINT or SIGTERM (or whatever "stop" means for this host). */
  stopRequested(): Promise<string>;
}

export function nodeIo(): CliIo {
  let stop: Promise<string> | undefined;
  return {
    out: (text) => {
      process.stdout.write(text);
    },
    err: (text) => {
      process.stderr.write(text);
    },
    env: process.env,
    unsetEnv: (name) => {
      delete process.env[name];
    },
    interactive: process.stdin.isTTY === true,
    readSecret: (prompt) => readSecretFromTty(process.stdin, process.stderr, prompt),
    stopRequested: () =>
      (stop ??= new Promise<string>((resolve) => {
        const on = (sig: NodeJS.Signals): void => {
          process.off('SIGINT', on);
          process.off('SIGTERM', on);
          resolve(sig);
        };
        process.on('SIGINT', on);
        process.on('SIGTERM', on);
      })),
  };
}
