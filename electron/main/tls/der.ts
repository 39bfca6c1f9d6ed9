// Small DER/PEM helpers for the TLS engine: ECDSA signature encodings (PKCS#11 CKM_ECDSA and
// WebCrypto give raw r||s; TLS wants the DER Ecdsa-Sig-Value) and PEM <-> DER for certificates.

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  if (n < 0x100) return Buffer.from([0x81, n]);
  return Buffer.from([0x82, n >> 8, n & 0xff]);
}

/** A non-negative INTEGER: strip leading zeros, add one back if the high bit is set. */
function derUnsignedInteger(bytes: Uint8Array): Buffer {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  let body = Buffer.from(bytes.subarray(i));
  if (body.length === 0) body = Buffer.from([0]);
  if ((body[0] ?? 0) & 0x80) body = Buffer.concat([Buffer.from([0]), body]);
  return Buffer.concat([Buffer.from([0x02]), derLength(body.length), body]);
}

/** Raw r||s (each half the curve size) -> DER SEQUENCE { r INTEGER, s INTEGER }. */
export function ecdsaRawToDer(raw: Uint8Array): Buffer {
  if (raw.length === 0 || raw.length % 2 !== 0 || raw.length > 264) {
    throw new RangeError(`raw ECDSA signature must be r||s of equal halves, got ${raw.length} bytes`);
  }
  const half = raw.length / 2;
  const r = derUnsignedInteger(raw.subarray(0, half));
  const s = derUnsignedInteger(raw.subarray(half));
  const body = Buffer.concat([r, s]);
  return Buffer.concat([Buffer.from([0x30]), derLength(body.length), body]);
}

function readLength(buf: Uint8Array, at: number): { len: number; next: number } {
  const first = buf[at];
  if (first === undefined) throw new RangeError('truncated DER');
  if (first < 0x80) return { len: first, next: at + 1 };
  const count = first & 0x7f;
  if (count === 0 || count > 2) throw new RangeError('unsupported DER length');
  let len = 0;
  for (let i = 1; i <= count; i++) {
    const b = buf[at + i];
    if (b === undefined) throw new RangeError('truncated DER');
    len = (len << 8) | b;
  }
  return { len, next: at + 1 + count };
}

/** DER Ecdsa-Sig-Value -> raw r||s with each half `size` bytes (32 for P-256, 48 for P-384). */
export function ecdsaDerToRaw(der: Uint8Array, size: number): Buffer {
  if (der[0] !== 0x30) throw new RangeError('not a DER SEQUENCE');
  const seq = readLength(der, 1);
  if (seq.next + seq.len !== der.length) throw new RangeError('trailing bytes after the DER SEQUENCE');
  const out = Buffer.alloc(size * 2);
  let at = seq.next;
  for (let k = 0; k < 2; k++) {
    if (der[at] !== 0x02) throw new RangeError('expected a DER INTEGER');
    const int = readLength(der, at + 1);
    let body = der.subarray(int.next, int.next + int.len);
    while (body.length > 0 && body[0] === 0) body = body.subarray(1);
    if (body.length > size) throw new RangeError('ECDSA integer longer than the curve size');
    out.set(body, k * size + (size - body.length));
    at = int.next + int.len;
  }
  if (at !== der.length) throw new RangeError('trailing bytes in the ECDSA signature');
  return out;
}

/** Every CERTIFICATE block of a PEM text, as DER. */
export function pemCertificatesToDer(pem: string): Buffer[] {
  const out: Buffer[] = [];
  const re = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;
  for (let m = re.exec(pem); m; m = re.exec(pem)) out.push(Buffer.from((m[1] ?? '').replace(/\s+/g, ''), 'base64'));
  return out;
}

export function derCertificateToPem(der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}
