// Turns a failed C_Login (its CKR_* name) plus the token flags read right after it into the
// result the UI shows. Pure, so every branch is unit-tested without a card.
import type { LoginFailureCode, LoginResult, TokenFlags } from './protocol';
import { triesHint } from './token-flags';

const BY_CKR: Record<string, LoginFailureCode> = {
  CKR_PIN_INCORRECT: 'pin-incorrect',
  CKR_PIN_LOCKED: 'pin-locked',
  CKR_PIN_LEN_RANGE: 'pin-len-range',
  CKR_PIN_INVALID: 'pin-invalid',
  CKR_PIN_EXPIRED: 'pin-expired',
  // The card went away between listing and login, or the session died with it.
  CKR_DEVICE_REMOVED: 'token-removed',
  CKR_TOKEN_NOT_PRESENT: 'token-removed',
  CKR_SESSION_HANDLE_INVALID: 'token-removed',
  CKR_SESSION_CLOSED: 'token-removed',
  CKR_SLOT_ID_INVALID: 'token-removed',
};

const MESSAGES: Record<LoginFailureCode, string> = {
  'pin-incorrect': 'The PIN is incorrect.',
  'pin-locked': 'The card PIN is locked. No further attempts will be made; contact your card administrator to unlock it.',
  'pin-len-range': 'The PIN has the wrong length for this card.',
  'pin-invalid': 'The PIN contains characters this card does not accept.',
  'pin-expired': 'The card PIN has expired and must be changed first.',
  'token-removed': 'The card was removed.',
  'pin-pad-unsupported': 'This reader has a PIN pad; PIN pad entry is not supported yet.',
  error: 'The card refused the login.',
};

export function loginFailureMessage(code: LoginFailureCode): string {
  return MESSAGES[code];
}

/** `flagsAfter`: the token flags read after the failure (undefined if the token is gone). */
export function loginFailure(ckr: string, flagsAfter: TokenFlags | undefined): LoginResult {
  let code = BY_CKR[ckr] ?? 'error';
  // A wrong PIN that used up the last try: the card now reports LOCKED. Say locked, not
  // "incorrect", so the UI stops offering another attempt.
  if (code === 'pin-incorrect' && flagsAfter?.pinLocked) code = 'pin-locked';
  const hint = flagsAfter && code === 'pin-incorrect' ? triesHint(flagsAfter) : undefined;
  return { ok: false, code, ...(hint ? { triesHint: hint } : {}), ckr, message: MESSAGES[code] };
}

/** Refusals decided before calling C_Login, so that no try on the card is used up. */
export function loginPrecheck(flags: TokenFlags, pinLength: number, minLen: number, maxLen: number): LoginResult | undefined {
  if (flags.pinLocked) return { ok: false, code: 'pin-locked', message: MESSAGES['pin-locked'] };
  if (flags.protectedAuthenticationPath && pinLength === 0) {
    return { ok: false, code: 'pin-pad-unsupported', message: MESSAGES['pin-pad-unsupported'] };
  }
  // Many cards count a PIN of impossible length as a wrong try: refuse it here instead.
  // Some modules report 0 or ~0 for "no limit"; only enforce sane bounds.
  const min = minLen > 0 && minLen < 256 ? minLen : 1;
  const max = maxLen > 0 && maxLen < 256 ? maxLen : 255;
  if (pinLength < min || pinLength > max) {
    return { ok: false, code: 'pin-len-range', message: `${MESSAGES['pin-len-range']} (${min}–${max} characters)` };
  }
  return undefined;
}
