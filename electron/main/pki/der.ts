/**
 * A minimal, strict DER reader: enough to walk X.509 certificates for the fields Node's
 * X509Certificate does not expose (otherName SANs: SRVName, xmppAddr, UPN). Every read is
 * bounds-checked; malformed input throws `DerError`, never reads past the buffer.
 */
export class DerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DerError';
  }
}

export interface Tlv {
  /** The full identifier octet (class, constructed bit, tag number < 31). */
  readonly tag: number;
  readonly value: Buffer;
  /** Offset just past this TLV in the buffer it was read from. */
  readonly end: number;
}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

export const contextTag = (n: number, constructed: boolean): number => 0x80 | (constructed ? 0x20 : 0) | n;

export function readTlv(buf: Buffer, at = 0): Tlv {
  const tag = buf[at];
  if (tag === undefined) throw new DerError('truncated DER: no tag');
  if ((tag & 0x1f) === 0x1f) throw new DerError('high tag numbers are not used in X.509');
  const first = buf[at + 1];
  if (first === undefined) throw new DerError('truncated DER: no length');
  let len = first;
  let start = at + 2;
  if (first & 0x80) {
    const n = first & 0x7f;
    if (n === 0 || n > 4) throw new DerError('indefinite or oversized DER length');
    len = 0;
    for (let i = 0; i < n; i++) {
      const b = buf[at + 2 + i];
      if (b === undefined) throw new DerError('truncated DER length');
      len = len * 256 + b;
    }
    start = at + 2 + n;
  }
  const end = start + len;
  if (end > buf.length) throw new DerError('DER value runs past the end of its container');
  return { tag, value: buf.subarray(start, end), end };
}

/** The children of a constructed value. */
export function children(value: Buffer): Tlv[] {
  const out: Tlv[] = [];
  for (let at = 0; at < value.length; ) {
    const t = readTlv(value, at);
    out.push(t);
    at = t.end;
  }
  return out;
}

export function decodeOid(value: Buffer): string {
  if (value.length === 0) throw new DerError('empty OID');
  const first = value[0] ?? 0;
  const parts = [Math.min(2, Math.floor(first / 40)), first - Math.min(2, Math.floor(first / 40)) * 40];
  let n = 0;
  for (let i = 1; i < value.length; i++) {
    const b = value[i] ?? 0;
    n = n * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      parts.push(n);
      n = 0;
    }
  }
  return parts.join('.');
}

export function expectTag(t: Tlv | undefined, tag: number, what: string): Tlv {
  if (!t || t.tag !== tag) throw new DerError(`expected ${what}`);
  return t;
}
