// Revocation checking of the server's chain [UCR-A5] against real peers on 127.0.0.1: the
// `openssl ocsp` responder (behind a loopback HTTP front, see testing/revocation-servers.ts), a
// node:http CRL distribution point, openssl s_server stapling responses, and a throwaway PKI made
// with `openssl ca` (-revoke, -gencrl). Ports that nobody listens on stand for a responder that
// is down.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGnuTls, type GnuTlsAddon } from './addon';
import { createTlsClient, TlsFailure } from './engine';
import {
  checkRevocation,
  httpFetch,
  revocationVerdict,
  type CheckRevocationOptions,
  type RevocationFetch,
  type RevocationResult,
} from './revocation';
import { ensureAddonBuilt } from './testing/build-addon';
import { breakSignature, shiftCrl, shiftOcspResponse } from './testing/der-forge';
import { repoRoot } from './testing/harness';
import { connectTcp, freePort, startOpensslServer, stopAllPeers } from './testing/peers';
import { makeRevocationPki, type RevocationPki, type RevocationPorts } from './testing/revocation-pki';
import { startFileServer, startOcspResponder, type FileServer, type OcspResponder } from './testing/revocation-servers';

let addon: GnuTlsAddon;
let pki: RevocationPki;
let ocspRoot: OcspResponder;
let ocspInt: OcspResponder;
let crlServer: FileServer;
let hang: net.Server;
const hangSockets = new Set<net.Socket>();

async function distinctPorts(n: number): Promise<number[]> {
  const out = new Set<number>();
  while (out.size < n) out.add(await freePort());
  return [...out];
}

beforeAll(async () => {
  addon = loadGnuTls({ addonPath: ensureAddonBuilt(repoRoot) });
  const [ocspRootPort, ocspIntPort, crlPort, dead, hangPort] = (await distinctPorts(5)) as [number, number, number, number, number];
  const ports: RevocationPorts = { ocspRoot: ocspRootPort, ocspInt: ocspIntPort, crl: crlPort, dead, hang: hangPort };
  pki = makeRevocationPki(ports);
  // root's responder is the delegated root-ocsp certificate, with nextUpdate; int signs its own
  // responses, without nextUpdate (what a plain `openssl ocsp` responder gives).
  ocspRoot = await startOcspResponder({
    port: ports.ocspRoot, cwd: pki.file('root'), index: 'index.txt', caCert: '../root.crt',
    signerCert: '../root-ocsp.crt', signerKey: '../root-ocsp.key', validity: ['-nmin', '10'],
  });
  ocspInt = await startOcspResponder({
    port: ports.ocspInt, cwd: pki.file('int'), index: 'index.txt', caCert: '../int.crt', signerCert: '../int.crt', signerKey: '../int.key',
  });
  crlServer = await startFileServer(ports.crl);
  crlServer.set('/root.crl', pki.crl('root'));
  crlServer.set('/int.crl', pki.crl('int'));
  crlServer.set('/int2.crl', pki.crlPem('int2'), 'application/x-pem-file');
  hang = net.createServer((s) => {
    hangSockets.add(s);
    s.on('error', () => {});
    s.on('close', () => hangSockets.delete(s));
  });
  await new Promise<void>((resolve) => hang.listen(ports.hang, '127.0.0.1', resolve));
});

afterAll(async () => {
  await stopAllPeers();
  await ocspRoot?.stop();
  await ocspInt?.stop();
  await crlServer?.stop();
  for (const s of hangSockets) s.destroy();
  await new Promise<void>((resolve) => (hang ? hang.close(() => resolve()) : resolve()));
  // Every openssl ocsp run has ended (each one answers one request and exits).
  for (const pid of [...(ocspRoot?.pids ?? []), ...(ocspInt?.pids ?? [])]) expect(() => process.kill(pid, 0)).toThrow();
  pki?.cleanup();
});

/** Records every request, then does it for real (node:http). */
function recordingFetch(inner: RevocationFetch = httpFetch): RevocationFetch & { calls: { url: string; method: string; contentType?: string }[] } {
  const calls: { url: string; method: string; contentType?: string }[] = [];
  const f = (async (url, init) => {
    const c: { url: string; method: string; contentType?: string } = { url, method: init.method };
    const ct = init.headers?.['content-type'];
    if (ct) c.contentType = ct;
    calls.push(c);
    return inner(url, init);
  }) as RevocationFetch & { calls: typeof calls };
  f.calls = calls;
  return f;
}

function check(chain: string[], o: Partial<CheckRevocationOptions> = {}): Promise<RevocationResult> {
  return checkRevocation({ chainDer: chain.map((n) => pki.der(n)), trustAnchorsPem: pki.rootPem, mode: 'hard-fail', addon, ...o });
}

const key = (name: string) => fs.readFileSync(pki.file(`${name}.key`), 'utf8');
const staple = (cert: string, signer = 'root-ocsp', index?: string) =>
  pki.ocspResponse({ ca: 'root', cert, signer, ...(index ? { index } : {}) });
const DAY = 86_400;

// --------------------------------------------------------------------------- native primitives

describe('native revocation primitives (GnuTLS)', () => {
  it('certUrls reads the AIA OCSP URL (not caIssuers) and the CRL distribution points', () => {
    expect(addon.certUrls(pki.der('good'))).toEqual({ ocsp: [`http://127.0.0.1:${pki.ports.ocspRoot}/`], crl: [`http://127.0.0.1:${pki.ports.crl}/root.crl`] });
    expect(addon.certUrls(pki.der('leaf-int2'))).toEqual({ ocsp: [], crl: [`http://127.0.0.1:${pki.ports.crl}/int2.crl`] });
    expect(addon.certUrls(pki.der('nourls'))).toEqual({ ocsp: [], crl: [] });
  });

  it('ocspRequest builds a request openssl reads: SHA-1 CertID of the certificate, our nonce', () => {
    const nonce = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    const req = addon.ocspRequest(pki.der('good'), pki.der('root'), nonce);
    expect(req.der).toBeInstanceOf(Buffer);
    const f = path.join(pki.dir, 'probe-req.der');
    fs.writeFileSync(f, req.der ?? Buffer.alloc(0));
    const text = execFileSync('openssl', ['ocsp', '-reqin', f, '-req_text'], { encoding: 'utf8' });
    const serial = new X509Certificate(pki.der('good')).serialNumber;
    expect(text).toMatch(/Hash Algorithm: sha1/);
    expect(text).toContain(`Serial Number: ${serial}`);
    expect(text.replace(/[\s:]/g, '').toLowerCase()).toContain('0410' + nonce.toString('hex'));
  });

  it('bytes that do not parse give an error value, never a throw or a crash (fuzzed)', () => {
    const good = staple('good');
    const crl = pki.crl('root');
    const cert = pki.der('good');
    const root = pki.der('root');
    const samples: Buffer[] = [Buffer.alloc(0), Buffer.from([0x30]), Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), Buffer.from('hello')];
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (let i = 0; i < 150; i++) {
      const base = i % 2 ? good : crl;
      const b = Buffer.from(base.subarray(0, Math.floor(rnd() * base.length)));
      samples.push(b);
      const m = Buffer.from(base);
      for (let k = 0; k < 4; k++) m[Math.floor(rnd() * m.length)] = Math.floor(rnd() * 256);
      samples.push(m);
    }
    for (const s of samples) {
      const v = addon.ocspVerify(s, cert, root);
      expect(v.error !== undefined || v.responseStatus !== undefined).toBe(true);
      if (v.signatureOk && v.certMatch) expect(v.certStatus).toBeDefined();
      const c = addon.crlCheck(s, cert, root);
      expect(typeof c.revoked).toBe('boolean');
      expect(addon.certUrls(s).error ?? '').toBeTypeOf('string');
      expect(addon.ocspVerify(good, s, root).certMatch).toBe(false);
      expect(addon.crlCheck(crl, cert, s).signatureOk).toBe(false);
    }
    expect(addon.ocspVerify(Buffer.from('garbage'), cert, root).error).toMatch(/not a DER OCSP response/);
    expect(addon.crlCheck(Buffer.from('garbage'), cert, root).error).toMatch(/not a DER or PEM CRL/);
    expect(() => addon.crlCheck('x' as unknown as Buffer, cert, root)).toThrow(TypeError);
    expect(() => addon.ocspVerify(good, cert, Buffer.alloc(2 << 20))).toThrow(/larger than/);
  });
});

// --------------------------------------------------------------------------- stapled OCSP

describe('stapled OCSP', () => {
  it('[UCR-A5] a stapled "good" response from the delegated responder: good, no network', async () => {
    const fetch = recordingFetch();
    const r = await check(['good'], { stapledOcspDer: staple('good'), fetch });
    expect(r).toMatchObject({ status: 'good', source: 'stapled OCSP' });
    expect(r.ocsp?.thisUpdate).toBeDefined();
    expect(Date.parse(r.ocsp?.nextUpdate ?? '')).toBeGreaterThan(Date.now());
    expect(fetch.calls).toEqual([]);
  });

  it('[UCR-A5] a stapled "revoked" response: revoked, with time and reason, no network', async () => {
    const fetch = recordingFetch();
    const r = await check(['revoked'], { stapledOcspDer: staple('revoked'), fetch });
    expect(r).toMatchObject({ status: 'revoked', source: 'stapled OCSP' });
    expect(r.detail).toMatch(/^revoked at \d{4}-\d\d-\d\dT.*\(keyCompromise\)$/);
    expect(fetch.calls).toEqual([]);
  });

  it('[UCR-A5] a staple signed by an unrelated key is not trusted: unknown with the reason', async () => {
    // "good" for `alldown`, signed by another CA's OCSP signer; every other source is down.
    const forged = staple('alldown', 'otherca-ocsp');
    const r = await check(['alldown'], { stapledOcspDer: forged, timeoutMs: 1000 });
    expect(r.status).toBe('unknown');
    expect(r.detail).toMatch(/stapled OCSP rejected: OCSP response signature invalid .*untrusted-signer.*not trusted/);
    expect(r.detail).toMatch(/ECONNREFUSED/);
  });

  it('[UCR-A5] a forged "good" staple for a revoked certificate: the real responder says revoked', async () => {
    const forged = staple('revoked', 'otherca-ocsp', 'index-before-revocation.txt');
    expect(addon.ocspVerify(forged, pki.der('revoked'), pki.der('root')).certStatus).toBe('good'); // what it claims
    const r = await check(['revoked'], { stapledOcspDer: forged });
    expect(r).toMatchObject({ status: 'revoked', source: `OCSP http://127.0.0.1:${pki.ports.ocspRoot}/` });
    expect(r.detail).toMatch(/keyCompromise.*before that: stapled OCSP rejected/);
  });

  it('[UCR-A5] a staple signed by a certificate of the issuer without id-kp-OCSPSigning is not trusted', async () => {
    const r = await check(['alldown'], { stapledOcspDer: staple('alldown', 'good'), timeoutMs: 1000 });
    expect(r.status).toBe('unknown');
    expect(r.detail).toMatch(/signer-not-authorised/);
  });

  it('[UCR-A5] a stale staple (produced 3 days ago, nextUpdate passed) is unknown, not good', async () => {
    const stale = shiftOcspResponse(staple('alldown'), -3 * DAY, key('root-ocsp'));
    const v = addon.ocspVerify(stale, pki.der('alldown'), pki.der('root'));
    expect(v.signatureOk).toBe(true);
    expect((v.nextUpdate ?? 0) * 1000).toBeLessThan(Date.now() - DAY * 1000);
    const r = await check(['alldown'], { stapledOcspDer: stale, timeoutMs: 1000 });
    expect(r.status).toBe('unknown');
    expect(r.detail).toMatch(/stapled OCSP rejected: OCSP response stale: nextUpdate .* has passed/);
    expect(r.ocsp?.nextUpdate).toBeDefined();
  });

  it('[UCR-A5] a staple dated in the future, or about another certificate, is unknown', async () => {
    const future = shiftOcspResponse(staple('alldown'), 2 * DAY, key('root-ocsp'));
    const r1 = await check(['alldown'], { stapledOcspDer: future, timeoutMs: 1000 });
    expect(r1.status).toBe('unknown');
    expect(r1.detail).toMatch(/thisUpdate .* is in the future/);
    const r2 = await check(['alldown'], { stapledOcspDer: staple('good'), timeoutMs: 1000 });
    expect(r2.status).toBe('unknown');
    expect(r2.detail).toMatch(/not about this certificate \(CertID mismatch\)/);
    const r3 = await check(['alldown'], { stapledOcspDer: breakSignature(staple('alldown'), 'ocsp'), timeoutMs: 1000 });
    expect(r3.detail).toMatch(/signature-failure/);
  });

  it('the check uses the caller’s clock: a good staple is stale two days later', async () => {
    const later = new Date(Date.now() + 2 * DAY * 1000);
    const r = await check(['alldown'], { stapledOcspDer: staple('alldown'), now: () => later, timeoutMs: 1000 });
    expect(r.status).toBe('unknown');
    expect(r.checkedAt).toBe(later.toISOString());
    expect(r.detail).toMatch(/stale/);
  });
});

// --------------------------------------------------------------------------- fetched OCSP

describe('OCSP fetched from the AIA responder (openssl ocsp)', () => {
  it('[UCR-A5] good: POST application/ocsp-request to the AIA URL, nonce echoed, delegated signer', async () => {
    const fetch = recordingFetch();
    const before = ocspRoot.log.length;
    const r = await check(['good'], { fetch });
    expect(r).toMatchObject({ status: 'good', source: `OCSP http://127.0.0.1:${pki.ports.ocspRoot}/` });
    expect(r.detail).toBeUndefined();
    expect(fetch.calls).toEqual([{ url: `http://127.0.0.1:${pki.ports.ocspRoot}/`, method: 'POST', contentType: 'application/ocsp-request' }]);
    expect(ocspRoot.log.slice(before)).toEqual([{ method: 'POST', url: '/', contentType: 'application/ocsp-request' }]);
    expect(Date.parse(r.ocsp?.nextUpdate ?? '') - Date.parse(r.ocsp?.thisUpdate ?? '')).toBe(10 * 60 * 1000);
  });

  it('[UCR-A5] revoked: the responder’s answer, with revocation time and reason', async () => {
    const r = await check(['revoked']);
    expect(r).toMatchObject({ status: 'revoked', source: `OCSP http://127.0.0.1:${pki.ports.ocspRoot}/` });
    expect(r.detail).toMatch(/^revoked at .*\(keyCompromise\)$/);
  });

  it('[UCR-A5] leaf and intermediate: each checked at its own responder (issuer-signed, no nextUpdate)', async () => {
    const r = await check(['leaf-int', 'int']);
    expect(r.status).toBe('good');
    expect(r.chain?.map((c) => [c.depth, c.status, c.source])).toEqual([
      [0, 'good', `OCSP http://127.0.0.1:${pki.ports.ocspInt}/`],
      [1, 'good', `OCSP http://127.0.0.1:${pki.ports.ocspRoot}/`],
    ]);
    expect(r.chain?.[0]?.ocsp?.nextUpdate).toBeUndefined();
  });

  it('[UCR-A5] a replayed response (nonce mismatch) is not believed; the CRL answers', async () => {
    let recorded: Buffer | undefined;
    const replay: RevocationFetch = async (url, init) => {
      if (init.method === 'POST') {
        const real = await httpFetch(url, init);
        recorded ??= real.body; // the first answer, for the first nonce
        return { status: 200, body: recorded };
      }
      return httpFetch(url, init);
    };
    await check(['good'], { fetch: replay });
    const r = await check(['good'], { fetch: replay });
    expect(r).toMatchObject({ status: 'good', source: `CRL http://127.0.0.1:${pki.ports.crl}/root.crl` });
    expect(r.detail).toMatch(/does not echo our nonce/);
  });

  it('a responder that accepts and never answers: unknown after the timeout', async () => {
    const t0 = performance.now();
    const r = await check(['ocsphang'], { timeoutMs: 300 });
    const ms = performance.now() - t0;
    expect(r.status).toBe('unknown');
    expect(r.detail).toMatch(/unreachable \(timed out after 300 ms\)/);
    expect(ms).toBeLessThan(2000);
  });
});

// --------------------------------------------------------------------------- CRL

describe('CRL from the distribution point', () => {
  it('[UCR-A5] OCSP responder down → the CRL says good', async () => {
    const r = await check(['ocspdown-good']);
    expect(r).toMatchObject({ status: 'good', source: `CRL http://127.0.0.1:${pki.ports.crl}/root.crl` });
    expect(r.detail).toMatch(/before that: OCSP http:\/\/127\.0\.0\.1:\d+\/ unreachable \(.*ECONNREFUSED/);
    expect(r.chain?.[0]?.crl?.nextUpdate).toBeDefined();
  });

  it('[UCR-A5] OCSP responder down → the CRL says revoked (time and reason from the entry)', async () => {
    const r = await check(['ocspdown-revoked']);
    expect(r).toMatchObject({ status: 'revoked', source: `CRL http://127.0.0.1:${pki.ports.crl}/root.crl` });
    expect(r.detail).toMatch(/^revoked at .*\(keyCompromise\)/);
  });

  it('[UCR-A5] the responder does not know the certificate ("unknown") → the CRL answers', async () => {
    const r = await check(['unindexed']);
    expect(r).toMatchObject({ status: 'good', source: `CRL http://127.0.0.1:${pki.ports.crl}/root.crl` });
    expect(r.detail).toMatch(/before that: OCSP http:\/\/127\.0\.0\.1:\d+\/: the OCSP responder does not know this certificate/);
  });

  it('[UCR-A5] OCSP and CRL both down → unknown, with both reasons', async () => {
    const r = await check(['alldown'], { timeoutMs: 1000 });
    expect(r).toMatchObject({ status: 'unknown', source: 'none' });
    expect(r.detail).toMatch(/OCSP http:\/\/127\.0\.0\.1:\d+\/ unreachable .*; CRL http:\/\/127\.0\.0\.1:\d+\/root\.crl unreachable/);
  });

  it('[UCR-A5] a CRL with a bad signature is not trusted: unknown (also when it lists the certificate)', async () => {
    crlServer.set('/root.crl', breakSignature(pki.crl('root'), 'crl'));
    try {
      for (const name of ['ocspdown-good', 'ocspdown-revoked']) {
        const r = await check([name]);
        expect(r.status).toBe('unknown');
        expect(r.detail).toMatch(/CRL signature invalid \(signature-failure.*not trusted/);
      }
    } finally {
      crlServer.set('/root.crl', pki.crl('root'));
    }
  });

  it('[UCR-A5] an expired CRL gives unknown; a revocation on it still counts', async () => {
    crlServer.set('/root.crl', shiftCrl(pki.crl('root'), -30 * DAY, key('root')));
    try {
      const good = await check(['ocspdown-good']);
      expect(good.status).toBe('unknown');
      expect(good.detail).toMatch(/stale CRL: nextUpdate .* has passed/);
      const revoked = await check(['ocspdown-revoked']);
      expect(revoked.status).toBe('revoked');
    } finally {
      crlServer.set('/root.crl', pki.crl('root'));
    }
  });

  it('a CRL of another issuer, an HTTP error or garbage at the distribution point: unknown', async () => {
    for (const [body, re] of [
      [pki.crl('int'), /not from this certificate’s issuer/],
      [Buffer.from('<html>captive portal</html>'), /unusable CRL/],
    ] as const) {
      crlServer.set('/root.crl', body);
      try {
        const r = await check(['ocspdown-good']);
        expect(r.status).toBe('unknown');
        expect(r.detail).toMatch(re);
      } finally {
        crlServer.set('/root.crl', pki.crl('root'));
      }
    }
    crlServer.delete('/root.crl');
    try {
      expect((await check(['ocspdown-good'])).detail).toMatch(/root\.crl: HTTP 404/);
    } finally {
      crlServer.set('/root.crl', pki.crl('root'));
    }
  });
});

// --------------------------------------------------------------------------- chain

describe('the whole chain', () => {
  it('[UCR-A5] a revoked intermediate makes the chain revoked, though the leaf is good', async () => {
    const r = await check(['leaf-int2', 'int2']);
    expect(r.status).toBe('revoked');
    expect(r.source).toBe(`OCSP http://127.0.0.1:${pki.ports.ocspRoot}/`);
    expect(r.detail).toMatch(/^intermediate CN=Bastion Revocation Test Intermediate 2: revoked at .*\(cACompromise\)$/);
    // the leaf itself: good, from int2's PEM CRL
    expect(r.chain?.[0]).toMatchObject({ depth: 0, status: 'good', source: `CRL http://127.0.0.1:${pki.ports.crl}/int2.crl` });
  });

  it('the anchor is never checked, whether the server sends it or not', async () => {
    const r = await check(['good', 'root']);
    expect(r.chain?.length).toBe(1);
    expect((await check(['root'])).status).toBe('not-checked');
  });

  it('a chain that does not lead to the anchors: unknown, no network', async () => {
    const fetch = recordingFetch();
    const r = await check(['leaf-int'], { fetch });
    expect(r.status).toBe('unknown');
    expect(r.detail).toMatch(/issuer of CN=example\.test is neither in the chain nor a trust anchor/);
    expect(fetch.calls).toEqual([]);
  });

  it('a certificate without AIA or CDP: unknown, saying so', async () => {
    const r = await check(['nourls']);
    expect(r.status).toBe('unknown');
    expect(r.detail).toMatch(/names no OCSP responder and no CRL distribution point/);
  });
});

// --------------------------------------------------------------------------- policy

describe('admin policy', () => {
  it('[UCR-A5] mode off: not-checked, without touching the network (even with a revoked staple)', async () => {
    const fetch = recordingFetch();
    const r = await check(['revoked'], { mode: 'off', fetch, stapledOcspDer: staple('revoked') });
    expect(r).toMatchObject({ status: 'not-checked', source: 'none' });
    expect(fetch.calls).toEqual([]);
  });

  it('[UCR-A5] hard-fail ends the session on revoked or unknown; soft-fail on revoked only; off never', () => {
    const at = new Date().toISOString();
    const revoked: RevocationResult = { status: 'revoked', source: 'stapled OCSP', detail: 'revoked', checkedAt: at };
    const unknown: RevocationResult = { status: 'unknown', source: 'none', detail: 'responder unreachable', checkedAt: at };
    const good: RevocationResult = { status: 'good', source: 'OCSP http://x/', checkedAt: at };
    expect(revocationVerdict('hard-fail', revoked)).toMatchObject({ terminate: true, reason: expect.stringContaining('stapled OCSP') });
    expect(revocationVerdict('hard-fail', unknown)).toMatchObject({ terminate: true, reason: expect.stringContaining('responder unreachable') });
    expect(revocationVerdict('hard-fail', good).terminate).toBe(false);
    expect(revocationVerdict('soft-fail', revoked).terminate).toBe(true);
    expect(revocationVerdict('soft-fail', unknown).terminate).toBe(false);
    expect(revocationVerdict('off', revoked).terminate).toBe(false);
  });

  it('never throws: garbage chain, anchors, staple or fetch give unknown with a detail', async () => {
    const base = { trustAnchorsPem: pki.rootPem, mode: 'soft-fail' as const, addon };
    expect((await checkRevocation({ ...base, chainDer: [] })).detail).toMatch(/no certificate/);
    expect((await checkRevocation({ ...base, chainDer: [Buffer.from('junk')] })).detail).toMatch(/does not parse/);
    expect((await checkRevocation({ ...base, chainDer: [pki.der('good')], trustAnchorsPem: '' })).detail).toMatch(/neither in the chain nor a trust anchor/);
    const junkStaple = await checkRevocation({ ...base, chainDer: [pki.der('alldown')], stapledOcspDer: Buffer.from('junk'), timeoutMs: 500 });
    expect(junkStaple.detail).toMatch(/stapled OCSP rejected: unusable OCSP response/);
    const throwing: RevocationFetch = () => {
      throw new Error('boom');
    };
    const r = await checkRevocation({ ...base, chainDer: [pki.der('good')], fetch: throwing });
    expect(r).toMatchObject({ status: 'unknown', source: 'none' });
    expect(r.detail).toMatch(/boom/);
    const never: RevocationFetch = () => new Promise(() => {});
    const r2 = await checkRevocation({ ...base, chainDer: [pki.der('good')], fetch: never, timeoutMs: 200 });
    expect(r2.detail).toMatch(/timed out after 200 ms/);
    const junk: RevocationFetch = async () => ({ status: 200, body: Buffer.from('junk') });
    expect((await checkRevocation({ ...base, chainDer: [pki.der('good')], fetch: junk })).status).toBe('unknown');
  });

  it('the default fetch refuses schemes other than http(s), caps sizes and follows GET redirects', async () => {
    await expect(httpFetch('ldap://127.0.0.1/cn=x', { method: 'GET', timeoutMs: 100 })).rejects.toThrow(/refusing a ldap: URL/);
    await expect(httpFetch('file:///etc/passwd', { method: 'GET', timeoutMs: 100 })).rejects.toThrow(/refusing a file: URL/);
    const server = http.createServer((req, res) => {
      if (req.url === '/moved') res.writeHead(302, { location: '/root.crl' }).end();
      else if (req.url === '/big') res.end(Buffer.alloc(4096));
      else res.end(pki.crl('root'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const r = await httpFetch(`http://127.0.0.1:${port}/moved`, { method: 'GET', timeoutMs: 2000 });
      expect(r.status).toBe(200);
      expect(r.body).toEqual(pki.crl('root'));
      await expect(httpFetch(`http://127.0.0.1:${port}/big`, { method: 'GET', timeoutMs: 2000, maxBytes: 1000 })).rejects.toThrow(/limit/);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

// --------------------------------------------------------------------------- through TLS

describe('after a real TLS handshake (openssl s_server stapling)', () => {
  async function handshake(cert: string, chainFile: string, args: string[]) {
    const srv = await startOpensslServer(
      ['-naccept', '1', '-cert', pki.file(`${cert}.crt`), '-key', pki.file(`${cert}.key`), '-cert_chain', pki.file(chainFile), ...args],
      pki.dir,
    );
    const socket = await connectTcp(srv.port);
    return createTlsClient({
      socket, serverName: 'example.test', trustAnchorsPem: pki.rootPem, policy: { minVersion: '1.2' }, requestOcsp: true, addon,
    });
  }

  it('[UCR-A5] the staple read from channel.info.ocspStapledDer: good, faster than fetching', async () => {
    const respFile = pki.file('good.staple.der');
    fs.writeFileSync(respFile, staple('good'));
    const channel = await handshake('good', 'root.crt', ['-status_file', respFile]);
    const info = channel.info;
    channel.close();
    expect(info.ocspStapledDer).toEqual(fs.readFileSync(respFile));
    const fetch = recordingFetch();
    const opts = { chainDer: info.peerChainDer, trustAnchorsPem: pki.rootPem, mode: 'hard-fail' as const, addon };
    const stapled = await checkRevocation({ ...opts, fetch, ...(info.ocspStapledDer ? { stapledOcspDer: info.ocspStapledDer } : {}) });
    expect(stapled).toMatchObject({ status: 'good', source: 'stapled OCSP' });
    expect(fetch.calls).toEqual([]);
    // The same chain without the staple: OCSP over HTTP to the openssl responder.
    const fetched = await checkRevocation(opts);
    expect(fetched).toMatchObject({ status: 'good', source: `OCSP http://127.0.0.1:${pki.ports.ocspRoot}/` });
    // Timing: median of 7 runs each (after the warm-up above).
    const median = async (f: () => Promise<unknown>) => {
      const ms: number[] = [];
      for (let i = 0; i < 7; i++) {
        const t0 = performance.now();
        await f();
        ms.push(performance.now() - t0);
      }
      return ms.sort((a, b) => a - b)[3] ?? 0;
    };
    const stapledMs = await median(() => checkRevocation({ ...opts, ...(info.ocspStapledDer ? { stapledOcspDer: info.ocspStapledDer } : {}) }));
    const fetchedMs = await median(() => checkRevocation(opts));
    const crlMs = await median(() => check(['ocspdown-good']));
    expect(stapledMs).toBeLessThan(fetchedMs);
    console.log(
      `[revocation] median check time: stapled OCSP ${stapledMs.toFixed(2)} ms; fetched OCSP ${fetchedMs.toFixed(2)} ms ` +
        `(one \`openssl ocsp\` run per request, 127.0.0.1); OCSP refused → CRL ${crlMs.toFixed(2)} ms`,
    );
  });

  it('[UCR-A5] a good staple for the leaf passes the handshake; the revoked intermediate is still found', async () => {
    const respFile = pki.file('leaf-int2.staple.der');
    fs.writeFileSync(respFile, pki.ocspResponse({ ca: 'int2', cert: 'leaf-int2', signer: 'int2' }));
    const channel = await handshake('leaf-int2', 'int2.crt', ['-status_file', respFile]);
    const info = channel.info;
    channel.close();
    expect(info.peerChainDer.length).toBe(2);
    const r = await checkRevocation({
      chainDer: info.peerChainDer, trustAnchorsPem: pki.rootPem, mode: 'soft-fail', addon,
      ...(info.ocspStapledDer ? { stapledOcspDer: info.ocspStapledDer } : {}),
    });
    expect(r.chain?.map((c) => [c.status, c.source])).toEqual([
      ['good', 'stapled OCSP'],
      ['revoked', `OCSP http://127.0.0.1:${pki.ports.ocspRoot}/`],
    ]);
    expect(r.status).toBe('revoked');
    expect(revocationVerdict('soft-fail', r).terminate).toBe(true);
  });

  it('[UCR-A5] a revoked, stale or forged staple already fails the handshake (GnuTLS checks the staple)', async () => {
    const cases: [string, Buffer, string][] = [
      ['revoked', staple('revoked'), 'revoked'],
      ['good', shiftOcspResponse(staple('good'), -3 * DAY, key('root-ocsp')), 'revocation-data-superseded'],
      ['good', staple('good', 'otherca-ocsp'), 'invalid-ocsp-status'],
    ];
    for (const [cert, der, reason] of cases) {
      const respFile = pki.file(`probe-${reason}.der`);
      fs.writeFileSync(respFile, der);
      const err = await handshake(cert, 'root.crt', ['-status_file', respFile]).then(
        (ch) => (ch.close(), undefined),
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(TlsFailure);
      expect((err as TlsFailure).verifyReasons).toContain(reason);
    }
  });
});
