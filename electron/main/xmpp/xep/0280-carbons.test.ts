import { describe, expect, it } from 'vitest';
import type { BareJid, FullJid } from '../../../../shared/xmpp/jid';
import { createXmppClient } from '../client/client';
import { createFakeStream } from '../client/testing/fake-stream';
import type { ParsedMessage } from '../im/message-parse';
import { registerMessages } from '../im/messages';
import { NS_CARBONS, NS_HINTS, registerCarbons, type Carbon } from './0280-carbons';

function setup() {
  const stream = createFakeStream();
  const client = createXmppClient({ jid: 'alice@example.test/desk' as FullJid, account: 'alice@example.test' as BareJid, stream });
  const carbons = registerCarbons(client);
  const messages = registerMessages(client, { sendReceipts: () => true });
  const got: Carbon[] = [];
  const refused: string[] = [];
  const inbox: ParsedMessage[] = [];
  carbons.onDidReceiveCarbon((c) => got.push(c));
  carbons.onDidRefuseCarbon((r) => refused.push(r));
  messages.onDidReceiveMessage((m) => inbox.push(m));
  return { stream, client, carbons, messages, got, refused, inbox };
}

const carbon = (wrapperFrom: string | undefined, kind: 'sent' | 'received', inner: string) =>
  `<message ${wrapperFrom === undefined ? '' : `from='${wrapperFrom}'`} to='alice@example.test/desk'>` +
  `<${kind} xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>${inner}</forwarded></${kind}></message>`;
const fromBob =
  "<message xmlns='jabber:client' type='chat' from='bob@example.test/phone' to='alice@example.test/laptop' id='b1'>" +
  "<body>hi from bob</body><origin-id xmlns='urn:xmpp:sid:0' id='o-b1'/><stanza-id xmlns='urn:xmpp:sid:0' by='alice@example.test' id='s-1'/>" +
  "<request xmlns='urn:xmpp:receipts'/></message>";
const fromMe = "<message xmlns='jabber:client' type='chat' from='alice@example.test/laptop' to='bob@example.test' id='a1'><body>sent elsewhere</body></message>";

describe('XEP-0280 message carbons', () => {
  it('enables and disables with an IQ set to our own server (§4, §5)', async () => {
    const { stream, carbons } = setup();
    const enabling = carbons.enable();
    expect(stream.last().attrs.type).toBe('set');
    expect(stream.last().attrs.to).toBeUndefined();
    expect(stream.last().getChild('enable', NS_CARBONS)).toBeDefined();
    stream.receive(`<iq type='result' id='${stream.last().attrs.id as string}'/>`);
    await enabling;
    expect(carbons.enabled()).toBe(true);
    const disabling = carbons.disable();
    expect(stream.last().getChild('disable', NS_CARBONS)).toBeDefined();
    stream.receive(`<iq type='result' id='${stream.last().attrs.id as string}'/>`);
    await disabling;
    expect(carbons.enabled()).toBe(false);
  });

  it('a failed enable rejects and leaves carbons off', async () => {
    const { stream, carbons } = setup();
    const enabling = carbons.enable();
    stream.receive(
      `<iq type='error' id='${stream.last().attrs.id as string}'><error type='cancel'><feature-not-implemented xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`,
    );
    await expect(enabling).rejects.toMatchObject({ condition: 'feature-not-implemented' });
    expect(carbons.enabled()).toBe(false);
  });

  it('unwraps received and sent carbons from our bare JID, once, not as ordinary messages, without a receipt', () => {
    const { stream, got, inbox, refused } = setup();
    const before = stream.sent.length;
    stream.receive(carbon('alice@example.test', 'received', fromBob));
    stream.receive(carbon('Alice@Example.test', 'sent', fromMe)); // case-folded: still our bare JID
    expect(refused).toEqual([]);
    expect(got.map((c) => [c.direction, c.message.body])).toEqual([
      ['received', 'hi from bob'],
      ['sent', 'sent elsewhere'],
    ]);
    expect(got[0]?.message).toMatchObject({ fromBare: 'bob@example.test', originId: 'o-b1', receiptRequested: true });
    expect(got[0]?.message.stanzaIds.get('alice@example.test')).toBe('s-1');
    expect(inbox).toEqual([]); // the message path skips carbon wrappers
    expect(stream.sent.length).toBe(before); // the device that got the original answers receipts
  });

  it.each([
    ['a contact', 'bob@example.test'],
    ['a contact’s full JID', 'bob@example.test/phone'],
    ['another resource of ours (not the bare JID)', 'alice@example.test/laptop'],
    ['our server', 'example.test'],
    ['nobody (no from)', undefined],
    ['a malformed JID', 'a b@@x'],
  ])('[IMPP-D1] refuses a spoofed carbon from %s (CVE-2017-5589 class)', (_who, from) => {
    const { stream, got, inbox, refused } = setup();
    stream.receive(carbon(from, 'received', fromBob));
    stream.receive(carbon(from, 'sent', fromMe));
    expect(got).toEqual([]);
    expect(inbox).toEqual([]); // nor does it slip through as a plain message
    expect(refused).toHaveLength(2);
    expect(refused[0]).toMatch(/carbons come only from our own account alice@example\.test/);
  });

  it.each([
    ['a sent carbon of someone else’s message', carbon('alice@example.test', 'sent', fromBob), /sent carbon .* not ours/],
    [
      'a received carbon addressed to someone else',
      carbon('alice@example.test', 'received', "<message from='bob@example.test/p' to='carol@example.test'><body>x</body></message>"),
      /not addressed to us/,
    ],
    ['a carbon inside a carbon', carbon('alice@example.test', 'received', carbon('alice@example.test', 'received', fromBob).replace('<message ', "<message xmlns='jabber:client' ")), /another forwarded wrapper/],
    ['a carbon with two messages', carbon('alice@example.test', 'received', fromBob + fromBob), /exactly one forwarded message/],
    ['a carbon with no message', carbon('alice@example.test', 'received', ''), /exactly one forwarded message/],
    [
      'a carbon with both sent and received',
      "<message from='alice@example.test'><sent xmlns='urn:xmpp:carbons:2'/><received xmlns='urn:xmpp:carbons:2'/></message>",
      /more than one/,
    ],
    ['a carbon whose message has no sender', carbon('alice@example.test', 'received', "<message to='alice@example.test'><body>x</body></message>"), /without a valid sender/],
  ])('refuses %s', (_what, stanza, reason) => {
    const { stream, got, inbox, refused } = setup();
    stream.receive(stanza);
    expect(got).toEqual([]);
    expect(inbox).toEqual([]);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatch(reason);
  });

  it('ordinary messages still reach the message path (receipts/markers named "received" are not carbons)', () => {
    const { stream, got, inbox } = setup();
    stream.receive("<message from='bob@example.test/p' type='chat' id='m1'><body>plain</body></message>");
    stream.receive("<message from='bob@example.test/p'><received xmlns='urn:xmpp:receipts' id='x1'/></message>");
    expect(got).toEqual([]);
    expect(inbox.map((m) => m.body ?? m.receiptFor)).toEqual(['plain', 'x1']);
  });

  it('a private message carries <private/> and the <no-copy/> hint (§7); an ordinary one does not', () => {
    const { stream, messages } = setup();
    messages.send({ to: 'bob@example.test', body: 'only here', private: true });
    expect(stream.last().getChild('private', NS_CARBONS)).toBeDefined();
    expect(stream.last().getChild('no-copy', NS_HINTS)).toBeDefined();
    messages.send({ to: 'bob@example.test', body: 'everywhere' });
    expect(stream.last().getChild('private', NS_CARBONS)).toBeUndefined();
    expect(stream.last().getChild('no-copy', NS_HINTS)).toBeUndefined();
  });

  it('dispose stops delivery', () => {
    const { stream, carbons, got } = setup();
    carbons.dispose();
    stream.receive(carbon('alice@example.test', 'received', fromBob));
    expect(got).toEqual([]);
  });
});
