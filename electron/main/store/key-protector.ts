/**
 * The database key is a random 256-bit key, stored on disk only wrapped by the OS: Electron
 * `safeStorage` (DPAPI on Windows, Keychain on macOS, libsecret/kwallet on Linux) implements
 * this port in the shell. The key itself is never written in plaintext.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export interface KeyProtector {
  /** Where the wrapping key lives, for the security report and the admin. */
  readonly kind: 'os-keystore' | 'environment';
  /** Human-readable detail, e.g. the safeStorage backend. */
  readonly detail: string;
  protect(secret: Buffer): Buffer;
  unprotect(blob: Buffer): Buffer;
}

/**
 * For the browser host, the CLI and the tests (no OS keystore from plain Node): the wrapping
 * key comes from the environment (`BASTION_STORE_KEY`, 64 hex digits), AES-256-GCM.
 */
export function environmentKeyProtector(hexKey: string): KeyProtector {
  if (!/^[0-9a-fA-F]{64}$/.test(hexKey)) throw new Error('BASTION_STORE_KEY must be 64 hex digits (a 256-bit key)');
  const key = Buffer.from(hexKey, 'hex');
  return {
    kind: 'environment',
    detail: 'wrapping key from BASTION_STORE_KEY',
    protect(secret) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(secret), c.final()]);
      return Buffer.concat([Buffer.from('BK1'), iv, c.getAuthTag(), body]);
    },
    unprotect(blob) {
      if (blob.length < 3 + 12 + 16 || blob.subarray(0, 3).toString() !== 'BK1') throw new Error('the stored database key has an unknown format');
      const d = createDecipheriv('aes-256-gcm', key, blob.subarray(3, 15));
      d.setAuthTag(blob.subarray(15, 31));
      return Buffer.concat([d.update(blob.subarray(31)), d.final()]);
    },
  };
}
