// cardIdentity() against a stand-in CardService: chain building from the token's certificates,
// the schemes offered per key and mechanism set, and the refusals before any network use.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { SignAlgorithm } from '../tls/engine';
import { cardIdentity } from './card-identity';
import { describeCertificate, type CardCertificate } from './certificate';
import { AUTH_OID } from './key-usage';
import type { MechanismSupport, RawCertificate } from './protocol';
import type { CardService } from './service';
import { buildCertificate, ext } from './testing/cert-builder';

type Keys = { publicKey: KeyObject; privateKey: KeyObject };
const root = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const inter = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });

const caCert = (subject: string, issuer: string, keys: Keys, signer: Keys): Buffer =>
  buildCertificate({ subject, issuer, publicKey: keys.publicKey, signingKey: signer.privateKey, extensions: [ext.basicConstraints(true), ext.keyUsage(5)] });
const leafCert = (keys: Keys, ekus: string[] = [AUTH_OID.clientAuth]): Buffer =>
  buildCertificate({
    subject: 'alice',
    issuer: 'Intermediate',
    publicKey: keys.publicKey,
    signingKey: inter.privateKey,
    extensions: [ext.keyUsage(0), ext.eku(...ekus), ext.san({ xmppAddr: ['alice@prosody.test'] })],
  });

const ROOT = caCert('Root', 'Root', root, root);
const INTER = caCert('Intermediate', 'Root', inter, root);
const raw = (id: string, der: Buffer, over: Partial<RawCertificate> = {}): RawCertificate => ({ id, label: id, der, privateKey: 'present', ...over });

function stubService(certs: RawCertificate[], mech: Partial<MechanismSupport>, signed: Array<[string, SignAlgorithm]> = []): CardService {
  const described: CardCertificate[] = certs.map((c) => describeCertificate('5', c));
  const unused = (): never => {
    throw new Error('not used here');
  };
  return {
    listCertificates: async () => described,
    mechanisms: async () => ({ rsaPkcs: false, rsaPss: false, ecdsa: false, all: [], ...mech }),
    sign: async (_slot, keyId, algo) => {
      signed.push([keyId, algo]);
      return Buffer.from([9]);
    },
    moduleInfo: unused,
    listTokens: unused,
    login: unused,
    logout: unused,
    keyProtection: unused,
    onDidRemoveToken: unused,
    onDidInsertToken: unused,
    onDidWorkerExit: unused,
    close: unused,
  };
}

describe('pkcs11: card identity for the TLS engine', () => {
  it('pkcs11: chain is the leaf plus the intermediate found on the card (never the self-signed root)', async () => {
    const leaf = leafCert(rsa);
    const rsaN = Buffer.from(rsa.publicKey.export({ format: 'jwk' }).n ?? '', 'base64url');
    const signed: Array<[string, SignAlgorithm]> = [];
    const svc = stubService(
      [raw('01', leaf, { rsaModulus: rsaN }), raw('a0', INTER, { privateKey: 'absent' }), raw('a1', ROOT, { privateKey: 'absent' })],
      { rsaPkcs: true, rsaPss: true, ecdsa: true },
      signed,
    );
    const id = await cardIdentity(svc, '5', '01');
    expect(id.chainDer.map((d) => d.toString('hex'))).toEqual([leaf.toString('hex'), INTER.toString('hex')]);
    expect(id).toMatchObject({ keyType: 'rsa', bits: 2048, slot: '5', keyId: '01', ecdsaSignatureFormat: 'raw' });
    expect(id.signAlgos).toEqual(['RSA-PSS-RSAE-SHA256', 'RSA-PSS-RSAE-SHA384', 'RSA-PKCS1-SHA256']);
    await id.signAsync('RSA-PSS-RSAE-SHA384', Buffer.alloc(48));
    expect(signed).toEqual([['01', 'RSA-PSS-RSAE-SHA384']]);
  });

  it('pkcs11: an RSA card without PSS offers PKCS#1 v1.5 only (TLS 1.2), and refuses PSS requests', async () => {
    const id = await cardIdentity(stubService([raw('01', leafCert(rsa))], { rsaPkcs: true }), '5', '01');
    expect(id.signAlgos).toEqual(['RSA-PKCS1-SHA256']);
    await expect(id.signAsync('RSA-PSS-RSAE-SHA256', Buffer.alloc(32))).rejects.toMatchObject({ code: 'mechanism-unsupported' });
  });

  it('pkcs11: EC P-384 gets ECDSA-SECP384R1-SHA384', async () => {
    const id = await cardIdentity(stubService([raw('02', leafCert(ec384))], { ecdsa: true }), '5', '02');
    expect(id).toMatchObject({ keyType: 'ec', bits: 384, signAlgos: ['ECDSA-SECP384R1-SHA384'] });
  });

  it('pkcs11: refusals before any network use: unusable certificate (with reason), hidden key, no mechanism, unknown id', async () => {
    await expect(cardIdentity(stubService([raw('01', leafCert(ec384, ['1.3.6.1.5.5.7.3.1']))], { ecdsa: true }), '5', '01')).rejects.toMatchObject({
      code: 'certificate-unusable',
      message: expect.stringMatching(/TLS client authentication/),
    });
    await expect(cardIdentity(stubService([raw('01', leafCert(ec384), { privateKey: 'unchecked' })], { ecdsa: true }), '5', '01')).rejects.toMatchObject({
      code: 'not-logged-in',
    });
    await expect(cardIdentity(stubService([raw('01', leafCert(ec384))], { rsaPss: true }), '5', '01')).rejects.toMatchObject({
      code: 'mechanism-unsupported',
    });
    await expect(cardIdentity(stubService([], { ecdsa: true }), '5', '01')).rejects.toMatchObject({ code: 'key-not-found' });
  });
});
