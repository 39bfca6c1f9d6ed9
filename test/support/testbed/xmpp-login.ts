// Minimal XMPP c2s login (RFC 6120): STARTTLS with the test CA and the XMPP domain as TLS name,
// optional in-band registration (XEP-0077), SASL PLAIN. Enough to prove a server is really ready
// (the vhost answers and authenticates, not just "the port is open") and to check accounts;
// deliberately independent of the client under test. Pattern matching on the raw stream is fine
// for the handful of fixed server replies read here; it is not a general XMPP parser.
import net from 'node:net';
import tls from 'node:tls';

export interface LoginOptions {
  host: string;
  port: number;
  /** XMPP domain: stream `to` and TLS server name */
  domain: string;
  username: string;
  password: string;
  /** PEM of the CA that must have issued the server certificate */
  ca: string;
  /** Register the account in-band first; "already exists" counts as success. */
  register?: boolean;
  timeoutMs?: number;
}

export class LoginError extends Error {
  constructor(
    message: string,
    /** 'not-authorized', 'host-unknown', 'connect', 'timeout', … */
    readonly condition: string,
  ) {
    super(message);
    this.name = 'LoginError';
  }
}

const STREAM_ERROR = /<stream:error>([\s\S]*?)<\/stream:error>/;
const FEATURES = /<stream:features[\s\S]*?<\/stream:features>|<stream:features\/>/;

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;').replace(/"/g, '&quot;');
}

function firstChildName(xml: string): string {
  return /<([a-z-]+)[\s/>]/.exec(xml.replace(/^<[^>]*>/, ''))?.[1] ?? 'unknown';
}

/** Reads the stream into a buffer and waits for patterns, failing on stream errors or close. */
class StreamReader {
  private buf = '';
  private waiter: (() => void) | null = null;
  private closed: LoginError | null = null;

  attach(sock: net.Socket | tls.TLSSocket): void {
    sock.setEncoding('utf8');
    sock.on('data', (s: string) => {
      this.buf += s;
      this.waiter?.();
    });
    const onEnd = (err?: Error): void => {
      this.closed ??= new LoginError(`connection closed${err ? `: ${err.message}` : ''}`, err ? 'connect' : 'closed');
      this.waiter?.();
    };
    sock.on('error', onEnd);
    sock.on('close', () => onEnd());
  }

  /** Drop what was read so far (after a stream restart the old stream's bytes are irrelevant). */
  reset(): void {
    this.buf = '';
  }

  async expect(pattern: RegExp): Promise<RegExpExecArray> {
    for (;;) {
      const streamError = STREAM_ERROR.exec(this.buf);
      if (streamError) {
        const condition = firstChildName(`<x>${streamError[1] ?? ''}`);
        throw new LoginError(`stream error: ${streamError[0]}`, condition);
      }
      const m = pattern.exec(this.buf);
      if (m) {
        this.buf = this.buf.slice(m.index + m[0].length);
        return m;
      }
      if (this.closed) throw this.closed;
      await new Promise<void>((resolve) => (this.waiter = resolve));
      this.waiter = null;
    }
  }
}

function openStream(domain: string): string {
  return `<?xml version='1.0'?><stream:stream to='${escapeXml(domain)}' version='1.0' xml:lang='en' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>`;
}

async function session(opts: LoginOptions, sockets: Array<net.Socket>): Promise<void> {
  const plain = net.connect({ host: opts.host, port: opts.port });
  sockets.push(plain);
  await new Promise<void>((resolve, reject) => {
    plain.once('connect', resolve);
    plain.once('error', (e) => reject(new LoginError(`connect ${opts.host}:${opts.port}: ${e.message}`, 'connect')));
  });
  const r1 = new StreamReader();
  r1.attach(plain);
  plain.write(openStream(opts.domain));
  const f1 = (await r1.expect(FEATURES))[0];
  if (!f1.includes('urn:ietf:params:xml:ns:xmpp-tls')) throw new LoginError(`no STARTTLS offered: ${f1}`, 'no-starttls');
  plain.write("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
  await r1.expect(/<proceed\b[^>]*>/);
  plain.removeAllListeners('data');

  const secure = tls.connect({
    socket: plain,
    servername: opts.domain,
    ca: opts.ca,
    minVersion: 'TLSv1.2',
    // Node checks the certificate against `servername`: the server must present a cert for the
    // XMPP domain although we connected to a bare loopback address.
  });
  sockets.push(secure);
  await new Promise<void>((resolve, reject) => {
    secure.once('secureConnect', resolve);
    secure.once('error', (e) => reject(new LoginError(`TLS: ${e.message}`, 'tls')));
  });
  const r = new StreamReader();
  r.attach(secure);
  secure.write(openStream(opts.domain));
  const f2 = (await r.expect(FEATURES))[0];

  if (opts.register) {
    secure.write(
      `<iq type='set' id='reg1'><query xmlns='jabber:iq:register'><username>${escapeXml(opts.username)}</username><password>${escapeXml(opts.password)}</password></query></iq>`,
    );
    const iq = (await r.expect(/<iq\b[^>]*\bid=['"]reg1['"][^>]*(?:\/>|>[\s\S]*?<\/iq>)/))[0];
    if (/\btype=['"]error['"]/.test(iq) && !iq.includes('<conflict')) {
      throw new LoginError(`registration refused: ${iq}`, 'register');
    }
  }

  if (!/<mechanism>PLAIN<\/mechanism>/.test(f2)) throw new LoginError(`PLAIN not offered: ${f2}`, 'no-plain');
  const creds = Buffer.from(`\0${opts.username}\0${opts.password}`, 'utf8').toString('base64');
  secure.write(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${creds}</auth>`);
  const outcome = (await r.expect(/<success\b[^>]*(?:\/>|>[\s\S]*?<\/success>)|<failure\b[^>]*(?:\/>|>[\s\S]*?<\/failure>)/))[0];
  if (outcome.startsWith('<failure')) throw new LoginError(`SASL failure: ${outcome}`, firstChildName(outcome));
  secure.write('</stream:stream>');
}

/** Resolves after SASL <success/>; rejects with a LoginError saying what went wrong. */
export async function xmppLogin(opts: LoginOptions): Promise<void> {
  const sockets: net.Socket[] = [];
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LoginError(`login timed out after ${opts.timeoutMs ?? 5000} ms`, 'timeout')), opts.timeoutMs ?? 5000);
  });
  const work = session(opts, sockets);
  work.catch(() => undefined); // if the timeout wins, the abandoned session's failure is expected
  try {
    await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
    for (const s of sockets.reverse()) s.destroy();
  }
}
