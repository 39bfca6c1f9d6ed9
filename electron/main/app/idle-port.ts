/**
 * The Electron side of XEP-0319 auto-away: the OS idle time and screen-lock events from
 * `powerMonitor` (usable once the app is ready). Takes the monitor as an argument so that the
 * shell passes Electron's and tests pass a stand-in: the Electron binary cannot run under Node.
 */
import type { PowerMonitor } from 'electron';
import type { IdlePort } from '../xmpp/xep/0319-idle';

export type PowerMonitorLike = Pick<PowerMonitor, 'getSystemIdleTime' | 'on' | 'removeListener'>;

export function createElectronIdlePort(powerMonitor: PowerMonitorLike): IdlePort {
  const subscribe = (event: 'lock-screen' | 'unlock-screen' | 'resume') => (cb: () => void) => {
    // Electron's overloads are per event name; one listener type fits all three.
    powerMonitor.on(event as 'lock-screen', cb);
    return () => {
      powerMonitor.removeListener(event as 'lock-screen', cb);
    };
  };
  return {
    idleSeconds: () => powerMonitor.getSystemIdleTime(),
    onDidLock: subscribe('lock-screen'),
    onDidUnlock: subscribe('unlock-screen'),
    onDidResume: subscribe('resume'),
  };
}
