// The PKCS#11 (v2.40) constants this layer decides on, as plain numbers.
// Why not pkcs11js's: the main thread must never load pkcs11js (the card worker is the one owner
// of the module in the process), yet flag decoding and mechanism choice are pure logic that the
// main side and the unit tests use too. ck.test.ts checks every value against pkcs11js.
export const CK = {
  // CK_SLOT_INFO.flags
  CKF_TOKEN_PRESENT: 0x1,
  CKF_REMOVABLE_DEVICE: 0x2,
  CKF_HW_SLOT: 0x4,
  // CK_TOKEN_INFO.flags
  CKF_LOGIN_REQUIRED: 0x4,
  CKF_USER_PIN_INITIALIZED: 0x8,
  CKF_PROTECTED_AUTHENTICATION_PATH: 0x100,
  CKF_TOKEN_INITIALIZED: 0x400,
  CKF_USER_PIN_COUNT_LOW: 0x10000,
  CKF_USER_PIN_FINAL_TRY: 0x20000,
  CKF_USER_PIN_LOCKED: 0x40000,
  CKF_USER_PIN_TO_BE_CHANGED: 0x80000,
  // CK_MECHANISM_INFO.flags
  CKF_SIGN: 0x800,
  // mechanisms
  CKM_RSA_PKCS: 0x1,
  CKM_RSA_X_509: 0x3,
  CKM_RSA_PKCS_PSS: 0xd,
  CKM_ECDSA: 0x1041,
  CKM_SHA256: 0x250,
  CKM_SHA384: 0x260,
  CKM_SHA512: 0x270,
  // mask generation functions for CK_RSA_PKCS_PSS_PARAMS
  CKG_MGF1_SHA256: 0x2,
  CKG_MGF1_SHA384: 0x3,
  CKG_MGF1_SHA512: 0x4,
} as const;

export type CkName = keyof typeof CK;
