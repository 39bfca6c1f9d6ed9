// Binding as the account and nothing else [UCR-N1]: the server is scripted byte by byte over a
// memory pipe (a real server cannot be made to bind a JID that is not ours).
import { parse } from 'ltx';
import type { Element } from '@xmpp/xml';
import { describe, expect, it } from 'vitest';
import { parseAccountJid, type BareJid } from '../../../../shared/xmpp/jid';
import type { BytePipe, PipeClose } from '../stream/pipe';
import { createXmlStream } from '../stream/xml-stream';
import { authenticateAndBind } from './authenticate';
import { DEFAULT_SESSION_POLICY } from './policy';

function memoryPipe() {
  const written: string[] = [];
  const data = new Set<(b: Buffer) => void>();
  const closes = new Set<(i: PipeClose) => void>();
  const pipe: BytePipe = {
    write: (d) => void written.push(typeof d === 'string' ? d : d.toString()),
    onData: (cb) => {
      data.add(cb);
      return () => void data.delete(cb);
    },
    onClose: (cb) => {
      closes.add(cb);
      return () => void closes.delete(cb);
    },
    close: () => closes.forEach((cb) => cb({ clean: true })),
    destroy: () => closes.forEach((cb) => cb({ clean: false, error: 'destroyed' })),
  };
  return { pipe, written, deliver: (s: string) => data.forEach((cb) => cb(Buffer.from(s))) };
}

const HEADER = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='example.test' id='s1' version='1.0'>";

async function bindWith(boundJid: string) {
  const m = memoryPipe();
  const stream = createXmlStream(m.pipe);
  stream.restart('');
  m.deliver(HEADER);
  const features = parse(
    "<stream:features xmlns:stream='http://etherx.jabber.org/streams'><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>",
  ) as Element;
  const running = authenticateAndBind({
    stream,
    features,
    policy: { ...DEFAULT_SESSION_POLICY, mechanisms: ['PLAIN'] },
    credentials: { kind: 'password', username: 'alice', password: 'pw' },
    binding: {},
    domain: 'example.test',
    account: 'alice@example.test' as BareJid,
    resource: 'desk',
    next: () => stream.next(2000),
  } as Parameters<typeof authenticateAndBind>[0]);
  // The server: SASL success, then (after the client's restart) features and the bind result.
  await new Promise((r) => setTimeout(r, 20));
  m.deliver("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
  await new Promise((r) => setTimeout(r, 20));
  m.deliver(HEADER + "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>");
  m.deliver(`<iq type='result' id='bind-1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>${boundJid}</jid></bind></iq>`);
  return running;
}

describe('resource binding', () => {
  it('[UCR-N1] accepts a full JID of the account and refuses one of another account or another domain', async () => {
    expect(await bindWith('alice@example.test/desk')).toMatchObject({ ok: true, jid: 'alice@example.test/desk' });
    expect(await bindWith('mallory@example.test/desk')).toMatchObject({ ok: false, stage: 'bind', message: expect.stringMatching(/not ours/) });
    expect(await bindWith('alice@evil.test/desk')).toMatchObject({ ok: false, stage: 'bind' });
  });

  it('[UCR-N1] an account is one bare JID: a resource or a missing user name is refused before anything else', () => {
    expect(parseAccountJid('alice@example.test')).toMatchObject({ ok: true, jid: 'alice@example.test', domain: 'example.test' });
    expect(parseAccountJid('alice@example.test/laptop')).toMatchObject({ ok: false });
    expect(parseAccountJid('example.test')).toMatchObject({ ok: false });
  });
});
