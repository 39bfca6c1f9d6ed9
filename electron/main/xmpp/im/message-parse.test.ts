import type { Element } from '@xmpp/xml';
import { parse } from 'ltx';
import { describe, expect, it } from 'vitest';
import { MAX_BODY_CHARS, parseMessage } from './message-parse';

const msg = (s: string) => parseMessage(parse(s) as Element);

describe('message parsing at the edge', () => {
  it('reads ids, delay, correction, chat state, receipts and markers', () => {
    const r = msg(
      "<message type='chat' from='bob@example.test/phone' to='alice@example.test/desk' id='m1'>" +
        '<body>hello</body><thread>t1</thread>' +
        "<origin-id xmlns='urn:xmpp:sid:0' id='o-1'/><stanza-id xmlns='urn:xmpp:sid:0' by='alice@example.test' id='s-9'/>" +
        "<delay xmlns='urn:xmpp:delay' from='example.test' stamp='2002-09-10T23:08:25Z'/>" +
        "<replace xmlns='urn:xmpp:message-correct:0' id='m0'/><composing xmlns='http://jabber.org/protocol/chatstates'/>" +
        "<request xmlns='urn:xmpp:receipts'/><markable xmlns='urn:xmpp:chat-markers:0'/></message>",
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.message).toMatchObject({
      type: 'chat',
      fromBare: 'bob@example.test',
      id: 'm1',
      originId: 'o-1',
      body: 'hello',
      thread: 't1',
      replaces: 'm0',
      chatState: 'composing',
      receiptRequested: true,
      markable: true,
      marker: undefined,
    });
    expect(r.message.stanzaIds.get('alice@example.test')).toBe('s-9');
    expect(r.message.delayedAt?.toISOString()).toBe('2002-09-10T23:08:25.000Z');
  });

  it('reads receipts and displayed markers for our messages', () => {
    const r = msg("<message from='bob@example.test/p'><received xmlns='urn:xmpp:receipts' id='x1'/><displayed xmlns='urn:xmpp:chat-markers:0' id='x2'/></message>");
    expect(r.ok && r.message.receiptFor).toBe('x1');
    expect(r.ok && r.message.marker).toEqual({ kind: 'displayed', id: 'x2' });
    expect(r.ok && r.message.type).toBe('normal');
  });

  it.each([
    ['no sender', '<message><body>x</body></message>'],
    ['a malformed sender', "<message from='a b@@x'><body>x</body></message>"],
    ['a huge body', `<message from='bob@example.test/p'><body>${'x'.repeat(MAX_BODY_CHARS + 1)}</body></message>`],
  ])('refuses a message with %s', (_what, s) => {
    expect(msg(s).ok).toBe(false);
  });

  it('drops a malformed delay stamp and unknown types instead of guessing', () => {
    const r = msg("<message type='bogus' from='bob@example.test/p'><body>x</body><delay xmlns='urn:xmpp:delay' stamp='yesterday'/></message>");
    expect(r.ok && r.message.delayedAt).toBeUndefined();
    expect(r.ok && r.message.type).toBe('normal');
  });

  it('reads an error message', () => {
    const r = msg("<message type='error' from='bob@example.test'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>");
    expect(r.ok && r.message.error).toEqual({ condition: 'service-unavailable', text: undefined });
  });
});
