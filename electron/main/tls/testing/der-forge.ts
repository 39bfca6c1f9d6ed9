// Test-only: edits real OCSP responses and CRLs made by openssl and signs them again, to get
// what openssl cannot make on demand: a response produced days ago whose nextUpdate has passed,
// a CRL that expired, a response dated in the future. Times are rewritten in place (same
// length), then the TBS part is re-signed with the given RSA key (sha256WithRSAEncryption, the
// algorithm openssl used, so the signature has the same length and nothing moves).
import crypto from 'node:crypto';

interface Tlv {
  tag: number;
  /** offset of the tag byte */
  at: number;
  /** offset of the contents */
  start: number;
  /** offset after the contents */
  end: number;
}

function tlv(buf: Buffer, at: number): Tlv {
  const tag = buf[at];
  const first = buf[at + 1];
  if (tag === undefined || first === undefined) throw new RangeError('truncated DER');
  let len = first;
  let start = at + 2;
  if (first & 0x80) {
    const n = first & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[at + 2 + i] ?? 0);
    start += n;
  }
  if (start + len > buf.length) throw new RangeError('truncated DER');
  return { tag, at, start, end: start + len };
}

function children(buf: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.start; at < parent.end; ) {
    const t = tlv(buf, at);
    out.push(t);
    at = t.end;
  }
  return out;
}

const CONSTRUCTED = 0x20;

/** Shifts every UTCTime / GeneralizedTime inside `region` of `buf` by `seconds` (in place). */
function shiftTimes(buf: Buffer, region: Tlv, seconds: number): void {
  for (const t of children(buf, region)) {
    if (t.tag === 0x17 || t.tag === 0x18) {
      const s = buf.toString('latin1', t.start, t.end);
      const utc = t.tag === 0x17;
      const m = (utc ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/ : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/).exec(s);
      if (!m) throw new Error(`unsupported time ${s}`);
      const [, y, mo, d, h, mi, se] = m.map(Number) as [number, number, number, number, number, number, number];
      const year = utc ? (y >= 50 ? 1900 + y : 2000 + y) : y;
      const date = new Date(Date.UTC(year, mo - 1, d, h, mi, se) + seconds * 1000);
      const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
      const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
      const out = `${utc ? digits.slice(2) : digits}Z`;
      if (out.length !== s.length) throw new Error('time length changed');
      buf.write(out, t.start, 'latin1');
    } else if (t.tag & CONSTRUCTED) {
      shiftTimes(buf, t, seconds);
    }
  }
}

/** [tbs, signatureAlgorithm, signature BIT STRING] of a SEQUENCE { tbs, alg, sig, ... }. */
function signedParts(buf: Buffer, seq: Tlv): [Tlv, Tlv, Tlv] {
  const [tbs, alg, sig] = children(buf, seq);
  if (!tbs || !alg || !sig || sig.tag !== 0x03) throw new Error('not a signed structure');
  return [tbs, alg, sig];
}

function resign(buf: Buffer, seq: Tlv, keyPem: string, edit: (tbs: Tlv) => void): void {
  const [tbs, , sig] = signedParts(buf, seq);
  edit(tbs);
  const signature = crypto.sign('sha256', buf.subarray(tbs.at, tbs.end), keyPem);
  if (signature.length !== sig.end - sig.start - 1) throw new Error('signature length changed');
  signature.copy(buf, sig.start + 1);
}

/** The BasicOCSPResponse inside an OCSPResponse. */
function basicResponse(buf: Buffer): Tlv {
  const top = tlv(buf, 0);
  const bytes = children(buf, top).find((t) => t.tag === 0xa0);
  if (!bytes) throw new Error('OCSP response has no responseBytes');
  const [, octets] = children(buf, tlv(buf, bytes.start));
  if (!octets || octets.tag !== 0x04) throw new Error('no response OCTET STRING');
  return tlv(buf, octets.start);
}

/** A copy of an OCSP response with every time moved by `seconds`, re-signed with keyPem. */
export function shiftOcspResponse(der: Buffer, seconds: number, keyPem: string): Buffer {
  const buf = Buffer.from(der);
  resign(buf, basicResponse(buf), keyPem, (tbs) => shiftTimes(buf, tbs, seconds));
  return buf;
}

/** A copy of a CRL with thisUpdate, nextUpdate and the entries' dates moved, re-signed. */
export function shiftCrl(der: Buffer, seconds: number, keyPem: string): Buffer {
  const buf = Buffer.from(der);
  resign(buf, tlv(buf, 0), keyPem, (tbs) => shiftTimes(buf, tbs, seconds));
  return buf;
}

/** A copy with one bit of the signature flipped (the content is untouched). */
export function breakSignature(der: Buffer, kind: 'crl' | 'ocsp'): Buffer {
  const buf = Buffer.from(der);
  const seq = kind === 'crl' ? tlv(buf, 0) : basicResponse(buf);
  const [, , sig] = signedParts(buf, seq);
  const i = sig.end - 1;
  buf[i] = (buf[i] ?? 0) ^ 0x01;
  return buf;
}
