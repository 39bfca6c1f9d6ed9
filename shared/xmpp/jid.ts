/**
 * JIDs as branded strings, parsed and normalised once at the edge (RFC 7622). A `BareJid` is
 * `local@domain` or `domain`; a `FullJid` always has a resource. Normalisation is a practical
 * subset of PRECIS: NFC, case-folded localpart and domain (UsernameCaseMapped / IDNA lower-case),
 * resource kept as given (OpaqueString), each part ≤ 1023 bytes, forbidden characters refused.
 */
declare const bareBrand: unique symbol;
declare const fullBrand: unique symbol;
export type BareJid = string & { readonly [bareBrand]: true };
export type FullJid = string & { readonly [fullBrand]: true };

export interface JidParts {
  readonly local: string | undefined;
  readonly domain: string;
  readonly resource: string | undefined;
}

export type JidParse = { readonly ok: true; readonly jid: JidParts } | { readonly ok: false; readonly reason: string };

// RFC 7622 §3.3.1: these may not appear in a localpart.
const LOCAL_FORBIDDEN = /["&'/:<>@\s]/u;
const CONTROL = /[\u0000-\u001f\u007f]/u;
/** UTF-8 length without TextEncoder (not part of the runtime-neutral ES library). */
function byteLength(s: string): number {
  let n = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return n;
}

export function parseJid(input: string): JidParse {
  if (typeof input !== 'string' || input.length === 0) return { ok: false, reason: 'empty JID' };
  if (CONTROL.test(input)) return { ok: false, reason: 'JID contains control characters' };
  const slash = input.indexOf('/');
  const beforeResource = slash === -1 ? input : input.slice(0, slash);
  const resource = slash === -1 ? undefined : input.slice(slash + 1).normalize('NFC');
  const at = beforeResource.indexOf('@');
  const local = at === -1 ? undefined : beforeResource.slice(0, at).normalize('NFC').toLowerCase();
  const domain = (at === -1 ? beforeResource : beforeResource.slice(at + 1)).normalize('NFC').toLowerCase().replace(/\.$/, '');

  if (local !== undefined && (local.length === 0 || LOCAL_FORBIDDEN.test(local))) return { ok: false, reason: 'invalid localpart' };
  if (domain.length === 0 || /[\s@/]/u.test(domain) || domain.startsWith('.') || domain.includes('..')) return { ok: false, reason: 'invalid domainpart' };
  if (resource !== undefined && resource.length === 0) return { ok: false, reason: 'empty resourcepart' };
  for (const [part, value] of [['localpart', local], ['domainpart', domain], ['resourcepart', resource]] as const) {
    if (value !== undefined && byteLength(value) > 1023) return { ok: false, reason: `${part} longer than 1023 bytes` };
  }
  return { ok: true, jid: { local, domain, resource } };
}

export function bareOf(parts: JidParts): BareJid {
  return (parts.local === undefined ? parts.domain : `${parts.local}@${parts.domain}`) as BareJid;
}

export function fullOf(parts: JidParts & { readonly resource: string }): FullJid {
  return `${bareOf(parts)}/${parts.resource}` as FullJid;
}

/** Parses a user-typed account JID: must be `local@domain`, no resource. */
export function parseAccountJid(input: string): { ok: true; jid: BareJid; local: string; domain: string } | { ok: false; reason: string } {
  const p = parseJid(input.trim());
  if (!p.ok) return p;
  if (p.jid.local === undefined) return { ok: false, reason: 'an account JID needs a user name: user@domain' };
  if (p.jid.resource !== undefined) return { ok: false, reason: 'an account JID has no resource (remove the "/…" part)' };
  return { ok: true, jid: bareOf(p.jid), local: p.jid.local, domain: p.jid.domain };
}

export function parseFullJid(input: string): FullJid | undefined {
  const p = parseJid(input);
  return p.ok && p.jid.resource !== undefined ? fullOf({ ...p.jid, resource: p.jid.resource }) : undefined;
}
