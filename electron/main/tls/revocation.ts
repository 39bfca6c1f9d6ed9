// Revocation checking of the server's certificate chain [UCR-A5] (UCR 2008 §5.7.5.2 step 7:
// "The client verifies that the server's certificate has not been revoked").
//
// checkRevocation() runs right after the TLS handshake, over the chain the server sent, and
// answers good / revoked / unknown / not-checked with the source that answered. For every
// certificate of the path that is not a trust anchor (the leaf and each intermediate), in
// parallel:
//   1. the leaf's stapled OCSP response, if the server sent one;
//   2. else (or if the staple cannot be believed) OCSP to each AIA id-ad-ocsp URL (POST, with
//      a nonce);
//   3. else (unreachable, unusable, or the responder says "unknown") each CRL distribution point.
// A response counts only if it is signed by the certificate's issuer or by an id-kp-OCSPSigning
// responder that the issuer certified (CRL: signed by the issuer), is about this certificate
// (CertID / CRL issuer), and is fresh on our clock (thisUpdate not in the future, nextUpdate not
// passed, allowing a small skew). The chain's result is the worst one: revoked > unknown > good.
//
// checkRevocation() never throws: network and parse problems give 'unknown' with the reason in
// `detail`. What to do with the answer is the admin's policy (RevocationMode), applied by the
// caller with revocationVerdict(): hard-fail ends the session on revoked or unknown, soft-fail
// on revoked only, off never checks (and touches no network).
//
// The GnuTLS work (parsing, signature checks, CertID matching, CRL lookup) is native
// (native/gnutls/src/ocsp.c); the policy is here.
import { X509Certificate, randomBytes } from 'node:crypto';
import { loadGnuTls, type GnuTlsAddon, type NativeOcspVerify } from './addon';
import { pemCertificatesToDer } from './der';
import { crlEntryReason, pemBlockToDer, reasonName } from './revocation-der';
import { fetchableUrl, httpFetch, type RevocationFetch, type RevocationFetchInit } from './revocation-http';

export type { RevocationFetch, RevocationFetchInit, RevocationFetchResponse } from './revocation-http';
export { httpFetch } from './revocation-http';

/** The admin's policy. */
export type RevocationMode = 'hard-fail' | 'soft-fail' | 'off';
export type RevocationStatus = 'good' | 'revoked' | 'unknown' | 'not-checked';

export interface OcspTimes {
  producedAt?: string;
  thisUpdate?: string;
  nextUpdate?: string;
}

/** The answer for one certificate of the path. */
export interface CertificateRevocation {
  /** 0 = the leaf, 1 = its issuer, ... */
  depth: number;
  subject: string;
  /** Hex, as node:crypto prints it. */
  serial: string;
  status: 'good' | 'revoked' | 'unknown';
  /** 'stapled OCSP' | 'OCSP <url>' | 'CRL <url>' | 'none' */
  source: string;
  detail?: string;
  ocsp?: OcspTimes;
  crl?: { thisUpdate?: string; nextUpdate?: string };
  /** Time this certificate's check took. */
  ms: number;
}

export interface RevocationResult {
  status: RevocationStatus;
  /** Which source answered: 'stapled OCSP' | 'OCSP <url>' | 'CRL <url>' | 'none' (of the certificate that decided). */
  source: string;
  /** Revocation time and reason, or why the status is unknown. */
  detail?: string;
  /** ISO time of the check. */
  checkedAt: string;
  ocsp?: OcspTimes;
  /** Every certificate checked, leaf first. */
  chain?: CertificateRevocation[];
}

export interface CheckRevocationOptions {
  /** Leaf first, as the server sent it (may lack the anchor, may include it). */
  chainDer: readonly Uint8Array[];
  trustAnchorsPem: string;
  /** The OCSP response the server stapled (TlsInfo.ocspStapledDer). */
  stapledOcspDer?: Uint8Array;
  mode: RevocationMode;
  /** Transport for OCSP and CRL requests (default: node:http / node:https, httpFetch). */
  fetch?: RevocationFetch;
  /** Per request (default 5000). */
  timeoutMs?: number;
  now?: () => Date;
  /** Allowed clock difference with responders and CRL issuers (default 300 s). */
  clockSkewSeconds?: number;
  /** An OCSP response without nextUpdate is fresh for this long after thisUpdate (default 1 day). */
  maxOcspAgeWithoutNextUpdateSeconds?: number;
  /** The loaded addon (default: loadGnuTls()). */
  addon?: GnuTlsAddon;
}

export const DEFAULT_REVOCATION_TIMEOUT_MS = 5000;
export const DEFAULT_CLOCK_SKEW_SECONDS = 300;
const DEFAULT_MAX_OCSP_AGE_SECONDS = 86_400;
const MAX_OCSP_BYTES = 1024 * 1024;
const MAX_CRL_BYTES = 64 * 1024 * 1024;
const MAX_URLS_TRIED = 3;
const MAX_PATH = 8;

/** What the session layer does with a result under the admin's policy. */
export function revocationVerdict(mode: RevocationMode, result: RevocationResult): { terminate: boolean; reason?: string } {
  const why = `revocation status ${result.status} (${result.source}${result.detail ? `: ${result.detail}` : ''})`;
  if (mode === 'off') return { terminate: false };
  if (result.status === 'revoked') return { terminate: true, reason: why };
  if (mode === 'hard-fail' && result.status === 'unknown') return { terminate: true, reason: why };
  return { terminate: false };
}

// ------------------------------------------------------------------------------ internals

interface Ctx {
  addon: GnuTlsAddon;
  fetch: RevocationFetch;
  timeoutMs: number;
  nowSec: number;
  skew: number;
  maxAgeNoNext: number;
  /** One fetch per URL and request body within one check. */
  memo: Map<string, Promise<{ status: number; body: Buffer }>>;
}

interface Answer {
  status: 'good' | 'revoked' | 'unknown';
  detail?: string;
  ocsp?: OcspTimes;
  crl?: { thisUpdate?: string; nextUpdate?: string };
}

const iso = (sec: number | undefined): string | undefined => (sec === undefined ? undefined : new Date(sec * 1000).toISOString());

function errText(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return typeof code === 'string' && !e.message.includes(code) ? `${code}: ${e.message}` : e.message;
  }
  return String(e);
}

function oneLine(dn: string): string {
  return dn.split('\n').filter(Boolean).join(', ');
}

function ocspTimes(v: NativeOcspVerify): OcspTimes {
  const t: OcspTimes = {};
  const p = iso(v.producedAt);
  const tu = iso(v.thisUpdate);
  const nu = iso(v.nextUpdate);
  if (p) t.producedAt = p;
  if (tu) t.thisUpdate = tu;
  if (nu) t.nextUpdate = nu;
  return t;
}

function revokedDetail(revocationTime: number | undefined, reason: number | undefined): string {
  const when = iso(revocationTime);
  const why = reasonName(reason);
  return `revoked${when ? ` at ${when}` : ''}${why ? ` (${why})` : ''}`;
}

/** Judges one OCSP response for `cert` issued by `issuer`. */
function judgeOcsp(ctx: Ctx, respDer: Uint8Array, cert: Buffer, issuer: Buffer, nonce?: Buffer): Answer {
  const v = ctx.addon.ocspVerify(respDer, cert, issuer, nonce);
  if (v.error) return { status: 'unknown', detail: `unusable OCSP response (${v.error})` };
  if (v.responseStatus !== 'successful') return { status: 'unknown', detail: `the responder answered ${v.responseStatus ?? 'nothing'}` };
  const times = ocspTimes(v);
  if (!v.signatureOk) {
    const reasons = v.signatureReasons.join(', ') || v.signatureError || 'unknown reason';
    return {
      status: 'unknown',
      detail: `OCSP response signature invalid or not from the issuer or its authorised responder (${reasons}${v.responder ? `; signed as ${v.responder}` : ''}): not trusted`,
      ocsp: times,
    };
  }
  if (!v.certMatch) return { status: 'unknown', detail: 'the OCSP response is not about this certificate (CertID mismatch)', ocsp: times };
  if (v.nonce === 'mismatch') return { status: 'unknown', detail: 'the OCSP response does not echo our nonce (replayed?)', ocsp: times };
  if (v.thisUpdate === undefined) return { status: 'unknown', detail: 'the OCSP response has no thisUpdate', ocsp: times };
  const revoked = v.certStatus === 'revoked';
  const permanent = revoked && v.reason !== 6; // certificateHold may be lifted; every other revocation is final
  const stale =
    v.thisUpdate > ctx.nowSec + ctx.skew
      ? `thisUpdate ${times.thisUpdate} is in the future`
      : v.nextUpdate !== undefined
        ? v.nextUpdate < ctx.nowSec - ctx.skew
          ? `stale: nextUpdate ${times.nextUpdate} has passed`
          : undefined
        : ctx.nowSec - v.thisUpdate > ctx.maxAgeNoNext
          ? `stale: no nextUpdate and thisUpdate ${times.thisUpdate} is older than ${ctx.maxAgeNoNext} s`
          : undefined;
  if (stale && !permanent) return { status: 'unknown', detail: `OCSP response ${stale}`, ocsp: times };
  if (revoked) return { status: 'revoked', detail: revokedDetail(v.revocationTime, v.reason), ocsp: times };
  if (v.certStatus === 'good') return { status: 'good', ocsp: times };
  return { status: 'unknown', detail: 'the OCSP responder does not know this certificate', ocsp: times };
}

/** Judges one CRL (DER or PEM) for `cert` issued by `issuer`. */
function judgeCrl(ctx: Ctx, body: Buffer, cert: Buffer, issuer: Buffer, serial: Buffer): Answer {
  const der = pemBlockToDer(body, 'X509 CRL') ?? body;
  const c = ctx.addon.crlCheck(der, cert, issuer);
  if (c.error) return { status: 'unknown', detail: `unusable CRL (${c.error})` };
  const crl: { thisUpdate?: string; nextUpdate?: string } = {};
  const tu = iso(c.thisUpdate);
  const nu = iso(c.nextUpdate);
  if (tu) crl.thisUpdate = tu;
  if (nu) crl.nextUpdate = nu;
  if (!c.issuerMatch) return { status: 'unknown', detail: 'the CRL is not from this certificate’s issuer', crl };
  if (!c.signatureOk) {
    const reasons = c.signatureReasons.join(', ') || c.signatureError || 'unknown reason';
    return { status: 'unknown', detail: `CRL signature invalid (${reasons}): not trusted`, crl };
  }
  if (c.delta) return { status: 'unknown', detail: 'a delta CRL cannot answer alone', crl };
  if (c.unsupportedCritical) return { status: 'unknown', detail: `the CRL has an unsupported critical extension ${c.unsupportedCritical}`, crl };
  const reason = c.revoked ? crlEntryReason(der, serial) : undefined;
  // A properly signed CRL entry is final, even on an outdated CRL, unless it is a certificateHold.
  if (c.revoked && reason !== 6) return { status: 'revoked', detail: revokedDetail(c.revocationTime, reason), crl };
  if (c.thisUpdate === undefined || c.thisUpdate > ctx.nowSec + ctx.skew) return { status: 'unknown', detail: `CRL thisUpdate ${crl.thisUpdate ?? '(none)'} is in the future`, crl };
  if (c.nextUpdate === undefined) return { status: 'unknown', detail: 'the CRL has no nextUpdate (RFC 5280 §5.1.2.5)', crl };
  if (c.nextUpdate < ctx.nowSec - ctx.skew) return { status: 'unknown', detail: `stale CRL: nextUpdate ${crl.nextUpdate} has passed`, crl };
  if (c.revoked) return { status: 'revoked', detail: revokedDetail(c.revocationTime, reason), crl };
  if (c.partitioned) return { status: 'unknown', detail: 'the CRL is partitioned (issuingDistributionPoint): the serial’s absence proves nothing', crl };
  return { status: 'good', crl };
}

function guarded(ctx: Ctx, url: string, init: RevocationFetchInit): Promise<{ status: number; body: Buffer }> {
  const key = `${init.method} ${url} ${init.body?.toString('base64') ?? ''}`;
  const hit = ctx.memo.get(key);
  if (hit) return hit;
  const p = (async () => {
    fetchableUrl(url); // refuse ldap:, file:, ... even with an injected fetch
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Our own deadline too: an injected fetch might ignore timeoutMs.
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ctx.timeoutMs} ms`)), ctx.timeoutMs + 250);
    });
    try {
      const r: unknown = await Promise.race([ctx.fetch(url, init), deadline]);
      const { status, body } = (r ?? {}) as { status?: unknown; body?: unknown };
      if (typeof status !== 'number' || !(body instanceof Uint8Array)) throw new Error('the fetch function returned no { status, body }');
      const max = init.maxBytes ?? MAX_CRL_BYTES;
      if (body.length > max) throw new Error(`response exceeds the ${max}-byte limit`);
      return { status, body: Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength) };
    } finally {
      clearTimeout(timer);
    }
  })();
  ctx.memo.set(key, p);
  return p;
}

interface PathItem {
  depth: number;
  cert: X509Certificate;
  der: Buffer;
  issuerDer: Buffer;
}

async function checkCertificate(ctx: Ctx, item: PathItem, stapled: Uint8Array | undefined): Promise<CertificateRevocation> {
  const t0 = performance.now();
  const notes: string[] = [];
  const done = (source: string, a: Answer): CertificateRevocation => {
    const r: CertificateRevocation = {
      depth: item.depth,
      subject: oneLine(item.cert.subject),
      serial: item.cert.serialNumber,
      status: a.status,
      source,
      ms: performance.now() - t0,
    };
    // An answer first, then what was tried before it; for 'unknown', everything that failed.
    const parts =
      a.status === 'unknown'
        ? [...notes, ...(a.detail ? [a.detail] : [])]
        : [...(a.detail ? [a.detail] : []), ...(notes.length > 0 ? [`before that: ${notes.join('; ')}`] : [])];
    if (parts.length > 0) r.detail = parts.join('; ');
    if (a.ocsp) r.ocsp = a.ocsp;
    if (a.crl) r.crl = a.crl;
    return r;
  };

  // 1. Stapled OCSP (the leaf only: status_request staples the leaf's status).
  let lastOcsp: OcspTimes | undefined;
  if (stapled && stapled.length > 0) {
    const a = judgeOcsp(ctx, stapled, item.der, item.issuerDer);
    if (a.status !== 'unknown') return done('stapled OCSP', a);
    notes.push(`stapled OCSP rejected: ${a.detail ?? 'unknown'}`);
    lastOcsp = a.ocsp;
  }

  const urls = ctx.addon.certUrls(item.der);
  if (urls.error) return done('none', { status: 'unknown', detail: `cannot read the certificate’s revocation locations (${urls.error})` });
  const ocspUrls = (urls.ocsp ?? []).slice(0, MAX_URLS_TRIED);
  const crlUrls = (urls.crl ?? []).slice(0, MAX_URLS_TRIED);

  // 2. OCSP.
  for (const url of ocspUrls) {
    const nonce = randomBytes(16);
    const req = ctx.addon.ocspRequest(item.der, item.issuerDer, nonce);
    if (!req.der) {
      notes.push(`OCSP ${url}: cannot build the request (${req.error ?? 'unknown'})`);
      continue;
    }
    let body: Buffer;
    try {
      const r = await guarded(ctx, url, {
        method: 'POST',
        body: req.der,
        headers: { 'content-type': 'application/ocsp-request', accept: 'application/ocsp-response' },
        timeoutMs: ctx.timeoutMs,
        maxBytes: MAX_OCSP_BYTES,
      });
      if (r.status !== 200) {
        notes.push(`OCSP ${url}: HTTP ${r.status}`);
        continue;
      }
      body = r.body;
    } catch (e) {
      notes.push(`OCSP ${url} unreachable (${errText(e)})`);
      continue;
    }
    const a = judgeOcsp(ctx, body, item.der, item.issuerDer, nonce);
    if (a.status !== 'unknown') return done(`OCSP ${url}`, a);
    notes.push(`OCSP ${url}: ${a.detail ?? 'unknown'}`);
    lastOcsp = a.ocsp ?? lastOcsp;
  }

  // 3. CRL.
  const serial = Buffer.from(item.cert.serialNumber.length % 2 ? `0${item.cert.serialNumber}` : item.cert.serialNumber, 'hex');
  for (const url of crlUrls) {
    let body: Buffer;
    try {
      const r = await guarded(ctx, url, {
        method: 'GET',
        headers: { accept: 'application/pkix-crl, application/x-pkcs7-crl, */*' },
        timeoutMs: ctx.timeoutMs,
        maxBytes: MAX_CRL_BYTES,
      });
      if (r.status !== 200) {
        notes.push(`CRL ${url}: HTTP ${r.status}`);
        continue;
      }
      body = r.body;
    } catch (e) {
      notes.push(`CRL ${url} unreachable (${errText(e)})`);
      continue;
    }
    const a = judgeCrl(ctx, body, item.der, item.issuerDer, serial);
    if (a.status !== 'unknown') return done(`CRL ${url}`, a);
    notes.push(`CRL ${url}: ${a.detail ?? 'unknown'}`);
  }

  if (ocspUrls.length === 0 && crlUrls.length === 0) notes.push('the certificate names no OCSP responder and no CRL distribution point');
  const unknown: Answer = { status: 'unknown' };
  if (lastOcsp) unknown.ocsp = lastOcsp;
  return done('none', unknown);
}

function isIssuer(cert: X509Certificate, candidate: X509Certificate): boolean {
  try {
    return cert.checkIssued(candidate) && cert.verify(candidate.publicKey);
  } catch {
    return false;
  }
}

/** Leaf → anchor: each certificate that is not a trust anchor, with its verified issuer. A
 * certificate counts as an anchor when an anchor has its DER, or its subject and public key. */
function buildPath(chain: X509Certificate[], anchors: X509Certificate[]): PathItem[] | string {
  const isAnchor = (c: X509Certificate) => anchors.some((a) => a.raw.equals(c.raw) || (a.subject === c.subject && a.publicKey.equals(c.publicKey)));
  const items: PathItem[] = [];
  let cur = chain[0];
  for (let depth = 0; cur && depth < MAX_PATH; depth++) {
    if (isAnchor(cur)) return items;
    const c: X509Certificate = cur;
    // Prefer the trusted copy of an issuer; else one the server sent.
    const issuer = anchors.find((a) => isIssuer(c, a)) ?? chain.find((x) => !x.raw.equals(c.raw) && isIssuer(c, x));
    if (!issuer) return `the issuer of ${oneLine(c.subject)} is neither in the chain nor a trust anchor`;
    items.push({ depth, cert: c, der: c.raw, issuerDer: issuer.raw });
    cur = issuer;
  }
  return `the chain does not reach a trust anchor within ${MAX_PATH} certificates`;
}

const RANK: Record<CertificateRevocation['status'], number> = { good: 0, unknown: 1, revoked: 2 };

/** Checks the server's chain; never throws (problems give 'unknown' with a detail). */
export async function checkRevocation(opts: CheckRevocationOptions): Promise<RevocationResult> {
  const now = opts.now ?? (() => new Date());
  const started = now();
  const checkedAt = started.toISOString();
  const unknown = (detail: string): RevocationResult => ({ status: 'unknown', source: 'none', detail, checkedAt });
  if (opts.mode === 'off') return { status: 'not-checked', source: 'none', detail: 'revocation checking is off (admin policy)', checkedAt };
  try {
    let addon: GnuTlsAddon;
    try {
      addon = opts.addon ?? loadGnuTls();
    } catch (e) {
      return unknown(`the GnuTLS addon is unavailable (${errText(e)})`);
    }
    if (typeof addon.ocspVerify !== 'function' || typeof addon.crlCheck !== 'function') {
      return unknown('the GnuTLS addon has no revocation functions (rebuild native/gnutls)');
    }
    const chainDer = opts.chainDer.map((d) => Buffer.from(d));
    if (chainDer.length === 0) return unknown('the server sent no certificate');
    let chain: X509Certificate[];
    let anchors: X509Certificate[];
    try {
      chain = chainDer.map((d) => new X509Certificate(d));
    } catch (e) {
      return unknown(`a certificate of the chain does not parse (${errText(e)})`);
    }
    try {
      anchors = pemCertificatesToDer(opts.trustAnchorsPem).map((d) => new X509Certificate(d));
    } catch (e) {
      return unknown(`a trust anchor does not parse (${errText(e)})`);
    }
    const path = buildPath(chain, anchors);
    if (typeof path === 'string') return unknown(path);
    if (path.length === 0) return { status: 'not-checked', source: 'none', detail: 'the server certificate is itself a trust anchor', checkedAt };

    const ctx: Ctx = {
      addon,
      fetch: opts.fetch ?? httpFetch,
      timeoutMs: opts.timeoutMs ?? DEFAULT_REVOCATION_TIMEOUT_MS,
      nowSec: Math.floor(started.getTime() / 1000),
      skew: opts.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS,
      maxAgeNoNext: opts.maxOcspAgeWithoutNextUpdateSeconds ?? DEFAULT_MAX_OCSP_AGE_SECONDS,
      memo: new Map(),
    };
    const results = await Promise.all(
      path.map((item) =>
        checkCertificate(ctx, item, item.depth === 0 ? opts.stapledOcspDer : undefined).catch(
          (e: unknown): CertificateRevocation => ({
            depth: item.depth,
            subject: oneLine(item.cert.subject),
            serial: item.cert.serialNumber,
            status: 'unknown',
            source: 'none',
            detail: `internal error: ${errText(e)}`,
            ms: 0,
          }),
        ),
      ),
    );
    // The worst answer decides; among equals, the one nearest the leaf.
    let worst = results[0] as CertificateRevocation;
    for (const r of results) if (RANK[r.status] > RANK[worst.status]) worst = r;
    const out: RevocationResult = { status: worst.status, source: worst.source, checkedAt, chain: results };
    const who = worst.depth === 0 ? '' : `intermediate ${worst.subject}: `;
    if (worst.detail) out.detail = `${who}${worst.detail}`;
    else if (who) out.detail = `${who}${worst.status}`;
    if (worst.ocsp) out.ocsp = worst.ocsp;
    return out;
  } catch (e) {
    return unknown(`internal error: ${errText(e)}`);
  }
}
