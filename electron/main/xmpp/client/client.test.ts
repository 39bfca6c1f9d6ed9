import xml from '@xmpp/xml';
import { describe, expect, it } from 'vitest';
import type { BareJid, FullJid } from '../../../../shared/xmpp/jid';
import { registerDisco } from '../xep/0030-disco';
import { registerVersion } from '../xep/0092-version';
import { registerTime } from '../xep/0202-time';
import { createXmppClient, IqError, StanzaError } from './client';
import { createFakeStream } from './testing/fake-stream';

function setup() {
  const stream = createFakeStream();
  const client = createXmppClient({ jid: 'alice@example.test/desk' as FullJid, account: 'alice@example.test' as BareJid, stream });
  return { stream, client };
}

describe('XMPP client core', () => {
  it('answers an unhandled IQ request with service-unavailable and ignores unhandled results (RFC 6120 §8.4)', () => {
    const { stream } = setup();
    stream.receive("<iq type='get' id='q1' from='bob@example.test/r'><query xmlns='urn:example:unknown'/></iq>");
    const reply = stream.last();
    expect(reply.attrs).toMatchObject({ type: 'error', id: 'q1', to: 'bob@example.test/r' });
    expect(reply.getChild('error')?.getChild('service-unavailable', 'urn:ietf:params:xml:ns:xmpp-stanzas')).toBeDefined();
    const before = stream.sent.length;
    stream.receive("<iq type='result' id='nobody-asked' from='bob@example.test/r'/>");
    stream.receive("<iq type='get' from='bob@example.test/r'><query xmlns='urn:example:unknown'/></iq>"); // no id: not answerable
    expect(stream.sent.length).toBe(before);
  });

  it('matches answers on id and sender: a forged result from a third party does not complete a request', async () => {
    const { stream, client } = setup();
    const p = client.request('get', 'bob@example.test/r', xml('ping', { xmlns: 'urn:xmpp:ping' }), 1000);
    const id = stream.last().attrs.id as string;
    stream.receive(`<iq type='result' id='${id}' from='mallory@example.test/x'/>`);
    stream.receive(`<iq type='error' id='${id}' from='bob@example.test/r'><error type='cancel'><feature-not-implemented xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`);
    await expect(p).rejects.toMatchObject({ condition: 'feature-not-implemented' });
  });

  it('our own server may answer without a from (RFC 6120 §10.3.3); a closed stream rejects pending requests', async () => {
    const { stream, client } = setup();
    const p = client.request('get', undefined, xml('ping', { xmlns: 'urn:xmpp:ping' }));
    stream.receive(`<iq type='result' id='${stream.last().attrs.id as string}'/>`);
    await expect(p).resolves.toBeDefined();
    const q = client.request('get', undefined, xml('ping', { xmlns: 'urn:xmpp:ping' }));
    stream.end('link lost');
    await expect(q).rejects.toBeInstanceOf(IqError);
  });

  it('a handler error becomes the stanza error it names; a bug becomes internal-server-error', async () => {
    const { stream, client } = setup();
    client.handleIq('get', 'urn:example', 'q', () => {
      throw new StanzaError('forbidden', 'auth', 'no');
    });
    client.handleIq('set', 'urn:example', 'q', () => {
      throw new Error('bug');
    });
    stream.receive("<iq type='get' id='a' from='x@example.test/r'><q xmlns='urn:example'/></iq>");
    stream.receive("<iq type='set' id='b' from='x@example.test/r'><q xmlns='urn:example'/></iq>");
    await new Promise((r) => setImmediate(r));
    const [a, b] = stream.sent.slice(-2);
    expect(a?.getChild('error')?.getChild('forbidden')).toBeDefined();
    expect(b?.getChild('error')?.getChild('internal-server-error')).toBeDefined();
    expect(() => client.handleIq('get', 'urn:example', 'q', () => undefined)).toThrow(/two handlers/);
  });
});

describe('XEP-0030, XEP-0092, XEP-0202', () => {
  it('disco#info lists our identity and every registered feature, and unknown nodes are item-not-found', async () => {
    const { stream, client } = setup();
    registerDisco(client, { name: 'Bastion' });
    registerVersion(client, { name: 'Bastion', version: '1.2.3' });
    registerTime(client, { now: () => new Date(Date.UTC(2026, 0, 2, 3, 4, 5)) });
    stream.receive("<iq type='get' id='d1' from='bob@example.test/r'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
    await new Promise((r) => setImmediate(r));
    const q = stream.last().getChild('query');
    expect(q?.getChild('identity')?.attrs).toMatchObject({ category: 'client', type: 'pc', name: 'Bastion' });
    expect(q?.getChildren('feature').map((f) => f.attrs.var)).toEqual(['http://jabber.org/protocol/disco#info', 'jabber:iq:version', 'urn:xmpp:time']);
    stream.receive("<iq type='get' id='d2' from='bob@example.test/r'><query xmlns='http://jabber.org/protocol/disco#info' node='nope'/></iq>");
    await new Promise((r) => setImmediate(r));
    expect(stream.last().getChild('error')?.getChild('item-not-found')).toBeDefined();
  });

  it('version answers name and version but never the operating system; time answers XEP-0082 UTC', async () => {
    const { stream, client } = setup();
    registerVersion(client, { name: 'Bastion', version: '1.2.3' });
    registerTime(client, { now: () => new Date(Date.UTC(2026, 0, 2, 3, 4, 5)) });
    stream.receive("<iq type='get' id='v' from='bob@example.test/r'><query xmlns='jabber:iq:version'/></iq>");
    stream.receive("<iq type='get' id='t' from='bob@example.test/r'><time xmlns='urn:xmpp:time'/></iq>");
    await new Promise((r) => setImmediate(r));
    const [v, t] = stream.sent.slice(-2);
    expect(v?.getChild('query')?.getChildText('version')).toBe('1.2.3');
    expect(v?.getChild('query')?.getChild('os')).toBeUndefined();
    expect(t?.getChild('time')?.getChildText('utc')).toBe('2026-01-02T03:04:05.000Z');
  });
});
