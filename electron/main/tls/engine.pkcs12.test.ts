// [UCR-T6] PKCS#12 software certificates: loaded by GnuTLS, the key held in native memory only
// (never a JS value), used for TLS client authentication against openssl s_server -Verify.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, connectClient, connectFailure, requireClientCert as requireClientCertOf, setUpHarness, type Harness } from './testing/harness';
import { stopAllPeers } from './testing/peers';
import { P12_PASSWORD } from './testing/pki';
import { isSoftwareIdentity, loadPkcs12, type Pkcs12Result, type SoftwareIdentity } from './engine';

let h: Harness;
beforeAll(() => {
  h = setUpHarness();
});
afterAll(async () => {
  await stopAllPeers();
  h.pki.cleanup();
});

const requireClientCert = (extra: string[] = []) => requireClientCertOf(h, extra);

function load(der: Buffer, password = P12_PASSWORD): Pkcs12Result {
  return loadPkcs12(der, password, { addon: h.addon });
}

function ok(r: Pkcs12Result): SoftwareIdentity {
  if (!r.ok) throw new Error(`expected a PKCS#12 identity, got ${r.error.code}: ${r.error.message}`);
  return r.value;
}

function errorCode(r: Pkcs12Result): string {
  if (r.ok) {
    r.value.dispose();
    return 'ok';
  }
  return r.error.code;
}

/** openssl / certtool in the PKI directory; returns the output file's bytes. */
function make(cmd: string, args: string[], out: string): Buffer {
  execFileSync(cmd, args, { cwd: h.pki.dir, stdio: ['ignore', 'ignore', 'pipe'] });
  return fs.readFileSync(path.join(h.pki.dir, out));
}

describe('loadPkcs12', () => {
  it('AES-256 (PBES2) p12 with an RSA key: chain, key type and size; the key is not reachable from JS', () => {
    const id = ok(load(h.pki.p12('alice', 'aes')));
    expect(isSoftwareIdentity(id)).toBe(true);
    expect(id.kind).toBe('pkcs12');
    expect(id.keyType).toBe('rsa');
    expect(id.bits).toBe(2048);
    expect(id.chainDer).toHaveLength(1); // the self-signed CA in the file is not part of the chain
    expect(id.chainDer[0]).toEqual(h.pki.der('alice'));
    expect(id.signAlgos).toContain('RSA-PSS-RSAE-SHA256');
    expect(id.signAlgos).toContain('RSA-PKCS1-SHA256');
    // Nothing enumerable, serialisable or inspectable carries key material.
    const keyBody = h.pki.keyPem('alice').split('\n').slice(1, 3).join('');
    expect(JSON.stringify(id)).not.toContain(keyBody.slice(0, 20));
    expect(Object.keys(id).sort()).toEqual(['bits', 'chainDer', 'keyType', 'kind', 'signAlgos']);
    expect(Object.isFrozen(id)).toBe(true);
    expect(id.disposed).toBe(false);
    id.dispose();
    expect(id.disposed).toBe(true);
    id.dispose(); // idempotent
  });

  it('legacy 3DES p12 and an EC P-256 key', () => {
    const legacy = ok(load(h.pki.p12('alice', '3des')));
    expect(legacy.keyType).toBe('rsa');
    legacy.dispose();
    const ec = ok(load(h.pki.p12('bob', 'aes')));
    expect(ec.keyType).toBe('ec');
    expect(ec.bits).toBe(256);
    expect(ec.signAlgos).toEqual(['ECDSA-SECP256R1-SHA256']);
    expect(ec.chainDer[0]).toEqual(h.pki.der('bob'));
    ec.dispose();
  });

  it('wrong password: pkcs12-bad-password (with and without a MAC, AES and 3DES)', () => {
    expect(errorCode(load(h.pki.p12('alice', 'aes'), 'wrong'))).toBe('pkcs12-bad-password');
    expect(errorCode(load(h.pki.p12('alice', '3des'), 'wrong'))).toBe('pkcs12-bad-password');
    expect(errorCode(load(h.pki.p12('alice', 'aes'), ''))).toBe('pkcs12-bad-password');
    const noMac = make('openssl', ['pkcs12', '-export', '-in', 'alice.crt', '-inkey', 'alice.key', '-nomac', '-passout', `pass:${P12_PASSWORD}`, '-out', 'nomac.p12'], 'nomac.p12');
    expect(errorCode(load(noMac))).toBe('ok');
    expect(errorCode(load(noMac, 'wrong'))).toBe('pkcs12-bad-password');
  });

  it('corrupt or foreign bytes: pkcs12-malformed, never a throw', () => {
    const good = h.pki.p12('alice', 'aes');
    expect(errorCode(load(good.subarray(0, good.length / 2)))).toBe('pkcs12-malformed');
    expect(errorCode(load(Buffer.from('not a pkcs12 file at all')))).toBe('pkcs12-malformed');
    expect(errorCode(load(h.pki.der('alice')))).toBe('pkcs12-malformed'); // a certificate, not a PKCS#12
    expect(errorCode(load(Buffer.alloc(0)))).toBe('pkcs12-malformed');
    const flipped = Buffer.from(good);
    flipped[flipped.length - 40] = (flipped[flipped.length - 40] ?? 0) ^ 0xff; // inside the MAC data
    expect(['pkcs12-malformed', 'pkcs12-bad-password']).toContain(errorCode(load(flipped)));
    expect(() => loadPkcs12('x' as unknown as Buffer, 'p', { addon: h.addon })).toThrow(TypeError);
  });

  it('no key, no certificate, a certificate of another key, an unsupported key type: clear errors', () => {
    const noKey = make('openssl', ['pkcs12', '-export', '-in', 'alice.crt', '-nokeys', '-passout', `pass:${P12_PASSWORD}`, '-out', 'nokey.p12'], 'nokey.p12');
    expect(load(noKey)).toMatchObject({ ok: false, error: { code: 'pkcs12-no-key', message: expect.stringMatching(/no private key/) } });
    const noCert = make('openssl', ['pkcs12', '-export', '-inkey', 'alice.key', '-nocerts', '-passout', `pass:${P12_PASSWORD}`, '-out', 'nocert.p12'], 'nocert.p12');
    expect(load(noCert)).toMatchObject({ ok: false, error: { code: 'pkcs12-no-certificate' } });
    // openssl refuses to pair a key with another key's certificate; GnuTLS's certtool does not.
    const mismatch = make('certtool', ['--to-p12', '--load-privkey', 'alice.key', '--load-certificate', 'bob.crt', '--p12-name', 'x', '--password', P12_PASSWORD, '--outder', '--outfile', 'mismatch.p12'], 'mismatch.p12');
    expect(load(mismatch)).toMatchObject({ ok: false, error: { code: 'pkcs12-key-mismatch' } });
    execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', 'ed.key'], { cwd: h.pki.dir });
    execFileSync('openssl', ['req', '-x509', '-new', '-key', 'ed.key', '-subj', '/CN=ed', '-days', '1', '-out', 'ed.crt'], { cwd: h.pki.dir });
    const ed = make('openssl', ['pkcs12', '-export', '-in', 'ed.crt', '-inkey', 'ed.key', '-passout', `pass:${P12_PASSWORD}`, '-out', 'ed.p12'], 'ed.p12');
    expect(load(ed)).toMatchObject({ ok: false, error: { code: 'pkcs12-unsupported-key', message: expect.stringMatching(/EdDSA|Ed25519/i) } });
  });

  it('handles dropped without dispose() are freed by the GC (no crash, no growth)', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const der = h.pki.p12('bob', 'aes');
    let collected = 0;
    const registry = new FinalizationRegistry<number>(() => collected++);
    (() => {
      for (let i = 0; i < 50; i++) registry.register(ok(load(der)), i);
    })();
    for (let i = 0; i < 40 && collected < 50; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(collected).toBe(50);
  });
});

describe('TLS client authentication with a PKCS#12 identity (GnuTLS signs, no JS signer)', () => {
  it.each([
    ['alice', 'aes', '1.3', 'RSA-PSS-RSAE-SHA256'],
    ['alice', '3des', '1.2', 'RSA-PSS-RSAE-SHA256'],
    ['bob', 'aes', '1.3', 'ECDSA-SECP256R1-SHA256'],
    ['bob', '3des', '1.2', 'ECDSA-SECP256R1-SHA256'],
  ] as const)('%s (%s p12) over TLS %s: the server verifies the certificate (%s)', async (name, variant, version, algo) => {
    const id = ok(load(h.pki.p12(name, variant)));
    const srv = await requireClientCert(version === '1.2' ? ['-tls1_2'] : []);
    const { channel } = await connectClient(h, srv.port, { clientIdentity: id });
    expect(channel.info.version).toBe(`TLS${version}`);
    expect(channel.info.clientCertRequested).toBe(true);
    expect(channel.info.clientCertSent).toBe(true);
    expect(channel.info.clientSignAlgorithm).toBe(algo);
    await srv.waitForOutput(new RegExp(`depth=0 CN = ${name}\\s+verify return:1`));
    channel.close();
    id.dispose();
  });

  it('an RSA p12 identity under maxVersion 1.2 against a TLS 1.3-capable server', async () => {
    const id = ok(load(h.pki.p12('alice')));
    const srv = await requireClientCert();
    const { channel } = await connectClient(h, srv.port, { clientIdentity: id, policy: { minVersion: '1.2', maxVersion: '1.2' } });
    expect(channel.info.version).toBe('TLS1.2');
    expect(channel.info.clientCertSent).toBe(true);
    channel.close();
    id.dispose();
  });

  it('dispose() does not pull the key from under an open session; a disposed identity cannot start one', async () => {
    const id = ok(load(h.pki.p12('alice')));
    const srv = await requireClientCert(['-rev']);
    const { channel } = await connectClient(h, srv.port, { clientIdentity: id });
    id.dispose();
    const reply = collect(channel, (all) => all.includes('\n'));
    channel.write('abc\n');
    expect((await reply).toString()).toBe('cba\n');
    channel.close();

    const srv2 = await requireClientCert();
    const { failure, socket } = await connectFailure(h, srv2.port, { clientIdentity: id });
    expect(failure.code).toBe('config');
    expect(failure.message).toMatch(/disposed/);
    expect(socket.bytesWritten).toBe(0);
  });

  it('an object that only looks like a PKCS#12 identity is refused (config), nothing is sent', async () => {
    const real = ok(load(h.pki.p12('alice')));
    const forged = { ...real, kind: 'pkcs12' as const, disposed: false, dispose: () => {} };
    const srv = await requireClientCert();
    const { failure, socket } = await connectFailure(h, srv.port, { clientIdentity: forged });
    expect(failure.code).toBe('config');
    expect(socket.bytesWritten).toBe(0);
    real.dispose();
  });
});
