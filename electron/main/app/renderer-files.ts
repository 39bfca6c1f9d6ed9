/**
 * What `app://bastion/…` answers, as plain functions (no Electron import, so they are tested
 * under Node): which file a URL names, its content type, and the response headers with the
 * renderer's Content-Security-Policy. protocol.ts wires them to Electron's protocol handler.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isAppUrl } from './ipc-electron';

/**
 * The renderer's CSP, sent as a response header with every app:// response. Nothing remote:
 * scripts, styles, fonts and images from the app's own origin only (plus blob: images for
 * avatars decoded in the renderer), no connections at all (the renderer reaches the core over
 * IPC only), no plugins, no frames, no forms, no <base>; Trusted Types leave no string-to-code
 * sink usable. renderer/index.html carries the same policy in a <meta> tag, except for what a
 * <meta> CSP cannot carry (frame-ancestors) and `connect-src 'self'`, which the browser host
 * (development only) needs for its WebSocket. Both are enforced; the stricter one wins.
 */
export const RENDERER_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; font-src 'self'; connect-src 'none'; " +
  "base-uri 'none'; form-action 'none'; frame-src 'none'; frame-ancestors 'none'; object-src 'none'; worker-src 'none'; " +
  "require-trusted-types-for 'script'; trusted-types 'none'";

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/** Headers of every app:// response. */
export function rendererHeaders(contentType: string): Record<string, string> {
  return {
    'Content-Type': contentType,
    'Content-Security-Policy': RENDERER_CSP,
    'X-Content-Type-Options': 'nosniff',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
  };
}

export type RendererTarget = { readonly ok: true; readonly file: string; readonly contentType: string } | { readonly ok: false; readonly status: 404 | 405 };

/**
 * The file of `rendererDir` that a request names. Only GET of our own origin; only files inside
 * the directory (no `..`, no encoded separators, no NUL) with a known type; `/` is index.html.
 */
export function resolveRendererRequest(rendererDir: string, method: string, url: string): RendererTarget {
  if (method !== 'GET') return { ok: false, status: 405 };
  if (!isAppUrl(url)) return { ok: false, status: 404 };
  const { pathname } = new URL(url);
  let rel: string;
  try {
    rel = decodeURIComponent(pathname === '/' ? '/index.html' : pathname);
  } catch {
    return { ok: false, status: 404 };
  }
  // An encoded "\" or NUL in a name is never one of our files (and "\" is a separator on Windows).
  if (rel.includes('\0') || rel.includes('\\')) return { ok: false, status: 404 };
  const root = path.resolve(rendererDir);
  const file = path.resolve(root, `.${rel}`);
  if (!file.startsWith(root + path.sep)) return { ok: false, status: 404 };
  const contentType = TYPES[path.extname(file).toLowerCase()];
  if (contentType === undefined) return { ok: false, status: 404 };
  return { ok: true, file, contentType };
}

/**
 * The whole answer to one request. Reads with `fs` (which Electron's main process extends to
 * app.asar), not `net.fetch('file://…')`: no file: URL is ever fetched, which lets the
 * GrantFileProtocolExtraPrivileges fuse stay off.
 */
export async function rendererResponse(rendererDir: string, method: string, url: string): Promise<Response> {
  const target = resolveRendererRequest(rendererDir, method, url);
  if (!target.ok) return new Response(null, { status: target.status, headers: rendererHeaders('text/plain; charset=utf-8') });
  let body: Buffer;
  try {
    body = await readFile(target.file);
  } catch {
    return new Response(null, { status: 404, headers: rendererHeaders('text/plain; charset=utf-8') });
  }
  return new Response(new Uint8Array(body), { status: 200, headers: rendererHeaders(target.contentType) });
}
