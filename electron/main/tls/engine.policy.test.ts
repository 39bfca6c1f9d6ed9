// Integration: the engine against openssl s_server on 127.0.0.1: negotiation, policy refusals
// and chain verification.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TlsCloseEvent } from './channel';
import { collect, connectClient, connectFailure, setUpHarness, type Harness } from './testing/harness';
import { startOpensslServer, stopAllPeers } from './testing/peers';

let h: Harness;
beforeAll(() => {
  h = setUpHarness();
});
afterAll(async () => {
  await stopAllPeers();
  h.pki.cleanup();
});

const f = (name: string) => h.pki.file(name);
const serve = (args: string[]) => startOpensslServer(['-naccept', '1', ...args], h.pki.dir);
const goodCert = () => ['-cert', f('server.crt'), '-key', f('server.key'), '-cert_chain', f('ca.crt')];

describe('negotiation', () => {
  it('TLS 1.3: handshake, chain, tls-exporter equal to the server’s, data both ways', async () => {
    const srv = await serve([...goodCert(), '-keymatexport', 'EXPORTER-Channel-Binding', '-keymatexportlen', '32']);
    const { channel, ms } = await connectClient(h, srv.port);
    const info = channel.info;
    expect(info.version).toBe('TLS1.3');
    expect(info.cipherSuite).toMatch(/^TLS_(AES_256_GCM_SHA384|AES_128_GCM_SHA256|CHACHA20_POLY1305_SHA256)$/);
    expect(info.mac).toBe('AEAD');
    expect(info.kx).toBe('ECDHE');
    expect(info.group).toBe('X25519');
    expect(info.peerChainDer[0]).toEqual(h.pki.der('server'));
    expect(info.peerKey).toEqual({ type: 'rsa', bits: 2048 });
    expect(info.verifyStatus).toBe(0);
    expect(info.verifyReasons).toEqual([]);
    expect(info.sessionResumed).toBe(false);
    expect(info.clientCertSent).toBe(false);
    expect(info.channelBinding.tlsUnique).toBeUndefined();
    const exporter = info.channelBinding.tlsExporter;
    expect(exporter?.length).toBe(32);
    const line = await srv.waitForOutput(/Keying material: ([0-9A-Fa-f]+)/);
    expect(line.split(': ')[1]?.toLowerCase()).toBe(exporter?.toString('hex'));

    channel.write('hello from bastion\n');
    await srv.waitForOutput(/hello from bastion\n/);
    const reply = collect(channel, (all) => all.includes('\n'));
    srv.send('hello from the server\n');
    expect((await reply).toString()).toBe('hello from the server\n');
    channel.close();
    console.log(`[tls] TLS 1.3 handshake against openssl s_server: ${ms.toFixed(1)} ms`);
  });

  it('TLS 1.2 when the policy allows it and the server speaks no more: ECDHE + AEAD, tls-unique', async () => {
    const srv = await serve([...goodCert(), '-tls1_2', '-rev']);
    const { channel } = await connectClient(h, srv.port, { policy: { minVersion: '1.2' } });
    expect(channel.info.version).toBe('TLS1.2');
    expect(channel.info.cipherSuite).toMatch(/^TLS_ECDHE_RSA_WITH_(AES_(128|256)_GCM_SHA(256|384)|CHACHA20_POLY1305_SHA256)$/);
    expect(channel.info.kx).toBe('ECDHE-RSA');
    expect(channel.info.extendedMasterSecret).toBe(true);
    expect(channel.info.channelBinding.tlsUnique?.length).toBe(12);
    expect(channel.info.channelBinding.tlsExporter).toBeUndefined();
    const reply = collect(channel, (all) => all.includes('\n'));
    channel.write('abc\n');
    expect((await reply).toString()).toBe('cba\n');
    channel.close();
  });

  it('refuses renegotiation: a TLS 1.2 server’s HelloRequest gets no_renegotiation, never a second handshake', async () => {
    const srv = await serve([...goodCert(), '-tls1_2']);
    const { channel } = await connectClient(h, srv.port);
    const closed = new Promise<TlsCloseEvent>((resolve) => channel.onClose(resolve));
    channel.write('before\n');
    await srv.waitForOutput(/before\n/);
    srv.send('r\n'); // s_server: renegotiate
    await srv.waitForOutput(/no renegotiation|NO_RENEGOTIATION/i);
    const ev = await closed;
    expect(ev.clean).toBe(false);
  });

  it('passes on a stapled OCSP response when asked for one', async () => {
    const srv = await serve([...goodCert(), '-status_file', f('server.ocsp.der')]);
    const { channel } = await connectClient(h, srv.port, { requestOcsp: true });
    expect(channel.info.ocspStapledDer).toEqual(fs.readFileSync(f('server.ocsp.der')));
    channel.close();
  });
});

describe('maximum version (for RSA cards without RSA-PSS)', () => {
  it('maxVersion 1.2 against a TLS 1.3-capable server: TLS 1.2 is negotiated', async () => {
    const srv = await serve(goodCert()); // the same server speaks TLS 1.3 in the first test above
    const { channel } = await connectClient(h, srv.port, { policy: { minVersion: '1.2', maxVersion: '1.2' } });
    expect(channel.info.version).toBe('TLS1.2');
    expect(channel.info.channelBinding.tlsUnique?.length).toBe(12);
    channel.close();
  });

  it('minVersion 1.3 with maxVersion 1.2 is a config error and nothing is sent', async () => {
    const srv = await serve(goodCert());
    const { failure, socket } = await connectFailure(h, srv.port, { policy: { minVersion: '1.3', maxVersion: '1.2' } });
    expect(failure.code).toBe('config');
    expect(failure.message).toMatch(/maximum TLS version 1.2 is below the minimum 1.3/);
    expect(socket.bytesWritten).toBe(0);
    expect(socket.destroyed).toBe(true);
  });
});

describe('policy refusals', () => {
  it('[UCR-T7] refuses a server that speaks only TLS 1.1', async () => {
    const srv = await serve([...goodCert(), '-tls1_1', '-cipher', 'DEFAULT:@SECLEVEL=0']);
    const { failure, socket } = await connectFailure(h, srv.port);
    expect(failure.code).toBe('protocol-version');
    expect(socket.destroyed).toBe(true);
  });

  it('[UCR-T7] refuses a TLS 1.2-only server when the policy says 1.3', async () => {
    const srv = await serve([...goodCert(), '-tls1_2']);
    const { failure } = await connectFailure(h, srv.port, { policy: { minVersion: '1.3' } });
    expect(failure.code).toBe('protocol-version');
  });

  it('[UCR-T7] refuses a server that offers only CBC suites (even with ECDHE)', async () => {
    const srv = await serve([...goodCert(), '-tls1_2', '-cipher', 'ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA384']);
    const { failure } = await connectFailure(h, srv.port);
    expect(failure.code).toBe('no-shared-cipher');
  });

  it('[UCR-T7] refuses a server that offers only RSA key transport (no forward secrecy)', async () => {
    const srv = await serve([...goodCert(), '-tls1_2', '-cipher', 'AES128-GCM-SHA256:AES256-GCM-SHA384']);
    const { failure } = await connectFailure(h, srv.port);
    expect(failure.code).toBe('no-shared-cipher');
  });

  it('[UCR-T7] refuses a server whose certificate has an RSA-1024 key', async () => {
    const srv = await serve(['-cert', f('weak.crt'), '-key', f('weak.key'), '-cipher', 'DEFAULT:@SECLEVEL=0']);
    const { failure } = await connectFailure(h, srv.port);
    expect(failure.code).toBe('weak-peer-certificate');
    expect(failure.verifyReasons).toContain('weak-key');
  });
});

describe('chain verification (trust anchors given, never the system store)', () => {
  it('[UCR-T4] refuses a certificate from a CA that is not a configured trust anchor', async () => {
    const srv = await serve(['-cert', f('rogue.crt'), '-key', f('rogue.key')]);
    const { failure, socket } = await connectFailure(h, srv.port);
    expect(failure.code).toBe('untrusted-chain');
    expect(failure.gnutlsError).toBe('GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR');
    expect(failure.verifyReasons).toContain('signer-not-found');
    expect(socket.destroyed).toBe(true);
  });

  it('[UCR-T4] refuses our own server when the configured anchor is another CA', async () => {
    const srv = await serve(goodCert());
    const { failure } = await connectFailure(h, srv.port, { trustAnchorsPem: h.pki.otherCaPem });
    expect(failure.code).toBe('untrusted-chain');
  });

  it('reports an expired server certificate as expired', async () => {
    const srv = await serve(['-cert', f('expired.crt'), '-key', f('expired.key')]);
    const { failure } = await connectFailure(h, srv.port);
    expect(failure.code).toBe('certificate-expired');
    expect(failure.verifyReasons).toContain('expired');
  });

  it('refuses a valid chain for another name (default DNS-ID check, no CN fallback)', async () => {
    const srv = await serve(goodCert());
    const { failure } = await connectFailure(h, srv.port, { serverName: 'other.test' });
    expect(failure.code).toBe('name-mismatch');
    expect(failure.peerRejectReason).toMatch(/other\.test/);
  });

  it('lets the caller decide the identity (hook for RFC 6125 SRV-ID / XmppAddr)', async () => {
    const srv = await serve(goodCert());
    const seen: string[] = [];
    const { channel } = await connectClient(h, srv.port, {
      serverName: 'xmpp.other.test',
      verifyServerIdentity: (leaf, chain) => {
        seen.push(leaf.subject, String(chain.length));
        return leaf.checkHost('example.test') ? null : 'no';
      },
    });
    expect(seen).toEqual(['CN=example.test', '2']);
    channel.close();
  });

  it('rejects (not crashes) when the identity hook throws', async () => {
    const srv = await serve(goodCert());
    const { failure } = await connectFailure(h, srv.port, {
      verifyServerIdentity: () => {
        throw new Error('hook exploded');
      },
    });
    expect(failure.code).toBe('name-mismatch');
    expect((failure.cause as Error).message).toBe('hook exploded');
  });
});
