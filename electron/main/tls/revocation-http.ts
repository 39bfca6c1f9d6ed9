// The default fetch of revocation checking: OCSP and CRL locations are plain http in practice
// (RFC 6960 / RFC 5280: the responses are signed, and https would need revocation checking of
// its own); https is allowed through node:https, every other scheme is refused. One request, no
// connection reuse, a hard deadline for the whole exchange, a size cap, at most 3 redirects for
// GET (CRL distribution points are often redirected), never to another scheme than http(s).
import http from 'node:http';
import https from 'node:https';

export interface RevocationFetchInit {
  method: 'GET' | 'POST';
  body?: Buffer;
  headers?: Record<string, string>;
  /** Deadline for the whole exchange (connect, send, receive). */
  timeoutMs: number;
  /** Refuse bodies larger than this (default 64 MiB). */
  maxBytes?: number;
}

export interface RevocationFetchResponse {
  status: number;
  body: Buffer;
}

/** Injectable transport: tests and the session layer may pass their own. */
export type RevocationFetch = (url: string, init: RevocationFetchInit) => Promise<RevocationFetchResponse>;

export const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
const MAX_REDIRECTS = 3;

/** Refuses anything but http: and https: URLs (file:, ldap:, data:, ...). */
export function fetchableUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`not a URL: ${url}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`refusing a ${u.protocol} URL (only http and https)`);
  if (u.username || u.password) throw new Error('refusing a URL with credentials');
  return u;
}

function once(u: URL, init: RevocationFetchInit, deadline: number): Promise<{ status: number; body: Buffer; location?: string }> {
  const max = init.maxBytes ?? DEFAULT_MAX_BYTES;
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    if (init.body) headers['content-length'] = String(init.body.length);
    const req = mod.request(u, { method: init.method, headers, agent: false });
    const left = deadline - Date.now();
    const timer = setTimeout(() => req.destroy(new Error(`timed out after ${init.timeoutMs} ms`)), Math.max(0, left));
    const fail = (e: Error) => {
      clearTimeout(timer);
      reject(e);
    };
    req.once('error', fail);
    req.once('response', (res) => {
      const parts: Buffer[] = [];
      let size = 0;
      const declared = Number(res.headers['content-length'] ?? '0');
      if (declared > max) {
        req.destroy(new Error(`response of ${declared} bytes exceeds the ${max}-byte limit`));
        return;
      }
      res.on('data', (b: Buffer) => {
        size += b.length;
        if (size > max) {
          req.destroy(new Error(`response exceeds the ${max}-byte limit`));
          return;
        }
        parts.push(b);
      });
      res.once('error', fail);
      res.once('end', () => {
        clearTimeout(timer);
        const out: { status: number; body: Buffer; location?: string } = { status: res.statusCode ?? 0, body: Buffer.concat(parts) };
        if (typeof res.headers.location === 'string') out.location = res.headers.location;
        resolve(out);
      });
    });
    req.end(init.body);
  });
}

/** node:http / node:https fetch with the rules above. Rejects on network errors and timeouts. */
export const httpFetch: RevocationFetch = async (url, init) => {
  const deadline = Date.now() + init.timeoutMs;
  let u = fetchableUrl(url);
  for (let hop = 0; ; hop++) {
    const r = await once(u, init, deadline);
    const redirect = r.status >= 300 && r.status < 400 && r.status !== 304 && r.location !== undefined;
    if (!redirect || init.method !== 'GET') return { status: r.status, body: r.body };
    if (hop >= MAX_REDIRECTS) throw new Error(`more than ${MAX_REDIRECTS} redirects`);
    u = fetchableUrl(new URL(r.location ?? '', u).toString());
  }
};
