// ck.ts copies PKCS#11 numbers so that the main thread never loads pkcs11js; prove the copies
// are right. (Importing pkcs11js here only loads the addon; no module is initialised.)
import pkcs11js from 'pkcs11js';
import { describe, expect, it } from 'vitest';
import { CK, type CkName } from './ck';

describe('pkcs11: constants', () => {
  it('pkcs11: every constant in ck.ts equals the pkcs11js value of the same name', () => {
    const theirs = pkcs11js as unknown as Record<string, unknown>;
    for (const name of Object.keys(CK) as CkName[]) {
      expect(CK[name], name).toBe(theirs[name]);
    }
  });
});
