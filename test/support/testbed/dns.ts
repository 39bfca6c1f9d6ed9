// Scriptable authoritative DNS for tests (npm dns2), UDP and TCP on one loopback port.
// The zone is held in memory and can be replaced at any time; with `zoneFile` it is re-read on
// every query instead (the run-wide instance: tests in other worker processes change answers by
// rewriting the file). Every query is recorded, in memory and optionally as JSON lines in a file,
// so tests can assert what the client under test looked up and when.
import { appendFileSync, readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import dns2, { type DnsHandler, type Packet as DnsPacket, type Resource } from 'dns2';
import { type Zone, normalizeName, readZoneFileSync } from './zone.js';

const { Packet } = dns2;

const RCODE_SERVFAIL = 2;
const RCODE_NXDOMAIN = 3;
const TYPE_NAMES = new Map<number, string>(Object.entries(Packet.TYPE).map(([k, v]) => [v, k]));

export interface DnsQuery {
  /** ms since epoch */
  t: number;
  name: string;
  type: string;
}

export interface DnsServerOptions {
  /** Loopback only. */
  host?: string;
  /** 0 (default) = a free port */
  port?: number;
  zone?: Zone;
  /** Re-read on every query; overrides `zone`. */
  zoneFile?: string;
  /** Append every query as a JSON line. */
  queryLog?: string;
  ttl?: number;
}

export interface TestDnsServer {
  readonly host: string;
  readonly port: number;
  /** 'host:port', for dns.Resolver#setServers */
  readonly address: string;
  zone: Zone;
  readonly queries: DnsQuery[];
  close(): Promise<void>;
}

function answersFor(q: DnsPacket['questions'][number], type: string, zone: Zone, ttl: number): Resource[] | null {
  const rrs = zone[normalizeName(q.name)];
  if (!rrs) return null;
  const base = { name: q.name, type: q.type, class: Packet.CLASS.IN, ttl };
  const make = (r: Partial<Resource>): Resource => Packet.createResourceFromQuestion(q, { ...base, ...r });
  switch (type) {
    case 'A':
      return (rrs.A ?? []).map((address) => make({ address }));
    case 'AAAA':
      return (rrs.AAAA ?? []).map((address) => make({ address }));
    case 'SRV':
      return (rrs.SRV ?? []).map((srv) => make({ ...srv }));
    case 'TXT':
      return (rrs.TXT ?? []).map((data) => make({ data }));
    case 'CNAME':
      return (rrs.CNAME ?? []).map((domain) => make({ domain }));
    default:
      return [];
  }
}

function listenUdp(server: ReturnType<typeof dns2.createUDPServer>, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.bind(port, host, () => {
      server.removeListener('error', reject);
      resolve(server.address().port);
    });
  });
}

function listenTcp(server: ReturnType<typeof dns2.createTCPServer>, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, exclusive: true }, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
}

export async function startDns(opts: DnsServerOptions = {}): Promise<TestDnsServer> {
  const host = opts.host ?? '127.0.0.1';
  if (!host.startsWith('127.')) throw new Error(`dns: refusing to listen on non-loopback ${host}`);
  const ttl = opts.ttl ?? 0;
  const queries: DnsQuery[] = [];
  let zone: Zone = opts.zone ?? {};

  const handle: DnsHandler = (request, send) => {
    const res = Packet.createResponseFromRequest(request);
    res.header.aa = 1;
    const q = request.questions[0];
    if (!q) {
      res.header.rcode = RCODE_SERVFAIL;
      void send(res);
      return;
    }
    const type = TYPE_NAMES.get(q.type) ?? String(q.type);
    const entry: DnsQuery = { t: Date.now(), name: normalizeName(q.name), type };
    queries.push(entry);
    if (opts.queryLog) appendFileSync(opts.queryLog, `${JSON.stringify(entry)}\n`);
    let current = zone;
    if (opts.zoneFile) {
      try {
        current = readZoneFileSync(opts.zoneFile);
      } catch (err) {
        console.error(`test DNS: cannot read ${opts.zoneFile}: ${String(err)}`);
        res.header.rcode = RCODE_SERVFAIL;
        void send(res);
        return;
      }
    }
    const answers = answersFor(q, type, current, ttl);
    if (answers === null) res.header.rcode = RCODE_NXDOMAIN;
    else res.answers.push(...answers); // empty = NODATA
    void send(res);
  };

  // UDP first on the requested (or any free) port, then TCP on the same number; if that TCP port
  // happens to be taken, start over with another one.
  for (let attempt = 0; ; attempt++) {
    const udp = dns2.createUDPServer({ type: 'udp4' });
    const tcp = dns2.createTCPServer();
    udp.on('request', handle);
    tcp.on('request', handle);
    // dns2 keeps idle TCP connections for 10 s; close() must not wait for them.
    const conns = new Set<Socket>();
    tcp.on('connection', (c: Socket) => {
      conns.add(c);
      c.on('close', () => conns.delete(c));
    });
    const port = await listenUdp(udp, opts.port ?? 0, host);
    try {
      await listenTcp(tcp, port, host);
    } catch (err) {
      udp.close();
      if (opts.port || attempt >= 10) throw err;
      continue;
    }
    return {
      host,
      port,
      address: `${host}:${port}`,
      get zone() {
        return zone;
      },
      set zone(z: Zone) {
        // With a zone file the file is the truth; a silently ignored assignment would let a
        // test pass for the wrong reason.
        if (opts.zoneFile) throw new Error(`dns: this server reads its zone from ${opts.zoneFile}; write that file`);
        zone = z;
      },
      queries,
      close: async () => {
        for (const c of conns) c.destroy();
        await Promise.all([
          new Promise<void>((resolve) => udp.close(() => resolve())),
          new Promise<void>((resolve) => tcp.close(() => resolve())),
        ]);
      },
    };
  }
}

/** The run-wide query log (JSON lines) as written by a server started with `queryLog`. */
export function readQueryLog(file: string): DnsQuery[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as DnsQuery);
}
