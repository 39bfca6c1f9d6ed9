import { describe, expect, it } from 'vitest';
import { CK } from './ck';
import { loginFailure, loginPrecheck } from './login-result';
import { decodeTokenFlags, triesHint } from './token-flags';

const flags = (tokenFlags: number, slotFlags = 0) => decodeTokenFlags(slotFlags, tokenFlags);
const BASE = CK.CKF_LOGIN_REQUIRED | CK.CKF_USER_PIN_INITIALIZED | CK.CKF_TOKEN_INITIALIZED;

describe('pkcs11: token flags and PIN tries', () => {
  it('pkcs11: decodes slot and token flags', () => {
    const f = flags(BASE | CK.CKF_USER_PIN_COUNT_LOW, CK.CKF_TOKEN_PRESENT | CK.CKF_REMOVABLE_DEVICE | CK.CKF_HW_SLOT);
    expect(f).toEqual({
      removable: true,
      hardwareSlot: true,
      loginRequired: true,
      userPinInitialized: true,
      protectedAuthenticationPath: false,
      pinCountLow: true,
      pinFinalTry: false,
      pinLocked: false,
      pinToBeChanged: false,
    });
  });

  it('pkcs11: tries hint: none, low, final try (final wins), nothing once locked', () => {
    expect(triesHint(flags(BASE))).toBeUndefined();
    expect(triesHint(flags(BASE | CK.CKF_USER_PIN_COUNT_LOW))).toBe('low');
    expect(triesHint(flags(BASE | CK.CKF_USER_PIN_FINAL_TRY))).toBe('final-try');
    expect(triesHint(flags(BASE | CK.CKF_USER_PIN_COUNT_LOW | CK.CKF_USER_PIN_FINAL_TRY))).toBe('final-try');
    expect(triesHint(flags(BASE | CK.CKF_USER_PIN_FINAL_TRY | CK.CKF_USER_PIN_LOCKED))).toBeUndefined();
  });

  it('pkcs11: a wrong PIN maps to pin-incorrect with the hint the token reports afterwards', () => {
    expect(loginFailure('CKR_PIN_INCORRECT', flags(BASE))).toMatchObject({ ok: false, code: 'pin-incorrect', ckr: 'CKR_PIN_INCORRECT' });
    expect(loginFailure('CKR_PIN_INCORRECT', flags(BASE))).not.toHaveProperty('triesHint');
    expect(loginFailure('CKR_PIN_INCORRECT', flags(BASE | CK.CKF_USER_PIN_COUNT_LOW))).toMatchObject({ code: 'pin-incorrect', triesHint: 'low' });
    expect(loginFailure('CKR_PIN_INCORRECT', flags(BASE | CK.CKF_USER_PIN_FINAL_TRY))).toMatchObject({ code: 'pin-incorrect', triesHint: 'final-try' });
  });

  it('pkcs11: the wrong PIN that used the last try is reported as locked, with a clear message', () => {
    const r = loginFailure('CKR_PIN_INCORRECT', flags(BASE | CK.CKF_USER_PIN_LOCKED));
    expect(r).toMatchObject({ ok: false, code: 'pin-locked' });
    expect(r).not.toHaveProperty('triesHint');
    expect(r.ok ? '' : r.message).toMatch(/locked.*No further attempts/);
    expect(loginFailure('CKR_PIN_LOCKED', undefined)).toMatchObject({ code: 'pin-locked' });
  });

  it('pkcs11: other CKR values map to their codes; a vanished token to token-removed', () => {
    expect(loginFailure('CKR_PIN_LEN_RANGE', flags(BASE))).toMatchObject({ code: 'pin-len-range' });
    expect(loginFailure('CKR_PIN_INVALID', flags(BASE))).toMatchObject({ code: 'pin-invalid' });
    expect(loginFailure('CKR_PIN_EXPIRED', flags(BASE))).toMatchObject({ code: 'pin-expired' });
    expect(loginFailure('CKR_DEVICE_REMOVED', undefined)).toMatchObject({ code: 'token-removed' });
    expect(loginFailure('CKR_TOKEN_NOT_PRESENT', undefined)).toMatchObject({ code: 'token-removed' });
    expect(loginFailure('CKR_FUNCTION_FAILED', flags(BASE))).toMatchObject({ code: 'error', ckr: 'CKR_FUNCTION_FAILED' });
  });

  it('pkcs11: precheck refuses without touching the card: locked PIN, impossible length, PIN pad', () => {
    expect(loginPrecheck(flags(BASE | CK.CKF_USER_PIN_LOCKED), 6, 6, 8)).toMatchObject({ code: 'pin-locked' });
    expect(loginPrecheck(flags(BASE), 4, 6, 8)).toMatchObject({ code: 'pin-len-range' });
    expect(loginPrecheck(flags(BASE), 9, 6, 8)).toMatchObject({ code: 'pin-len-range' });
    expect(loginPrecheck(flags(BASE), 6, 6, 8)).toBeUndefined();
    // Modules that report 0 / ~0 for "no limit" are not taken literally.
    expect(loginPrecheck(flags(BASE), 4, 0, 0xffffffff)).toBeUndefined();
    expect(loginPrecheck(flags(BASE | CK.CKF_PROTECTED_AUTHENTICATION_PATH), 0, 4, 8)).toMatchObject({ code: 'pin-pad-unsupported' });
  });
});
