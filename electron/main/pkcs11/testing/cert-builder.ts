// Tests only: builds real, signed X.509 certificates in memory (node:crypto keys, hand-written
// DER), so certificate checks can be tested with inline data: any validity window, any EKU,
// key usage, policy or SAN, without an openssl run or a fixture file.
import { createHash, sign, type KeyObject } from 'node:crypto';

const tlv = (tag: number, ...parts: Buffer[]): Buffer => {
  const body = Buffer.concat(parts);
  const n = body.length;
  const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, body]);
};
const seq = (...p: Buffer[]): Buffer => tlv(0x30, ...p);
const oid = (dotted: string): Buffer => {
  const [a = 0, b = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [40 * a + b];
  for (const n of rest) {
    const chunk = [n & 0x7f];
    for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
};
const utf8 = (s: string): Buffer => tlv(0x0c, Buffer.from(s, 'utf8'));
/** A DER INTEGER from unsigned big-endian bytes: minimal (no redundant leading zero byte, X.690 §8.3.2), positive (a 0 byte before a high bit). */
const int = (b: Buffer): Buffer => {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i += 1;
  const v = b.subarray(i);
  return tlv(0x02, (v[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v);
};
const time = (d: Date): Buffer => {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(iso.slice(2))) : tlv(0x18, Buffer.from(iso));
};
const name = (cn: string): Buffer => seq(tlv(0x31, seq(oid('2.5.4.3'), utf8(cn))));

export interface Extension {
  oid: string;
  critical?: boolean;
  value: Buffer;
}

export const ext = {
  eku: (...oids: string[]): Extension => ({ oid: '2.5.29.37', value: seq(...oids.map(oid)) }),
  /** bit 0 = digitalSignature, 5 = keyCertSign, … (RFC 5280 §4.2.1.3) */
  keyUsage: (...bits: number[]): Extension => {
    let v = 0;
    for (const b of bits) v |= 0x8000 >> b;
    return { oid: '2.5.29.15', critical: true, value: tlv(0x03, Buffer.from([0, v >> 8, v & 0xff])) };
  },
  basicConstraints: (ca: boolean): Extension => ({
    oid: '2.5.29.19',
    critical: true,
    value: ca ? seq(tlv(0x01, Buffer.from([0xff]))) : seq(),
  }),
  policies: (...oids: string[]): Extension => ({ oid: '2.5.29.32', value: seq(...oids.map((o) => seq(oid(o)))) }),
  san: (names: { xmppAddr?: string[]; upn?: string[]; email?: string[]; dns?: string[] }): Extension => {
    const other = (type: string, v: string): Buffer => tlv(0xa0, oid(type), tlv(0xa0, utf8(v)));
    return {
      oid: '2.5.29.17',
      value: seq(
        ...(names.xmppAddr ?? []).map((v) => other('1.3.6.1.5.5.7.8.5', v)),
        ...(names.upn ?? []).map((v) => other('1.3.6.1.4.1.311.20.2.3', v)),
        ...(names.email ?? []).map((v) => tlv(0x81, Buffer.from(v, 'latin1'))),
        ...(names.dns ?? []).map((v) => tlv(0x82, Buffer.from(v, 'latin1'))),
      ),
    };
  },
};

export interface CertSpec {
  subject: string;
  issuer?: string;
  publicKey: KeyObject;
  /** The issuer's private key (the subject's own for a self-signed certificate). */
  signingKey: KeyObject;
  notBefore?: Date;
  notAfter?: Date;
  extensions?: Extension[];
}

/** Only extensions-only DER (no signature): enough for checks that read extensions. */
export function extensionsOnlyDer(extensions: Extension[]): Buffer {
  return seq(seq(encodeExtensions(extensions)));
}

function encodeExtensions(extensions: Extension[]): Buffer {
  return tlv(
    0xa3,
    seq(
      ...extensions.map((e) =>
        seq(oid(e.oid), ...(e.critical ? [tlv(0x01, Buffer.from([0xff]))] : []), tlv(0x04, e.value)),
      ),
    ),
  );
}

export function buildCertificate(spec: CertSpec): Buffer {
  const rsa = spec.signingKey.asymmetricKeyType === 'rsa';
  const sigAlg = rsa ? seq(oid('1.2.840.113549.1.1.11'), tlv(0x05)) : seq(oid('1.2.840.10045.4.3.2'));
  const serial = createHash('sha256').update(spec.subject).update(String(Math.random())).digest().subarray(0, 8);
  const tbs = seq(
    tlv(0xa0, int(Buffer.from([2]))),
    int(serial),
    sigAlg,
    name(spec.issuer ?? spec.subject),
    seq(time(spec.notBefore ?? new Date(Date.now() - 86_400_000)), time(spec.notAfter ?? new Date(Date.now() + 365 * 86_400_000))),
    name(spec.subject),
    spec.publicKey.export({ format: 'der', type: 'spki' }),
    ...(spec.extensions && spec.extensions.length > 0 ? [encodeExtensions(spec.extensions)] : []),
  );
  const signature = sign('sha256', tbs, spec.signingKey);
  return seq(tbs, sigAlg, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
}
