import { protocol } from 'electron';
import { rendererResponse } from './renderer-files';

/**
 * The renderer is served from a privileged custom scheme instead of `file://`, so it has a real
 * origin for the CSP and for sender checks, and cannot read arbitrary local files.
 * `standard` + `secure`: a normal, secure-context origin (app://bastion). Nothing else: no
 * fetch()/CORS to it, no service workers, no CSP bypass, no streaming.
 * Must be called before `app.whenReady()`.
 */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    {
      scheme: 'app',
      privileges: { standard: true, secure: true, supportFetchAPI: false, corsEnabled: false, allowServiceWorkers: false, bypassCSP: false, stream: false },
    },
  ]);
}

/** Serves the files of `rendererDir` only (renderer-files.ts), each with the CSP header. */
export function serveRenderer(rendererDir: string): void {
  protocol.handle('app', (request) => rendererResponse(rendererDir, request.method, request.url));
}
