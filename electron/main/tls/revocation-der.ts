// Small, bounds-checked DER helpers for revocation checking: PEM -> DER for CRLs, and the
// reasonCode of one CRL entry (GnuTLS has no public API for CRL entry extensions). Everything
// here is best effort on untrusted input: it returns undefined rather than throwing.

export const CRL_REASONS: Readonly<Record<number, string>> = {
  0: 'unspecified',
  1: 'keyCompromise',
  2: 'cACompromise',
  3: 'affiliationChanged',
  4: 'superseded',
  5: 'cessationOfOperation',
  6: 'certificateHold',
  8: 'removeFromCRL',
  9: 'privilegeWithdrawn',
  10: 'aACompromise',
};

export function reasonName(code: number | undefined): string | undefined {
  if (code === undefined) return undefined;
  return CRL_REASONS[code] ?? `reason ${code}`;
}

/** The DER inside a PEM block with this label (e.g. 'X509 CRL'), or undefined if there is none. */
export function pemBlockToDer(text: Buffer, label: string): Buffer | undefined {
  // Only look at text that starts like PEM (optionally after whitespace); DER starts with 0x30.
  const head = text.subarray(0, 64).toString('latin1').trimStart();
  if (!head.startsWith('-----BEGIN ')) return undefined;
  const s = text.toString('latin1');
  const re = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]*)-----END ${label}-----`);
  const m = re.exec(s);
  if (!m) return undefined;
  const der = Buffer.from((m[1] ?? '').replace(/\s+/g, ''), 'base64');
  return der.length > 0 ? der : undefined;
}

interface Tlv {
  tag: number;
  start: number;
  end: number;
}

function readTlv(buf: Uint8Array, at: number, limit: number): Tlv | undefined {
  if (at + 2 > limit) return undefined;
  const tag = buf[at] ?? 0;
  if ((tag & 0x1f) === 0x1f) return undefined; // multi-byte tags never occur in a CRL
  const first = buf[at + 1] ?? 0;
  let len = first;
  let start = at + 2;
  if (first & 0x80) {
    const n = first & 0x7f;
    if (n === 0 || n > 4 || start + n > limit) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[start + i] ?? 0);
    start += n;
  }
  if (start + len > limit) return undefined;
  return { tag, start, end: start + len };
}

function* elements(buf: Uint8Array, parent: Tlv): Generator<Tlv> {
  for (let at = parent.start; at < parent.end; ) {
    const t = readTlv(buf, at, parent.end);
    if (!t) return;
    yield t;
    at = t.end;
  }
}

function sameInteger(a: Uint8Array, b: Uint8Array): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length - 1 && a[i] === 0) i++;
  while (j < b.length - 1 && b[j] === 0) j++;
  if (a.length - i !== b.length - j) return false;
  for (; i < a.length; i++, j++) if (a[i] !== b[j]) return false;
  return true;
}

const REASON_OID = Buffer.from([0x55, 0x1d, 0x15]); // 2.5.29.21 id-ce-cRLReasons

/**
 * The CRLReason of the entry for `serial` (big-endian bytes) in a DER CRL; undefined when the
 * entry has no reasonCode, is not there, or anything does not parse.
 */
export function crlEntryReason(crlDer: Uint8Array, serial: Uint8Array): number | undefined {
  const top = readTlv(crlDer, 0, crlDer.length);
  if (!top || top.tag !== 0x30) return undefined;
  const tbs = readTlv(crlDer, top.start, top.end);
  if (!tbs || tbs.tag !== 0x30) return undefined;
  // TBSCertList: version?, signature, issuer, thisUpdate, nextUpdate?, revokedCertificates?, [0] ext?
  // The first SEQUENCE after thisUpdate (a UTCTime/GeneralizedTime) is revokedCertificates.
  let seenTime = false;
  let revoked: Tlv | undefined;
  for (const e of elements(crlDer, tbs)) {
    if (e.tag === 0x17 || e.tag === 0x18) seenTime = true;
    else if (seenTime && e.tag === 0x30) {
      revoked = e;
      break;
    }
  }
  if (!revoked) return undefined;
  for (const entry of elements(crlDer, revoked)) {
    if (entry.tag !== 0x30) return undefined;
    const parts = [...elements(crlDer, entry)];
    const ser = parts[0];
    if (!ser || ser.tag !== 0x02) return undefined;
    if (!sameInteger(crlDer.subarray(ser.start, ser.end), serial)) continue;
    const exts = parts[2];
    if (!exts || exts.tag !== 0x30) return undefined;
    for (const ext of elements(crlDer, exts)) {
      const f = [...elements(crlDer, ext)];
      const oid = f[0];
      const value = f[f.length - 1];
      if (!oid || !value || oid.tag !== 0x06 || value.tag !== 0x04) continue;
      if (!Buffer.from(crlDer.subarray(oid.start, oid.end)).equals(REASON_OID)) continue;
      const en = readTlv(crlDer, value.start, value.end);
      if (!en || en.tag !== 0x0a || en.end - en.start !== 1) return undefined;
      return crlDer[en.start];
    }
    return undefined;
  }
  return undefined;
}
