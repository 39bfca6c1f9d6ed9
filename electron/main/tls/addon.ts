// Loads the GnuTLS N-API addon (native/gnutls) and types its raw surface. Nothing here knows
// about sockets or policy: engine.ts and channel.ts build on these types.
//
// The addon is found, in order: an explicit path (loadGnuTls({ addonPath })), the
// BASTION_GNUTLS_ADDON environment variable, then `native/gnutls/build/Release/bastion_gnutls.node`
// searched upwards from this module's directory (source tree: electron/main/tls; bundle:
// dist/electron), from the entry script's directory and from the working directory, and in
// a packaged app under `<resources>/app.asar.unpacked/...` or `<resources>/native/`.
// Paths inside an asar archive are rewritten to app.asar.unpacked: dlopen needs a real file.
import fs from 'node:fs';
import path from 'node:path';

export const ADDON_FILE = 'bastion_gnutls.node';
export const ADDON_RELATIVE = path.join('native', 'gnutls', 'build', 'Release', ADDON_FILE);

/** Names the native signer understands (native/gnutls/src/signer.c). */
export type SignAlgorithm =
  | 'RSA-PSS-RSAE-SHA256'
  | 'RSA-PSS-RSAE-SHA384'
  | 'RSA-PSS-RSAE-SHA512'
  | 'RSA-PKCS1-SHA256'
  | 'RSA-PKCS1-SHA384'
  | 'RSA-PKCS1-SHA512'
  | 'ECDSA-SECP256R1-SHA256'
  | 'ECDSA-SECP384R1-SHA384';

export interface NativeClientCert {
  chainDer: Buffer[];
  keyType: 'rsa' | 'ec';
  bits: number;
  signAlgos: SignAlgorithm[];
}

export interface NativeSessionOptions {
  serverName?: string;
  trustPem: string;
  priority: string;
  requestOcsp: boolean;
  minRsaBits: number;
  minEcBits: number;
  onWrite: (ciphertext: Buffer) => void;
  clientCert?: NativeClientCert;
  /**
   * data: the hash (PSS, ECDSA) or DigestInfo (PKCS#1 v1.5); answers with the signature (ECDSA:
   * DER). Called on the JS thread with `this` = the session. In a threaded handshake
   * (startHandshake) it may return the signature, a Promise of it, or undefined and answer later
   * with session.deliverSignature(id, sig | error); a throw or a rejection refuses (the error
   * becomes the handshake error's `cause`). In the synchronous handshake() it must return it.
   */
  sign?: (algo: SignAlgorithm, data: Buffer, id: number) => Uint8Array | PromiseLike<Uint8Array> | undefined;
  /** Called during the handshake (on the JS thread) after the chain verified; null accepts, a string rejects. */
  checkPeer?: (chainDer: Buffer[]) => string | null;
  /** A key from loadPkcs12(): the session signs with its own copy, inside GnuTLS (no clientCert/sign then). */
  clientKey?: NativeKeyHandle;
}

/** Opaque handle of a private key held in native memory (loadPkcs12). */
export interface NativeKeyHandle {
  /** True once dispose() ran (or the key was never usable). */
  readonly disposed: boolean;
  /** Frees (GnuTLS clears, then frees) the key now; idempotent. Sessions already made keep their own copy. */
  dispose(): void;
}

export type Pkcs12ErrorCode =
  | 'pkcs12-bad-password'
  | 'pkcs12-malformed'
  | 'pkcs12-no-key'
  | 'pkcs12-no-certificate'
  /** Key and certificates present, but no certificate belongs to the key. */
  | 'pkcs12-key-mismatch'
  /** Not RSA or EC P-256/P-384. */
  | 'pkcs12-unsupported-key'
  /** An encryption or MAC algorithm GnuTLS does not implement. */
  | 'pkcs12-unsupported';

export type NativePkcs12 =
  | { key: NativeKeyHandle; chainDer: Buffer[]; keyType: 'rsa' | 'ec'; bits: number; signAlgos: SignAlgorithm[]; error?: undefined }
  | { error: Pkcs12ErrorCode; message: string };

export interface NativeInfo {
  state: 'handshaking' | 'open' | 'closed' | 'failed';
  version?: string;
  cipherSuite?: string | null;
  cipher?: string | null;
  kx?: string | null;
  mac?: string | null;
  group?: string | null;
  description?: string | null;
  sessionResumed?: boolean;
  extendedMasterSecret?: boolean;
  safeRenegotiation?: boolean;
  channelBinding?: { tlsExporter?: Buffer; tlsUnique?: Buffer };
  peerChainDer: Buffer[];
  peerKey?: { type: string; bits: number };
  verified: boolean;
  verifyStatus: number;
  verifyReasons: string[];
  verifyText?: string;
  peerRejectReason?: string;
  ocspStapledDer?: Buffer;
  clientCertRequested: boolean;
  clientCertSent: boolean;
  signatures: number;
  clientSignAlgorithm?: SignAlgorithm;
}

export interface NativeSession {
  /** Queues ciphertext from the transport (wakes a handshake thread waiting for it). */
  feed(ciphertext: Uint8Array): void;
  feedEof(): void;
  /**
   * Runs the handshake on a native thread; onDone(null) or onDone(error) follows on the JS
   * thread (never after destroy()). Until then the thread owns the GnuTLS session: only feed,
   * feedEof, deliverSignature, bye (flush only) and destroy may be called; info() throws
   * ERR_BASTION_TLS_BUSY. timeoutMs: native deadline for the whole handshake (error code
   * ERR_BASTION_TLS_TIMEOUT); 0/absent = none.
   */
  startHandshake(onDone: (err: NativeTlsError | null) => void, timeoutMs?: number): void;
  /** The answer to sign(algo, data, id): the signature, or anything else (an Error) to refuse. False if that request is gone. */
  deliverSignature(id: number, result: unknown): boolean;
  /** Synchronous, non-blocking handshake step on the JS thread (a signer must answer synchronously). */
  handshake(): 'again' | 'done';
  write(plaintext: Uint8Array): void;
  read(): Buffer | null;
  bye(): void;
  info(): NativeInfo;
  isPeerClosed(): boolean;
  destroy(): void;
}

/** What the addon attaches to the errors it throws. */
export interface NativeTlsError extends Error {
  code?: string;
  gnutlsCode?: number;
  alert?: string;
  verifyStatus?: number;
  verifyReasons?: string[];
  peerRejectReason?: string;
  cause?: unknown;
}

export interface PriorityDescription {
  suites: { name: string; id: string; kx: string; cipher: string; mac: string; minVersion: string }[];
  protocols: string[];
  signatures: string[];
  groups: string[];
  kx: string[];
  ciphers: string[];
  macs: string[];
}

/** certUrls(): the revocation locations a certificate names (http(s) or not: the caller filters). */
export interface NativeCertUrls {
  /** Authority Information Access, id-ad-ocsp URIs, in certificate order. */
  ocsp?: string[];
  /** CRL Distribution Points, URI full names, in certificate order. */
  crl?: string[];
  error?: string;
}

export interface NativeOcspRequest {
  /** DER OCSPRequest (SHA-1 CertID, the nonce extension if a nonce was given). */
  der?: Buffer;
  error?: string;
}

/** ocspVerify(): what a response says and whether it may be believed. Times: seconds since epoch. */
export interface NativeOcspVerify {
  responseStatus?: 'successful' | 'malformedRequest' | 'internalError' | 'tryLater' | 'sigRequired' | 'unauthorized' | 'unrecognised';
  /** A SingleResponse's CertID (hash algorithm, issuer name hash, issuer key hash, serial) is this certificate's. */
  certMatch: boolean;
  certStatus?: 'good' | 'revoked' | 'unknown';
  thisUpdate?: number;
  nextUpdate?: number;
  producedAt?: number;
  revocationTime?: number;
  /** RFC 5280 CRLReason code (revoked only). */
  reason?: number;
  /** Signed by the issuer, or by an id-kp-OCSPSigning responder certificate the issuer signed. */
  signatureOk: boolean;
  /** signer-not-found, signer-not-authorised, untrusted-signer, insecure-algorithm, signature-failure, signer-expired, ... */
  signatureReasons: string[];
  signatureError?: string;
  /** The responder's DN when identified by name. */
  responder?: string;
  /** Only when a nonce was passed in. */
  nonce?: 'match' | 'mismatch' | 'absent';
  error?: string;
}

/** crlCheck(): the CRL's validity and whether it lists the certificate. Times: seconds since epoch. */
export interface NativeCrlCheck {
  /** Issuer DN matches, issuer is a CA with cRLSign, signature verifies with a non-weak algorithm (time not checked). */
  signatureOk: boolean;
  signatureReasons: string[];
  signatureError?: string;
  /** The CRL's issuer DN equals the certificate's issuer DN. */
  issuerMatch?: boolean;
  thisUpdate?: number;
  nextUpdate?: number;
  entries?: number;
  revoked: boolean;
  revocationTime?: number;
  /** deltaCRLIndicator present. */
  delta?: boolean;
  /** issuingDistributionPoint present: the CRL may cover only part of the issuer's certificates. */
  partitioned?: boolean;
  /** OID of a critical extension we do not understand. */
  unsupportedCritical?: string;
  error?: string;
}

export interface GnuTlsAddon {
  createSession(options: NativeSessionOptions): NativeSession;
  describePriority(priority: string): PriorityDescription;
  /** Revocation primitives (native/gnutls/src/ocsp.c); policy is in revocation.ts. Bad bytes give `error`, never a throw. */
  certUrls(certDer: Uint8Array): NativeCertUrls;
  ocspRequest(certDer: Uint8Array, issuerDer: Uint8Array, nonce?: Uint8Array): NativeOcspRequest;
  ocspVerify(respDer: Uint8Array, certDer: Uint8Array, issuerDer: Uint8Array, nonce?: Uint8Array): NativeOcspVerify;
  crlCheck(crlDer: Uint8Array, certDer: Uint8Array, issuerDer: Uint8Array): NativeCrlCheck;
  /** Decrypts a DER PKCS#12 file; the key stays in native memory behind the handle. Bad input gives `error`, never a throw. */
  loadPkcs12(der: Uint8Array, password: string): NativePkcs12;
  /** Handshake threads of this JS environment not yet joined (0 when idle). */
  liveHandshakeThreads(): number;
  readonly gnutlsVersion: string;
  readonly signAlgorithms: readonly SignAlgorithm[];
}

export interface AddonLocation {
  /** Use exactly this file. */
  addonPath?: string;
  env?: Readonly<Record<string, string | undefined>>;
  /** Electron's process.resourcesPath in a packaged app. */
  resourcesPath?: string;
  /** Directories to search upwards from (default: this module's dir, the entry script's dir, cwd). */
  searchFrom?: readonly string[];
  exists?: (file: string) => boolean;
}

/** Rewrites a path inside an asar archive to its unpacked twin. */
export function unpackedPath(p: string): string {
  return p.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2');
}

function defaultSearchDirs(): string[] {
  const dirs: string[] = [];
  // CommonJS bundle (dist/electron/main.cjs): __dirname is defined; ESM has no such binding.
  if (typeof __dirname === 'string') dirs.push(__dirname);
  const entry = process.argv[1];
  if (entry) dirs.push(path.dirname(path.resolve(entry)));
  dirs.push(process.cwd());
  return dirs;
}

/** Every place the addon may be, best first (exists or not). */
export function addonCandidates(loc: AddonLocation = {}): string[] {
  const env = loc.env ?? process.env;
  const out: string[] = [];
  if (loc.addonPath) return [path.resolve(loc.addonPath)];
  const fromEnv = env.BASTION_GNUTLS_ADDON;
  if (fromEnv) out.push(path.resolve(fromEnv));
  const resources = loc.resourcesPath ?? (process as { resourcesPath?: string }).resourcesPath;
  if (resources) {
    out.push(path.join(resources, 'app.asar.unpacked', ADDON_RELATIVE));
    out.push(path.join(resources, 'native', ADDON_FILE));
  }
  for (const start of loc.searchFrom ?? defaultSearchDirs()) {
    let dir = path.resolve(start);
    for (let up = 0; up < 5; up++) {
      out.push(unpackedPath(path.join(dir, ADDON_RELATIVE)));
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return [...new Set(out)];
}

export function resolveAddonPath(loc: AddonLocation = {}): string {
  const exists = loc.exists ?? ((f: string) => fs.existsSync(f));
  const candidates = addonCandidates(loc);
  const found = candidates.find((c) => exists(c));
  if (!found) {
    throw new Error(
      `GnuTLS addon ${ADDON_FILE} not found (build it: cd native/gnutls && node-gyp rebuild). Looked in:\n  ${candidates.join('\n  ')}`,
    );
  }
  return found;
}

const loaded = new Map<string, GnuTlsAddon>();

/** Loads (once per path) and returns the addon. Throws with the searched paths if it is missing. */
export function loadGnuTls(loc: AddonLocation = {}): GnuTlsAddon {
  const file = resolveAddonPath(loc);
  const cached = loaded.get(file);
  if (cached) return cached;
  const mod: { exports: unknown } = { exports: {} };
  process.dlopen(mod, file);
  const addon = mod.exports as GnuTlsAddon;
  if (typeof addon.createSession !== 'function') throw new Error(`${file} is not the Bastion GnuTLS addon`);
  loaded.set(file, addon);
  return addon;
}
