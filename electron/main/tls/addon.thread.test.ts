// The addon's handshake thread at the raw level (no engine): who may call what while it runs,
// and that it always ends and is joined: destroy() from inside a callback, the JS object
// collected by the GC while the thread waits (for bytes, for a signer), late answers, a Worker
// terminated and Node exiting with a handshake in flight.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGnuTls, type GnuTlsAddon, type NativeSession, type NativeSessionOptions, type NativeTlsError } from './addon';
import { priorityString } from './priority';
import { ensureAddonBuilt } from './testing/build-addon';
import { repoRoot } from './testing/harness';
import { connectTcp, startNodeTlsServer, type NodeServer } from './testing/peers';
import { makeTestPki, type TestPki } from './testing/pki';
import { softwareSigner } from './testing/soft-signer';

let addon: GnuTlsAddon;
let pki: TestPki;
let server: NodeServer;
let addonPath: string;
const PRIORITY = priorityString({ minVersion: '1.2' });

beforeAll(async () => {
  addonPath = ensureAddonBuilt(repoRoot);
  addon = loadGnuTls({ addonPath });
  pki = makeTestPki();
  server = await startNodeTlsServer(
    { key: pki.keyPem('server'), cert: pki.certPem('server'), ca: pki.caPem, requestCert: true, rejectUnauthorized: true },
    (s) => s.on('data', () => {}),
  );
  // Also track connections whose handshake never finished (stop() only knows secure sockets).
  server.server.on('connection', (c: net.Socket) => rawConnections.push(c));
});
const rawConnections: net.Socket[] = [];
afterAll(async () => {
  for (const c of rawConnections) c.destroy();
  await server.stop();
  pki.cleanup();
});

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
function ignore(): void {}

async function collectUntil(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 50 && !cond(); i++) {
    gc();
    await sleep(20);
  }
}

const base = (): NativeSessionOptions => ({
  trustPem: pki.caPem,
  priority: PRIORITY,
  requestOcsp: false,
  minRsaBits: 2048,
  minEcBits: 256,
  serverName: 'example.test',
  onWrite: () => {},
});

/** A raw session pumped over a TCP socket to the node:tls server (which requires a client certificate). */
async function pumped(opts: Partial<NativeSessionOptions>): Promise<{ session: NativeSession; socket: net.Socket; done: Promise<NativeTlsError | null> }> {
  const socket = await connectTcp(server.port);
  const session = addon.createSession({ ...base(), onWrite: (b) => socket.write(b), ...opts });
  socket.on('data', (d: Buffer) => session.feed(d));
  // Module-level no-op: an arrow function here would share this scope's closure context, which
  // holds `session`, and keep it alive through the socket.
  socket.on('error', ignore);
  const done = new Promise<NativeTlsError | null>((resolve) => session.startHandshake(resolve));
  return { session, socket, done };
}

const aliceCert = () => ({ chainDer: [pki.der('alice')], keyType: 'rsa' as const, bits: 2048, signAlgos: ['RSA-PSS-RSAE-SHA256' as const] });

describe('threaded handshake, raw addon', () => {
  it('while the thread runs: info() is refused, startHandshake() and handshake() too; feed/destroy are fine', async () => {
    const s = addon.createSession(base());
    s.startHandshake(() => {});
    expect(addon.liveHandshakeThreads()).toBe(1);
    expect(() => s.info()).toThrow(expect.objectContaining({ code: 'ERR_BASTION_TLS_BUSY' }));
    expect(() => s.startHandshake(() => {})).toThrow(expect.objectContaining({ code: 'ERR_BASTION_TLS_STATE' }));
    expect(() => s.handshake()).toThrow(expect.objectContaining({ code: 'ERR_BASTION_TLS_STATE' }));
    expect(() => s.write(Buffer.from('x'))).toThrow(/open session/);
    expect(s.read()).toBeNull();
    s.feed(Buffer.from([0x16, 0x03, 0x03])); // a partial record: the thread keeps waiting
    expect(s.deliverSignature(1, Buffer.alloc(64))).toBe(false); // no such request
    s.destroy();
    expect(addon.liveHandshakeThreads()).toBe(0);
    expect(() => s.info()).toThrow(/destroyed/);
    expect(s.deliverSignature(1, Buffer.alloc(64))).toBe(false); // never throws after destroy
  });

  it('sign may answer with deliverSignature(id, sig) later; a second answer for the same id is ignored', async () => {
    const sync = softwareSigner(pki.keyPem('alice'));
    let ids: number[] = [];
    const { session, socket, done } = await pumped({
      clientCert: aliceCert(),
      sign(this: NativeSession, algo, data, id) {
        ids.push(id);
        setTimeout(() => {
          expect(this.deliverSignature(id, sync(algo, data))).toBe(true);
          expect(this.deliverSignature(id, sync(algo, data))).toBe(false);
        }, 20);
        return undefined;
      },
    });
    expect(await done).toBeNull();
    expect(ids).toHaveLength(1);
    const info = session.info();
    expect(info.state).toBe('open');
    expect(info.clientCertSent).toBe(true);
    session.destroy();
    socket.destroy();
    ids = [];
  });

  it('destroy() from inside the sign callback ends the thread; onDone is not called', async () => {
    let doneCalled = false;
    const { socket } = await pumped({
      clientCert: aliceCert(),
      sign(this: NativeSession) {
        this.destroy();
        return undefined;
      },
    }).then((p) => {
      void p.done.then(() => (doneCalled = true));
      return p;
    });
    for (let i = 0; i < 100 && addon.liveHandshakeThreads() > 0; i++) await sleep(10);
    expect(addon.liveHandshakeThreads()).toBe(0);
    await sleep(30);
    expect(doneCalled).toBe(false);
    socket.destroy();
  });

  it('a session collected by the GC while its thread waits for bytes is stopped and freed', async () => {
    const before = addon.liveHandshakeThreads();
    let collected = 0;
    const registry = new FinalizationRegistry<number>(() => collected++);
    (() => {
      for (let i = 0; i < 20; i++) {
        const holder: { s?: NativeSession } = {};
        holder.s = addon.createSession({ ...base(), onWrite: () => void holder.s });
        holder.s.startHandshake(() => void holder.s);
        registry.register(holder.s, i);
      }
    })();
    expect(addon.liveHandshakeThreads()).toBe(before + 20);
    await collectUntil(() => addon.liveHandshakeThreads() === before);
    expect(addon.liveHandshakeThreads()).toBe(before);
    await collectUntil(() => collected === 20);
    expect(collected).toBe(20);
  });

  it('a session collected by the GC while its thread waits for a signer that never answers is stopped and freed', async () => {
    let signCalled!: () => void;
    const asked = new Promise<void>((r) => (signCalled = r));
    const sockets: net.Socket[] = [];
    await (async () => {
      const { socket } = await pumped({ clientCert: aliceCert(), sign: () => (signCalled(), undefined) });
      sockets.push(socket);
    })();
    await asked;
    expect(addon.liveHandshakeThreads()).toBe(1);
    // Drop every path to the session: the socket's listeners close over it.
    for (const s of sockets) s.removeAllListeners('data');
    await collectUntil(() => addon.liveHandshakeThreads() === 0);
    expect(addon.liveHandshakeThreads()).toBe(0);
    for (const s of sockets) s.destroy();
  });
});

// ------------------------------------------------------------------ Node exiting / Worker teardown

const CHILD = `
const net = require('node:net');
const tls = require('node:tls');
const fs = require('node:fs');
const { Worker, isMainThread, parentPort, workerData } = require('node:worker_threads');
const cfg = isMainThread ? JSON.parse(process.argv[2]) : workerData;
function run(onAsked) {
  const mod = { exports: {} };
  process.dlopen(mod, cfg.addon);
  const addon = mod.exports;
  const server = tls.createServer({ key: fs.readFileSync(cfg.serverKey), cert: fs.readFileSync(cfg.serverCert), ca: fs.readFileSync(cfg.ca), requestCert: true, rejectUnauthorized: true }, (s) => s.on('error', () => {}));
  server.on('tlsClientError', () => {});
  const conns = [];
  server.on('connection', (c) => conns.push(c));
  server.listen(0, '127.0.0.1', () => {
    const sock = net.connect(server.address().port, '127.0.0.1');
    sock.on('error', () => {});
    const session = addon.createSession({
      trustPem: fs.readFileSync(cfg.ca, 'utf8'), priority: cfg.priority, requestOcsp: false, minRsaBits: 2048, minEcBits: 256,
      serverName: 'example.test', onWrite: (b) => sock.write(b),
      clientCert: { chainDer: [fs.readFileSync(cfg.clientDer)], keyType: 'rsa', bits: 2048, signAlgos: ['RSA-PSS-RSAE-SHA256'] },
      sign: () => { onAsked({ server, sock, addon, conns }); return new Promise(() => {}); },  // never answers
    });
    sock.on('data', (d) => session.feed(d));
    session.startHandshake(() => { console.log('unexpected onDone'); });
    globalThis.keep = session;
  });
}
if (cfg.mode === 'exit') {
  run(() => setTimeout(() => process.exit(0), 20));
} else if (cfg.mode === 'drain') {
  // Let the loop run dry with the handshake thread still waiting for the signer: Node tears the
  // environment down (cleanup hooks) and exits by itself.
  run(({ server, sock, addon, conns }) => {
    server.close();
    for (const c of conns) c.unref();
    sock.unref();
    console.log('live', addon.liveHandshakeThreads());
  });
} else if (cfg.mode === 'worker' && isMainThread) {
  const w = new Worker(__filename, { workerData: cfg, argv: [] });
  w.on('message', () => setTimeout(() => w.terminate().then(() => { console.log('worker terminated'); }), 20));
  w.on('error', (e) => { console.log('worker error', e); process.exitCode = 3; });
} else if (cfg.mode === 'worker') {
  run(() => parentPort.postMessage('asked'));
}
`;

describe('Node exiting with a handshake in flight (thread waiting for a signer)', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bastion-tls-exit-'));
    fs.writeFileSync(path.join(dir, 'child.cjs'), CHILD);
    fs.writeFileSync(path.join(dir, 'alice.der'), pki.der('alice'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.each(['exit', 'drain', 'worker'])('mode %s: exits with status 0, no crash', (mode) => {
    const cfg = {
      mode, addon: addonPath, priority: PRIORITY, ca: pki.file('ca.crt'), serverKey: pki.file('server.key'), serverCert: pki.file('server.crt'),
      clientDer: path.join(dir, 'alice.der'),
    };
    const r = spawnSync(process.execPath, [path.join(dir, 'child.cjs'), JSON.stringify(cfg)], { encoding: 'utf8', timeout: 20_000 });
    expect({ status: r.status, signal: r.signal, stderr: r.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
    expect(r.stdout).not.toMatch(/unexpected onDone/);
    if (mode === 'drain') expect(r.stdout).toMatch(/live 1/);
    if (mode === 'worker') expect(r.stdout).toMatch(/worker terminated/);
  });
});

