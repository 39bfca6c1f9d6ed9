import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { derCertificateToPem, ecdsaDerToRaw, ecdsaRawToDer, pemCertificatesToDer } from './der';
import { ecdsaP256SignPrehash, emsaPssEncode } from './testing/soft-signer';

describe('ECDSA signature encodings', () => {
  it('raw r||s from node:crypto (ieee-p1363) converts to DER that node:crypto verifies', () => {
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    for (let i = 0; i < 50; i++) {
      const msg = crypto.randomBytes(40);
      const raw = crypto.sign('sha256', msg, { key: privateKey, dsaEncoding: 'ieee-p1363' });
      expect(raw.length).toBe(64);
      const der = ecdsaRawToDer(raw);
      expect(crypto.verify('sha256', msg, publicKey, der)).toBe(true);
      expect(ecdsaDerToRaw(der, 32)).toEqual(raw);
    }
  });

  it('handles P-384 and integers with the high bit set or leading zeros', () => {
    const r = Buffer.alloc(48, 0);
    r[0] = 0x80;
    const s = Buffer.alloc(48, 0);
    s[47] = 1;
    const der = ecdsaRawToDer(Buffer.concat([r, s]));
    // SEQUENCE { INTEGER 0x00 0x80..., INTEGER 0x01 }
    expect(der[0]).toBe(0x30);
    expect(der.subarray(2, 5)).toEqual(Buffer.from([0x02, 49, 0x00]));
    expect(der.subarray(-3)).toEqual(Buffer.from([0x02, 1, 1]));
    expect(ecdsaDerToRaw(der, 48)).toEqual(Buffer.concat([r, s]));
  });

  it('refuses odd lengths and malformed DER', () => {
    expect(() => ecdsaRawToDer(Buffer.alloc(63))).toThrow(RangeError);
    expect(() => ecdsaRawToDer(Buffer.alloc(0))).toThrow(RangeError);
    expect(() => ecdsaDerToRaw(Buffer.from([0x31, 0]), 32)).toThrow(RangeError);
    expect(() => ecdsaDerToRaw(Buffer.from([0x30, 3, 2, 1, 1, 0]), 32)).toThrow(RangeError);
  });
});

describe('PEM helpers', () => {
  it('splits a PEM bundle into DER certificates and back', () => {
    const der1 = crypto.randomBytes(300);
    const der2 = crypto.randomBytes(70);
    const pem = `junk\n${derCertificateToPem(der1)}\n${derCertificateToPem(der2)}`;
    expect(pemCertificatesToDer(pem)).toEqual([der1, der2]);
    expect(pemCertificatesToDer('no certificates here')).toEqual([]);
  });
});

describe('test signer (prehash signing the way a PKCS#11 token does)', () => {
  it('ECDSA P-256 over a SHA-256 hash verifies as an ordinary ECDSA-SHA256 signature', () => {
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const msg = Buffer.from('CertificateVerify content');
    const raw = ecdsaP256SignPrehash(crypto.createHash('sha256').update(msg).digest(), privateKey);
    expect(crypto.verify('sha256', msg, publicKey, ecdsaRawToDer(raw))).toBe(true);
  });

  it('EMSA-PSS + raw RSA verifies as RSA-PSS (salt = hash length)', () => {
    const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const msg = Buffer.from('TLS 1.3, client CertificateVerify');
    const em = emsaPssEncode(crypto.createHash('sha256').update(msg).digest(), 2048, 'sha256');
    const sig = crypto.privateEncrypt({ key: privateKey, padding: crypto.constants.RSA_NO_PADDING }, em);
    const ok = crypto.verify('sha256', msg, { key: publicKey, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, sig);
    expect(ok).toBe(true);
  });
});
