// The one error type callers of the card layer see. It is rebuilt on the main thread from the
// worker's WireError, so a failure on the card never arrives as a crash or an untyped string.
import type { CardErrorCode, WireError } from './protocol';

export class CardError extends Error {
  readonly code: CardErrorCode;
  /** The PKCS#11 CKR_* name when the module produced the failure. */
  readonly ckr: string | undefined;

  constructor(code: CardErrorCode, message: string, ckr?: string) {
    super(ckr ? `${message} (${ckr})` : message);
    this.name = 'CardError';
    this.code = code;
    this.ckr = ckr;
  }

  static fromWire(e: WireError): CardError {
    return new CardError(e.code, e.message, e.ckr);
  }
}
