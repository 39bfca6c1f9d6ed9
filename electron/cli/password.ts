/**
 * Where the password comes from: only the environment variable named by --password-env, or the
 * terminal with echo off. Never argv, never a file, never printed.
 */
import { UsageError, type CommandName, type ConnectionFlags } from './args';
import type { CliIo } from './io';

export async function obtainPassword(command: CommandName, conn: ConnectionFlags, io: CliIo): Promise<string> {
  if (conn.passwordEnv !== undefined) {
    const value = io.env[conn.passwordEnv];
    if (value === undefined || value === '') throw new UsageError(`--password-env ${conn.passwordEnv}: that environment variable is not set`, command);
    io.unsetEnv(conn.passwordEnv);
    return value;
  }
  if (!io.interactive) {
    throw new UsageError('no password: use --password-env VAR, or run on a terminal to be asked for it', command);
  }
  const value = await io.readSecret(`Password for ${conn.account}: `);
  if (value === '') throw new UsageError('empty password', command);
  return value;
}
