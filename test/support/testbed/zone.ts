// The test DNS zone: plain JSON so that the run-wide server can re-read it from a file on every
// query and a test in any worker process can change an answer by rewriting that file.
import { readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { randomToken } from './secret.js';

export interface SrvRecord {
  priority: number;
  weight: number;
  port: number;
  target: string;
}

export interface ZoneRecords {
  A?: string[];
  AAAA?: string[];
  SRV?: SrvRecord[];
  TXT?: string[];
  CNAME?: string[];
}

/** Owner name (lower case, no trailing dot) → records. Unknown name = NXDOMAIN. */
export type Zone = Record<string, ZoneRecords>;

export interface ZoneServer {
  domain: string;
  address: string;
  port: number;
}

/**
 * For every server: _xmpp-client._tcp.<d> SRV 0 5 <port> xmpp.<d>, and A records for xmpp.<d>,
 * <d> and conference.<d>, all pointing at the server's own loopback address.
 */
export function defaultZone(servers: readonly ZoneServer[]): Zone {
  const zone: Zone = {};
  for (const s of servers) {
    const target = `xmpp.${s.domain}`;
    zone[`_xmpp-client._tcp.${s.domain}`] = { SRV: [{ priority: 0, weight: 5, port: s.port, target }] };
    zone[target] = { A: [s.address] };
    zone[s.domain] = { A: [s.address] };
    zone[`conference.${s.domain}`] = { A: [s.address] };
  }
  return zone;
}

export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** Write atomically (temp file + rename): a query never sees half a zone. */
export async function writeZoneFile(file: string, zone: Zone): Promise<void> {
  const tmp = `${file}.${randomToken(4)}.tmp`;
  await writeFile(tmp, `${JSON.stringify(zone, null, 2)}\n`);
  await rename(tmp, file);
}

export function readZoneFileSync(file: string): Zone {
  return JSON.parse(readFileSync(file, 'utf8')) as Zone;
}
