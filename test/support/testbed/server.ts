// What Prosody and ejabberd instances have in common: their options, the handle tests get, and
// readiness (a real login, because both open their port before the virtual host can log in).
import { readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { RunResult } from './exec.js';
import type { ServerCertPaths } from './pki.js';
import type { ExitInfo, ManagedProcess } from './process.js';
import { randomPassword } from './secret.js';
import { retryUntil } from './wait.js';
import { xmppLogin } from './xmpp-login.js';

export type ServerKind = 'prosody' | 'ejabberd';

export interface ServerOptions {
  /** Instance directory: config, data, logs. Created if missing; reused as is on a restart. */
  dir: string;
  domain: string;
  /** Loopback address to listen on (each instance has its own: UCR forces port 5222). */
  address: string;
  port?: number;
  caCert: string;
  cert: ServerCertPaths;
  readyTimeoutMs?: number;
}

export interface XmppServer {
  readonly kind: ServerKind;
  readonly domain: string;
  /** MUC service domain */
  readonly muc: string;
  readonly host: string;
  readonly port: number;
  readonly dir: string;
  readonly pid: number;
  /** Files worth keeping when a run fails. */
  readonly logFiles: readonly string[];
  readonly exited: Promise<ExitInfo>;
  /** Create an account with the server's own admin tool. */
  register(username: string, password: string): Promise<void>;
  deleteAccount(username: string): Promise<void>;
  /** prosodyctl / ejabberdctl bound to this instance. */
  ctl(args: readonly string[]): Promise<RunResult>;
  stop(): Promise<void>;
}

export interface Probe {
  username: string;
  password: string;
}

/**
 * The readiness account, registered in-band by the first readiness check. Its credentials are
 * kept in the instance directory so that a restarted instance (same dir) logs in with them.
 */
export async function loadProbe(dir: string): Promise<Probe> {
  const file = path.join(dir, 'probe.json');
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Probe;
  } catch {
    const probe = { username: 'testbed-probe', password: randomPassword() };
    await writeFile(file, JSON.stringify(probe));
    return probe;
  }
}

/**
 * Fail fast if something already listens where the server should: Prosody would log the bind
 * error and keep running without a port, and the readiness check would only time out.
 */
export function assertPortFree(host: string, port: number): Promise<void> {
  if (!/^127\.\d+\.\d+\.\d+$/.test(host)) {
    return Promise.reject(new Error(`test servers listen on 127.0.0.0/8 only, not ${host}`));
  }
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(`${host}:${port} is not available (${err.code ?? err.message}): is another XMPP server running there?`)),
    );
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve()));
  });
}

export async function logTail(file: string, lines = 25): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return `(no ${file})`;
  }
}

/** Wait until the probe account can log in; fail fast (with the log) if the server died. */
export async function waitUntilReady(
  opts: { name: string; host: string; port: number; domain: string; caCert: string; dir: string; timeoutMs: number },
  proc: ManagedProcess,
  log: string,
): Promise<void> {
  const probe = await loadProbe(opts.dir);
  const ca = await readFile(opts.caCert, 'utf8');
  try {
    await retryUntil(
      `${opts.name} ready`,
      () =>
        xmppLogin({
          host: opts.host,
          port: opts.port,
          domain: opts.domain,
          username: probe.username,
          password: probe.password,
          ca,
          register: true,
          timeoutMs: 3_000,
        }),
      {
        timeoutMs: opts.timeoutMs,
        intervalMs: 50,
        abort: () => {
          const exit = proc.exitInfo();
          return exit ? `exited (code ${String(exit.code)}, signal ${String(exit.signal)})` : null;
        },
      },
    );
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new Error(`${msg}\n--- ${log} (tail) ---\n${await logTail(log)}`);
  }
}
