import type { CommandLine, WebContents } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { externalLinkTarget, guardSession, hardenWebContents, REFUSED_SWITCHES, refusedSwitches, type GuardableSession } from './hardening';

// The Electron binary cannot run here: the hardening is driven through stand-ins shaped like
// Electron's webContents and session (types from the real `electron` package).

type Listener = (...args: unknown[]) => unknown;

function fakeContents() {
  const listeners = new Map<string, Listener[]>();
  let openHandler: ((d: { url: string }) => { action: string }) | undefined;
  const closeDevTools = vi.fn();
  const contents = {
    on: (name: string, l: Listener) => {
      listeners.set(name, [...(listeners.get(name) ?? []), l]);
      return contents;
    },
    setWindowOpenHandler: (h: typeof openHandler) => {
      openHandler = h;
    },
    closeDevTools,
  };
  /** Fires a navigation-like event; returns whether it was prevented. */
  const fire = (name: string, url?: string): boolean => {
    let prevented = false;
    const event = { url, preventDefault: () => (prevented = true) };
    for (const l of listeners.get(name) ?? []) l(event);
    return prevented;
  };
  return { contents: contents as unknown as WebContents, listeners, fire, open: (url: string) => openHandler?.({ url }), closeDevTools };
}

function harden(devTools = false) {
  const c = fakeContents();
  const opened: string[] = [];
  const log: string[] = [];
  hardenWebContents(c.contents, { devTools, openLink: (u) => opened.push(u), log: (m) => log.push(m) });
  return { ...c, opened, log };
}

describe('hardenWebContents', () => {
  it.each(['will-navigate', 'will-frame-navigate', 'will-redirect'])('%s: stays on app://bastion, anything else is prevented', (event) => {
    const c = harden();
    expect(c.fire(event, 'app://bastion/index.html')).toBe(false);
    expect(c.fire(event, 'https://evil.example/phish')).toBe(true);
    expect(c.fire(event, 'file:///etc/passwd')).toBe(true);
    expect(c.fire(event, 'app://other/index.html')).toBe(true);
    expect(c.fire(event, 'javascript:alert(1)')).toBe(true);
    // The log names scheme and host only, never the path or query (they may carry content).
    expect(c.log).toContain(`blocked ${event === 'will-navigate' ? 'navigation' : event === 'will-redirect' ? 'redirect' : 'frame navigation'} to https://evil.example`);
    expect(c.log.join('\n')).not.toContain('phish');
  });

  it('denies every new window; a plain https link goes to the OS browser instead, nothing else does', () => {
    const c = harden();
    for (const url of ['https://example.mil/page?q=1', 'http://example.mil/', 'file:///C:/Windows/System32/calc.exe', 'app://bastion/index.html', 'ms-msdt:/id', 'https://user:pw@example.mil/', 'javascript:alert(1)']) {
      expect(c.open(url)).toEqual({ action: 'deny' });
    }
    expect(c.opened).toEqual(['https://example.mil/page?q=1']);
  });

  it('prevents <webview> attachment', () => {
    const c = harden();
    expect(c.fire('will-attach-webview')).toBe(true);
  });

  it('closes devtools in production, leaves them alone in development', () => {
    const prod = harden(false);
    prod.fire('devtools-opened');
    expect(prod.closeDevTools).toHaveBeenCalledTimes(1);
    const dev = harden(true);
    expect(dev.listeners.has('devtools-opened')).toBe(false);
  });
});

describe('externalLinkTarget', () => {
  it.each([
    ['https://example.mil/a b', 'https://example.mil/a%20b'],
    ['HTTPS://Example.MIL/', 'https://example.mil/'],
    ['http://example.mil/', undefined],
    ['https://u:p@example.mil/', undefined],
    ['https://u@example.mil/', undefined],
    ['file:///etc/passwd', undefined],
    ['smb://server/share', undefined],
    ['not a url', undefined],
    [`https://example.mil/${'a'.repeat(2100)}`, undefined],
  ])('%s → %s', (url, expected) => {
    expect(externalLinkTarget(url)).toBe(expected);
  });
});

describe('guardSession', () => {
  it('refuses every permission request and check, cancels downloads, turns the spell checker off', () => {
    let request: ((wc: unknown, permission: string, cb: (ok: boolean) => void) => void) | undefined;
    let check: ((...a: unknown[]) => boolean) | undefined;
    let device: ((...a: unknown[]) => boolean) | undefined;
    const on = new Map<string, Listener>();
    const session = {
      setPermissionRequestHandler: (h: typeof request) => (request = h),
      setPermissionCheckHandler: (h: typeof check) => (check = h),
      setDevicePermissionHandler: (h: typeof device) => (device = h),
      setSpellCheckerEnabled: vi.fn(),
      on: (name: string, l: Listener) => on.set(name, l),
    };
    guardSession(session as unknown as GuardableSession);
    for (const p of ['media', 'notifications', 'geolocation', 'clipboard-read', 'openExternal', 'fileSystem', 'hid']) {
      const cb = vi.fn();
      request?.({}, p, cb);
      expect(cb).toHaveBeenCalledWith(false);
      expect(check?.({}, p, 'app://bastion', {})).toBe(false);
    }
    expect(device?.({ deviceType: 'usb', origin: 'app://bastion' })).toBe(false);
    expect(session.setSpellCheckerEnabled).toHaveBeenCalledWith(false);
    const preventDefault = vi.fn();
    on.get('will-download')?.({ preventDefault }, {}, {});
    expect(preventDefault).toHaveBeenCalled();
  });
});

describe('refusedSwitches', () => {
  const line = (...switches: string[]): Pick<CommandLine, 'hasSwitch'> => ({ hasSwitch: (s: string) => switches.includes(s) });
  it('names the debugging and sandbox-disabling switches present, and nothing on a clean command line', () => {
    expect(refusedSwitches(line())).toEqual([]);
    expect(refusedSwitches(line('remote-debugging-port', 'no-sandbox', 'lang'))).toEqual(['remote-debugging-port', 'no-sandbox']);
    for (const s of REFUSED_SWITCHES) expect(refusedSwitches(line(s))).toEqual([s]);
  });
});
