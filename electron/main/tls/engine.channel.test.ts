// Integration: client authentication through the JS signer, the channel's data path and its
// endings (close_notify both ways, resets, timeouts, sockets closed mid-handshake).
import crypto from 'node:crypto';
import type net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignAlgorithm } from './addon';
import type { TlsCloseEvent } from './channel';
import { ecdsaRawToDer } from './der';
import { createTlsClient, type ClientIdentity, type ExternalSignerIdentity, type TlsFailure } from './engine';
import { collect, connectClient, connectFailure, requireClientCert as requireClientCertOf, setUpHarness, type Harness } from './testing/harness';
import { connectTcp, startNodeTlsServer, startRawServer, stopAllPeers } from './testing/peers';
import { softwareSigner, type SoftSignerLog } from './testing/soft-signer';

let h: Harness;
const stops: (() => Promise<void>)[] = [];
beforeAll(() => {
  h = setUpHarness();
});
afterAll(async () => {
  await Promise.all(stops.map((s) => s()));
  await stopAllPeers();
  h.pki.cleanup();
});

const requireClientCert = (extra: string[] = []) => requireClientCertOf(h, extra);

function identity(name: 'alice' | 'bob', signAlgos: SignAlgorithm[], log?: SoftSignerLog): ExternalSignerIdentity {
  const isEc = name === 'bob';
  return {
    chainDer: [h.pki.der(name)],
    keyType: isEc ? 'ec' : 'rsa',
    bits: isEc ? 256 : 2048,
    signAlgos,
    sign: softwareSigner(h.pki.keyPem(name), log),
  };
}

describe('client certificate through the JS signer (software key, node:crypto)', () => {
  it('TLS 1.3, RSA-2048: signs with RSA-PSS-RSAE-SHA256 and the server accepts the certificate', async () => {
    const srv = await requireClientCert();
    const log: SoftSignerLog = { calls: [] };
    const { channel } = await connectClient(h, srv.port, {
      clientIdentity: identity('alice', ['RSA-PSS-RSAE-SHA256', 'RSA-PKCS1-SHA256'], log),
    });
    expect(channel.info.version).toBe('TLS1.3');
    expect(channel.info.clientCertRequested).toBe(true);
    expect(channel.info.clientCertSent).toBe(true);
    expect(channel.info.clientSignAlgorithm).toBe('RSA-PSS-RSAE-SHA256');
    expect(log.calls).toEqual([{ algo: 'RSA-PSS-RSAE-SHA256', dataLength: 32 }]); // the SHA-256 hash
    await srv.waitForOutput(/depth=0 CN = alice\s+verify return:1/);
    channel.close();
  });

  it('TLS 1.2, RSA-2048 signer without PSS: RSA-PKCS1-SHA256 over a DigestInfo', async () => {
    const srv = await requireClientCert(['-tls1_2']);
    const log: SoftSignerLog = { calls: [] };
    const { channel } = await connectClient(h, srv.port, { clientIdentity: identity('alice', ['RSA-PKCS1-SHA256'], log) });
    expect(channel.info.version).toBe('TLS1.2');
    expect(channel.info.clientSignAlgorithm).toBe('RSA-PKCS1-SHA256');
    expect(log.calls).toEqual([{ algo: 'RSA-PKCS1-SHA256', dataLength: 51 }]); // 19-byte prefix + 32
    await srv.waitForOutput(/depth=0 CN = alice\s+verify return:1/);
    channel.close();
  });

  it.each([
    ['1.3', 'raw'],
    ['1.2', 'der'],
  ] as const)('TLS %s, EC P-256: ECDSA-SECP256R1-SHA256, signer returns %s', async (v, format) => {
    const srv = await requireClientCert(v === '1.2' ? ['-tls1_2'] : []);
    const log: SoftSignerLog = { calls: [] };
    const id = identity('bob', ['ECDSA-SECP256R1-SHA256'], log);
    const rawSign = id.sign.bind(id);
    const clientIdentity: ClientIdentity =
      format === 'der' ? { ...id, ecdsaSignatureFormat: 'der', sign: (a, d) => ecdsaRawToDer(rawSign(a, d) as Uint8Array) } : id;
    const { channel } = await connectClient(h, srv.port, { clientIdentity });
    expect(channel.info.version).toBe(`TLS${v}`);
    expect(channel.info.clientSignAlgorithm).toBe('ECDSA-SECP256R1-SHA256');
    expect(log.calls).toEqual([{ algo: 'ECDSA-SECP256R1-SHA256', dataLength: 32 }]);
    await srv.waitForOutput(/depth=0 CN = bob\s+verify return:1/);
    channel.close();
  });

  // TLS 1.3: the server judges the client certificate after the client's Finished, so its
  // refusal comes either as a handshake failure or as the channel closing right after.
  async function refusal(port: number, clientIdentity: ClientIdentity): Promise<TlsFailure | undefined> {
    try {
      const { channel } = await connectClient(h, port, { clientIdentity });
      const ev = await new Promise<TlsCloseEvent>((resolve) => channel.onClose(resolve));
      return ev.error;
    } catch (err) {
      return err as TlsFailure;
    }
  }

  it('TLS 1.3 with a PKCS#1-only RSA signer sends no certificate, and the server’s refusal is reported', async () => {
    const srv = await requireClientCert();
    const log: SoftSignerLog = { calls: [] };
    const failure = await refusal(srv.port, identity('alice', ['RSA-PKCS1-SHA256'], log));
    expect(failure?.code).toBe('client-auth-failed');
    expect(failure?.alert).toMatch(/certificate is required/i);
    expect(log.calls).toEqual([]);
  });

  it('a signer that throws fails the handshake (no crash), with the error as cause', async () => {
    const srv = await requireClientCert();
    const id = { ...identity('alice', ['RSA-PSS-RSAE-SHA256']), sign: (): Uint8Array => { throw new Error('card removed'); } };
    const { failure, socket } = await connectFailure(h, srv.port, { clientIdentity: id });
    expect(failure.code).toBe('signer-failed');
    expect(failure.gnutlsError).toBe('GNUTLS_E_PK_SIGN_FAILED');
    expect((failure.cause as Error).message).toBe('card removed');
    expect(socket.destroyed).toBe(true);
  });

  it('a signer that returns a wrong signature is refused by the server', async () => {
    const srv = await requireClientCert();
    const failure = await refusal(srv.port, { ...identity('alice', ['RSA-PSS-RSAE-SHA256']), sign: () => crypto.randomBytes(256) });
    expect(failure?.code).toBe('client-auth-failed');
  });
});

describe('data path', () => {
  const certOpts = () => ({ key: h.pki.keyPem('server'), cert: h.pki.certPem('server') });
  const tlsServer = async (onSecure: (s: tls.TLSSocket) => void) => {
    const srv = await startNodeTlsServer(certOpts(), onSecure);
    stops.push(srv.stop);
    return srv;
  };

  it('1 MiB round trip through an echo server', async () => {
    const srv = await tlsServer((s) => s.pipe(s));
    const { channel } = await connectClient(h, srv.port);
    const payload = crypto.randomBytes(1024 * 1024);
    const t0 = performance.now();
    const echoed = collect(channel, (all) => all.length >= payload.length, 20_000);
    for (let i = 0; i < payload.length; i += 65536) channel.write(payload.subarray(i, i + 65536));
    const got = await echoed;
    const ms = performance.now() - t0;
    expect(got.length).toBe(payload.length);
    expect(crypto.createHash('sha256').update(got).digest('hex')).toBe(crypto.createHash('sha256').update(payload).digest('hex'));
    console.log(`[tls] 1 MiB echo round trip: ${ms.toFixed(0)} ms`);
    channel.close();
  });

  it('keeps data that arrives before the first onData listener', async () => {
    const srv = await tlsServer((s) => s.write('<stream:features/>'));
    const { channel } = await connectClient(h, srv.port);
    await new Promise((r) => setTimeout(r, 150));
    const got = await collect(channel, (all) => all.length >= 18);
    expect(got.toString()).toBe('<stream:features/>');
    channel.close();
  });

  it('STARTTLS: plaintext first on the same socket, then TLS', async () => {
    const raw = await startRawServer((sock) => {
      sock.once('data', () => {
        sock.write("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
        const secure = new tls.TLSSocket(sock, { isServer: true, ...certOpts() });
        secure.on('error', () => {});
        secure.on('data', (d: Buffer) => secure.write(`echo:${d.toString()}`));
      });
    });
    stops.push(raw.stop);
    const socket = await connectTcp(raw.port);
    const proceed = new Promise<string>((resolve) => socket.once('data', (d: Buffer) => resolve(d.toString())));
    socket.write("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    expect(await proceed).toContain('<proceed');
    const channel = await createTlsClient({
      socket, serverName: 'example.test', trustAnchorsPem: h.pki.caPem, policy: { minVersion: '1.2' }, requestOcsp: false, addon: h.addon,
    });
    const reply = collect(channel, (all) => all.toString().endsWith('</x>'));
    channel.write('<x/>');
    channel.write('<y></x>');
    expect((await reply).toString()).toMatch(/^echo:<x\/>(echo:)?<y><\/x>$/);
    channel.close();
  });

  it('close() sends close_notify and ends the socket; the server sees a clean end', async () => {
    let serverSide: tls.TLSSocket | undefined;
    const ended = new Promise<void>((resolve) => {
      void tlsServer((s) => {
        serverSide = s;
        s.on('end', () => resolve());
      }).then(async (srv) => {
        const { channel, socket } = await connectClient(h, srv.port);
        const events: TlsCloseEvent[] = [];
        channel.onClose((e) => events.push(e));
        channel.close();
        expect(channel.closed).toBe(true);
        expect(events).toEqual([{ clean: true, local: true }]);
        expect(() => channel.write('late')).toThrow(/closed/);
        await new Promise((r) => socket.once('close', r));
      });
    });
    await ended;
    expect(serverSide).toBeDefined();
  });

  it('reports the server’s close_notify as a clean close, a bare TCP close as unclean', async () => {
    const clean = await tlsServer((s) => setTimeout(() => s.end(), 50));
    const a = await connectClient(h, clean.port);
    const ev = await new Promise<TlsCloseEvent>((resolve) => a.channel.onClose(resolve));
    expect(ev).toEqual({ clean: true, local: false });

    const rude = await tlsServer((s) => setTimeout(() => (s as unknown as { _parent?: net.Socket })._parent?.destroy() ?? s.destroy(), 50));
    const b = await connectClient(h, rude.port);
    const ev2 = await new Promise<TlsCloseEvent>((resolve) => b.channel.onClose(resolve));
    expect(ev2.clean).toBe(false);
  });
});

describe('failures around the handshake', () => {
  it('server closes the socket mid-handshake: rejects with "closed", no crash', async () => {
    const raw = await startRawServer((s) => s.once('data', () => s.destroy()));
    stops.push(raw.stop);
    const { failure, socket } = await connectFailure(h, raw.port);
    expect(failure.code).toBe('closed');
    expect(socket.destroyed).toBe(true);
  });

  it('caller destroys the socket mid-handshake: rejects with "closed"', async () => {
    const raw = await startRawServer(() => {});
    stops.push(raw.stop);
    const socket = await connectTcp(raw.port);
    const p = createTlsClient({ socket, serverName: 'example.test', trustAnchorsPem: h.pki.caPem, policy: { minVersion: '1.2' }, requestOcsp: false, addon: h.addon });
    setTimeout(() => socket.destroy(), 20);
    await expect(p).rejects.toMatchObject({ name: 'TlsFailure', code: 'closed' });
  });

  it('an already destroyed socket is refused at once', async () => {
    const raw = await startRawServer(() => {});
    stops.push(raw.stop);
    const socket = await connectTcp(raw.port);
    socket.destroy();
    const p = createTlsClient({ socket, serverName: 'example.test', trustAnchorsPem: h.pki.caPem, policy: { minVersion: '1.2' }, requestOcsp: false, addon: h.addon });
    await expect(p).rejects.toMatchObject({ code: 'closed' });
  });

  it('a server that answers with non-TLS bytes is refused', async () => {
    const raw = await startRawServer((s) => s.once('data', () => s.write('HTTP/1.1 400 Bad Request\r\n\r\n')));
    stops.push(raw.stop);
    const { failure, socket } = await connectFailure(h, raw.port);
    expect(failure.name).toBe('TlsFailure');
    expect(failure.gnutlsError).toMatch(/^GNUTLS_E_/);
    expect(socket.destroyed).toBe(true);
  });

  it('a silent server hits the handshake timeout', async () => {
    const raw = await startRawServer(() => {});
    stops.push(raw.stop);
    const { failure } = await connectFailure(h, raw.port, { handshakeTimeoutMs: 200 });
    expect(failure.code).toBe('timeout');
  });

  it('bad trust anchors are a config failure and nothing is sent', async () => {
    const raw = await startRawServer(() => {});
    stops.push(raw.stop);
    const { failure, socket } = await connectFailure(h, raw.port, { trustAnchorsPem: 'not a certificate' });
    expect(failure.code).toBe('config');
    expect(socket.bytesWritten).toBe(0);
  });
});
