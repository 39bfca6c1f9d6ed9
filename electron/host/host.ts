/**
 * Browser host — development and tests only, never packaged: runs the real main-process core
 * under plain Node, serves the built renderer to Chromium on 127.0.0.1, and carries the IPC
 * contract over a WebSocket. Electron cannot be downloaded on our build machines, so this is
 * how Playwright drives the real UI against the real core.
 *
 * Guards: loopback only; a random per-run token (in the page URL's fragment, so it never
 * appears in HTTP request lines) is required to open the socket; the socket's Origin must be
 * this host; frames are size-limited and parsed as untrusted input.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Dispatcher } from '../main/ipc/dispatcher';
import type { EventHub } from '../main/ipc/events';
import { BRIDGE_PATH, IPC_PATH, MAX_FRAME_BYTES, type ClientFrame, type ServerFrame } from './protocol';
import { readStatic, resolveInside } from './static-files';

export interface BrowserHostOptions {
  readonly rendererDir: string;
  /** The bundled web bridge (dist/host/bridge.js). */
  readonly bridgeFile: string;
  readonly dispatcher: Dispatcher;
  readonly events: EventHub;
  /** 0 = a free port chosen by the OS. */
  readonly port?: number;
}

export interface BrowserHost {
  /** Open this in Chromium; carries the token in its fragment. */
  readonly url: string;
  readonly origin: string;
  close(): Promise<void>;
}

function csp(origin: string): string {
  const ws = origin.replace(/^http/, 'ws');
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src ${ws}${IPC_PATH}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}

function parseFrame(data: Buffer): ClientFrame | undefined {
  let v: unknown;
  try {
    v = JSON.parse(data.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const f = v as Record<string, unknown>;
  if (f.t !== 'invoke' || !Number.isSafeInteger(f.id) || typeof f.name !== 'string') return undefined;
  return { t: 'invoke', id: f.id as number, name: f.name, input: f.input };
}

function tokenMatches(expected: Buffer, given: string | null): boolean {
  if (given === null) return false;
  const g = Buffer.from(given);
  return g.length === expected.length && timingSafeEqual(g, expected);
}

export async function startBrowserHost(opts: BrowserHostOptions): Promise<BrowserHost> {
  const token = randomBytes(24).toString('base64url');
  const tokenBytes = Buffer.from(token);
  let origin = '';

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const url = new URL(req.url ?? '/', origin);
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405).end();
        return;
      }
      const file = url.pathname === BRIDGE_PATH ? opts.bridgeFile : resolveInside(opts.rendererDir, url.pathname);
      const found = file === undefined ? undefined : await readStatic(file);
      if (!found) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      let body = found.body;
      if (found.type.startsWith('text/html')) {
        // The bridge must define window.bastion before the app's module script runs.
        body = Buffer.from(
          body.toString('utf8').replace('<head>', `<head><script src="${BRIDGE_PATH}"></script>`),
        );
      }
      res.writeHead(200, {
        'content-type': found.type,
        'content-security-policy': csp(origin),
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    })();
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  let nextConn = 1;
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', origin);
    if (url.pathname !== IPC_PATH || req.headers.origin !== origin || !tokenMatches(tokenBytes, url.searchParams.get('token'))) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws));
  });

  wss.on('connection', (ws: WebSocket) => {
    const sender = `browser-host:ws#${nextConn++}`;
    const send = (frame: ServerFrame): void => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
    };
    const unsubscribe = opts.events.subscribe((name, payload) => send({ t: 'event', name, payload }));
    ws.on('message', (data: Buffer) => {
      const frame = parseFrame(data);
      if (!frame) {
        ws.close(1003, 'malformed frame');
        return;
      }
      void opts.dispatcher.dispatch(frame.name, frame.input, { sender }).then((result) => send({ t: 'result', id: frame.id, result }));
    });
    ws.on('close', unsubscribe);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;

  return {
    url: `${origin}/index.html#token=${token}`,
    origin,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
