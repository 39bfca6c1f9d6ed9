/**
 * Electron implementations of the core's OS ports: the history key wrapped by the OS keystore
 * (safeStorage) and "the network is back" (powerMonitor resume + net.isOnline). Electron-only;
 * type-checked against electron's types.
 */
import { net, powerMonitor, safeStorage } from 'electron';
import type { Disposer } from '../../../shared/util/disposable';
import type { KeyProtector } from '../store/key-protector';

/**
 * The database key wrapped by DPAPI / Keychain / libsecret-kwallet. On Linux without a keyring
 * Electron falls back to 'basic_text' (a fixed, public password): that protects nothing, so no
 * key protector is returned and history stays in memory for the run.
 */
export function safeStorageKeyProtector(): KeyProtector | undefined {
  if (!safeStorage.isEncryptionAvailable()) return undefined;
  const backend = process.platform === 'linux' ? safeStorage.getSelectedStorageBackend() : 'os';
  if (backend === 'basic_text' || backend === 'unknown') return undefined;
  return {
    kind: 'os-keystore',
    detail: `Electron safeStorage (${process.platform === 'linux' ? backend : process.platform})`,
    protect: (secret) => safeStorage.encryptString(secret.toString('base64')),
    unprotect: (blob) => Buffer.from(safeStorage.decryptString(blob), 'base64'),
  };
}

/** Calls `cb` when the machine wakes up or the network comes back, for an immediate reconnect. */
export function networkUp(cb: () => void): Disposer {
  let online = net.isOnline();
  const timer = setInterval(() => {
    const now = net.isOnline();
    if (now && !online) cb();
    online = now;
  }, 2000);
  const onResume = (): void => cb();
  powerMonitor.on('resume', onResume);
  powerMonitor.on('unlock-screen', onResume);
  return () => {
    clearInterval(timer);
    powerMonitor.off('resume', onResume);
    powerMonitor.off('unlock-screen', onResume);
  };
}
