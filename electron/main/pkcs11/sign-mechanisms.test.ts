import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CK } from './ck';
import type { MechanismSupport } from './protocol';
import { checkSignInput, SIGN_MECHANISMS, signAlgosFor } from './sign-mechanisms';

const support = (s: Partial<MechanismSupport>): MechanismSupport => ({ rsaPkcs: false, rsaPss: false, ecdsa: false, all: [], ...s });
const digestInfo256 = (h: Buffer): Buffer => Buffer.concat([Buffer.from('3031300d060960864801650304020105000420', 'hex'), h]);

describe('pkcs11: signature schemes and mechanisms', () => {
  it('pkcs11: RSA-PSS uses CKM_RSA_PKCS_PSS with MGF1 of the same hash and salt = hash length', () => {
    expect(SIGN_MECHANISMS['RSA-PSS-RSAE-SHA256']).toEqual({
      keyType: 'rsa',
      mechanism: CK.CKM_RSA_PKCS_PSS,
      pss: { hashAlg: CK.CKM_SHA256, mgf: CK.CKG_MGF1_SHA256, saltLen: 32 },
      input: 32,
    });
    expect(SIGN_MECHANISMS['RSA-PSS-RSAE-SHA384'].pss).toEqual({ hashAlg: CK.CKM_SHA384, mgf: CK.CKG_MGF1_SHA384, saltLen: 48 });
    expect(SIGN_MECHANISMS['RSA-PKCS1-SHA256'].mechanism).toBe(CK.CKM_RSA_PKCS);
    expect(SIGN_MECHANISMS['ECDSA-SECP384R1-SHA384']).toMatchObject({ mechanism: CK.CKM_ECDSA, input: 48 });
  });

  it('pkcs11: RSA with PSS offers PSS-256/384 and PKCS#1-SHA256; without PSS only PKCS#1 (TLS 1.2)', () => {
    expect(signAlgosFor('rsa', 2048, support({ rsaPkcs: true, rsaPss: true }))).toEqual([
      'RSA-PSS-RSAE-SHA256',
      'RSA-PSS-RSAE-SHA384',
      'RSA-PKCS1-SHA256',
    ]);
    expect(signAlgosFor('rsa', 2048, support({ rsaPkcs: true }))).toEqual(['RSA-PKCS1-SHA256']);
    expect(signAlgosFor('rsa', 2048, support({ ecdsa: true }))).toEqual([]);
  });

  it('pkcs11: EC keys get the scheme of their curve, and nothing without CKM_ECDSA', () => {
    expect(signAlgosFor('ec', 256, support({ ecdsa: true }))).toEqual(['ECDSA-SECP256R1-SHA256']);
    expect(signAlgosFor('ec', 384, support({ ecdsa: true }))).toEqual(['ECDSA-SECP384R1-SHA384']);
    expect(signAlgosFor('ec', 521, support({ ecdsa: true }))).toEqual([]);
    expect(signAlgosFor('ec', 256, support({ rsaPss: true }))).toEqual([]);
  });

  it('pkcs11: inputs are checked: hash lengths, and PKCS#1 signs only a DigestInfo', () => {
    const h = createHash('sha256').update('x').digest();
    expect(checkSignInput('RSA-PSS-RSAE-SHA256', h)).toBeNull();
    expect(checkSignInput('RSA-PSS-RSAE-SHA384', h)).toMatch(/48-byte hash/);
    expect(checkSignInput('ECDSA-SECP256R1-SHA256', h)).toBeNull();
    expect(checkSignInput('RSA-PKCS1-SHA256', digestInfo256(h))).toBeNull();
    // A bare hash (or anything else) through CKM_RSA_PKCS would be a raw-signing oracle.
    expect(checkSignInput('RSA-PKCS1-SHA256', h)).toMatch(/DigestInfo/);
  });
});
