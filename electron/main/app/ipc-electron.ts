import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { commandChannel, commandNames, eventChannel, fail } from '../../../shared/ipc';
import type { Disposer } from '../../../shared/util/disposable';
import type { Dispatcher } from '../ipc/dispatcher';
import type { EventHub } from '../ipc/events';

/** The app's own origin: the renderer is served from `app://bastion/` (see protocol.ts). */
export const APP_ORIGIN = 'app://bastion';

/**
 * Whether `url` is a page of the app. Compares scheme and host, not `URL.origin`: Node's WHATWG
 * URL reports `"null"` as the origin of any non-special scheme such as `app:`.
 */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'app:' && u.host === 'bastion' && u.username === '' && u.password === '' && u.port === '';
  } catch {
    return false;
  }
}

/**
 * A call is trusted only from the main frame of our own window, loaded from our own origin.
 * Subframes, devtools extensions and any navigated-away page are refused (Electron security
 * checklist item 17: validate the sender of all IPC messages).
 */
export function isTrustedSender(event: IpcMainInvokeEvent, trusted: () => WebContents | undefined): boolean {
  const frame = event.senderFrame;
  const contents = trusted();
  if (!frame || !contents || event.sender !== contents) return false;
  if (frame !== contents.mainFrame) return false;
  return isAppUrl(frame.url);
}

/**
 * ipcMain wiring generated from the contract's name list: one `handle` per command, nothing
 * else registered. Events from the core are forwarded to the trusted window only.
 */
export function wireIpc(deps: {
  readonly ipcMain: IpcMain;
  readonly dispatcher: Dispatcher;
  readonly events: EventHub;
  readonly window: () => WebContents | undefined;
}): Disposer {
  const { ipcMain, dispatcher, events, window } = deps;
  for (const name of commandNames) {
    ipcMain.handle(commandChannel(name), (event, input: unknown) => {
      if (!isTrustedSender(event, window)) {
        return fail('forbidden-sender', 'IPC from an untrusted frame was refused');
      }
      return dispatcher.dispatch(name, input, { sender: 'electron:main-frame' });
    });
  }
  const unsubscribe = events.subscribe((name, payload) => {
    const contents = window();
    if (contents && !contents.isDestroyed()) contents.send(eventChannel(name), payload);
  });
  return () => {
    unsubscribe();
    for (const name of commandNames) ipcMain.removeHandler(commandChannel(name));
  };
}
