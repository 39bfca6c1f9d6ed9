/**
 * Home-server resolution, fresh on every session initiation [UCR-S4]: SRV
 * `_xmpp-client._tcp.<domain>` (RFC 6120 §3.2.1), then A/AAAA of each target, falling back to
 * A/AAAA of the domain itself (RFC 6120 §3.2.2). Queries go straight to DNS through c-ares
 * (`dns.Resolver`), never `dns.lookup`/getaddrinfo (the OS resolver and its caches), never a
 * configured IP, never an application cache, never `.well-known` over HTTP.
 */
import { Resolver } from 'node:dns/promises';
import type { SrvRecord } from 'node:dns';

/** UCR 2008 §5.7.5.3.4: the client-to-server destination port is always 5222 [UCR-S2]. */
export const UCR_C2S_PORT = 5222;

/** The three look-ups we make; injectable so tests can script answers and failures. */
export interface DnsPort {
  resolveSrv(name: string): Promise<SrvRecord[]>;
  resolve4(name: string): Promise<string[]>;
  resolve6(name: string): Promise<string[]>;
}

export interface DnsQueryLog {
  readonly name: string;
  readonly type: 'SRV' | 'A' | 'AAAA';
  /** When the query was sent (ISO 8601). */
  readonly at: string;
  readonly durationMs: number;
  readonly answers: readonly string[];
  /** c-ares error code (ENOTFOUND, ENODATA, ETIMEOUT, …) when the query failed. */
  readonly error?: string;
}

export interface Candidate {
  readonly host: string;
  readonly address: string;
  readonly family: 4 | 6;
  readonly port: number;
  readonly via: 'srv' | 'domain';
}

export interface SkippedTarget {
  readonly target: string;
  readonly port: number;
  readonly reason: string;
}

export interface Resolution {
  readonly domain: string;
  readonly candidates: readonly Candidate[];
  readonly queries: readonly DnsQueryLog[];
  readonly skipped: readonly SkippedTarget[];
}

export interface ResolveOptions {
  /** A new DnsPort for this resolution; the default builds a fresh c-ares resolver. */
  readonly dns?: DnsPort;
  /** DNS servers from policy ("127.0.0.1:5353"); empty = the system's configured servers. */
  readonly servers?: readonly string[];
  /** UCR mode (default): only port 5222 is dialled; SRV records naming another port are skipped. */
  readonly ucrMode?: boolean;
  readonly now?: () => Date;
  readonly random?: () => number;
}

/** A fresh c-ares resolver per session initiation: nothing carries over from an earlier one. */
export function createDnsPort(servers: readonly string[] = []): DnsPort {
  const r = new Resolver({ timeout: 3000, tries: 2 });
  if (servers.length > 0) r.setServers([...servers]);
  return r;
}

/** RFC 2782 ordering: ascending priority; within one priority, weighted random selection. */
export function orderSrv(records: readonly SrvRecord[], random: () => number = Math.random): SrvRecord[] {
  const byPriority = new Map<number, SrvRecord[]>();
  for (const r of records) byPriority.set(r.priority, [...(byPriority.get(r.priority) ?? []), r]);
  const out: SrvRecord[] = [];
  for (const prio of [...byPriority.keys()].sort((a, b) => a - b)) {
    // Zero-weight records first, as RFC 2782 suggests, so they get a small chance when others exist.
    const pool = [...(byPriority.get(prio) ?? [])].sort((a, b) => a.weight - b.weight);
    while (pool.length > 0) {
      // RFC 2782: pick a number in [0, total], take the first record whose running sum reaches it.
      const pick = random() * pool.reduce((s, r) => s + r.weight, 0);
      let running = 0;
      const idx = Math.max(0, pool.findIndex((r) => (running += r.weight) >= pick));
      out.push(...pool.splice(idx, 1));
    }
  }
  return out;
}

export class ResolutionFailure extends Error {
  constructor(
    message: string,
    readonly resolution: Resolution,
  ) {
    super(message);
    this.name = 'ResolutionFailure';
  }
}

const normalise = (d: string): string => d.trim().replace(/\.$/, '').toLowerCase();

export async function resolveHomeServer(domainIn: string, opts: ResolveOptions = {}): Promise<Resolution> {
  const domain = normalise(domainIn);
  const dns = opts.dns ?? createDnsPort(opts.servers);
  const now = opts.now ?? (() => new Date());
  const ucr = opts.ucrMode ?? true;
  const queries: DnsQueryLog[] = [];
  const skipped: SkippedTarget[] = [];

  async function query<T>(name: string, type: DnsQueryLog['type'], run: () => Promise<T[]>, show: (v: T) => string): Promise<T[]> {
    const at = now();
    const t0 = performance.now();
    try {
      const answers = await run();
      queries.push({ name, type, at: at.toISOString(), durationMs: performance.now() - t0, answers: answers.map(show) });
      return answers;
    } catch (e: unknown) {
      const code = (e as { code?: unknown }).code;
      queries.push({ name, type, at: at.toISOString(), durationMs: performance.now() - t0, answers: [], error: typeof code === 'string' ? code : 'EUNKNOWN' });
      return [];
    }
  }

  async function addresses(host: string, port: number, via: Candidate['via']): Promise<Candidate[]> {
    const [v4, v6] = await Promise.all([
      query(host, 'A', () => dns.resolve4(host), String),
      query(host, 'AAAA', () => dns.resolve6(host), String),
    ]);
    // IPv4 first: the deployments UCR targets are IPv4-first, and it keeps dialling order stable.
    return [
      ...v4.map((address) => ({ host, address, family: 4 as const, port, via })),
      ...v6.map((address) => ({ host, address, family: 6 as const, port, via })),
    ];
  }

  const srvName = `_xmpp-client._tcp.${domain}`;
  const srv = await query(srvName, 'SRV', () => dns.resolveSrv(srvName), (r) => `${r.priority} ${r.weight} ${r.port} ${r.name}`);
  const result = (): Resolution => ({ domain, candidates, queries, skipped });
  let candidates: Candidate[] = [];

  // RFC 2782 / RFC 6120 §3.2.1: a single SRV record with target "." means "no service here".
  if (srv.length === 1 && (srv[0]?.name === '' || srv[0]?.name === '.')) {
    throw new ResolutionFailure(`${domain} says it offers no XMPP client service (SRV target ".")`, result());
  }
  for (const r of orderSrv(srv, opts.random)) {
    if (ucr && r.port !== UCR_C2S_PORT) {
      skipped.push({ target: normalise(r.name), port: r.port, reason: `UCR mode dials port ${UCR_C2S_PORT} only` });
      continue;
    }
    candidates.push(...(await addresses(normalise(r.name), r.port, 'srv')));
  }
  // Fallback to the domain's own addresses when SRV gave nothing usable (RFC 6120 §3.2.2).
  if (candidates.length === 0) candidates = await addresses(domain, UCR_C2S_PORT, 'domain');
  if (candidates.length === 0) {
    throw new ResolutionFailure(`no address found for ${domain} (SRV ${srvName}, then A/AAAA ${domain})`, result());
  }
  return result();
}
