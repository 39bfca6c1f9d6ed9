import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createCore } from '../main/core/core';
import { nodeCoreDeps } from '../main/core/node-deps';
import { createDispatcher } from '../main/ipc/dispatcher';
import { startBrowserHost, type BrowserHost } from './host';
import { IPC_PATH } from './protocol';

let dir: string;
let host: BrowserHost;
let token: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'bastion-host-'));
  await writeFile(path.join(dir, 'index.html'), '<!doctype html><html><head></head><body>app</body></html>');
  await writeFile(path.join(dir, 'bridge.js'), '/* bridge */');
  const core = createCore(nodeCoreDeps('browser-host', dir));
  host = await startBrowserHost({
    rendererDir: dir,
    bridgeFile: path.join(dir, 'bridge.js'),
    dispatcher: createDispatcher({ handlers: core.handlers, log: { error: () => {} } }),
    events: core.events,
  });
  token = new URL(host.url).hash.replace('#token=', '');
});

afterAll(async () => {
  await host.close();
  await rm(dir, { recursive: true, force: true });
});

function open(query: string, origin: string | undefined): Promise<WebSocket> {
  const ws = new WebSocket(`${host.origin.replace('http', 'ws')}${IPC_PATH}${query}`, origin ? { origin } : {});
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

describe('browser host', () => {
  it('listens on loopback only and injects the bridge before the app', async () => {
    expect(new URL(host.origin).hostname).toBe('127.0.0.1');
    const res = await fetch(`${host.origin}/index.html`);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await res.text()).toContain('<head><script src="/__bastion/bridge.js"></script>');
  });

  it.each(['/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2fetc%2fpasswd', '/nope.js'])('refuses %s', async (p) => {
    const res = await fetch(`${host.origin}${p}`);
    expect(res.status).toBe(404);
  });

  it('refuses a socket without the token, with a wrong token, or from another origin', async () => {
    await expect(open('', host.origin)).rejects.toThrow(/403/);
    await expect(open('?token=wrong', host.origin)).rejects.toThrow(/403/);
    await expect(open(`?token=${token}`, 'http://evil.example')).rejects.toThrow(/403/);
    await expect(open(`?token=${token}`, undefined)).rejects.toThrow(/403/);
  });

  it('carries a command and its event over the socket', async () => {
    const ws = await open(`?token=${token}`, host.origin);
    const frames: unknown[] = [];
    const done = new Promise<void>((resolve) =>
      ws.on('message', (d: Buffer) => {
        frames.push(JSON.parse(d.toString()));
        if (frames.length === 2) resolve();
      }),
    );
    ws.send(JSON.stringify({ t: 'invoke', id: 7, name: 'ping', input: { nonce: 'abc' } }));
    await done;
    expect(frames).toContainEqual({ t: 'event', name: 'didReceivePing', payload: expect.objectContaining({ nonce: 'abc' }) });
    expect(frames).toContainEqual({ t: 'result', id: 7, result: expect.objectContaining({ ok: true }) });
    ws.close();
  });

  it('closes the socket on a malformed frame and keeps serving others', async () => {
    const ws = await open(`?token=${token}`, host.origin);
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send('{not json');
    expect(await closed).toBe(1003);
    const ws2 = await open(`?token=${token}`, host.origin);
    const reply = new Promise<unknown>((resolve) => ws2.once('message', (d: Buffer) => resolve(JSON.parse(d.toString()))));
    ws2.send(JSON.stringify({ t: 'invoke', id: 1, name: 'no-such-command', input: {} }));
    expect(await reply).toEqual({ t: 'result', id: 1, result: { ok: false, error: expect.objectContaining({ code: 'unknown-command' }) } });
    ws2.close();
  });
});
