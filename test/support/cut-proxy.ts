// A loopback TCP proxy in front of a real test-bed server, for link-failure tests: it forwards
// bytes both ways (TLS passes through untouched, so the client still checks the real server's
// certificate), can stop forwarding one direction (bytes are dropped, as on a link that died
// silently), and can cut every open connection on both sides at once. New connections are
// accepted again after a cut, as after a network outage.
import net from 'node:net';

export type Direction = 'to-server' | 'to-client';

export interface CutProxy {
  readonly host: string;
  readonly port: number;
  /** From now on, bytes in `direction` on the open connections are dropped (the link died silently). */
  blackhole(direction: Direction | 'both'): void;
  /** Destroys every open connection on both sides; new ones are accepted and forwarded normally. */
  cut(): void;
  close(): Promise<void>;
}

interface Link {
  readonly client: net.Socket;
  readonly server: net.Socket;
  readonly drop: Set<Direction>;
}

export async function startCutProxy(listen: { host: string; port: number }, target: { host: string; port: number }): Promise<CutProxy> {
  if (!listen.host.startsWith('127.')) throw new Error(`cut proxy: loopback only, not ${listen.host}`);
  const links = new Set<Link>();

  const server = net.createServer((client) => {
    const upstream = net.connect({ host: target.host, port: target.port });
    const link: Link = { client, server: upstream, drop: new Set() };
    links.add(link);
    const end = (): void => {
      links.delete(link);
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (d: Buffer) => {
      if (!link.drop.has('to-server')) upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      if (!link.drop.has('to-client')) client.write(d);
    });
    for (const s of [client, upstream]) {
      s.on('error', end);
      s.on('close', end);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(new Error(`cut proxy: cannot listen on ${listen.host}:${listen.port} (${e.code ?? e.message})`)));
    server.listen({ host: listen.host, port: listen.port, exclusive: true }, () => resolve());
  });

  const cutAll = (): void => {
    for (const l of [...links]) {
      links.delete(l);
      // resetAndDestroy: an RST, like a link that is gone, not an orderly FIN.
      l.client.resetAndDestroy();
      l.server.resetAndDestroy();
    }
  };

  return {
    host: listen.host,
    port: listen.port,
    blackhole(direction) {
      for (const l of links) {
        if (direction === 'both' || direction === 'to-server') l.drop.add('to-server');
        if (direction === 'both' || direction === 'to-client') l.drop.add('to-client');
      }
    },
    cut: cutAll,
    close: async () => {
      cutAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
