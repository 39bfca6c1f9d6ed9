// The smart-card requirement: a signer that takes hundreds of milliseconds (a CAC: 10-900 ms per
// signature) must not block the main event loop. The handshake runs on a native thread; the JS
// signer may answer with a Promise. Against openssl s_server -Verify (client certificate required)
// and a node:tls server with requestCert.
import fs from 'node:fs';
import type net from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type tls from 'node:tls';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignAlgorithm } from './addon';
import type { TlsChannel } from './channel';
import { createTlsClient, type ExternalSignerIdentity, type TlsFailure } from './engine';
import { connectClient, connectFailure, requireClientCert as requireClientCertOf, setUpHarness, type Harness } from './testing/harness';
import { connectTcp, startNodeTlsServer, stopAllPeers, type NodeServer } from './testing/peers';
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Threads of this process right now (Linux). */
const taskCount = () => fs.readdirSync('/proc/self/task').length;

type Sign = ExternalSignerIdentity['sign'];

function identity(name: 'alice' | 'bob', sign: (sync: (a: SignAlgorithm, d: Buffer) => Buffer) => Sign, log?: SoftSignerLog): ExternalSignerIdentity {
  const isEc = name === 'bob';
  return {
    chainDer: [h.pki.der(name)],
    keyType: isEc ? 'ec' : 'rsa',
    bits: isEc ? 256 : 2048,
    signAlgos: isEc ? ['ECDSA-SECP256R1-SHA256'] : ['RSA-PSS-RSAE-SHA256', 'RSA-PKCS1-SHA256'],
    sign: sign(softwareSigner(h.pki.keyPem(name), log)),
  };
}

/** A signer that answers after `ms` (setTimeout), like a card behind a worker thread. */
const delayed =
  (ms: number) =>
  (sync: (a: SignAlgorithm, d: Buffer) => Buffer): Sign =>
  (algo, data) =>
    new Promise<Uint8Array>((resolve, reject) =>
      setTimeout(() => {
        try {
          resolve(sync(algo, data));
        } catch (err) {
          reject(err as Error);
        }
      }, ms),
    );

describe('asynchronous signer (Promise), handshake on the native thread', () => {
  it('a 300 ms signer: the handshake succeeds and the event loop keeps turning (max stall well under 50 ms)', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    // Warm-up (first handshake of the process), not measured.
    const warm = await requireClientCert();
    (await connectClient(h, warm.port, { clientIdentity: identity('alice', delayed(1)) })).channel.close();

    const stalls: number[] = [];
    const gaps: number[] = [];
    for (let round = 0; round < 3; round++) {
      const srv = await requireClientCert();
      const log: SoftSignerLog = { calls: [] };
      const id = identity('alice', delayed(300), log); // built first: it runs the openssl CLI synchronously
      gc();
      const hist = monitorEventLoopDelay({ resolution: 1 });
      hist.enable();
      let ticks = 0;
      let maxGap = 0;
      let last = 0;
      const iv = setInterval(() => {
        const now = performance.now();
        if (last) maxGap = Math.max(maxGap, now - last);
        last = now;
        ticks++;
      }, 10);
      await sleep(25); // the histogram records from its second sample on
      let channel: TlsChannel;
      let ms: number;
      const ticksBefore = ticks;
      try {
        ({ channel, ms } = await connectClient(h, srv.port, { clientIdentity: id }));
      } finally {
        clearInterval(iv);
        hist.disable();
      }
      const maxStall = hist.max / 1e6;
      stalls.push(maxStall);
      console.log(
        `[tls] handshake with a 300 ms async signer (round ${round + 1}): ${ms.toFixed(0)} ms; setInterval(10) fired ` +
          `${ticks - ticksBefore}x during it, max gap ${maxGap.toFixed(1)} ms; event-loop delay max ${maxStall.toFixed(2)} ms, ` +
          `mean ${(hist.mean / 1e6).toFixed(2)} ms, p99 ${(hist.percentile(99) / 1e6).toFixed(2)} ms`,
      );
      expect(channel.info.clientCertSent).toBe(true);
      expect(channel.info.clientSignAlgorithm).toBe('RSA-PSS-RSAE-SHA256');
      expect(log.calls).toEqual([{ algo: 'RSA-PSS-RSAE-SHA256', dataLength: 32 }]);
      await srv.waitForOutput(/depth=0 CN = alice\s+verify return:1/);
      expect(ms).toBeGreaterThanOrEqual(295);
      expect(ticks - ticksBefore).toBeGreaterThanOrEqual(20);
      gaps.push(maxGap);
      channel.close();
    }
    console.log(`[tls] longest event-loop stall during a handshake with a 300 ms signer: ${Math.max(...stalls).toFixed(2)} ms`);
    // A signer blocking the loop would show >= 300 ms in every round. The bounds sit well below
    // that but leave room for the OS descheduling this process on a loaded 2-core CI machine
    // (Chromium, servers and other handshakes run in parallel); bench/ reports the real figures.
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Infinity;
    expect(median(stalls)).toBeLessThan(150);
    expect(median(gaps)).toBeLessThan(150);
    expect(Math.max(...stalls)).toBeLessThan(250);
  });

  it('20 handshakes in parallel (RSA and EC, TLS 1.3 and 1.2), each signer answering after 50-300 ms, all succeed', async () => {
    const n = 20;
    const servers = await Promise.all(Array.from({ length: n }, (_, i) => requireClientCert(i % 4 === 3 ? ['-tls1_2'] : [])));
    let maxLive = 0;
    const watch = setInterval(() => {
      maxLive = Math.max(maxLive, h.addon.liveHandshakeThreads());
    }, 5);
    const t0 = performance.now();
    const results = await Promise.allSettled(
      servers.map((srv, i) =>
        connectClient(h, srv.port, { clientIdentity: identity(i % 2 ? 'bob' : 'alice', delayed(50 + ((i * 37) % 251))) }),
      ),
    );
    clearInterval(watch);
    const ms = performance.now() - t0;
    const failures = results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
    expect(failures).toEqual([]);
    const channels = results.map((r) => (r as PromiseFulfilledResult<{ channel: TlsChannel }>).value.channel);
    channels.forEach((c, i) => {
      expect(c.info.clientCertSent).toBe(true);
      expect(c.info.version).toBe(i % 4 === 3 ? 'TLS1.2' : 'TLS1.3');
      expect(c.info.clientSignAlgorithm).toBe(i % 2 ? 'ECDSA-SECP256R1-SHA256' : 'RSA-PSS-RSAE-SHA256');
    });
    await Promise.all(servers.map((srv, i) => srv.waitForOutput(new RegExp(`depth=0 CN = ${i % 2 ? 'bob' : 'alice'}\\s+verify return:1`))));
    console.log(`[tls] ${n} parallel handshakes with async signers: ${ms.toFixed(0)} ms, up to ${maxLive} handshake threads at once`);
    expect(maxLive).toBeGreaterThan(1);
    for (const c of channels) c.close();
    expect(h.addon.liveHandshakeThreads()).toBe(0);
  });

  it('a synchronous signer still works (answers inside the JS callback, the thread waits)', async () => {
    const srv = await requireClientCert(['-tls1_2']);
    const { channel } = await connectClient(h, srv.port, { clientIdentity: identity('alice', (sync) => sync) });
    expect(channel.info.version).toBe('TLS1.2');
    expect(channel.info.clientSignAlgorithm).toBe('RSA-PSS-RSAE-SHA256');
    channel.close();
  });

  it('a rejecting signer fails the handshake with signer-failed, the rejection as cause', async () => {
    const srv = await requireClientCert();
    const id = identity('alice', () => () => new Promise((_, reject) => setTimeout(() => reject(new Error('PIN blocked')), 30)));
    const { failure, socket } = await connectFailure(h, srv.port, { clientIdentity: id });
    expect(failure.code).toBe('signer-failed');
    expect(failure.gnutlsError).toBe('GNUTLS_E_PK_SIGN_FAILED');
    expect((failure.cause as Error).message).toBe('PIN blocked');
    expect(socket.destroyed).toBe(true);
    expect(h.addon.liveHandshakeThreads()).toBe(0);
  });

  it('a signer rejecting with a non-Error, or resolving to something that is not bytes, is signer-failed too', async () => {
    const a = await requireClientCert();
    const r1 = await connectFailure(h, a.port, {
      clientIdentity: identity('alice', () => () => Promise.reject('card removed' as unknown as Error)),
    });
    expect(r1.failure.code).toBe('signer-failed');
    expect((r1.failure.cause as Error).message).toMatch(/card removed/);
    const b = await requireClientCert();
    const r2 = await connectFailure(h, b.port, {
      clientIdentity: identity('alice', () => () => Promise.resolve('not a signature' as unknown as Uint8Array)),
    });
    expect(r2.failure.code).toBe('signer-failed');
    expect((r2.failure.cause as Error).name).toBe('TypeError');
  });

  it('socket destroyed while the signer is pending: clean rejection, the thread ends, the late signature is ignored', async () => {
    const srv = await requireClientCert();
    let answer: (() => void) | undefined;
    const asked = new Promise<void>((signCalled) => {
      const id = identity('alice', (sync) => (algo, data) => {
        signCalled();
        return new Promise((resolve) => {
          answer = () => resolve(sync(algo, data));
        });
      });
      void connectTcp(srv.port).then((socket) => {
        pending = createTlsClient({ socket, serverName: 'example.test', trustAnchorsPem: h.pki.caPem, policy: { minVersion: '1.2' }, requestOcsp: false, addon: h.addon, clientIdentity: id });
        sock = socket;
        pending.catch(() => {});
      });
    });
    let pending: Promise<TlsChannel> | undefined;
    let sock: net.Socket | undefined;
    await asked;
    expect(h.addon.liveHandshakeThreads()).toBe(1);
    sock?.destroy();
    await expect(pending).rejects.toMatchObject({ name: 'TlsFailure', code: 'closed' });
    expect(h.addon.liveHandshakeThreads()).toBe(0);
    answer?.(); // the card answers after all: nobody is listening any more
    await sleep(20);
  });

  it('server gone while the signer is pending: closed; handshake timeout while the signer never answers: timeout', async () => {
    const srv = await requireClientCert();
    let signCalled!: () => void;
    const asked = new Promise<void>((r) => (signCalled = r));
    const never = identity('alice', () => () => {
      signCalled();
      return new Promise<Uint8Array>(() => {});
    });
    const p = connectFailure(h, srv.port, { clientIdentity: never });
    await asked;
    await srv.stop();
    const { failure } = await p;
    // A killed s_server ends with FIN or RST, depending on what it had not read yet.
    expect(['closed', 'transport-error']).toContain(failure.code);
    expect(h.addon.liveHandshakeThreads()).toBe(0);

    const srv2 = await requireClientCert();
    const t0 = performance.now();
    const r = await connectFailure(h, srv2.port, { clientIdentity: identity('alice', () => () => new Promise<Uint8Array>(() => {})), handshakeTimeoutMs: 300 });
    expect(r.failure.code).toBe('timeout');
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(h.addon.liveHandshakeThreads()).toBe(0);
  });
});

describe('no thread leaks', () => {
  let server: NodeServer;
  beforeAll(async () => {
    server = await startNodeTlsServer(
      { key: h.pki.keyPem('server'), cert: h.pki.certPem('server'), ca: h.pki.caPem, requestCert: true, rejectUnauthorized: true },
      (s: tls.TLSSocket) => s.on('data', () => {}),
    );
    stops.push(server.stop);
  });

  it('200 handshakes (succeeding, signer rejecting, socket destroyed mid-signature, synchronous): thread count unchanged', async () => {
    const run = async (i: number): Promise<string> => {
      const socket = await connectTcp(server.port);
      let id: ExternalSignerIdentity;
      switch (i % 4) {
        case 0:
          id = identity('alice', delayed(1 + (i % 7)));
          break;
        case 1:
          id = identity('alice', () => () => Promise.reject(new Error('no')));
          break;
        case 2:
          id = identity('alice', () => () => {
            setTimeout(() => socket.destroy(), 2);
            return new Promise<Uint8Array>(() => {});
          });
          break;
        default:
          id = identity('alice', (sync) => sync);
      }
      try {
        const channel = await createTlsClient({ socket, serverName: 'example.test', trustAnchorsPem: h.pki.caPem, policy: { minVersion: '1.2' }, requestOcsp: false, addon: h.addon, clientIdentity: id });
        channel.close();
        return 'ok';
      } catch (err) {
        return (err as TlsFailure).code;
      }
    };
    // Warm-up: libuv's thread pool and V8's helpers are started lazily.
    for (let i = 0; i < 8; i++) await run(i);
    await sleep(50);
    const before = taskCount();
    const outcomes: Record<string, number> = {};
    for (let batch = 0; batch < 20; batch++) {
      const codes = await Promise.all(Array.from({ length: 10 }, (_, k) => run(batch * 10 + k)));
      for (const c of codes) outcomes[c] = (outcomes[c] ?? 0) + 1;
    }
    await sleep(50);
    const after = taskCount();
    console.log(`[tls] 200 handshakes: ${JSON.stringify(outcomes)}; threads before ${before}, after ${after}`);
    expect(outcomes).toEqual({ ok: 100, 'signer-failed': 50, closed: 50 });
    expect(h.addon.liveHandshakeThreads()).toBe(0);
    expect(after).toBeLessThanOrEqual(before);
    // CPU-bound (200 full handshakes): ≈ 11 s alone on 2 cores, ~3× that while the rest of the
    // suite runs beside it. A leak check, not a speed test: the budget is generous on purpose.
  }, 120_000);
});
