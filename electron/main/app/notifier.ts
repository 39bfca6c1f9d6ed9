/**
 * OS notifications from the main process (the renderer's own Notification API is denied with
 * every other permission): Electron's `Notification`, clicking brings the window forward.
 */
import { Notification, type BrowserWindow } from 'electron';
import type { Notifier } from '../core/core';

export function electronNotifier(window: () => BrowserWindow | undefined): Notifier {
  return {
    show({ title, body }, onClick) {
      if (!Notification.isSupported()) return false;
      const n = new Notification({ title, body, silent: false });
      n.on('click', () => {
        const w = window();
        if (w) {
          if (w.isMinimized()) w.restore();
          w.focus();
        }
        onClick();
      });
      n.show();
      return true;
    },
  };
}
