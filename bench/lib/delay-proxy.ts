// A loopback TCP proxy that delays every byte by a fixed one-way delay in each direction (so the
// RTT through it grows by twice that), keeps the order of data and FIN per direction, and
// records what crossed it: one trace per connection with the arrival time, direction and size of
// every chunk. The wire is observed where the client's bytes arrive, before the delay.
import net from 'node:net';

export type Direction = 'c2s' | 's2c';

export interface WireEvent {
  /** ms since the connection was accepted */
  readonly t: number;
  readonly dir: Direction;
  readonly bytes: number;
}

export interface ConnectionTrace {
  readonly events: WireEvent[];
  /** the client's FIN (or reset) reached the proxy; ms since accept */
  clientEndAt?: number;
  /** both legs closed; ms since accept */
  closedAt?: number;
}

export interface DelayProxy {
  readonly host: string;
  readonly port: number;
  readonly traces: ConnectionTrace[];
  /** Resolves when the trace's connection has closed on both legs (or after timeoutMs). */
  closed(trace: ConnectionTrace, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface DelayProxyOptions {
  readonly listenHost: string;
  readonly listenPort: number;
  readonly targetHost: string;
  readonly targetPort: number;
  readonly oneWayDelayMs: number;
}

/** Forwards src → dst, each chunk (and the FIN) `delayMs` after it arrived, in order. */
function forward(src: net.Socket, dst: net.Socket, delayMs: number, onChunk: (n: number) => void, onEnd: () => void): void {
  const queue: { due: number; chunk: Buffer | null }[] = [];
  let timer: NodeJS.Timeout | undefined;
  const pump = (): void => {
    timer = undefined;
    const now = performance.now();
    while (queue[0] && queue[0].due <= now + 0.1) {
      const item = queue.shift();
      if (!item || dst.destroyed) continue;
      if (item.chunk) dst.write(item.chunk);
      else dst.end();
    }
    if (queue[0]) timer = setTimeout(pump, Math.max(0, queue[0].due - now));
  };
  const push = (chunk: Buffer | null): void => {
    queue.push({ due: performance.now() + delayMs, chunk });
    timer ??= setTimeout(pump, delayMs);
  };
  src.on('data', (chunk: Buffer) => {
    onChunk(chunk.length);
    push(chunk);
  });
  src.on('end', () => {
    onEnd();
    push(null);
  });
}

export async function startDelayProxy(opts: DelayProxyOptions): Promise<DelayProxy> {
  const traces: ConnectionTrace[] = [];
  const waiters = new Map<ConnectionTrace, () => void>();
  const sockets = new Set<net.Socket>();

  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
    const t0 = performance.now();
    const at = (): number => performance.now() - t0;
    const trace: ConnectionTrace = { events: [] };
    traces.push(trace);
    const upstream = net.connect({ host: opts.targetHost, port: opts.targetPort, allowHalfOpen: true, noDelay: true });
    sockets.add(client).add(upstream);
    let open = 2;
    const closedOne = (s: net.Socket) => (): void => {
      sockets.delete(s);
      if (--open > 0) return;
      trace.closedAt = at();
      waiters.get(trace)?.();
    };
    client.on('close', closedOne(client));
    upstream.on('close', closedOne(upstream));
    const clientGone = (): void => {
      trace.clientEndAt ??= at();
    };
    // A reset on one leg: pass it on after the same delay, so the other side sees it in order.
    client.on('error', () => {
      clientGone();
      setTimeout(() => upstream.destroy(), opts.oneWayDelayMs);
    });
    upstream.on('error', () => setTimeout(() => client.destroy(), opts.oneWayDelayMs));
    client.on('close', clientGone);
    forward(client, upstream, opts.oneWayDelayMs, (bytes) => trace.events.push({ t: at(), dir: 'c2s', bytes }), clientGone);
    forward(upstream, client, opts.oneWayDelayMs, (bytes) => trace.events.push({ t: at(), dir: 's2c', bytes }), () => undefined);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.listenPort, opts.listenHost, () => resolve());
  });

  return {
    host: opts.listenHost,
    port: opts.listenPort,
    traces,
    closed: (trace, timeoutMs = 5_000) =>
      trace.closedAt !== undefined
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, timeoutMs);
            waiters.set(trace, () => {
              clearTimeout(timer);
              resolve();
            });
          }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Round trips the client waited for: each client→server flight answered by a server→client
 * flight before the client closed (a change of direction c2s → s2c, in arrival order at the
 * proxy). Direction changes counts every change, including those after the client's FIN.
 */
export function analyse(trace: ConnectionTrace): { roundTrips: number; directionChanges: number; wallMs: number; bytesC2s: number; bytesS2c: number } {
  let roundTrips = 0;
  let directionChanges = 0;
  const end = trace.clientEndAt ?? trace.closedAt ?? Number.POSITIVE_INFINITY;
  let prev: Direction | undefined;
  for (const e of trace.events) {
    if (prev !== undefined && e.dir !== prev) {
      directionChanges += 1;
      if (prev === 'c2s' && e.t < end) roundTrips += 1;
    }
    prev = e.dir;
  }
  const sum = (d: Direction): number => trace.events.filter((e) => e.dir === d).reduce((s, e) => s + e.bytes, 0);
  return { roundTrips, directionChanges, wallMs: trace.clientEndAt ?? trace.closedAt ?? Number.NaN, bytesC2s: sum('c2s'), bytesS2c: sum('s2c') };
}

/**
 * The flights of a trace, for --trace: one line per run of chunks in one direction, with the
 * think time of the side that sent it (gap since the previous flight arrived at the proxy, minus
 * the one-way delay it took to reach that side).
 */
export function flights(trace: ConnectionTrace, oneWayDelayMs: number): string[] {
  const out: { t: number; dir: Direction; bytes: number; chunks: number }[] = [];
  for (const e of trace.events) {
    const last = out[out.length - 1];
    if (last && last.dir === e.dir) {
      last.bytes += e.bytes;
      last.chunks += 1;
    } else out.push({ t: e.t, dir: e.dir, bytes: e.bytes, chunks: 1 });
  }
  const lines = out.map((f, i) => {
    const prev = out[i - 1];
    const think = prev ? `  (${f.dir === 'c2s' ? 'client' : 'server'} think ${(f.t - prev.t - oneWayDelayMs).toFixed(1)} ms)` : '';
    return `${f.t.toFixed(1).padStart(7)} ms  ${f.dir === 'c2s' ? 'client → server' : '        server → client'}  ${String(f.bytes).padStart(5)} B in ${f.chunks} chunk(s)${think}`;
  });
  if (trace.clientEndAt !== undefined) lines.push(`${trace.clientEndAt.toFixed(1).padStart(7)} ms  client FIN/close`);
  return lines;
}
