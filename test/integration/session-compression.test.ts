// XEP-0138 stream compression, gated by SessionPolicy.compression (off by default: CRIME/BREACH).
//  - REAL servers: ejabberd 23.01 offers zlib after SASL (listener `zlib: true` in the test-bed
//    template; later ejabberd releases dropped the option). Prosody 0.12 has no compression
//    module (none in core, none in Debian's prosody-modules), so it offers nothing.
//  - A HAND-WRITTEN FAKE server (below) for what no real server does: a decompression bomb.
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import tls from 'node:tls';
import zlib from 'node:zlib';
import { Parser, type Element } from '@xmpp/xml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPki, type TestPki } from '../../electron/main/tls/testing/pki';
import { createXmppClient, type XmppClient } from '../../electron/main/xmpp/client/client';
import { registerMessages } from '../../electron/main/xmpp/im/messages';
import type { ParsedMessage } from '../../electron/main/xmpp/im/message-parse';
import { establishSession } from '../../electron/main/xmpp/session/establish';
import { DEFAULT_SESSION_POLICY, type SessionPolicy } from '../../electron/main/xmpp/session/policy';
import { account, openClient, waitFor } from '../support/clients';
import { startDns, type TestDnsServer } from '../support/testbed/dns.js';
import { getTestbed } from '../support/testbed/get-testbed.js';
import type { ServerKind } from '../support/testbed/info.js';
import { testAddress } from '../support/testbed/net.js';

const open: XmppClient[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c.close().catch(() => undefined);
});

async function login(kind: ServerKind, user: string, compression: SessionPolicy['compression']) {
  const tb = getTestbed();
  const a = account(kind, user);
  const s = await establishSession({
    account: a.jid,
    auth: { kind: 'password', password: a.password },
    trustAnchorsPem: await readFile(tb.pki.caCert, 'utf8'),
    policy: { ...DEFAULT_SESSION_POLICY, dnsServers: [`${tb.dns.host}:${tb.dns.port}`], compression },
  });
  const client = createXmppClient(s);
  open.push(client);
  return { session: s, client };
}

describe('stream compression on ejabberd (real server)', () => {
  it('[UCR-G1] policy off (the default): the offer is seen, not taken up, and the report says so', async () => {
    expect(DEFAULT_SESSION_POLICY.compression).toBe('off');
    const { session } = await login('ejabberd', 'alice', DEFAULT_SESSION_POLICY.compression);
    expect(session.features.getChild('compression', 'http://jabber.org/features/compress')).toBeDefined(); // still the uncompressed stream's features
    expect(session.report.notes.join('\n')).toMatch(/offers stream compression \(XEP-0138: zlib\); not negotiated because policy has it off/);
  });

  it('[UCR-G1] policy allowed: zlib negotiated, the stream restarted compressed, and a message round-trips', async () => {
    const { session, client } = await login('ejabberd', 'alice', 'allowed');
    expect(session.report.notes.join('\n')).toMatch(/stream compression \(XEP-0138, zlib\) is in use/);
    // The restarted stream's features no longer offer compression (it is on), and they are what
    // the session's modules negotiate from (XEP-0198 is still offered).
    expect(session.features.getChild('compression', 'http://jabber.org/features/compress')).toBeUndefined();
    expect(session.features.getChild('sm', 'urn:xmpp:sm:3')).toBeDefined();
    const bob = await openClient('ejabberd', 'bob');
    open.push(bob);
    const aliceInbox: ParsedMessage[] = [];
    const bobInbox: ParsedMessage[] = [];
    const aliceMessages = registerMessages(client, { sendReceipts: () => false });
    const bobMessages = registerMessages(bob, { sendReceipts: () => false });
    aliceMessages.onDidReceiveMessage((m) => aliceInbox.push(m));
    bobMessages.onDidReceiveMessage((m) => bobInbox.push(m));
    aliceMessages.send({ to: bob.jid, body: 'compressed hello' });
    await waitFor(bobInbox, (m) => m.body === 'compressed hello');
    bobMessages.send({ to: client.jid, body: 'compressed reply' });
    // Both directions really are zlib: uncompressed bytes would fail our inflater (a stream
    // error), and our deflated bytes would be not-well-formed XML to ejabberd. (ejabberdctl's
    // connected_users_info cannot tell: it records the connection type at bind, before this.)
    await waitFor(aliceInbox, (m) => m.body === 'compressed reply');
  });
});

describe('stream compression on Prosody (real server)', () => {
  it('Prosody 0.12 offers no compression: policy allowed changes nothing and the session works', async () => {
    const { session } = await login('prosody', 'alice', 'allowed');
    expect(session.features.getChild('compression', 'http://jabber.org/features/compress')).toBeUndefined();
    expect(session.report.notes.join('\n')).not.toMatch(/compression/);
  });
});

// ---------------------------------------------------------------------------------------------
// HAND-WRITTEN FAKE: STARTTLS, SASL PLAIN (any password), bind, zlib; then a decompression bomb.
const HOST = testAddress(23);
const NS = { tls: 'urn:ietf:params:xml:ns:xmpp-tls', sasl: 'urn:ietf:params:xml:ns:xmpp-sasl', bind: 'urn:ietf:params:xml:ns:xmpp-bind', compress: 'http://jabber.org/protocol/compress' };
const header = `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='example.test' id='fake' version='1.0'>`;

interface FakeLog {
  /** What the client sent on the compressed stream, inflated. */
  compressedText: string;
  closed: Promise<void>;
}

function startCompressingFake(pki: TestPki): Promise<{ server: net.Server; logs: FakeLog[] }> {
  const logs: FakeLog[] = [];
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    let done: () => void = () => {};
    const log: FakeLog = { compressedText: '', closed: new Promise((r) => (done = r)) };
    logs.push(log);
    socket.on('close', () => done());
    let plaintext = '';
    const onPlain = (d: Buffer): void => {
      plaintext += d.toString();
      if (!plaintext.includes('<starttls')) return;
      socket.removeListener('data', onPlain);
      socket.write(`${header}<stream:features><starttls xmlns='${NS.tls}'><required/></starttls></stream:features><proceed xmlns='${NS.tls}'/>`);
      const secure = new tls.TLSSocket(socket, { isServer: true, key: pki.keyPem('server'), cert: pki.certPem('server') });
      secure.on('error', () => socket.destroy());
      let send = (s: string): void => void secure.write(s);
      let streams = 0;
      const parser = (): Parser => {
        const p = new Parser();
        p.on('start', () => {
          streams += 1;
          if (streams === 1) send(`${header}<stream:features><mechanisms xmlns='${NS.sasl}'><mechanism>PLAIN</mechanism></mechanisms></stream:features>`);
          if (streams === 2) send(`${header}<stream:features><bind xmlns='${NS.bind}'/><compression xmlns='http://jabber.org/features/compress'><method>zlib</method></compression></stream:features>`);
          if (streams === 3) {
            send(`${header}<stream:features/>`);
            // 64 MiB of whitespace between stanzas is well-formed XML, so only the inflate bound can stop it.
            setTimeout(() => send(' '.repeat(64 * 1024 * 1024)), 50);
          }
        });
        p.on('element', (el: Element) => {
          if (el.is('auth', NS.sasl)) {
            send(`<success xmlns='${NS.sasl}'/>`);
            current = parser();
          } else if (el.name === 'iq' && el.getChild('bind', NS.bind)) {
            send(`<iq type='result' id='${el.attrs.id as string}'><bind xmlns='${NS.bind}'><jid>alice@example.test/fake</jid></bind></iq>`);
          } else if (el.is('compress', NS.compress)) {
            send(`<compressed xmlns='${NS.compress}'/>`);
            const deflate = zlib.createDeflate();
            const inflate = zlib.createInflate();
            deflate.on('data', (b: Buffer) => secure.write(b));
            inflate.on('data', (b: Buffer) => {
              log.compressedText += b.toString();
              current.write(b.toString());
            });
            inflate.on('error', () => socket.destroy());
            send = (s) => {
              deflate.write(s);
              deflate.flush(zlib.constants.Z_SYNC_FLUSH);
            };
            feed = (d) => void inflate.write(d);
            current = parser();
          }
        });
        p.on('error', () => socket.destroy());
        return p;
      };
      let current = parser();
      let feed = (d: Buffer): void => void current.write(d.toString());
      secure.on('data', (d: Buffer) => feed(d));
    };
    socket.on('data', onPlain);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(5222, HOST, () => resolve({ server, logs }));
  });
}

describe('stream compression against a hand-written fake server (hostile behaviour)', () => {
  let pki: TestPki;
  let dns: TestDnsServer;
  let fake: { server: net.Server; logs: FakeLog[] };
  beforeAll(async () => {
    pki = makeTestPki();
    fake = await startCompressingFake(pki);
    dns = await startDns({
      zone: {
        '_xmpp-client._tcp.example.test': { SRV: [{ priority: 0, weight: 0, port: 5222, target: 'fake.example.test' }] },
        'fake.example.test': { A: [HOST] },
      },
    });
  });
  afterAll(async () => {
    await new Promise<void>((r) => fake?.server.close(() => r()));
    await dns?.close();
    pki?.cleanup();
  });

  it('[IMPP-D1] a decompression bomb on the compressed stream becomes a policy-violation stream error (the bound itself: 0138-compression.test.ts)', async () => {
    const s = await establishSession({
      account: 'alice@example.test',
      auth: { kind: 'password', password: 'any' },
      trustAnchorsPem: pki.caPem,
      policy: { ...DEFAULT_SESSION_POLICY, dnsServers: [dns.address], stepTimeoutMs: 5000, compression: 'allowed' },
    });
    expect(s.report.notes.join('\n')).toMatch(/XEP-0138, zlib\) is in use/);
    const client = createXmppClient(s);
    const reason = await new Promise<string>((resolve) => client.onDidClose(resolve));
    expect(reason).toMatch(/stream error policy-violation: compressed data expands beyond/);
    // The error went to the server on the compressed stream, and the connection was closed.
    const log = fake.logs.at(-1);
    await log?.closed;
    // The fake inflates asynchronously: its last bytes may be decoded after the socket closed.
    await waitFor([log], (l) => l?.compressedText.includes('</stream:stream>') === true);
    expect(log?.compressedText).toMatch(/<stream:error><policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'\/>.*<\/stream:error><\/stream:stream>$/);
  });
});
