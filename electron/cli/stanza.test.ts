import { Element, escapeXMLText } from '@xmpp/xml';
import { describe, expect, it } from 'vitest';
import { chatMessage, iqAnswer, NS_SID, receivedMessage } from './stanza';

function el(name: string, attrs: Record<string, string>, ...children: Element[]): Element {
  const e = new Element(name, attrs);
  for (const c of children) e.cnode(c);
  return e;
}

describe('CLI stanzas', () => {
  it('a chat message carries an escaped body and a XEP-0359 origin-id equal to its id', () => {
    const m = chatMessage("bob@x.test", "a <b> & 'c'", 'id-1');
    expect(m.xml).toBe(
      `<message type='chat' to='bob@x.test' id='id-1'><body>${escapeXMLText("a <b> & 'c'")}</body><origin-id xmlns='${NS_SID}' id='id-1'/></message>`,
    );
    expect(chatMessage('bob@x.test', 'x').id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('only messages with a body are printed; type defaults to normal', () => {
    const at = new Date('2026-01-01T00:00:00Z');
    const body = new Element('body').t('hi');
    expect(receivedMessage(el('message', { from: 'a@x.test/r', id: '7' }, body), at)).toEqual({
      from: 'a@x.test/r',
      type: 'normal',
      id: '7',
      body: 'hi',
      receivedAt: '2026-01-01T00:00:00.000Z',
    });
    expect(receivedMessage(el('message', { from: 'a@x.test/r', type: 'chat' }), at)).toBeUndefined();
    expect(receivedMessage(el('presence', {}, new Element('body').t('x')), at)).toBeUndefined();
  });

  it('answers pings, refuses other IQ requests, ignores results', () => {
    const ping = el('iq', { type: 'get', id: 'p1', from: 'x.test' }, new Element('ping', { xmlns: 'urn:xmpp:ping' }));
    expect(iqAnswer(ping)).toBe("<iq type='result' id='p1' to='x.test'/>");
    expect(iqAnswer(el('iq', { type: 'get', id: 'v1', from: 'a@x.test/r' }, new Element('query', { xmlns: 'jabber:iq:version' })))).toContain('service-unavailable');
    expect(iqAnswer(el('iq', { type: 'result', id: 'r' }))).toBeUndefined();
  });
});
