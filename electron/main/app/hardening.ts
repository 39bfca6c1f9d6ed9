/**
 * The Electron security checklist (electronjs.org/docs/latest/tutorial/security) as functions of
 * the objects they harden: every webContents, the session, and the command line (the window's
 * webPreferences are a literal in window.ts, where reviewers and electronegativity look for them). They take Electron's objects as arguments (types from `electron`, no value
 * import), so tests drive them with stand-ins: the Electron binary cannot run under Node.
 */
import type { CommandLine, Session, WebContents } from 'electron';
import { isAppUrl } from './ipc-electron';

const MAX_LINK = 2048;

/**
 * A link the user may open in the OS browser: plain https, no credentials (phishing), not
 * absurdly long. Anything else (file:, custom schemes, javascript:, http:) is never handed to
 * the OS. Returns the normalised URL.
 */
export function externalLinkTarget(url: string): string | undefined {
  if (url.length > MAX_LINK) return undefined;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'https:' || u.username !== '' || u.password !== '' || u.hostname === '') return undefined;
  return u.href;
}

export type HardenableContents = Pick<WebContents, 'on' | 'setWindowOpenHandler' | 'closeDevTools'>;

export interface ContentsHardening {
  readonly devTools: boolean;
  /** Hands a link to the OS browser (shell.openExternal); gets only externalLinkTarget() URLs. */
  readonly openLink: (url: string) => void;
  /** Refusals are reported here (never page content, only the URL's scheme and host). */
  readonly log: (message: string) => void;
}

const describeUrl = (url: string): string => {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return 'an invalid URL';
  }
};

/**
 * Every webContents (installed from app 'web-contents-created', so nothing escapes it): no
 * navigation, redirect or frame navigation away from app://bastion (checklist 13), no new
 * windows — an https link is handed to the OS browser instead (14, 15), no <webview> (12),
 * and in production no devtools even if something opens them.
 */
export function hardenWebContents(contents: HardenableContents, opts: ContentsHardening): void {
  const stayInApp =
    (what: string) =>
    (event: { readonly url: string; preventDefault(): void }): void => {
      if (isAppUrl(event.url)) return;
      event.preventDefault();
      opts.log(`blocked ${what} to ${describeUrl(event.url)}`);
    };
  contents.on('will-navigate', stayInApp('navigation'));
  contents.on('will-frame-navigate', stayInApp('frame navigation'));
  contents.on('will-redirect', stayInApp('redirect'));
  contents.setWindowOpenHandler(({ url }) => {
    const target = externalLinkTarget(url);
    if (target !== undefined) opts.openLink(target);
    else opts.log(`blocked a new window for ${describeUrl(url)}`);
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    opts.log('blocked a <webview>');
  });
  if (!opts.devTools) {
    contents.on('devtools-opened', () => {
      contents.closeDevTools();
    });
  }
}

export type GuardableSession = Pick<
  Session,
  'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'setDevicePermissionHandler' | 'setSpellCheckerEnabled' | 'on'
>;

/**
 * The renderer's session (checklist 5): every permission request and check is refused (camera,
 * microphone, notifications, geolocation, clipboard-read, HID/USB/serial devices …), downloads
 * are cancelled, and the spell checker is off (it would download dictionaries from Google).
 */
export function guardSession(session: GuardableSession): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
  session.setSpellCheckerEnabled(false);
  session.on('will-download', (event) => event.preventDefault());
}

/**
 * Chromium and Node switches that would undo the hardening if someone starts the installed app
 * with them: remote debugging (CDP access to the renderer), no sandbox, no web security, V8 flags,
 * the inspector (also off through the EnableNodeCliInspectArguments fuse).
 */
export const REFUSED_SWITCHES = Object.freeze([
  'remote-debugging-port',
  'remote-debugging-pipe',
  'remote-allow-origins',
  'no-sandbox',
  'disable-gpu-sandbox',
  'single-process',
  'disable-web-security',
  'disable-site-isolation-trials',
  'allow-running-insecure-content',
  'ignore-certificate-errors',
  'js-flags',
  'inspect',
  'inspect-brk',
  'inspect-port',
]);

/**
 * The refused switches present on this command line. The packaged app refuses to start with any
 * of them; a development run (not packaged) allows them, since Playwright's _electron launcher
 * passes --remote-debugging-port and --inspect.
 */
export function refusedSwitches(commandLine: Pick<CommandLine, 'hasSwitch'>): string[] {
  return REFUSED_SWITCHES.filter((s) => commandLine.hasSwitch(s));
}
