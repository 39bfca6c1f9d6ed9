/**
 * The TCP connection to the home server, owned by the main process. Addresses are tried in the
 * order DNS gave them, each with its own timeout. The socket's IP TOS/DSCP is never set, so
 * packets carry the default DSCP 000000 [UCR-S3] (Node has no API that would set it, and we add
 * none).
 */
import net from 'node:net';
import type { Candidate } from './dns';

export interface ConnectAttempt {
  readonly address: string;
  readonly port: number;
  readonly ok: boolean;
  readonly durationMs: number;
  readonly error?: string;
}

export interface Connected {
  readonly socket: net.Socket;
  readonly candidate: Candidate;
  readonly attempts: readonly ConnectAttempt[];
}

export class ConnectFailure extends Error {
  constructor(
    message: string,
    readonly attempts: readonly ConnectAttempt[],
  ) {
    super(message);
    this.name = 'ConnectFailure';
  }
}

function connectOne(c: Candidate, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: c.address, port: c.port, family: c.family, noDelay: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(Object.assign(new Error(`timed out after ${timeoutMs} ms`), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (e) => {
      clearTimeout(timer);
      socket.destroy();
      reject(e);
    });
  });
}

export async function connectFirst(candidates: readonly Candidate[], opts: { readonly timeoutMs: number }): Promise<Connected> {
  const attempts: ConnectAttempt[] = [];
  for (const candidate of candidates) {
    const t0 = performance.now();
    try {
      const socket = await connectOne(candidate, opts.timeoutMs);
      attempts.push({ address: candidate.address, port: candidate.port, ok: true, durationMs: performance.now() - t0 });
      return { socket, candidate, attempts };
    } catch (e: unknown) {
      const code = (e as { code?: unknown }).code;
      attempts.push({ address: candidate.address, port: candidate.port, ok: false, durationMs: performance.now() - t0, error: typeof code === 'string' ? code : String(e) });
    }
  }
  const tried = attempts.map((a) => `${a.address}:${a.port} (${a.error ?? 'failed'})`).join(', ');
  throw new ConnectFailure(`could not connect to the home server: ${tried || 'no address to try'}`, attempts);
}
