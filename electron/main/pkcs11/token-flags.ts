// Decoding of C_GetSlotInfo / C_GetTokenInfo flags, and the PIN-tries hint the UI shows.
// Pure: runs in the worker (which reads the flags) and in unit tests with inline numbers.
import { CK } from './ck';
import type { TokenFlags, TriesHint } from './protocol';

export function decodeTokenFlags(slotFlags: number, tokenFlags: number): TokenFlags {
  const has = (flags: number, bit: number): boolean => (flags & bit) !== 0;
  return {
    removable: has(slotFlags, CK.CKF_REMOVABLE_DEVICE),
    hardwareSlot: has(slotFlags, CK.CKF_HW_SLOT),
    loginRequired: has(tokenFlags, CK.CKF_LOGIN_REQUIRED),
    userPinInitialized: has(tokenFlags, CK.CKF_USER_PIN_INITIALIZED),
    protectedAuthenticationPath: has(tokenFlags, CK.CKF_PROTECTED_AUTHENTICATION_PATH),
    pinCountLow: has(tokenFlags, CK.CKF_USER_PIN_COUNT_LOW),
    pinFinalTry: has(tokenFlags, CK.CKF_USER_PIN_FINAL_TRY),
    pinLocked: has(tokenFlags, CK.CKF_USER_PIN_LOCKED),
    pinToBeChanged: has(tokenFlags, CK.CKF_USER_PIN_TO_BE_CHANGED),
  };
}

/**
 * What to tell the user about remaining PIN tries. PKCS#11 has no counter, only flags: FINAL_TRY
 * wins over COUNT_LOW because it is the stronger warning (one more wrong PIN locks the card).
 * A locked PIN is not a hint but a failure of its own (pin-locked).
 */
export function triesHint(f: Pick<TokenFlags, 'pinCountLow' | 'pinFinalTry' | 'pinLocked'>): TriesHint | undefined {
  if (f.pinLocked) return undefined;
  if (f.pinFinalTry) return 'final-try';
  if (f.pinCountLow) return 'low';
  return undefined;
}
