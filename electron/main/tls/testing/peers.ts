// Test-only: TLS peers on 127.0.0.1 (openssl s_server, a node:tls echo server, raw TCP servers),
// each started on a free port and stopped by its own pid / handle.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import tls from 'node:tls';

export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const addr = srv.address();
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  if (!addr || typeof addr === 'string') throw new Error('no port');
  return addr.port;
}

export function connectTcp(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

export interface OpensslServer {
  port: number;
  pid: number;
  /** Everything s_server printed (stdout and stderr). */
  output(): string;
  waitForOutput(re: RegExp, ms?: number): Promise<string>;
  /** Writes to s_server's stdin, which it sends to the client (not in -rev mode). */
  send(text: string): void;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

/** openssl s_server on 127.0.0.1:<free port>; resolves when it prints ACCEPT. */
export async function startOpensslServer(args: string[], cwd: string): Promise<OpensslServer> {
  const port = await freePort();
  // stdin stays an open pipe: s_server shuts down when its stdin reaches EOF.
  const child = spawn('openssl', ['s_server', '-accept', `127.0.0.1:${port}`, ...args], {
    cwd,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  running.add(child);
  let out = '';
  const waiters = new Set<() => void>();
  const onChunk = (b: Buffer) => {
    out += b.toString('latin1');
    for (const w of [...waiters]) w();
  };
  child.stdout?.on('data', onChunk);
  child.stderr?.on('data', onChunk);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  exited.then(() => {
    running.delete(child);
    for (const w of [...waiters]) w();
  });
  const waitForOutput = (re: RegExp, ms = 10_000) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const m = re.exec(out);
        if (m) {
          done();
          resolve(m[0]);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          done();
          reject(new Error(`s_server exited before ${String(re)}:\n${out}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${String(re)} from s_server:\n${out}`));
      }, ms);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  await waitForOutput(/ACCEPT/);
  const pid = child.pid ?? -1;
  return {
    port,
    pid,
    output: () => out,
    waitForOutput,
    send: (text) => {
      child.stdin?.write(text);
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(pid, 'SIGTERM');
        await exited;
      }
    },
  };
}

/** Kills whatever a test left running (by pid). */
export async function stopAllPeers(): Promise<void> {
  await Promise.all(
    [...running].map(async (child) => {
      if (child.pid && child.exitCode === null && child.signalCode === null) {
        const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        process.kill(child.pid, 'SIGTERM');
        await gone;
      }
    }),
  );
}

export interface NodeServer {
  port: number;
  server: net.Server;
  /** Sockets accepted so far (TLS sockets for the TLS server). */
  sockets: net.Socket[];
  stop(): Promise<void>;
}

async function listen(server: net.Server, sockets: net.Socket[]): Promise<NodeServer> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('no port');
  return {
    port: addr.port,
    server,
    sockets,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** node:tls server (the peer only; the client under test is GnuTLS). onSecure runs per connection. */
export function startNodeTlsServer(options: tls.TlsOptions, onSecure: (s: tls.TLSSocket) => void): Promise<NodeServer> {
  const sockets: net.Socket[] = [];
  const server = tls.createServer(options, (s) => {
    sockets.push(s);
    s.on('error', () => {});
    onSecure(s);
  });
  server.on('tlsClientError', () => {});
  return listen(server, sockets);
}

/** Plain TCP server for misbehaving peers. */
export function startRawServer(onConnection: (s: net.Socket) => void): Promise<NodeServer> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => {
    sockets.push(s);
    s.on('error', () => {});
    onConnection(s);
  });
  return listen(server, sockets);
}
