import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { describeCertificate } from './certificate';
import { AUTH_OID, checkClientAuth } from './key-usage';
import type { RawCertificate } from './protocol';
import { buildCertificate, ext, extensionsOnlyDer, type Extension } from './testing/cert-builder';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const DAY = 86_400_000;

const clientCert = (extensions: Extension[], keys: { publicKey: KeyObject; privateKey: KeyObject } = rsa, dates: { notBefore?: Date; notAfter?: Date } = {}): Buffer =>
  buildCertificate({ subject: 'alice', issuer: 'Test CA', publicKey: keys.publicKey, signingKey: keys.privateKey, extensions, ...dates });

const rsaModulus = (): Buffer => Buffer.from(rsa.publicKey.export({ format: 'jwk' }).n ?? '', 'base64url');
const raw = (der: Buffer, over: Partial<RawCertificate> = {}): RawCertificate => ({
  id: '01',
  label: 'alice',
  der,
  privateKey: 'present',
  rsaModulus: rsaModulus(),
  keyCanSign: true,
  keyAlwaysAuthenticate: false,
  ...over,
});
const GOOD = [ext.keyUsage(0), ext.eku(AUTH_OID.clientAuth), ext.san({ xmppAddr: ['alice@prosody.test', 'alice@ejabberd.test'] })];

describe('pkcs11: client-auth purpose (EKU, key usage, PIV policy)', () => {
  it('pkcs11: clientAuth EKU is accepted', () => {
    expect(checkClientAuth(extensionsOnlyDer([ext.eku(SERVER_AUTH, AUTH_OID.clientAuth)]))).toMatchObject({ ok: true, matched: 'clientAuth' });
  });

  it('pkcs11: smart-card logon or PKINIT client EKU without clientAuth is accepted with a warning', () => {
    const r = checkClientAuth(extensionsOnlyDer([ext.eku(AUTH_OID.smartCardLogon)]));
    expect(r).toMatchObject({ ok: true, matched: 'smartCardLogon' });
    expect(r.warning).toMatch(/no clientAuth EKU/);
    expect(checkClientAuth(extensionsOnlyDer([ext.eku(AUTH_OID.pkinitClientAuth)]))).toMatchObject({ ok: true, matched: 'pkinitClientAuth' });
  });

  it('pkcs11: an EKU without a client-auth purpose (serverAuth only, anyExtendedKeyUsage) is refused with the reason', () => {
    expect(checkClientAuth(extensionsOnlyDer([ext.eku(SERVER_AUTH)]))).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/does not include TLS client authentication \(has 1\.3\.6\.1\.5\.5\.7\.3\.1\)/),
    });
    expect(checkClientAuth(extensionsOnlyDer([ext.eku(AUTH_OID.anyExtendedKeyUsage)])).ok).toBe(false);
  });

  it('pkcs11: no EKU: only a PIV Authentication certificate (policy id-fpki-common-authentication) is accepted', () => {
    expect(checkClientAuth(extensionsOnlyDer([ext.policies(AUTH_OID.pivAuthenticationPolicy)]))).toMatchObject({
      ok: true,
      matched: 'pivAuthenticationPolicy',
    });
    expect(checkClientAuth(extensionsOnlyDer([ext.policies('2.5.29.32.0')]))).toMatchObject({ ok: false, reason: expect.stringMatching(/PIV/) });
    expect(checkClientAuth(extensionsOnlyDer([]))).toMatchObject({ ok: false });
  });

  it('pkcs11: key usage without digitalSignature is refused even with clientAuth', () => {
    expect(checkClientAuth(extensionsOnlyDer([ext.keyUsage(2), ext.eku(AUTH_OID.clientAuth)]))).toMatchObject({
      ok: false,
      reason: 'key usage does not allow digital signatures',
    });
  });
});

describe('pkcs11: certificate description and TLS usability', () => {
  it('pkcs11: a valid RSA-2048 clientAuth certificate with its key is usable and maps to its xmppAddr', () => {
    const c = describeCertificate('7', raw(clientCert(GOOD)));
    expect(c).toMatchObject({
      slot: '7',
      id: '01',
      subject: 'CN=alice',
      issuer: 'CN=Test CA',
      keyType: 'rsa',
      bits: 2048,
      usableForTls: true,
      problems: [],
      xmppIdentity: { jid: 'alice@prosody.test', source: 'xmppAddr', candidates: ['alice@prosody.test', 'alice@ejabberd.test'] },
    });
    expect(c.reason).toBeUndefined();
    expect(Date.parse(c.notAfter)).toBeGreaterThan(Date.now());
  });

  it('pkcs11: expired and not-yet-valid certificates are refused with the date', () => {
    const der = clientCert(GOOD, rsa, { notBefore: new Date('2020-01-01T00:00:00Z'), notAfter: new Date('2021-01-01T00:00:00Z') });
    expect(describeCertificate('1', raw(der))).toMatchObject({ usableForTls: false, reason: 'expired on 2021-01-01T00:00:00.000Z' });
    const future = clientCert(GOOD, rsa, { notBefore: new Date(Date.now() + 10 * DAY), notAfter: new Date(Date.now() + 20 * DAY) });
    expect(describeCertificate('1', raw(future)).reason).toMatch(/^not valid before /);
  });

  it('pkcs11: RSA below 2048 bits is refused', () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const c = describeCertificate('1', raw(clientCert(GOOD, small), { rsaModulus: undefined }));
    expect(c).toMatchObject({ usableForTls: false, bits: 1024, reason: 'RSA key of 1024 bits (at least 2048 needed)' });
  });

  it('pkcs11: no private key with the CKA_ID (or a key that is not the pair) is refused', () => {
    expect(describeCertificate('1', raw(clientCert(GOOD), { privateKey: 'absent' })).reason).toBe('no private key with CKA_ID 01 on the card');
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const mismatch = Buffer.from(other.publicKey.export({ format: 'jwk' }).n ?? '', 'base64url');
    expect(describeCertificate('1', raw(clientCert(GOOD), { rsaModulus: mismatch })).reason).toMatch(/does not belong to this certificate/);
  });

  it('pkcs11: keys hidden until login are not refused yet, but flagged', () => {
    const c = describeCertificate('1', raw(clientCert(GOOD), { privateKey: 'unchecked', rsaModulus: undefined }));
    expect(c.usableForTls).toBe(true);
    expect(c.warnings.join()).toMatch(/checked again after login/);
  });

  it('pkcs11: a key that wants the PIN at every signature, or may not sign, is refused', () => {
    expect(describeCertificate('1', raw(clientCert(GOOD), { keyAlwaysAuthenticate: true })).reason).toMatch(/CKA_ALWAYS_AUTHENTICATE/);
    expect(describeCertificate('1', raw(clientCert(GOOD), { keyCanSign: false })).reason).toMatch(/CKA_SIGN is false/);
  });

  it('pkcs11: several problems are all reported; CA certificates are not personal ones', () => {
    const ca = describeCertificate('1', raw(clientCert([ext.basicConstraints(true), ext.keyUsage(5), ext.eku(SERVER_AUTH)]), { privateKey: 'absent' }));
    expect(ca.usableForTls).toBe(false);
    expect(ca.isCa).toBe(true);
    expect(ca.problems).toEqual([
      'a CA certificate, not a personal one',
      'key usage does not allow digital signatures',
      'no private key with CKA_ID 01 on the card',
    ]);
  });

  it('pkcs11: EC P-256 with a UPN only maps to the UPN and needs an authzid', () => {
    const der = clientCert([ext.eku(AUTH_OID.clientAuth, AUTH_OID.smartCardLogon), ext.san({ upn: ['1234567890@mil'], email: ['a@mail.mil'] })], ec);
    expect(describeCertificate('1', raw(der, { rsaModulus: undefined }))).toMatchObject({
      keyType: 'ec',
      bits: 256,
      usableForTls: true,
      xmppIdentity: { jid: '1234567890@mil', source: 'upn', needsAuthzid: true },
    });
  });
});
