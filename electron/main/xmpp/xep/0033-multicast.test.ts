import type { Element } from '@xmpp/xml';
import { parse } from 'ltx';
import { describe, expect, it } from 'vitest';
import type { BareJid, FullJid } from '../../../../shared/xmpp/jid';
import { createXmppClient } from '../client/client';
import { createFakeStream, type FakeStream } from '../client/testing/fake-stream';
import type { ParsedMessage } from '../im/message-parse';
import { NS_ADDRESS, registerMulticast, replyAll, type ReceivedAddresses } from './0033-multicast';

function setup() {
  const stream = createFakeStream();
  const client = createXmppClient({ jid: 'alice@example.test/desk' as FullJid, account: 'alice@example.test' as BareJid, stream });
  return { stream, client, multicast: registerMulticast(client) };
}
const tick = () => new Promise((r) => setImmediate(r));

const answered = new WeakSet<Element>();
/** Answers the oldest unanswered IQ the client sent to `to` with `payload`, or an error. */
async function answer(stream: FakeStream, to: string, payload: string | 'error'): Promise<void> {
  for (let i = 0; i < 50; i += 1) {
    const iq = stream.sent.find((s) => s.name === 'iq' && s.attrs.to === to && !answered.has(s));
    if (iq) {
      answered.add(iq);
      const id = iq.attrs.id as string;
      stream.receive(
        payload === 'error'
          ? `<iq type='error' id='${id}' from='${to}'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`
          : `<iq type='result' id='${id}' from='${to}'>${payload}</iq>`,
      );
      return;
    }
    await tick();
  }
  throw new Error(`no IQ to ${to}`);
}
const info = (...features: string[]) => `<query xmlns='http://jabber.org/protocol/disco#info'>${features.map((f) => `<feature var='${f}'/>`).join('')}</query>`;
const items = (...jids: string[]) => `<query xmlns='http://jabber.org/protocol/disco#items'>${jids.map((j) => `<item jid='${j}'/>`).join('')}</query>`;

async function withService(s: ReturnType<typeof setup>): Promise<void> {
  const found = s.multicast.discover();
  await answer(s.stream, 'example.test', info('urn:xmpp:ping'));
  await answer(s.stream, 'example.test', items('conference.example.test', 'multicast.example.test', 'evil.other.test'));
  await answer(s.stream, 'conference.example.test', info('http://jabber.org/protocol/muc'));
  await answer(s.stream, 'multicast.example.test', info(NS_ADDRESS));
  expect(await found).toBe('multicast.example.test');
}

describe('XEP-0033 discovery and sending', () => {
  it('finds the service among the server items (§2.2), never asks a foreign domain, and caches the answer', async () => {
    const s = setup();
    await withService(s);
    expect(s.stream.sent.some((e) => e.attrs.to === 'evil.other.test')).toBe(false);
    const before = s.stream.sent.length;
    expect(await s.multicast.discover()).toBe('multicast.example.test');
    expect(s.stream.sent.length).toBe(before);
  });

  it('the server itself may be the service; no service at all → undefined', async () => {
    const a = setup();
    const p = a.multicast.discover();
    await answer(a.stream, 'example.test', info(NS_ADDRESS));
    expect(await p).toBe('example.test');
    const b = setup();
    const q = b.multicast.discover();
    await answer(b.stream, 'example.test', info());
    await answer(b.stream, 'example.test', 'error');
    expect(await q).toBeUndefined();
  });

  it('with a service: one stanza with to/cc/bcc addressed to the service', async () => {
    const s = setup();
    await withService(s);
    const sent = await s.multicast.send({ recipients: { to: ['Bob@Example.test'], cc: ['carol@example.test'], bcc: ['dave@example.test', 'bob@example.test'] }, body: 'hi all', id: 'm1' });
    expect(sent).toEqual({ id: 'm1', via: 'service', service: 'multicast.example.test', stanzas: [{ to: 'multicast.example.test', id: 'm1' }] });
    const m = s.stream.last();
    expect(m.attrs).toMatchObject({ to: 'multicast.example.test', id: 'm1', type: 'chat' });
    expect(m.getChild('addresses', NS_ADDRESS)?.toString()).toBe(
      `<addresses xmlns="${NS_ADDRESS}"><address type="to" jid="bob@example.test"/><address type="cc" jid="carol@example.test"/><address type="bcc" jid="dave@example.test"/></addresses>`,
    );
    expect(m.getChild('origin-id', 'urn:xmpp:sid:0')?.attrs.id).toBe('m1');
  });

  it('without a service: one copy per recipient, origin-ids from one base, bcc recipients stay hidden', async () => {
    const s = setup();
    const p = s.multicast.send({ recipients: { to: ['bob@example.test'], bcc: ['dave@example.test'] }, body: 'x', id: 'b' });
    await answer(s.stream, 'example.test', info());
    await answer(s.stream, 'example.test', items());
    const sent = await p;
    expect(sent).toEqual({ id: 'b', via: 'individual', stanzas: [{ to: 'bob@example.test', id: 'b-1' }, { to: 'dave@example.test', id: 'b-2' }] });
    const [toBob, toDave] = s.stream.sent.filter((e) => e.name === 'message');
    expect(toBob?.getChild('addresses', NS_ADDRESS)?.toString()).not.toContain('dave');
    expect(toBob?.getChild('addresses', NS_ADDRESS)?.getChildren('address').every((a) => a.attrs.delivered === 'true')).toBe(true);
    expect(toDave?.getChild('addresses', NS_ADDRESS)?.getChildren('address').map((a) => `${a.attrs.type as string}:${a.attrs.jid as string}`)).toEqual([
      'to:bob@example.test',
      'bcc:dave@example.test',
    ]);
    expect(toDave?.getChild('origin-id', 'urn:xmpp:sid:0')?.attrs.id).toBe('b-2');
  });

  it('a service error turns the multicast into individual copies', async () => {
    const s = setup();
    await withService(s);
    const fell: string[] = [];
    s.multicast.onDidFallBack((e) => fell.push(`${e.id} ${e.condition}`));
    await s.multicast.send({ recipients: { to: ['bob@example.test', 'carol@example.test'] }, body: 'x', id: 'f' });
    // The same error from someone else is not the service's answer.
    s.stream.receive("<message type='error' id='f' from='mallory@example.test/x'><error type='cancel'><forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>");
    expect(fell).toEqual([]);
    s.stream.receive("<message type='error' id='f' from='multicast.example.test'><error type='cancel'><not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>");
    expect(fell).toEqual(['f not-acceptable']);
    expect(s.stream.sent.slice(-2).map((e) => `${e.attrs.to as string} ${e.attrs.id as string}`)).toEqual(['bob@example.test f-1', 'carol@example.test f-2']);
  });

  it('refuses bad or too many recipients before sending anything', async () => {
    const s = setup();
    await expect(s.multicast.send({ recipients: { to: ['bad jid@x'] }, body: 'x' })).rejects.toThrow(/not a valid JID/);
    await expect(s.multicast.send({ recipients: { to: [] }, body: 'x' })).rejects.toThrow(/at least one/);
    const many = Array.from({ length: 51 }, (_, i) => `u${i}@example.test`);
    await expect(s.multicast.send({ recipients: { to: many }, body: 'x' })).rejects.toThrow(/at most/);
    expect(s.stream.sent.filter((e) => e.name === 'message')).toEqual([]);
  });
});

describe('XEP-0033 receiving: trust by sender (§9)', () => {
  const stanza = (from: string) =>
    `<message from='${from}' to='alice@example.test/desk' type='chat' id='r1'><body>hi</body><addresses xmlns='${NS_ADDRESS}'>` +
    "<address type='to' jid='alice@example.test' delivered='true'/><address type='cc' jid='carol@example.test' delivered='true'/>" +
    "<address type='replyto' jid='spambot@evil.test'/><address type='replyroom' jid='room@conference.evil.test'/><address type='noreply'/>" +
    "<address type='ofrom' jid='boss@example.test'/><address type='to' uri='sip:x@y'/><address type='weird' jid='x@y'/><address type='to' jid='bad jid@x'/></addresses></message>";

  it('headers from another user are shown, never followed', () => {
    const s = setup();
    const got: [ParsedMessage, ReceivedAddresses][] = [];
    s.multicast.onDidReceiveAddressed((m, a) => got.push([m, a]));
    s.stream.receive(stanza('mallory@example.test/x'));
    expect(got).toHaveLength(1);
    const a = got[0]?.[1];
    expect(got[0]?.[0].body).toBe('hi');
    expect(a).toMatchObject({ trusted: false, replyTo: [], replyRoom: [], noReply: false, ofrom: undefined });
    expect(a?.recipients.map((r) => `${r.type}:${r.jid ?? ''}`)).toEqual(['to:alice@example.test', 'cc:carol@example.test']);
    expect(a?.untrusted.map((r) => r.type)).toEqual(['replyto', 'replyroom', 'noreply', 'ofrom']);
    const reply = a ? replyAll('mallory@example.test/x', a, 'alice@example.test/desk') : undefined;
    expect(reply).toEqual({ to: ['mallory@example.test'], cc: ['carol@example.test'] });
  });

  it('headers set by our server or its multicast service are honoured', async () => {
    const s = setup();
    for (const from of ['example.test', 'alice@example.test/phone']) {
      const a = s.multicast.addressesOf(parse(stanza(from)) as Element);
      expect(a, from).toMatchObject({ trusted: true, replyTo: ['spambot@evil.test'], replyRoom: ['room@conference.evil.test'], noReply: true, ofrom: 'boss@example.test', untrusted: [] });
    }
    expect(s.multicast.addressesOf(parse(stanza('multicast.example.test')) as Element)?.trusted).toBe(false); // not discovered yet
    await withService(s);
    expect(s.multicast.addressesOf(parse(stanza('multicast.example.test')) as Element)?.trusted).toBe(true);
    expect(s.multicast.addressesOf(parse(stanza('multicast.other.test')) as Element)?.trusted).toBe(false);
  });
});
