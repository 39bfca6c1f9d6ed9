// The XMPP account a card certificate stands for.
// XEP-0178 §2: the JID is carried as an id-on-xmppAddr subjectAltName; a certificate without
// one leaves the mapping to the server (DoD deployments map the UPN, EDIPI@mil, or the e-mail
// address). So: xmppAddr first, else UPN, else rfc822Name, and we always say which source won.
import type { SubjectAltNames } from '../pki/san';

export type XmppIdentitySource = 'xmppAddr' | 'upn' | 'email';

export interface XmppIdentity {
  /** The first candidate of the winning source. */
  jid: string;
  source: XmppIdentitySource;
  /** Every usable value of the winning source (a certificate may name several domains). */
  candidates: string[];
  /**
   * The client should send an authorization identity (authzid) with SASL EXTERNAL: the
   * certificate holds several JIDs, or the JID is only a server-side mapping (UPN, e-mail).
   */
  needsAuthzid: boolean;
}

/** local@domain with no spaces, one '@', nothing empty; the domain is compared case-insensitively. */
function bareAddress(value: string): string | undefined {
  const v = value.trim();
  const at = v.indexOf('@');
  if (at <= 0 || at !== v.lastIndexOf('@') || at === v.length - 1 || /[\s/]/.test(v)) return undefined;
  return `${v.slice(0, at)}@${v.slice(at + 1).toLowerCase()}`;
}

/** xmppAddr may be a full JID (RFC 6120 §13.7.1.4): keep it whole, but check its bare part. */
function xmppAddress(value: string): string | undefined {
  const v = value.trim();
  const slash = v.indexOf('/');
  const bare = bareAddress(slash === -1 ? v : v.slice(0, slash));
  if (!bare) return undefined;
  return slash === -1 ? bare : `${bare}${v.slice(slash)}`;
}

export function xmppIdentityOf(sans: Pick<SubjectAltNames, 'xmppAddr' | 'upn' | 'email'>): XmppIdentity | null {
  const sources: Array<[XmppIdentitySource, readonly string[], (v: string) => string | undefined]> = [
    ['xmppAddr', sans.xmppAddr, xmppAddress],
    ['upn', sans.upn, bareAddress],
    ['email', sans.email, bareAddress],
  ];
  for (const [source, values, parse] of sources) {
    const candidates = [...new Set(values.map(parse).filter((v): v is string => v !== undefined))];
    const jid = candidates[0];
    if (jid) return { jid, source, candidates, needsAuthzid: source !== 'xmppAddr' || candidates.length > 1 };
  }
  return null;
}

/** The candidate for the server's domain (e.g. alice@prosody.test for prosody.test), if any. */
export function jidForDomain(identity: XmppIdentity, domain: string): string | undefined {
  const d = domain.toLowerCase();
  return identity.candidates.find((c) => c.split('/')[0]?.split('@')[1] === d);
}
