// The TLS engine's public entry point: createTlsClient() turns typed options (policy, trust
// anchors, optional client identity) into a GnuTLS session over a socket the caller owns, and
// resolves with an open TlsChannel once the handshake is done.
//
// Electron's BoringSSL cannot use a smart-card key, so every TLS connection of the app goes
// through this one engine (GnuTLS via native/gnutls). On any failure the promise rejects with a
// TlsFailure and the socket is destroyed: there is never a plaintext fallback (UCR-T3).
//
// The handshake runs on a native thread (native/gnutls/src/handshake.c); the JS thread only
// moves bytes and answers the thread's questions (sign, checkPeer), so a signer that takes
// hundreds of milliseconds (a CAC) never blocks the event loop.
import { X509Certificate } from 'node:crypto';
import net from 'node:net';
import { loadGnuTls, type GnuTlsAddon, type NativeSession, type NativeSessionOptions, type SignAlgorithm } from './addon';
import { openTlsChannel, type TlsChannel, type TlsTransport } from './channel';
import { ecdsaRawToDer, pemCertificatesToDer } from './der';
import { TlsFailure } from './failure';
import { toTlsInfo } from './info';
import { isSoftwareIdentity, nativeKeyOf, type SoftwareIdentity } from './pkcs12';
import { MIN_EC_BITS, MIN_RSA_BITS, priorityString, type TlsPolicy, type TlsVersion } from './priority';

export type { TlsChannel, TlsCloseEvent, TlsTransport } from './channel';
export type { TlsFailureCode } from './failure';
export { TlsFailure } from './failure';
export type { TlsInfo } from './info';
export type { SignAlgorithm } from './addon';
export { priorityString, type TlsPolicy, type TlsVersion } from './priority';
export { isSoftwareIdentity, loadPkcs12, type Pkcs12Error, type Pkcs12ErrorCode, type Pkcs12Result, type SoftwareIdentity } from './pkcs12';

/**
 * A client certificate whose private key is elsewhere (a CAC through pkcs11js, or a software
 * key). sign() is called during the handshake, on the JS thread, with:
 *   RSA-PSS-RSAE-*   the hash: sign with PSS, MGF1 of the same hash, salt = hash length
 *   RSA-PKCS1-*      DigestInfo(hash): sign with PKCS#1 v1.5 padding only (CKM_RSA_PKCS)
 *   ECDSA-*          the hash (CKM_ECDSA)
 * and may answer synchronously or with a Promise: the handshake thread waits, the event loop
 * does not. A throw or a rejection fails the handshake with 'signer-failed' (the error as cause).
 * TLS 1.3 accepts only RSA-PSS for RSA keys: a signer without PSS needs TlsPolicy.maxVersion
 * '1.2' (see maxTlsVersionFor).
 */
export interface ExternalSignerIdentity {
  /** Leaf first, then intermediates (DER). */
  chainDer: readonly Buffer[];
  keyType: 'rsa' | 'ec';
  /** RSA modulus bits or EC curve bits; checked against the leaf certificate. */
  bits: number;
  /** The schemes this signer really supports (e.g. no PSS on some cards). */
  signAlgos: readonly SignAlgorithm[];
  /** ECDSA only: what sign() returns. Default 'raw' (r||s, as CKM_ECDSA gives); 'der' passes through. */
  ecdsaSignatureFormat?: 'raw' | 'der';
  sign(algo: SignAlgorithm, data: Buffer): Uint8Array | Promise<Uint8Array>;
}

/** Who we are to the server: an external signer (CAC, test key) or a PKCS#12 software certificate (loadPkcs12). */
export type ClientIdentity = ExternalSignerIdentity | SoftwareIdentity;

/**
 * The highest TLS version under which this identity can authenticate: '1.2' for an RSA key
 * without RSA-PSS (TLS 1.3 forbids PKCS#1 v1.5 in CertificateVerify), else '1.3'. For
 * TlsPolicy.maxVersion, chosen before connecting.
 */
export function maxTlsVersionFor(identity: Pick<ClientIdentity, 'keyType' | 'signAlgos'>): TlsVersion {
  if (identity.keyType !== 'rsa') return '1.3';
  return identity.signAlgos.some((a) => a.startsWith('RSA-PSS-')) ? '1.3' : '1.2';
}

/** Returns null to accept the server's leaf certificate, or why not. */
export type ServerIdentityCheck = (leaf: X509Certificate, chainDer: readonly Buffer[]) => string | null;

export interface TlsClientOptions {
  /** Connected socket; nothing else may read from it or write to it while TLS runs. */
  socket: TlsTransport;
  /** The XMPP domain (or host) expected in the certificate; sent as SNI unless it is an IP. */
  serverName: string;
  /** The only trust anchors (PEM); the system store is never used (UCR-T4). */
  trustAnchorsPem: string;
  policy: TlsPolicy;
  clientIdentity?: ClientIdentity;
  /** Ask for a stapled OCSP response (status_request); it is checked if the server sends one. */
  requestOcsp: boolean;
  /** Name check of the leaf (RFC 6125). Default: DNS-ID match of serverName, no CN fallback. */
  verifyServerIdentity?: ServerIdentityCheck;
  handshakeTimeoutMs?: number;
  /** The loaded addon (default: loadGnuTls()). */
  addon?: GnuTlsAddon;
}

export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 30_000;

/** RFC 6125 DNS-ID (or iPAddress) match of the leaf against serverName; the subject CN is never used. */
export function dnsIdentityCheck(serverName: string): ServerIdentityCheck {
  return (leaf) => {
    const ok = net.isIP(serverName)
      ? leaf.checkIP(serverName) !== undefined
      : leaf.checkHost(serverName, { subject: 'never', wildcards: true, partialWildcards: false, multiLabelWildcards: false }) !==
        undefined;
    return ok ? null : `certificate is not valid for ${serverName}`;
  };
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (typeof v === 'object' || typeof v === 'function') && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(`signer failed: ${String(err)}`, { cause: err });
}

/** The addon's sign callback: a Buffer at once for a synchronous signer, a Promise for an asynchronous one. */
function signerFor(identity: ExternalSignerIdentity): NonNullable<NativeSessionOptions['sign']> {
  const finish = (algo: SignAlgorithm, sig: unknown): Buffer => {
    if (!(sig instanceof Uint8Array)) throw new TypeError(`signer returned ${typeof sig}, expected a Buffer`);
    if (algo.startsWith('ECDSA-') && (identity.ecdsaSignatureFormat ?? 'raw') === 'raw') return ecdsaRawToDer(sig);
    return Buffer.from(sig);
  };
  return (algo, data) => {
    const sig: unknown = identity.sign(algo, data);
    if (!isThenable(sig)) return finish(algo, sig);
    return Promise.resolve(sig).then(
      (s) => finish(algo, s),
      (err: unknown) => {
        throw asError(err);
      },
    );
  };
}

function nativeOptions(opts: TlsClientOptions, onWrite: (b: Buffer) => void): NativeSessionOptions {
  if (pemCertificatesToDer(opts.trustAnchorsPem).length === 0) {
    throw new TlsFailure('config', 'trustAnchorsPem holds no certificate');
  }
  const check = opts.verifyServerIdentity ?? dnsIdentityCheck(opts.serverName);
  const native: NativeSessionOptions = {
    trustPem: opts.trustAnchorsPem,
    priority: priorityString(opts.policy),
    requestOcsp: opts.requestOcsp,
    minRsaBits: MIN_RSA_BITS,
    minEcBits: MIN_EC_BITS,
    onWrite,
    checkPeer: (chainDer) => {
      const leafDer = chainDer[0];
      if (!leafDer) return 'server sent no certificate';
      return check(new X509Certificate(leafDer), chainDer);
    },
  };
  // RFC 6066: SNI carries host names only, never IP literals.
  if (!net.isIP(opts.serverName)) native.serverName = opts.serverName;
  const id = opts.clientIdentity;
  if (id && isSoftwareIdentity(id)) {
    const key = nativeKeyOf(id);
    if (!key) throw new TlsFailure('config', 'the PKCS#12 client identity was disposed');
    native.clientKey = key;
  } else if (id && 'kind' in id && (id as { kind?: unknown }).kind === 'pkcs12') {
    throw new TlsFailure('config', 'clientIdentity is not a PKCS#12 identity made by loadPkcs12()');
  } else if (id) {
    const ext = id as ExternalSignerIdentity;
    if (typeof ext.sign !== 'function') throw new TlsFailure('config', 'clientIdentity has no sign() function');
    native.clientCert = { chainDer: [...ext.chainDer], keyType: ext.keyType, bits: ext.bits, signAlgos: [...ext.signAlgos] };
    native.sign = signerFor(ext);
  }
  return native;
}

/**
 * Runs a TLS client handshake over `socket` (e.g. right after XMPP <proceed/>). Resolves with
 * the open channel; rejects with a TlsFailure after destroying the socket.
 */
export function createTlsClient(opts: TlsClientOptions): Promise<TlsChannel> {
  let addon: GnuTlsAddon;
  try {
    addon = opts.addon ?? loadGnuTls();
  } catch (err) {
    opts.socket.destroy();
    return Promise.reject(new TlsFailure('config', err instanceof Error ? err.message : String(err), { cause: err }));
  }
  return openTlsChannel({
    transport: opts.socket,
    handshakeTimeoutMs: opts.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
    createSession: (onWrite): NativeSession => addon.createSession(nativeOptions(opts, onWrite)),
    finish: (session) => toTlsInfo(session.info(), opts.policy),
  });
}
