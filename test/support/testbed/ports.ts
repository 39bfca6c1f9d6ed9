// Free loopback ports for things whose port does not matter (DNS, Erlang distribution), so that
// parallel runs and a developer's own services never collide.
import net from 'node:net';

/** A TCP port that was free on `host` a moment ago (the caller binds it next). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen({ host, port: 0, exclusive: true }, () => {
      const addr = srv.address();
      srv.close(() => {
        if (addr && typeof addr === 'object') resolve(addr.port);
        else reject(new Error('freePort: no address'));
      });
    });
  });
}
