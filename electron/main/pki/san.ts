/**
 * Subject alternative names of an X.509 certificate, including the otherName forms XMPP uses:
 * SRVName (RFC 4985, `_xmpp-client.example.test`), XmppAddr (RFC 6120 §13.7.1.4) and the
 * Microsoft UPN that DoD CAC certificates carry (XEP-0178 maps it to a JID).
 */
import { children, contextTag, decodeOid, DerError, expectTag, readTlv, TAG, type Tlv } from './der';

export const OID = {
  subjectAltName: '2.5.29.17',
  extKeyUsage: '2.5.29.37',
  srvName: '1.3.6.1.5.5.7.8.7',
  xmppAddr: '1.3.6.1.5.5.7.8.5',
  upn: '1.3.6.1.4.1.311.20.2.3',
} as const;

export interface SubjectAltNames {
  readonly dns: readonly string[];
  readonly srv: readonly string[];
  readonly xmppAddr: readonly string[];
  readonly upn: readonly string[];
  readonly email: readonly string[];
  readonly uri: readonly string[];
  readonly ip: readonly string[];
}

/** The extensions of a DER certificate, by OID. */
export function certificateExtensions(certDer: Buffer): Map<string, Buffer> {
  const cert = expectTag(readTlv(certDer), TAG.SEQUENCE, 'Certificate');
  const tbs = expectTag(children(cert.value)[0], TAG.SEQUENCE, 'TBSCertificate');
  const out = new Map<string, Buffer>();
  const ext = children(tbs.value).find((t) => t.tag === contextTag(3, true));
  if (!ext) return out;
  for (const e of children(expectTag(children(ext.value)[0], TAG.SEQUENCE, 'Extensions').value)) {
    const parts = children(e.value);
    const oid = decodeOid(expectTag(parts[0], TAG.OID, 'extension OID').value);
    const octets = parts.find((p) => p.tag === TAG.OCTET_STRING);
    if (!octets) throw new DerError(`extension ${oid} has no value`);
    if (out.has(oid)) throw new DerError(`extension ${oid} appears twice (RFC 5280 §4.2)`);
    out.set(oid, octets.value);
  }
  return out;
}

function otherName(t: Tlv): { oid: string; value: string } {
  const [type, explicit] = children(t.value);
  const oid = decodeOid(expectTag(type, TAG.OID, 'otherName type').value);
  const inner = readTlv(expectTag(explicit, contextTag(0, true), 'otherName value').value);
  return { oid, value: inner.value.toString('utf8') };
}

function ipText(b: Buffer): string {
  if (b.length === 4) return [...b].join('.');
  if (b.length === 16) return (b.toString('hex').match(/.{4}/g) ?? []).join(':');
  return b.toString('hex');
}

export function subjectAltNames(certDer: Buffer): SubjectAltNames {
  const out = { dns: [] as string[], srv: [] as string[], xmppAddr: [] as string[], upn: [] as string[], email: [] as string[], uri: [] as string[], ip: [] as string[] };
  const san = certificateExtensions(certDer).get(OID.subjectAltName);
  if (!san) return out;
  for (const name of children(expectTag(readTlv(san), TAG.SEQUENCE, 'GeneralNames').value)) {
    switch (name.tag) {
      case contextTag(0, true): {
        const o = otherName(name);
        if (o.oid === OID.srvName) out.srv.push(o.value);
        else if (o.oid === OID.xmppAddr) out.xmppAddr.push(o.value);
        else if (o.oid === OID.upn) out.upn.push(o.value);
        break;
      }
      case contextTag(1, false):
        out.email.push(name.value.toString('latin1'));
        break;
      case contextTag(2, false):
        out.dns.push(name.value.toString('latin1'));
        break;
      case contextTag(6, false):
        out.uri.push(name.value.toString('latin1'));
        break;
      case contextTag(7, false):
        out.ip.push(ipText(name.value));
        break;
      default:
        break; // x400Address, directoryName, ediPartyName, registeredID: not identities we use
    }
  }
  return out;
}
