// The TLS engine's public entry point: createTlsClient() turns typed options (policy, trust
// anchors, optional client identity with an external signer) into a GnuTLS session over a
// socket the caller owns, and resolves with an open TlsChannel once the handshake is done.
//
// Electron's BoringSSL cannot use a smart-card key, so every TLS connection of the app goes
// through this one engine (GnuTLS via native/gnutls). On any failure the promise rejects with a
// TlsFailure and the socket is destroyed: there is never a plaintext fallback (UCR-T3).
import { X509Certificate } from 'node:crypto';
import net from 'node:net';
import { loadGnuTls, type GnuTlsAddon, type NativeSessionOptions, type SignAlgorithm } from './addon';
import { openTlsChannel, type TlsChannel, type TlsTransport } from './channel';
import { ecdsaRawToDer, pemCertificatesToDer } from './der';
import { TlsFailure } from './failure';
import { toTlsInfo } from './info';
import { MIN_EC_BITS, MIN_RSA_BITS, priorityString, type TlsPolicy } from './priority';

export type { TlsChannel, TlsCloseEvent, TlsTransport } from './channel';
export type { TlsFailureCode } from './failure';
export { TlsFailure } from './failure';
export type { TlsInfo } from './info';
export type { SignAlgorithm } from './addon';
export { priorityString, type TlsPolicy } from './priority';

/**
 * A client certificate whose private key is elsewhere (a CAC through pkcs11js, or a software
 * key). sign() is called synchronously inside the handshake with:
 *   RSA-PSS-RSAE-*   the hash: sign with PSS, MGF1 of the same hash, salt = hash length
 *   RSA-PKCS1-*      DigestInfo(hash): sign with PKCS#1 v1.5 padding only (CKM_RSA_PKCS)
 *   ECDSA-*          the hash (CKM_ECDSA)
 * TLS 1.3 accepts only RSA-PSS for RSA keys: a signer without PSS gets TLS 1.2 at best.
 */
export interface ClientIdentity {
  /** Leaf first, then intermediates (DER). */
  chainDer: readonly Buffer[];
  keyType: 'rsa' | 'ec';
  /** RSA modulus bits or EC curve bits; checked against the leaf certificate. */
  bits: number;
  /** The schemes this signer really supports (e.g. no PSS on some cards). */
  signAlgos: readonly SignAlgorithm[];
  /** ECDSA only: what sign() returns. Default 'raw' (r||s, as CKM_ECDSA gives); 'der' passes through. */
  ecdsaSignatureFormat?: 'raw' | 'der';
  sign(algo: SignAlgorithm, data: Buffer): Uint8Array;
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

function signerFor(identity: ClientIdentity): (algo: SignAlgorithm, data: Buffer) => Buffer {
  return (algo, data) => {
    const sig: unknown = identity.sign(algo, data);
    if (!(sig instanceof Uint8Array)) throw new TypeError(`signer returned ${typeof sig}, expected a Buffer`);
    if (algo.startsWith('ECDSA-') && (identity.ecdsaSignatureFormat ?? 'raw') === 'raw') return ecdsaRawToDer(sig);
    return Buffer.from(sig);
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
  if (id) {
    native.clientCert = { chainDer: [...id.chainDer], keyType: id.keyType, bits: id.bits, signAlgos: [...id.signAlgos] };
    native.sign = signerFor(id);
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
    createSession: (onWrite) => addon.createSession(nativeOptions(opts, onWrite)),
    finish: (session) => toTlsInfo(session.info(), opts.policy),
  });
}
