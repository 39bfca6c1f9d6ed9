// A TCP listener that only records who connected (and what they sent), for tests that must
// prove a connection was, or was never, made to some address:port. It answers nothing and
// closes each connection shortly after it was accepted.
import net from 'node:net';

export interface RecordedConnection {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly at: number;
  /** Whatever the client sent before we closed. */
  data: string;
}

export interface RecordingListener {
  readonly host: string;
  readonly port: number;
  readonly connections: RecordedConnection[];
  close(): Promise<void>;
}

export async function startRecordingListener(host: string, port: number, opts: { holdMs?: number } = {}): Promise<RecordingListener> {
  if (!host.startsWith('127.')) throw new Error(`listener: loopback only, not ${host}`);
  const connections: RecordedConnection[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    const rec: RecordedConnection = { remoteAddress: socket.remoteAddress ?? '', remotePort: socket.remotePort ?? 0, at: Date.now(), data: '' };
    connections.push(rec);
    socket.on('data', (d: Buffer) => {
      rec.data += d.toString('latin1');
    });
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    setTimeout(() => socket.destroy(), opts.holdMs ?? 200).unref();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(new Error(`listener: cannot listen on ${host}:${port} (${e.code ?? e.message})`)));
    server.listen({ host, port, exclusive: true }, () => resolve());
  });
  return {
    host,
    port,
    connections,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
