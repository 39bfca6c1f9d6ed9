// The typed request/response protocol between the main thread and the card worker.
// Everything here crosses postMessage (structured clone): plain data only. Buffers arrive on the
// other side as Uint8Array, so the types say Uint8Array.
import type { SignAlgorithm } from '../tls/engine';

/** A PKCS#11 slot id (CK_SLOT_ID) as a decimal string: stable, printable and cloneable. */
export type SlotId = string;

/** What C_GetTokenInfo / C_GetSlotInfo say, decoded (token-flags.ts). */
export interface TokenFlags {
  /** The reader says the token can be removed (a card reader); SoftHSM2: slots.removable. */
  removable: boolean;
  hardwareSlot: boolean;
  loginRequired: boolean;
  userPinInitialized: boolean;
  /** PIN pad reader: the PIN is entered on the reader, not in the app (not supported yet). */
  protectedAuthenticationPath: boolean;
  pinCountLow: boolean;
  pinFinalTry: boolean;
  pinLocked: boolean;
  pinToBeChanged: boolean;
}

export interface TokenSummary {
  slot: SlotId;
  slotDescription: string;
  label: string;
  manufacturer: string;
  model: string;
  serial: string;
  flags: TokenFlags;
  minPinLength: number;
  maxPinLength: number;
  /** Whether this app holds a logged-in session on the token. */
  loggedIn: boolean;
}

/**
 * The private key found (or not) for a certificate's CKA_ID.
 *  - present:   found; `rsaModulus` lets the main side check it really is the certificate's key
 *  - absent:    not found although the objects were visible (logged in or no login needed)
 *  - unchecked: the token hides private objects until C_Login; list again after login
 */
export type PrivateKeyPresence = 'present' | 'absent' | 'unchecked';

export interface RawCertificate {
  /** CKA_ID, hex; the private key has the same one. */
  id: string;
  label: string;
  der: Uint8Array;
  privateKey: PrivateKeyPresence;
  /** RSA private keys expose their (public) modulus; compared with the certificate's. */
  rsaModulus?: Uint8Array;
  /** CKA_SIGN of the private key. */
  keyCanSign?: boolean;
  /** CKA_ALWAYS_AUTHENTICATE: the card wants the PIN again for every signature. */
  keyAlwaysAuthenticate?: boolean;
}

export interface MechanismSupport {
  /** CKM_RSA_PKCS with CKF_SIGN: PKCS#1 v1.5 over a DigestInfo (TLS 1.2 only). */
  rsaPkcs: boolean;
  /** CKM_RSA_PKCS_PSS with CKF_SIGN: what TLS 1.3 needs from an RSA card. */
  rsaPss: boolean;
  /** CKM_ECDSA with CKF_SIGN: sign a hash, raw r||s out. */
  ecdsa: boolean;
  /** Every mechanism the token lists (numbers, for diagnostics). */
  all: number[];
}

export interface ModuleInfo {
  path: string;
  manufacturer: string;
  description: string;
  libraryVersion: string;
  cryptokiVersion: string;
  /** How slot events are found: the module's C_WaitForSlotEvent(CKF_DONT_BLOCK), or polling only. */
  slotEvents: 'wait-for-slot-event' | 'polling';
  /**
   * C_Initialize answered CKR_CRYPTOKI_ALREADY_INITIALIZED: an earlier card worker of this
   * process died without C_Finalize. This worker took the module over and closed its sessions.
   */
  tookOverInitializedModule: boolean;
}

export type TriesHint = 'low' | 'final-try';

export type LoginFailureCode =
  | 'pin-incorrect'
  | 'pin-locked'
  | 'pin-len-range'
  | 'pin-invalid'
  | 'pin-expired'
  | 'token-removed'
  | 'pin-pad-unsupported'
  | 'error';

export type LoginResult =
  | { ok: true }
  | { ok: false; code: LoginFailureCode; triesHint?: TriesHint; ckr?: string; message: string };

/** What the card says about a private key's protection (for the security report and tests). */
export interface KeyProtection {
  extractable: boolean;
  sensitive: boolean;
  neverExtractable: boolean;
  alwaysSensitive: boolean;
  /**
   * The secret parts, asked for on purpose: CKA_VALUE (EC; for RSA not even defined) and the
   * RSA private exponent and primes. `readable: true` would mean the card handed one out (its
   * bytes are wiped in the worker and never sent).
   */
  secrets: Array<{ attribute: string; readable: boolean; refusedWith?: string }>;
}

export type SlotEvent =
  | { type: 'token-removed'; slot: SlotId; label: string; serial: string; wasLoggedIn: boolean; reason: string }
  | { type: 'token-inserted'; slot: SlotId; label: string; serial: string };

export interface InitParams {
  modulePath: string;
  /** Slot polling period; removal must be seen within 2 s, so at most 500 ms is allowed. */
  pollIntervalMs: number;
  /**
   * Tests only: busy-wait this long inside every C_Sign, to stand in for a slow card
   * (10–900 ms per signature) and show the main thread does not wait for it.
   */
  simulatedSignLatencyMs?: number;
}

/** Every request the worker answers: name → params and result. */
export interface CardMethods {
  init: { params: InitParams; result: ModuleInfo };
  listTokens: { params: Record<string, never>; result: TokenSummary[] };
  listCertificates: { params: { slot: SlotId }; result: RawCertificate[] };
  /** pin: UTF-8 bytes, transferred (detached on the sending side) and zeroed by the worker. */
  login: { params: { slot: SlotId; pin: Uint8Array }; result: LoginResult };
  logout: { params: { slot: SlotId }; result: null };
  mechanisms: { params: { slot: SlotId }; result: MechanismSupport };
  sign: { params: { slot: SlotId; keyId: string; algo: SignAlgorithm; data: Uint8Array }; result: Uint8Array };
  keyProtection: { params: { slot: SlotId; keyId: string }; result: KeyProtection };
  finalize: { params: Record<string, never>; result: null };
}

export type CardMethod = keyof CardMethods;
export type CardParams<M extends CardMethod> = CardMethods[M]['params'];
export type CardResult<M extends CardMethod> = CardMethods[M]['result'];

/** Why a request failed, as a value (never a thrown exception across the thread boundary). */
export type CardErrorCode =
  | 'module-load-failed'
  | 'not-initialized'
  | 'slot-not-found'
  | 'token-removed'
  | 'not-logged-in'
  | 'key-not-found'
  | 'key-needs-pin-per-signature'
  | 'mechanism-unsupported'
  | 'bad-request'
  | 'pkcs11'
  | 'timeout'
  | 'worker-died'
  | 'closed'
  | 'already-open'
  | 'certificate-unusable';

export interface WireError {
  code: CardErrorCode;
  message: string;
  /** The PKCS#11 return value's name (CKR_*), when the module produced the failure. */
  ckr?: string;
}

export type ToWorker = { id: number; method: CardMethod; params: unknown };

export type FromWorker =
  | { kind: 'response'; id: number; ok: true; result: unknown }
  | { kind: 'response'; id: number; ok: false; error: WireError }
  | { kind: 'event'; event: SlotEvent };
