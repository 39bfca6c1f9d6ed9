// Is this certificate meant for TLS client authentication? Reads EKU, keyUsage and
// certificatePolicies from the DER (Node's X509Certificate exposes EKU but not policies).
import { children, decodeOid, expectTag, readTlv, TAG } from '../pki/der';
import { certificateExtensions, OID } from '../pki/san';

export const AUTH_OID = {
  clientAuth: '1.3.6.1.5.5.7.3.2',
  /** Microsoft smart-card logon: on DoD CAC authentication certificates next to clientAuth. */
  smartCardLogon: '1.3.6.1.4.1.311.20.2.2',
  /** RFC 4556 id-pkinit-KPClientAuth: PIV Authentication certificates may carry it. */
  pkinitClientAuth: '1.3.6.1.5.2.3.4',
  anyExtendedKeyUsage: '2.5.29.37.0',
  /** id-fpki-common-authentication: the policy of PIV Authentication certificates. */
  pivAuthenticationPolicy: '2.16.840.1.101.3.2.1.3.13',
} as const;

const KEY_USAGE = '2.5.29.15';
const CERTIFICATE_POLICIES = '2.5.29.32';

export type AuthPurpose = 'clientAuth' | 'smartCardLogon' | 'pkinitClientAuth' | 'pivAuthenticationPolicy';

export interface ClientAuthCheck {
  ok: boolean;
  /** What made it acceptable. */
  matched?: AuthPurpose;
  /** Why not (ok false). */
  reason?: string;
  /** Acceptable, but some servers will refuse it (no clientAuth EKU). */
  warning?: string;
  /** The EKU OIDs found (empty: no EKU extension). */
  ekus: string[];
}

function oidList(seq: Buffer): string[] {
  return children(expectTag(readTlv(seq), TAG.SEQUENCE, 'SEQUENCE OF OID').value).map((t) =>
    decodeOid(expectTag(t, TAG.OID, 'OID').value),
  );
}

function policyOids(ext: Buffer): string[] {
  return children(expectTag(readTlv(ext), TAG.SEQUENCE, 'certificatePolicies').value).map((pi) =>
    decodeOid(expectTag(children(expectTag(pi, TAG.SEQUENCE, 'PolicyInformation').value)[0], TAG.OID, 'policy OID').value),
  );
}

/** keyUsage digitalSignature (bit 0), or undefined when the extension is absent. */
function hasDigitalSignature(ext: Buffer): boolean {
  const bits = expectTag(readTlv(ext), TAG.BIT_STRING, 'keyUsage').value;
  return ((bits[1] ?? 0) & 0x80) !== 0;
}

const NO_CLIENT_AUTH_WARNING =
  'no clientAuth EKU: servers that check the TLS client purpose (OpenSSL-based ones such as Prosody) may refuse it';

export function checkClientAuth(certDer: Buffer): ClientAuthCheck {
  const ext = certificateExtensions(certDer);
  const ku = ext.get(KEY_USAGE);
  const ekuExt = ext.get(OID.extKeyUsage);
  const ekus = ekuExt ? oidList(ekuExt) : [];
  // The TLS CertificateVerify is a digital signature: RFC 5280 §4.2.1.3.
  if (ku && !hasDigitalSignature(ku)) return { ok: false, reason: 'key usage does not allow digital signatures', ekus };
  if (ekuExt) {
    if (ekus.includes(AUTH_OID.clientAuth)) return { ok: true, matched: 'clientAuth', ekus };
    if (ekus.includes(AUTH_OID.smartCardLogon)) return { ok: true, matched: 'smartCardLogon', warning: NO_CLIENT_AUTH_WARNING, ekus };
    if (ekus.includes(AUTH_OID.pkinitClientAuth)) return { ok: true, matched: 'pkinitClientAuth', warning: NO_CLIENT_AUTH_WARNING, ekus };
    return { ok: false, reason: `extended key usage does not include TLS client authentication (has ${ekus.join(', ')})`, ekus };
  }
  // FIPS 201 lets a PIV Authentication certificate omit the EKU; its policy says what it is.
  const policies = ext.get(CERTIFICATE_POLICIES);
  if (policies && policyOids(policies).includes(AUTH_OID.pivAuthenticationPolicy)) {
    return { ok: true, matched: 'pivAuthenticationPolicy', warning: NO_CLIENT_AUTH_WARNING, ekus };
  }
  return { ok: false, reason: 'no extended key usage for TLS client authentication and not a PIV Authentication certificate', ekus };
}
