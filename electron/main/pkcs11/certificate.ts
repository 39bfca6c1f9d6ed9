// What the UI and the login flow need to know about a certificate found on the card, and
// whether it can authenticate a TLS client: decided here, before any network use, with reasons.
import { X509Certificate } from 'node:crypto';
import { subjectAltNames } from '../pki/san';
import { checkClientAuth, type ClientAuthCheck } from './key-usage';
import type { PrivateKeyPresence, RawCertificate, SlotId } from './protocol';
import { xmppIdentityOf, type XmppIdentity } from './xmpp-identity';

export const MIN_RSA_BITS = 2048;
const EC_CURVE_BITS: Readonly<Record<string, number>> = { prime256v1: 256, 'P-256': 256, secp384r1: 384, 'P-384': 384 };

export interface CardCertificate {
  slot: SlotId;
  /** CKA_ID (hex) shared by the certificate and its private key. */
  id: string;
  label: string;
  der: Buffer;
  subject: string;
  issuer: string;
  serialNumber: string;
  /** ISO 8601. */
  notBefore: string;
  notAfter: string;
  fingerprint256: string;
  isCa: boolean;
  keyType: 'rsa' | 'ec' | 'unsupported';
  /** RSA modulus bits or EC curve bits (0 when unsupported). */
  bits: number;
  clientAuth: ClientAuthCheck;
  privateKey: PrivateKeyPresence;
  xmppIdentity: XmppIdentity | null;
  usableForTls: boolean;
  /** Why not (every problem, joined); undefined when usable. */
  reason?: string;
  problems: string[];
  warnings: string[];
}

function publicKeyOf(cert: X509Certificate): { keyType: CardCertificate['keyType']; bits: number; modulus?: Buffer } {
  const key = cert.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') {
    const jwk = key.export({ format: 'jwk' });
    return { keyType: 'rsa', bits: details.modulusLength ?? 0, modulus: jwk.n ? Buffer.from(jwk.n, 'base64url') : undefined };
  }
  if (key.asymmetricKeyType === 'ec') {
    const bits = EC_CURVE_BITS[details.namedCurve ?? ''];
    if (bits) return { keyType: 'ec', bits };
  }
  return { keyType: 'unsupported', bits: 0 };
}

const stripZeros = (b: Uint8Array): Buffer => {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return Buffer.from(b.subarray(i));
};

export function describeCertificate(slot: SlotId, raw: RawCertificate, now: Date = new Date()): CardCertificate {
  const der = Buffer.from(raw.der);
  const cert = new X509Certificate(der);
  const problems: string[] = [];
  const warnings: string[] = [];

  const notBefore = new Date(cert.validFrom);
  const notAfter = new Date(cert.validTo);
  if (now < notBefore) problems.push(`not valid before ${notBefore.toISOString()}`);
  if (now > notAfter) problems.push(`expired on ${notAfter.toISOString()}`);
  if (cert.ca) problems.push('a CA certificate, not a personal one');

  const pub = publicKeyOf(cert);
  if (pub.keyType === 'unsupported') problems.push(`unsupported key (${cert.publicKey.asymmetricKeyType ?? 'unknown'}; RSA or EC P-256/P-384 needed)`);
  if (pub.keyType === 'rsa' && pub.bits < MIN_RSA_BITS) problems.push(`RSA key of ${pub.bits} bits (at least ${MIN_RSA_BITS} needed)`);

  const clientAuth = checkClientAuth(der);
  if (!clientAuth.ok && clientAuth.reason) problems.push(clientAuth.reason);
  if (clientAuth.warning) warnings.push(clientAuth.warning);

  switch (raw.privateKey) {
    case 'absent':
      problems.push(`no private key with CKA_ID ${raw.id} on the card`);
      break;
    case 'unchecked':
      warnings.push('the card shows its private keys only after PIN entry; the key is checked again after login');
      break;
    case 'present':
      // CKA_ID pairing is a convention, not a guarantee: for RSA the modulus proves the pair.
      if (pub.modulus && raw.rsaModulus && !stripZeros(raw.rsaModulus).equals(stripZeros(pub.modulus))) {
        problems.push(`the private key with CKA_ID ${raw.id} does not belong to this certificate`);
      }
      if (raw.keyCanSign === false) problems.push('the private key may not sign (CKA_SIGN is false)');
      if (raw.keyAlwaysAuthenticate) {
        problems.push('the key wants the PIN again for every signature (CKA_ALWAYS_AUTHENTICATE), and the PIN is never kept');
      }
      break;
  }

  const xmppIdentity = xmppIdentityOf(subjectAltNames(der));
  if (!xmppIdentity) warnings.push('names no XMPP address, UPN or e-mail address: the server must map it to an account');

  return {
    slot,
    id: raw.id,
    label: raw.label,
    der,
    subject: cert.subject,
    issuer: cert.issuer,
    serialNumber: cert.serialNumber,
    notBefore: notBefore.toISOString(),
    notAfter: notAfter.toISOString(),
    fingerprint256: cert.fingerprint256,
    isCa: cert.ca,
    keyType: pub.keyType,
    bits: pub.bits,
    clientAuth,
    privateKey: raw.privateKey,
    xmppIdentity,
    usableForTls: problems.length === 0,
    ...(problems.length > 0 ? { reason: problems.join('; ') } : {}),
    problems,
    warnings,
  };
}
