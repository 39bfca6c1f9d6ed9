// What tests get to know about the running test bed. Plain JSON (vitest passes it from the
// global setup to the worker processes with provide/inject), so paths and numbers only: no
// handles, no functions.
import type { Account } from './accounts.js';
import type { ClientCertPaths, ServerCertPaths } from './pki.js';
import type { ServerKind } from './server.js';
import type { TokenInfo } from './token.js';

export type { Account, ClientCertPaths, ServerCertPaths, ServerKind, TokenInfo };

export interface ServerInfo {
  kind: ServerKind;
  domain: string;
  /** MUC service, conference.<domain> */
  muc: string;
  /** loopback address the server listens on */
  host: string;
  port: number;
  pid: number;
  /** instance directory (config, data, logs) */
  dir: string;
}

export interface DnsInfo {
  host: string;
  port: number;
  /** JSON zone re-read on every query: rewrite it (zone.ts writeZoneFile) to change answers */
  zoneFile: string;
  /** one JSON object {t, name, type} per query (dns.ts readQueryLog) */
  queryLog: string;
}

export interface PkiInfo {
  dir: string;
  caCert: string;
  caKey: string;
  servers: Record<string, ServerCertPaths>;
  clients: Record<string, ClientCertPaths>;
}

export interface TestbedInfo<K extends ServerKind = ServerKind> {
  /** run directory, removed on stop unless BASTION_KEEP_TESTBED=1 */
  dir: string;
  pki: PkiInfo;
  hsm: TokenInfo;
  dns: DnsInfo;
  servers: Record<K, ServerInfo>;
  /** alice, bob, carol per server, random passwords */
  accounts: Record<K, Account[]>;
  /** scratch directory for third-party peers (peers.ts) */
  peersDir: string;
}
