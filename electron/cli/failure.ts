/** How a session failure is told on stderr: stage and reason only (the report holds no secrets). */
import { SessionFailure } from '../main/xmpp/session/failure';
import type { CliIo } from './io';

export function isSessionFailure(e: unknown): e is SessionFailure {
  return e instanceof SessionFailure;
}

export function tellFailure(io: CliIo, f: SessionFailure): void {
  io.err(`bastion: session failed at stage ${f.stage}: ${f.message}\n`);
}
