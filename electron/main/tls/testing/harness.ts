// Test-only: shared setup for the engine's integration tests (addon, PKI, client connect).
import path from 'node:path';
import type net from 'node:net';
import { loadGnuTls, type GnuTlsAddon } from '../addon';
import type { TlsChannel } from '../channel';
import { createTlsClient, TlsFailure, type TlsClientOptions } from '../engine';
import { ensureAddonBuilt } from './build-addon';
import { connectTcp, startOpensslServer, type OpensslServer } from './peers';
import { makeTestPki, type TestPki } from './pki';

export const repoRoot = path.resolve(import.meta.dirname, '../../../..');

export interface Harness {
  addon: GnuTlsAddon;
  pki: TestPki;
}

export function setUpHarness(): Harness {
  const addon = loadGnuTls({ addonPath: ensureAddonBuilt(repoRoot) });
  return { addon, pki: makeTestPki() };
}

/** A one-shot `openssl s_server` that demands and verifies a client certificate from the test CA. */
export function requireClientCert(h: Harness, extra: string[] = []): Promise<OpensslServer> {
  const f = (name: string) => h.pki.file(name);
  return startOpensslServer(['-naccept', '1', '-cert', f('server.crt'), '-key', f('server.key'), '-Verify', '1', '-CAfile', f('ca.crt'), ...extra], h.pki.dir);
}

export type ClientOverrides = Partial<Omit<TlsClientOptions, 'socket'>>;

export async function connectClient(
  h: Harness,
  port: number,
  overrides: ClientOverrides = {},
): Promise<{ channel: TlsChannel; socket: net.Socket; ms: number }> {
  const socket = await connectTcp(port);
  const t0 = performance.now();
  const channel = await createTlsClient({
    socket,
    serverName: 'example.test',
    trustAnchorsPem: h.pki.caPem,
    policy: { minVersion: '1.2' },
    requestOcsp: false,
    addon: h.addon,
    ...overrides,
  });
  return { channel, socket, ms: performance.now() - t0 };
}

/** The TlsFailure a connect attempt rejects with (fails the test if it resolves). */
export async function connectFailure(h: Harness, port: number, overrides: ClientOverrides = {}): Promise<{ failure: TlsFailure; socket: net.Socket }> {
  const socket = await connectTcp(port);
  try {
    const channel = await createTlsClient({
      socket,
      serverName: 'example.test',
      trustAnchorsPem: h.pki.caPem,
      policy: { minVersion: '1.2' },
      requestOcsp: false,
      addon: h.addon,
      ...overrides,
    });
    channel.close();
  } catch (err) {
    if (err instanceof TlsFailure) return { failure: err, socket };
    throw err;
  }
  throw new Error('expected the TLS handshake to fail, but it succeeded');
}

/** Collects plaintext from a channel until `done(text)` says so. */
export function collect(channel: TlsChannel, done: (all: Buffer) => boolean, ms = 10_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${size} bytes: ${Buffer.concat(parts).subarray(0, 200).toString('latin1')}`));
    }, ms);
    const off = channel.onData((chunk) => {
      parts.push(chunk);
      size += chunk.length;
      const all = Buffer.concat(parts);
      if (done(all)) {
        clearTimeout(timer);
        off();
        resolve(all);
      }
    });
  });
}
