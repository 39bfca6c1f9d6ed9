/**
 * Server identity check for XMPP clients, RFC 6125 as profiled by RFC 6120 §13.7.2.1 and
 * RFC 7590 §3.2 [UCR-A3, UCR-N3]: the reference identifiers are the JID's domain as a DNS-ID
 * and `_xmpp-client.<domain>` as an SRV-ID. The subject CN is consulted only when the
 * certificate has no DNS-ID, SRV-ID or URI-ID at all (RFC 6125 §6.4.4).
 */
import { X509Certificate } from 'node:crypto';
import { subjectAltNames } from './san';

export type NameMatch =
  | { readonly ok: true; readonly type: 'DNS-ID' | 'SRV-ID' | 'CN-ID'; readonly presented: string }
  | { readonly ok: false; readonly reason: string; readonly presented: readonly string[] };

const lower = (s: string): string => s.toLowerCase().replace(/\.$/, '');

/**
 * One presented DNS name against the reference domain. A wildcard is allowed only as the whole
 * left-most label and matches exactly one label (RFC 6125 §6.4.3); never `*.com`-style
 * two-label wildcards, never partial labels (so never a wildcard inside an IDN A-label).
 */
export function dnsNameMatches(presented: string, reference: string): boolean {
  const p = lower(presented);
  const r = lower(reference);
  if (!p.startsWith('*.')) return p === r;
  const rest = p.slice(2);
  if (rest.split('.').length < 2 || rest.includes('*')) return false;
  const dot = r.indexOf('.');
  if (dot <= 0) return false;
  return r.slice(dot + 1) === rest;
}

function commonNames(certDer: Buffer): string[] {
  const subject = new X509Certificate(certDer).subject;
  return subject
    .split('\n')
    .filter((l) => l.startsWith('CN='))
    .map((l) => l.slice(3));
}

export function matchServerIdentity(certDer: Buffer, domain: string): NameMatch {
  const san = subjectAltNames(certDer);
  for (const dns of san.dns) if (dnsNameMatches(dns, domain)) return { ok: true, type: 'DNS-ID', presented: dns };
  for (const srv of san.srv) {
    // SRVName is "_service.name" (RFC 4985); the service must be ours.
    const m = /^_xmpp-client\.(.+)$/i.exec(srv);
    if (m?.[1] && dnsNameMatches(m[1], domain)) return { ok: true, type: 'SRV-ID', presented: srv };
  }
  const presented = [...san.dns.map((d) => `DNS:${d}`), ...san.srv.map((s) => `SRV:${s}`), ...san.uri.map((u) => `URI:${u}`)];
  if (san.dns.length + san.srv.length + san.uri.length === 0) {
    const cns = commonNames(certDer);
    for (const cn of cns) if (dnsNameMatches(cn, domain)) return { ok: true, type: 'CN-ID', presented: cn };
    presented.push(...cns.map((c) => `CN:${c}`));
  }
  return { ok: false, reason: `the server certificate is not valid for ${domain} (presents ${presented.join(', ') || 'no names'})`, presented };
}
