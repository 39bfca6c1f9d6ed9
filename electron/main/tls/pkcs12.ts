// PKCS#12 software certificates [UCR-T6]: "Without a CAC, a DoD PKI software certificate
// (PKCS#12 file) can be used for TLS client authentication; the key is held in memory only."
//
// loadPkcs12() decrypts the file with GnuTLS (native/gnutls/src/pkcs12.c). The private key stays
// in native memory behind an opaque handle and never becomes a JS value; each TLS session gets
// its own copy inside its GnuTLS credentials and GnuTLS signs the CertificateVerify itself.
// Release the identity with dispose() as soon as it is not needed (logout, account removed):
// the key is cleared and freed at once. The garbage collector does the same for an identity
// that was dropped without dispose(), at some later time.
//
// The caller should wipe the file's bytes (der.fill(0)) after loading. The password arrives as
// a JS string, which cannot be wiped; the addon wipes its own copy.
import { loadGnuTls, type GnuTlsAddon, type NativeKeyHandle, type Pkcs12ErrorCode, type SignAlgorithm } from './addon';

export type { Pkcs12ErrorCode } from './addon';

export interface Pkcs12Error {
  readonly code: Pkcs12ErrorCode;
  readonly message: string;
}

export type Pkcs12Result = { readonly ok: true; readonly value: SoftwareIdentity } | { readonly ok: false; readonly error: Pkcs12Error };

/** A client identity whose key is held by the TLS engine (from a PKCS#12 file). */
export interface SoftwareIdentity {
  readonly kind: 'pkcs12';
  /** Leaf first, then the intermediates found in the file (self-signed roots are left out). */
  readonly chainDer: readonly Buffer[];
  readonly keyType: 'rsa' | 'ec';
  /** RSA modulus bits or EC curve bits. */
  readonly bits: number;
  /** The schemes GnuTLS can make with this key (RSA: PSS and PKCS#1 v1.5; EC: the curve's ECDSA). */
  readonly signAlgos: readonly SignAlgorithm[];
  /** True after dispose(): the identity can no longer start a session. */
  readonly disposed: boolean;
  /** Clears and frees the key now (idempotent). Sessions already established are not affected. */
  dispose(): void;
}

// The native handle of each identity made here: nothing else can reach it, and an object that
// merely looks like a SoftwareIdentity is not one.
const handles = new WeakMap<object, NativeKeyHandle>();

class Pkcs12Identity implements SoftwareIdentity {
  readonly kind = 'pkcs12' as const;
  readonly chainDer: readonly Buffer[];
  readonly keyType: 'rsa' | 'ec';
  readonly bits: number;
  readonly signAlgos: readonly SignAlgorithm[];

  constructor(key: NativeKeyHandle, chainDer: Buffer[], keyType: 'rsa' | 'ec', bits: number, signAlgos: SignAlgorithm[]) {
    this.chainDer = Object.freeze(chainDer);
    this.keyType = keyType;
    this.bits = bits;
    this.signAlgos = Object.freeze(signAlgos);
    handles.set(this, key);
    Object.freeze(this);
  }

  get disposed(): boolean {
    return handles.get(this)?.disposed ?? true;
  }

  dispose(): void {
    handles.get(this)?.dispose();
  }

  toJSON(): { kind: 'pkcs12'; keyType: string; bits: number } {
    return { kind: this.kind, keyType: this.keyType, bits: this.bits };
  }
}

/**
 * Loads a DER PKCS#12 file (PBES2/AES or legacy 3DES/RC2, as GnuTLS reads them). Never throws
 * for bad input: a wrong password is `pkcs12-bad-password`, damaged bytes `pkcs12-malformed`, a
 * file without a key or certificate `pkcs12-no-key` / `pkcs12-no-certificate`. Throws only when
 * the TLS engine itself cannot be loaded.
 */
export function loadPkcs12(der: Uint8Array, password: string, opts: { addon?: GnuTlsAddon } = {}): Pkcs12Result {
  const addon = opts.addon ?? loadGnuTls();
  const r = addon.loadPkcs12(der, password);
  if (r.error !== undefined) return { ok: false, error: { code: r.error, message: r.message } };
  return { ok: true, value: new Pkcs12Identity(r.key, r.chainDer, r.keyType, r.bits, r.signAlgos) };
}

/** True for identities made by loadPkcs12 (disposed or not). */
export function isSoftwareIdentity(id: unknown): id is SoftwareIdentity {
  return typeof id === 'object' && id !== null && handles.has(id);
}

/** The engine's access to the native key (engine.ts); null once disposed. */
export function nativeKeyOf(id: SoftwareIdentity): NativeKeyHandle | null {
  const key = handles.get(id);
  return key && !key.disposed ? key : null;
}
