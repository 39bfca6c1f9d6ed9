/** Certificate summaries for the security report, and which configured anchor a chain ends at. */
import { createHash, X509Certificate } from 'node:crypto';
import type { CertificateSummary } from '../../../../shared/security/report';
import { pemCertificatesToDer } from '../../tls/der';

export function summarise(der: Buffer): CertificateSummary {
  const c = new X509Certificate(der);
  const spki = c.publicKey.export({ type: 'spki', format: 'der' });
  return {
    subject: c.subject.replace(/\n/g, ', '),
    issuer: c.issuer.replace(/\n/g, ', '),
    serialNumber: c.serialNumber,
    validFrom: new Date(c.validFrom).toISOString(),
    validTo: new Date(c.validTo).toISOString(),
    sha256: c.fingerprint256,
    spkiSha256: createHash('sha256').update(spki).digest('base64'),
    ...(c.subjectAltName ? { subjectAltName: c.subjectAltName } : {}),
  };
}

/** The trust anchor that issued the last certificate of the chain (or is it). */
export function findAnchor(chainDer: readonly Buffer[], trustAnchorsPem: string): Buffer | undefined {
  const last = chainDer[chainDer.length - 1];
  if (!last) return undefined;
  const top = new X509Certificate(last);
  for (const der of pemCertificatesToDer(trustAnchorsPem)) {
    const anchor = new X509Certificate(der);
    if (anchor.raw.equals(top.raw)) return der;
    if (top.checkIssued(anchor) && top.verify(anchor.publicKey)) return der;
  }
  return undefined;
}
