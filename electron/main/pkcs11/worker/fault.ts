// Inside the worker, failures are thrown as CardFault (or come from pkcs11js as Pkcs11Error);
// the message loop turns both into a WireError value for the main thread.
import pkcs11js from 'pkcs11js';
import type { CardErrorCode, WireError } from '../protocol';

export class CardFault extends Error {
  constructor(
    readonly code: CardErrorCode,
    message: string,
    readonly ckr?: string,
  ) {
    super(message);
    this.name = 'CardFault';
  }
}

/** The CKR_* name of a PKCS#11 failure thrown by pkcs11js, or undefined for anything else. */
export function ckrOf(err: unknown): string | undefined {
  if (err instanceof pkcs11js.Pkcs11Error && /^CKR_[A-Z0-9_]+$/.test(err.message)) return err.message;
  return undefined;
}

// Return values that mean the card (or its reader) is gone, whatever the call was.
const REMOVED = new Set([
  'CKR_DEVICE_REMOVED',
  'CKR_TOKEN_NOT_PRESENT',
  'CKR_TOKEN_NOT_RECOGNIZED',
  'CKR_SESSION_HANDLE_INVALID',
  'CKR_SESSION_CLOSED',
  'CKR_SLOT_ID_INVALID',
]);

export function isRemovalCkr(ckr: string | undefined): boolean {
  return ckr !== undefined && REMOVED.has(ckr);
}

export function toWireError(err: unknown, context: string): WireError {
  if (err instanceof CardFault) return { code: err.code, message: err.message, ...(err.ckr ? { ckr: err.ckr } : {}) };
  const ckr = ckrOf(err);
  if (ckr === 'CKR_USER_NOT_LOGGED_IN') return { code: 'not-logged-in', message: `${context}: log in to the card first`, ckr };
  if (isRemovalCkr(ckr)) return { code: 'token-removed', message: `${context}: the card was removed`, ckr };
  if (ckr) return { code: 'pkcs11', message: `${context} failed`, ckr };
  // A bug or a native error without a CKR: say what it was, never crash the worker.
  const text = err instanceof Error ? err.message : String(err);
  return { code: 'pkcs11', message: `${context} failed: ${text}` };
}
