// A HAND-WRITTEN FAKE XMPP SERVER, for hostile behaviour a real server cannot be configured to
// show: STARTTLS not advertised or refused, weak TLS, bad certificates, data injected after
// <proceed/>, malformed or oversized XML. Everything that a real server can do is tested
// against Prosody and ejabberd instead (test/integration/session.test.ts).
import net from 'node:net';
import tls from 'node:tls';

export interface FakeTls {
  key: string;
  cert: string;
  minVersion?: tls.SecureVersion;
  maxVersion?: tls.SecureVersion;
  ciphers?: string;
}

export interface FakeBehaviour {
  advertiseStarttls: boolean;
  /** What to answer to <starttls/>. */
  onStarttls: 'proceed' | 'failure' | 'plaintext-features';
  /** Raw bytes sent right behind <proceed/>, before the TLS handshake. */
  injectAfterProceed?: string;
  /** Raw bytes sent instead of the pre-TLS features. */
  preTlsFeatures?: string;
  tls: FakeTls;
  /** What to send after the TLS handshake, once the client's new stream header arrives. */
  afterTls?: string;
}

export interface FakeConnection {
  /** Every byte the client sent before the TLS handshake, as text. */
  plaintext: string;
  tlsEstablished: boolean;
  tlsVersion?: string;
  /** Everything the client sent inside TLS. */
  secure: string;
  closed: Promise<void>;
}

export interface FakeServer {
  readonly host: string;
  readonly port: number;
  behaviour: FakeBehaviour;
  readonly connections: FakeConnection[];
  close(): Promise<void>;
}

const HEADER = (from: string): string =>
  `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='${from}' id='fake-${Date.now()}' version='1.0'>`;

export async function startFakeXmppServer(host: string, domain: string, behaviour: FakeBehaviour): Promise<FakeServer> {
  if (!host.startsWith('127.')) throw new Error('fakes listen on loopback only');
  const connections: FakeConnection[] = [];
  const sockets = new Set<net.Socket>();
  const state = { behaviour };

  const server = net.createServer((socket) => {
    sockets.add(socket);
    const b = state.behaviour;
    let closedResolve: () => void = () => {};
    const conn: FakeConnection = { plaintext: '', tlsEstablished: false, secure: '', closed: new Promise((r) => (closedResolve = r)) };
    connections.push(conn);
    socket.on('close', () => {
      sockets.delete(socket);
      closedResolve();
    });
    socket.on('error', () => {});
    let headerSent = false;
    const onPlain = (chunk: Buffer): void => {
      conn.plaintext += chunk.toString('latin1');
      if (!headerSent && conn.plaintext.includes('<stream:stream')) {
        headerSent = true;
        const starttls = b.advertiseStarttls ? "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>" : '';
        socket.write(HEADER(domain) + (b.preTlsFeatures ?? `<stream:features>${starttls}</stream:features>`));
      }
      if (!conn.plaintext.includes('<starttls')) return;
      socket.removeListener('data', onPlain);
      if (b.onStarttls === 'failure') {
        socket.write("<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:stream>");
        socket.end();
        return;
      }
      if (b.onStarttls === 'plaintext-features') {
        socket.write("<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>");
        return;
      }
      socket.write("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>" + (b.injectAfterProceed ?? ''));
      const secure = new tls.TLSSocket(socket, {
        isServer: true,
        key: b.tls.key,
        cert: b.tls.cert,
        ...(b.tls.minVersion ? { minVersion: b.tls.minVersion } : {}),
        ...(b.tls.maxVersion ? { maxVersion: b.tls.maxVersion } : {}),
        ...(b.tls.ciphers ? { ciphers: b.tls.ciphers } : {}),
      });
      secure.on('error', () => socket.destroy());
      secure.on('secure', () => {
        conn.tlsEstablished = true;
        conn.tlsVersion = secure.getProtocol() ?? undefined;
      });
      let secureHeader = false;
      secure.on('data', (d: Buffer) => {
        conn.secure += d.toString('utf8');
        if (!secureHeader && conn.secure.includes('<stream:stream')) {
          secureHeader = true;
          secure.write(HEADER(domain) + (b.afterTls ?? '<stream:features/>'));
        }
      });
    };
    socket.on('data', onPlain);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(5222, host, resolve);
  });
  return {
    host,
    port: 5222,
    get behaviour() {
      return state.behaviour;
    },
    set behaviour(v) {
      state.behaviour = v;
    },
    connections,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
