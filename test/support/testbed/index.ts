// The whole test bed in one call: fresh run directory, PKI, SoftHSM2 token, DNS, Prosody and
// ejabberd (in parallel), accounts. Used once per run by test/support/global-setup.ts, and by
// tests that need a private, smaller bed (e.g. to check teardown).
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Account, registerAccounts } from './accounts.js';
import { type TestDnsServer, startDns } from './dns.js';
import { ejabberdLogFiles, startEjabberd } from './ejabberd.js';
import type { ServerInfo, TestbedInfo } from './info.js';
import { copyLogs } from './logs.js';
import { createPki } from './pki.js';
import { prosodyLogFiles, startProsody } from './prosody.js';
import { testAddress } from './net.js';
import { makeRunDir } from './run-dir.js';
import type { ServerKind, ServerOptions, XmppServer } from './server.js';
import { createToken } from './token.js';
import { defaultZone, writeZoneFile } from './zone.js';

export type { TestbedInfo } from './info.js';
// One import for tests that build their own instances (restarts, extra servers, …).
export { type Account, DEFAULT_USERS, registerAccounts } from './accounts.js';
export { type DnsQuery, type TestDnsServer, readQueryLog, startDns } from './dns.js';
export { startEjabberd } from './ejabberd.js';
export { type PeerAccount, type PeerServer, listen, sendMessage } from './peers.js';
export { type ClientCertPaths, type PkiPaths, type ServerCertPaths, createPki, issueClientCert, issueServerCert } from './pki.js';
export { isAlive, processTree, startProcess } from './process.js';
export { startProsody } from './prosody.js';
export { makeRunDir } from './run-dir.js';
export type { ServerKind, ServerOptions, XmppServer } from './server.js';
export { type TokenInfo, createToken, tokenEnv } from './token.js';
export { LoginError, xmppLogin } from './xmpp-login.js';
export { type Zone, defaultZone, readZoneFileSync, writeZoneFile } from './zone.js';

export interface ServerSpec {
  domain: string;
  /** loopback address, one per server (port 5222 is fixed by UCR) */
  address: string;
  port?: number;
}

export interface StartTestbedOptions<K extends ServerKind> {
  /** Which servers to run (default: prosody.test on testAddress(1), ejabberd.test on testAddress(2)). */
  servers?: Record<K, ServerSpec>;
  /** Accounts registered on every server (default alice, bob, carol). */
  users?: readonly string[];
  /** Keep the run directory after stop (default: BASTION_KEEP_TESTBED=1). */
  keep?: boolean;
  /** Where stop() copies server logs (default <repo>/reports/testbed-logs); null = nowhere. */
  logsDir?: string | null;
}

/** Start-up phases in ms (phases run partly in parallel), for the CI log. */
export type TestbedTimings = Record<string, number>;

export interface Testbed<K extends ServerKind = ServerKind> {
  info: TestbedInfo<K>;
  timings: TestbedTimings;
  servers: Record<K, XmppServer>;
  dns: TestDnsServer;
  stop(): Promise<void>;
}

/** Read when a test bed starts, after the global setup has chosen this run's loopback block. */
export function defaultServers(): Record<ServerKind, ServerSpec> {
  return {
    prosody: { domain: 'prosody.test', address: testAddress(1) },
    ejabberd: { domain: 'ejabberd.test', address: testAddress(2) },
  };
}

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const STARTERS: Record<ServerKind, (o: ServerOptions) => Promise<XmppServer>> = {
  prosody: startProsody,
  ejabberd: startEjabberd,
};
const LOG_FILES: Record<ServerKind, (dir: string) => string[]> = {
  prosody: prosodyLogFiles,
  ejabberd: ejabberdLogFiles,
};

function serverInfo(s: XmppServer): ServerInfo {
  return { kind: s.kind, domain: s.domain, muc: s.muc, host: s.host, port: s.port, pid: s.pid, dir: s.dir };
}

function settledValue<T>(r: PromiseSettledResult<T>): T {
  if (r.status === 'rejected') throw r.reason;
  return r.value;
}

function typedEntries<K extends string, V>(rec: Record<K, V>): Array<[K, V]> {
  return Object.entries(rec) as Array<[K, V]>;
}

export async function startTestbed(): Promise<Testbed>;
export async function startTestbed<K extends ServerKind>(opts: StartTestbedOptions<K>): Promise<Testbed<K>>;
export async function startTestbed<K extends ServerKind>(opts: StartTestbedOptions<K> = {}): Promise<Testbed<K>> {
  const specs = (opts.servers ?? defaultServers()) as Record<K, ServerSpec>;
  const keep = opts.keep ?? process.env.BASTION_KEEP_TESTBED === '1';
  const logsDir = opts.logsDir === undefined ? path.join(REPO_ROOT, 'reports', 'testbed-logs') : opts.logsDir;

  const t0 = Date.now();
  const timings: TestbedTimings = {};
  const timed = async <T>(phase: string, work: Promise<T>): Promise<T> => {
    const t = Date.now();
    const result = await work;
    timings[phase] = Date.now() - t;
    return result;
  };
  const runDir = await makeRunDir('bastion-testbed-', keep);
  const dir = runDir.path;

  const started: XmppServer[] = [];
  let dns: TestDnsServer | null = null;

  const teardown = async (): Promise<void> => {
    const errors: unknown[] = [];
    const results = await Promise.allSettled(started.map((s) => s.stop()));
    for (const r of results) if (r.status === 'rejected') errors.push(r.reason);
    try {
      await dns?.close();
    } catch (err) {
      errors.push(err);
    }
    if (logsDir) {
      // Every server that was attempted, including one that failed to become ready: its log is
      // the one that matters. The directory is emptied first so no stale log can mislead.
      await rm(logsDir, { recursive: true, force: true });
      for (const kind of Object.keys(specs) as K[]) {
        await copyLogs(LOG_FILES[kind](path.join(dir, kind)), path.join(logsDir, kind));
      }
      await copyLogs([path.join(dir, 'dns', 'zone.json'), path.join(dir, 'dns', 'queries.jsonl')], path.join(logsDir, 'dns'));
    }
    await runDir.remove();
    if (errors.length > 0) throw new AggregateError(errors, 'test bed: stop failed');
  };

  try {
    const pki = await timed('pki', createPki(path.join(dir, 'pki'), { serverDomains: Object.values<ServerSpec>(specs).map((s) => s.domain) }));
    const zoneFile = path.join(dir, 'dns', 'zone.json');
    const queryLog = path.join(dir, 'dns', 'queries.jsonl');
    await mkdir(path.dirname(zoneFile), { recursive: true });
    await writeZoneFile(
      zoneFile,
      defaultZone(Object.values<ServerSpec>(specs).map((s) => ({ domain: s.domain, address: s.address, port: s.port ?? 5222 }))),
    );

    const startServer = async ([kind, spec]: [K, ServerSpec]): Promise<[K, XmppServer]> => {
      const cert = pki.servers[spec.domain];
      if (!cert) throw new Error(`test bed: no certificate for ${spec.domain}`);
      const server = await timed(kind, STARTERS[kind]({
        dir: path.join(dir, kind),
        domain: spec.domain,
        address: spec.address,
        ...(spec.port !== undefined ? { port: spec.port } : {}),
        caCert: pki.caCert,
        cert,
      }));
      started.push(server);
      return [kind, server];
    };

    // Servers dominate start-up (ejabberd ≈ 2 s); token and DNS are made meanwhile. allSettled
    // everywhere: on a failure, teardown must only run once nothing is still starting.
    const dnsStart = startDns({ zoneFile, queryLog }).then((d) => (dns = d));
    const [hsmR, dnsR, ...serverRs] = await Promise.allSettled([
      timed('token', createToken(path.join(dir, 'hsm'), pki)),
      timed('dns', dnsStart),
      ...typedEntries(specs).map(startServer),
    ] as const);
    const hsm = settledValue(hsmR);
    const dnsServer = settledValue(dnsR);
    const servers = Object.fromEntries(serverRs.map(settledValue)) as Record<K, XmppServer>;

    const accountList = await Promise.all(
      typedEntries(servers).map(async ([kind, s]): Promise<[K, Account[]]> => [
        kind,
        await timed(`accounts-${kind}`, registerAccounts(s, opts.users)),
      ]),
    );
    timings.total = Date.now() - t0;

    const info: TestbedInfo<K> = {
      dir,
      pki: { dir: pki.dir, caCert: pki.caCert, caKey: pki.caKey, servers: pki.servers, clients: pki.clients },
      hsm,
      dns: { host: dnsServer.host, port: dnsServer.port, zoneFile, queryLog },
      servers: Object.fromEntries(typedEntries(servers).map(([k, s]) => [k, serverInfo(s)])) as Record<K, ServerInfo>,
      accounts: Object.fromEntries(accountList) as Record<K, Account[]>,
      peersDir: path.join(dir, 'peers'),
    };
    let stopping: Promise<void> | null = null;
    return { info, timings, servers, dns: dnsServer, stop: () => (stopping ??= teardown()) };
  } catch (err) {
    await teardown().catch(() => undefined);
    throw err;
  }
}
