import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import os from 'node:os';
import { describe, expect, it, vi } from 'vitest';
import { commandChannel, commandNames, eventChannel } from '../../../shared/ipc';
import { createCore } from '../core/core';
import { nodeCoreDeps } from '../core/node-deps';
import { createDispatcher } from '../ipc/dispatcher';
import { isAppUrl, isTrustedSender, wireIpc } from './ipc-electron';

// The Electron binary cannot run here, so the shell's IPC wiring is exercised with stand-ins
// shaped like Electron's objects; the types come from the real `electron` package.
type Handler = (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown;

function fakeWindow(url: string) {
  const mainFrame = { url };
  const sent: [string, unknown][] = [];
  const contents = {
    mainFrame,
    isDestroyed: () => false,
    send: (channel: string, payload: unknown) => sent.push([channel, payload]),
  } as unknown as WebContents;
  return { contents, mainFrame, sent };
}

function fakeIpcMain() {
  const handlers = new Map<string, Handler>();
  const ipcMain = {
    handle: (channel: string, h: Handler) => handlers.set(channel, h),
    removeHandler: (channel: string) => handlers.delete(channel),
  } as unknown as IpcMain;
  return { ipcMain, handlers };
}

function event(sender: WebContents, frame: unknown): IpcMainInvokeEvent {
  return { sender, senderFrame: frame } as unknown as IpcMainInvokeEvent;
}

describe('Electron IPC wiring', () => {
  it('registers exactly one handler per contract command, and removes them on dispose', () => {
    const { ipcMain, handlers } = fakeIpcMain();
    const core = createCore(nodeCoreDeps('electron', os.tmpdir()));
    const dispose = wireIpc({
      ipcMain,
      dispatcher: createDispatcher({ handlers: core.handlers, log: { error: vi.fn() } }),
      events: core.events,
      window: () => undefined,
    });
    expect([...handlers.keys()].sort()).toEqual(commandNames.map(commandChannel).sort());
    dispose();
    expect(handlers.size).toBe(0);
  });

  it('trusts only the main frame of our window on the app origin', () => {
    const w = fakeWindow('app://bastion/index.html');
    const other = fakeWindow('app://bastion/index.html');
    expect(isTrustedSender(event(w.contents, w.mainFrame), () => w.contents)).toBe(true);
    expect(isTrustedSender(event(w.contents, { url: 'app://bastion/index.html' }), () => w.contents)).toBe(false); // subframe
    expect(isTrustedSender(event(other.contents, other.mainFrame), () => w.contents)).toBe(false); // other window
    expect(isTrustedSender(event(w.contents, null), () => w.contents)).toBe(false); // frame gone
    const navigated = fakeWindow('https://evil.example/');
    expect(isTrustedSender(event(navigated.contents, navigated.mainFrame), () => navigated.contents)).toBe(false);
    const fileUrl = fakeWindow('file:///etc/passwd');
    expect(isTrustedSender(event(fileUrl.contents, fileUrl.mainFrame), () => fileUrl.contents)).toBe(false);
  });

  it('answers a trusted call, refuses an untrusted one as a value, and forwards events', async () => {
    const { ipcMain, handlers } = fakeIpcMain();
    const w = fakeWindow('app://bastion/index.html');
    const core = createCore(nodeCoreDeps('electron', os.tmpdir()));
    wireIpc({
      ipcMain,
      dispatcher: createDispatcher({ handlers: core.handlers, log: { error: vi.fn() } }),
      events: core.events,
      window: () => w.contents,
    });
    const ping = handlers.get(commandChannel('ping'));
    const good = (await ping?.(event(w.contents, w.mainFrame), { nonce: 'n' })) as { ok: boolean };
    expect(good.ok).toBe(true);
    expect(w.sent.map(([c]) => c)).toEqual([eventChannel('didReceivePing')]);
    const bad = await ping?.(event(w.contents, { url: 'app://bastion/x' }), { nonce: 'n' });
    expect(bad).toEqual({ ok: false, error: { code: 'forbidden-sender', message: expect.any(String) } });
  });
});

describe('isAppUrl', () => {
  it.each([
    ['app://bastion/index.html', true],
    ['app://bastion/', true],
    ['app://evil/index.html', false],
    ['app://bastion:1/index.html', false],
    ['app://user@bastion/index.html', false],
    ['http://bastion/index.html', false],
    ['file:///index.html', false],
    ['not a url', false],
  ])('%s → %s', (url, expected) => {
    expect(isAppUrl(url)).toBe(expected);
  });
});
