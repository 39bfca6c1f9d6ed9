// Test-only: the network side of revocation checking, all on 127.0.0.1.
//
// OCSP: the real `openssl ocsp` responder (index lookup, CertID matching, nonce echo, signing).
// OpenSSL 3.0's `-port` takes a bare number and binds [::]:<port>, i.e. every interface
// (`-port 127.0.0.1:N` is refused: "Can't parse ... as a number"). To stay on loopback, a
// node:http front on 127.0.0.1 hands each request to one `openssl ocsp -reqin -respout` run,
// spawned per request and killed by pid if it is still running when the responder stops.
// CRL: a node:http server with a mutable path -> body table.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';

export interface HttpLog {
  method: string;
  url: string;
  contentType?: string;
}

export interface OcspResponder {
  port: number;
  url: string;
  /** Every request received. */
  log: HttpLog[];
  /** pids of every `openssl ocsp` process spawned. */
  pids: number[];
  stop(): Promise<void>;
}

export interface OcspResponderOptions {
  port: number;
  /** Directory of the CA's openssl database (paths below are relative to it). */
  cwd: string;
  index: string;
  caCert: string;
  signerCert: string;
  signerKey: string;
  /** e.g. ['-nmin', '10']; default: no nextUpdate (what a plain `openssl ocsp -port` gives). */
  validity?: string[];
}

function listen(server: http.Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: http.Server, sockets: Set<net.Socket>): Promise<void> {
  return new Promise((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  });
}

function readBody(req: http.IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (b: Buffer) => {
      size += b.length;
      if (size > max) {
        reject(new Error('request too large'));
        req.destroy();
        return;
      }
      parts.push(b);
    });
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

export async function startOcspResponder(o: OcspResponderOptions): Promise<OcspResponder> {
  const log: HttpLog[] = [];
  const pids: number[] = [];
  const children = new Set<ChildProcess>();
  const sockets = new Set<net.Socket>();

  const respond = (requestDer: Buffer): Promise<Buffer> => {
    const id = crypto.randomBytes(6).toString('hex');
    const reqFile = path.join(o.cwd, `req-${id}.der`);
    const respFile = path.join(o.cwd, `resp-${id}.der`);
    fs.writeFileSync(reqFile, requestDer);
    return new Promise<Buffer>((resolve, reject) => {
      const child = spawn(
        'openssl',
        ['ocsp', '-index', o.index, '-CA', o.caCert, '-rsigner', o.signerCert, '-rkey', o.signerKey, '-reqin', reqFile,
          '-respout', respFile, ...(o.validity ?? [])],
        { cwd: o.cwd, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      children.add(child);
      if (child.pid) pids.push(child.pid);
      let err = '';
      child.stderr?.on('data', (b: Buffer) => (err += b.toString()));
      child.once('error', reject);
      child.once('exit', (code) => {
        children.delete(child);
        try {
          if (code !== 0) throw new Error(`openssl ocsp exited with ${String(code)}: ${err}`);
          resolve(fs.readFileSync(respFile));
        } catch (e) {
          reject(e instanceof Error ? e : new Error(String(e)));
        } finally {
          fs.rmSync(reqFile, { force: true });
          fs.rmSync(respFile, { force: true });
        }
      });
    });
  };

  const server = http.createServer((req, res) => {
    const entry: HttpLog = { method: req.method ?? '', url: req.url ?? '' };
    const ct = req.headers['content-type'];
    if (ct) entry.contentType = ct;
    log.push(entry);
    const body =
      req.method === 'POST'
        ? readBody(req, 64 * 1024)
        : // RFC 6960 A.1 GET: /{url-encoding of base-64 encoding of the DER request}
          Promise.resolve(Buffer.from(decodeURIComponent((req.url ?? '/').replace(/^.*\//, '')), 'base64'));
    body
      .then(respond)
      .then((der) => {
        res.writeHead(200, { 'content-type': 'application/ocsp-response', 'content-length': der.length });
        res.end(der);
      })
      .catch(() => {
        res.writeHead(500);
        res.end();
      });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await listen(server, o.port);
  return {
    port: o.port,
    url: `http://127.0.0.1:${o.port}/`,
    log,
    pids,
    stop: async () => {
      await closeServer(server, sockets);
      await Promise.all(
        [...children].map(async (child) => {
          if (child.pid && child.exitCode === null && child.signalCode === null) {
            const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
            process.kill(child.pid, 'SIGTERM');
            await gone;
          }
        }),
      );
    },
  };
}

export interface FileServer {
  port: number;
  log: HttpLog[];
  /** Serves `body` at `urlPath` (replaces what was there). */
  set(urlPath: string, body: Buffer | string, contentType?: string): void;
  delete(urlPath: string): void;
  stop(): Promise<void>;
}

/** node:http on 127.0.0.1:<port> serving a mutable table of files (the CRL distribution point). */
export async function startFileServer(port: number): Promise<FileServer> {
  const files = new Map<string, { body: Buffer; type: string }>();
  const log: HttpLog[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    log.push({ method: req.method ?? '', url: req.url ?? '' });
    const f = files.get(req.url ?? '');
    if (!f || req.method !== 'GET') {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': f.type, 'content-length': f.body.length });
    res.end(f.body);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await listen(server, port);
  return {
    port,
    log,
    set: (p, body, type = 'application/pkix-crl') => files.set(p, { body: Buffer.from(body), type }),
    delete: (p) => files.delete(p),
    stop: () => closeServer(server, sockets),
  };
}
