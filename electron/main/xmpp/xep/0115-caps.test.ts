import type { Element } from '@xmpp/xml';
import { parse } from 'ltx';
import { describe, expect, it } from 'vitest';
import type { BareJid, FullJid } from '../../../../shared/xmpp/jid';
import { createXmppClient } from '../client/client';
import { formElement, parseExtensionForms } from '../client/disco-registry';
import { createFakeStream, type FakeStream } from '../client/testing/fake-stream';
import { registerPresence } from '../im/presence';
import { NS_DISCO_INFO, registerDisco } from './0030-disco';
import { capsVer, createMemoryCapsCache, parseCapsInfo, registerCaps, verificationString, type CapsCache, type CapsInfo, type CapsResolved } from './0115-caps';

const tick = () => new Promise((r) => setImmediate(r));

function setup(cache: CapsCache = createMemoryCapsCache()) {
  const stream = createFakeStream();
  const client = createXmppClient({ jid: 'alice@example.test/desk' as FullJid, account: 'alice@example.test' as BareJid, stream });
  const presence = registerPresence(client);
  const disco = registerDisco(client, { name: 'Bastion' });
  const caps = registerCaps(client, { presence, disco, node: 'https://bastion.example/caps', cache });
  const resolved: CapsResolved[] = [];
  caps.onDidResolve((e) => resolved.push(e));
  return { stream, client, presence, disco, caps, resolved };
}

const discoQueries = (stream: FakeStream): Element[] => stream.sent.filter((s) => s.name === 'iq' && s.getChild('query', NS_DISCO_INFO) !== undefined && s.attrs.type === 'get');

function answer(stream: FakeStream, iq: Element, info: CapsInfo | string): void {
  const node = iq.getChild('query')?.attrs.node as string | undefined;
  const body =
    typeof info === 'string'
      ? info
      : info.identities.map((i) => `<identity category='${i.category}' type='${i.type}'${i.name ? ` name='${i.name}'` : ''}/>`).join('') +
        info.features.map((f) => `<feature var='${f}'/>`).join('') +
        info.forms.map((f) => formElement(f).toString()).join('');
  stream.receive(`<iq type='result' id='${iq.attrs.id as string}' from='${iq.attrs.to as string}'><query xmlns='${NS_DISCO_INFO}'${node ? ` node='${node}'` : ''}>${body}</query></iq>`);
}

const presenceWithCaps = (from: string, attrs: string) => `<presence from='${from}'><c xmlns='http://jabber.org/protocol/caps' ${attrs}/></presence>`;

const EXODUS: CapsInfo = {
  identities: [{ category: 'client', type: 'pc', name: 'Exodus 0.9.1' }],
  features: ['http://jabber.org/protocol/disco#info', 'http://jabber.org/protocol/disco#items', 'http://jabber.org/protocol/muc', 'http://jabber.org/protocol/caps'],
  forms: [],
};

describe('XEP-0115 verification string (§5.1)', () => {
  it('§5.2 simple example: S and ver exactly as in the XEP', () => {
    expect(verificationString(EXODUS)).toBe(
      'client/pc//Exodus 0.9.1<http://jabber.org/protocol/caps<http://jabber.org/protocol/disco#info<http://jabber.org/protocol/disco#items<http://jabber.org/protocol/muc<',
    );
    expect(capsVer(EXODUS)).toBe('QgayPKawpkPSDYmwT/WM94uAlu0=');
  });

  it('§5.3 complex example (two languages, a XEP-0128 form) parsed from the XEP answer: S and ver exactly', () => {
    const query = parse(
      "<query xmlns='http://jabber.org/protocol/disco#info' node='http://psi-im.org#q07IKJEyjvHSyhy//CH0CxmKi8w='>" +
        "<identity xml:lang='en' category='client' name='Psi 0.11' type='pc'/>" +
        "<identity xml:lang='el' category='client' name='Ψ 0.11' type='pc'/>" +
        "<feature var='http://jabber.org/protocol/caps'/><feature var='http://jabber.org/protocol/disco#info'/>" +
        "<feature var='http://jabber.org/protocol/disco#items'/><feature var='http://jabber.org/protocol/muc'/>" +
        "<x xmlns='jabber:x:data' type='result'>" +
        "<field var='FORM_TYPE' type='hidden'><value>urn:xmpp:dataforms:softwareinfo</value></field>" +
        "<field var='ip_version'><value>ipv4</value><value>ipv6</value></field>" +
        "<field var='os'><value>Mac</value></field><field var='os_version'><value>10.5.1</value></field>" +
        "<field var='software'><value>Psi</value></field><field var='software_version'><value>0.11</value></field>" +
        '</x></query>',
    ) as Element;
    const parsed = parseCapsInfo(query);
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(verificationString(parsed.info)).toBe(
      'client/pc/el/Ψ 0.11<client/pc/en/Psi 0.11<http://jabber.org/protocol/caps<http://jabber.org/protocol/disco#info<' +
        'http://jabber.org/protocol/disco#items<http://jabber.org/protocol/muc<urn:xmpp:dataforms:softwareinfo<' +
        'ip_version<ipv4<ipv6<os<Mac<os_version<10.5.1<software<Psi<software_version<0.11<',
    );
    expect(capsVer(parsed.info)).toBe('q07IKJEyjvHSyhy//CH0CxmKi8w=');
  });

  it('sorts by octets (i;octet), not by UTF-16 code units, and hashes "&lt;" literally', () => {
    // UTF-16 puts U+1F600 (surrogates 0xD83D…) before U+FF5E; UTF-8 bytes (F0 9F… vs EF BD…) the other way round.
    const info: CapsInfo = { identities: [], features: ['x\u{1F600}', 'x\uFF5E'], forms: [] };
    expect(verificationString(info)).toBe('x\uFF5E<x\u{1F600}<');
    expect(verificationString({ identities: [], features: ['a&lt;b'], forms: [] })).toBe('a&lt;b<');
  });

  it('§5.4: duplicate identities, duplicate features, two forms of one FORM_TYPE make an answer ill-formed; a form without hidden FORM_TYPE is skipped', () => {
    const q = (body: string) => parse(`<query xmlns='${NS_DISCO_INFO}'>${body}</query>`) as Element;
    expect(parseCapsInfo(q("<identity category='client' type='pc'/><identity category='client' type='pc'/>")).ok).toBe(false);
    expect(parseCapsInfo(q("<feature var='a'/><feature var='a'/>")).ok).toBe(false);
    const form = "<x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE' type='hidden'><value>urn:x</value></field></x>";
    expect(parseCapsInfo(q(form + form)).ok).toBe(false);
    expect(parseCapsInfo(q("<x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE' type='hidden'><value>a</value><value>b</value></field></x>")).ok).toBe(false);
    const skipped = parseCapsInfo(q("<feature var='a'/><x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE'><value>urn:x</value></field></x>"));
    expect(skipped).toEqual({ ok: true, info: { identities: [], features: ['a'], forms: [] } });
    expect(parseCapsInfo(q("<identity type='pc'/>")).ok).toBe(false);
  });
});

describe('XEP-0128 service discovery extensions', () => {
  it('forms added as data or as elements are in our disco#info answer; parsing an answer exposes the usable forms', async () => {
    const { stream, client } = setup();
    const off = client.disco.addExtension({ formType: 'urn:xmpp:dataforms:softwareinfo', fields: [{ var: 'software', values: ['Bastion'] }] });
    client.disco.addExtension(() => parse("<x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE' type='hidden'><value>urn:example:x</value></field><field var='k'><value>v</value></field></x>") as Element);
    stream.receive(`<iq type='get' id='i1' from='bob@example.test/x'><query xmlns='${NS_DISCO_INFO}'/></iq>`);
    await tick();
    const query = stream.last().getChild('query', NS_DISCO_INFO);
    expect(parseExtensionForms(query)).toEqual([
      { formType: 'urn:xmpp:dataforms:softwareinfo', fields: [{ var: 'software', values: ['Bastion'] }] },
      { formType: 'urn:example:x', fields: [{ var: 'k', values: ['v'] }] },
    ]);
    expect(client.disco.extensionForms().map((f) => f.formType)).toEqual(['urn:xmpp:dataforms:softwareinfo', 'urn:example:x']);
    off();
    expect(client.disco.extensions()).toHaveLength(1);
    // Someone else's answer: a form without FORM_TYPE or with a visible one is skipped.
    const theirs = parse(
      `<query xmlns='${NS_DISCO_INFO}'><x xmlns='jabber:x:data' type='result'><field var='a'><value>1</value></field></x>` +
        "<x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE'><value>urn:visible</value></field></x></query>",
    ) as Element;
    expect(parseExtensionForms(theirs)).toEqual([]);
  });
});

describe('XEP-0115 our caps', () => {
  it('every presence carries <c/> with the hash of our disco#info, which answers at node#ver; a feature change re-announces', async () => {
    const { stream, client, presence, caps } = setup();
    await tick();
    presence.setOwn({ status: 'here' });
    const c = stream.last().getChild('c', 'http://jabber.org/protocol/caps');
    expect(c?.attrs).toMatchObject({ hash: 'sha-1', node: 'https://bastion.example/caps', ver: caps.own().ver });
    presence.sendTo('bob@example.test/x', {});
    expect(stream.last().getChild('c', 'http://jabber.org/protocol/caps')?.attrs.ver).toBe(caps.own().ver);

    // What a peer would do: query node#ver and check the hash of the answer.
    const ver = caps.own().ver;
    stream.receive(`<iq type='get' id='q1' from='bob@example.test/x'><query xmlns='${NS_DISCO_INFO}' node='https://bastion.example/caps#${ver}'/></iq>`);
    await tick();
    const result = stream.last();
    expect(result.attrs).toMatchObject({ type: 'result', id: 'q1' });
    const parsed = parseCapsInfo(result.getChild('query', NS_DISCO_INFO));
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(capsVer(parsed.info)).toBe(ver);
    expect(parsed.info.features).toContain('http://jabber.org/protocol/caps');

    // A module adds a feature and a XEP-0128 form: one new presence, new ver, old node gone.
    const before = stream.sent.length;
    client.disco.addFeature('urn:example:new');
    client.disco.addExtension({ formType: 'urn:xmpp:dataforms:softwareinfo', fields: [{ var: 'software', values: ['Bastion'] }] });
    await tick();
    const announcements = stream.sent.slice(before).filter((s) => s.name === 'presence');
    expect(announcements).toHaveLength(1);
    const newVer = announcements[0]?.getChild('c', 'http://jabber.org/protocol/caps')?.attrs.ver as string;
    expect(newVer).not.toBe(ver);
    expect(announcements[0]?.getChildText('status')).toBe('here');
    stream.receive(`<iq type='get' id='q2' from='bob@example.test/x'><query xmlns='${NS_DISCO_INFO}' node='https://bastion.example/caps#${newVer}'/></iq>`);
    await tick();
    const again = parseCapsInfo(stream.last().getChild('query', NS_DISCO_INFO));
    if (!again.ok) throw new Error(again.reason);
    expect(again.info.forms).toEqual([{ formType: 'urn:xmpp:dataforms:softwareinfo', fields: [{ var: 'software', values: ['Bastion'] }] }]);
    expect(capsVer(again.info)).toBe(newVer);
    stream.receive(`<iq type='get' id='q3' from='bob@example.test/x'><query xmlns='${NS_DISCO_INFO}' node='https://bastion.example/caps#${ver}'/></iq>`);
    await tick();
    expect(stream.last().attrs.type).toBe('error');
  });
});

describe('XEP-0115 their caps', () => {
  it('1,000 contacts with one ver: one disco#info, verified, cached; a later session reads the cache and asks nobody', async () => {
    const cache = createMemoryCapsCache();
    const { stream, caps, resolved } = setup(cache);
    const ver = capsVer(EXODUS);
    for (let i = 0; i < 1000; i += 1) stream.receive(presenceWithCaps(`user${i}@example.test/res`, `hash='sha-1' node='http://code.google.com/p/exodus' ver='${ver}'`));
    await tick();
    const queries = discoQueries(stream);
    expect(queries).toHaveLength(1);
    expect(queries[0]?.getChild('query')?.attrs.node).toBe(`http://code.google.com/p/exodus#${ver}`);
    answer(stream, queries[0] as Element, EXODUS);
    await tick();
    expect(resolved).toHaveLength(1000);
    expect(resolved.every((r) => r.verified)).toBe(true);
    expect(caps.featuresOf('user999@example.test/res')).toContain('http://jabber.org/protocol/muc');
    expect(await cache.get('sha-1', ver)).toEqual(EXODUS);
    // A second resource with the same ver: known this session, no query.
    stream.receive(presenceWithCaps('user0@example.test/phone', `hash='sha-1' node='http://code.google.com/p/exodus' ver='${ver}'`));
    await tick();
    expect(discoQueries(stream)).toHaveLength(1);
    expect(resolved.at(-1)).toMatchObject({ jid: 'user0@example.test/phone', source: 'session' });
    stream.receive("<presence from='user0@example.test/phone' type='unavailable'/>");
    expect(caps.featuresOf('user0@example.test/phone')).toBeUndefined();

    const later = setup(cache);
    later.stream.receive(presenceWithCaps('bob@example.test/x', `hash='sha-1' node='n' ver='${ver}'`));
    await tick();
    expect(discoQueries(later.stream)).toHaveLength(0);
    expect(later.resolved).toEqual([{ jid: 'bob@example.test/x', info: EXODUS, source: 'cache', verified: true }]);
    expect(later.caps.stats()).toMatchObject({ queries: 0, hits: 1 });
  });

  it('cache poisoning: an answer that does not hash to the claimed ver is not cached; the next account is asked', async () => {
    const cache = createMemoryCapsCache();
    const { stream, caps, resolved } = setup(cache);
    const ver = capsVer(EXODUS);
    const lie: CapsInfo = { ...EXODUS, features: [...EXODUS.features, 'urn:evil'] };
    stream.receive(presenceWithCaps('mallory@example.test/m', `hash='sha-1' node='n' ver='${ver}'`));
    stream.receive(presenceWithCaps('mallory@example.test/m2', `hash='sha-1' node='n' ver='${ver}'`));
    stream.receive(presenceWithCaps('bob@example.test/b', `hash='sha-1' node='n' ver='${ver}'`));
    await tick();
    const [first] = discoQueries(stream);
    expect(first?.attrs.to).toBe('mallory@example.test/m');
    answer(stream, first as Element, lie);
    await tick();
    expect(await cache.get('sha-1', ver)).toBeUndefined();
    expect(resolved).toEqual([{ jid: 'mallory@example.test/m', info: lie, source: 'query', verified: false }]);
    // mallory's second resource is the same account: bob is asked next (§9).
    const second = discoQueries(stream)[1];
    expect(second?.attrs.to).toBe('bob@example.test/b');
    answer(stream, second as Element, EXODUS);
    await tick();
    expect(await cache.get('sha-1', ver)).toEqual(EXODUS);
    expect(caps.featuresOf('bob@example.test/b')).not.toContain('urn:evil');
    expect(caps.featuresOf('mallory@example.test/m2')).toEqual(EXODUS.features);
    expect(caps.featuresOf('mallory@example.test/m')).toContain('urn:evil'); // believed for itself only
    expect(caps.stats()).toMatchObject({ queries: 2, rejected: 1 });
  });

  it('a stored entry that does not hash to its key is ignored (storage is not trusted more than the wire)', async () => {
    const cache = createMemoryCapsCache();
    const ver = capsVer(EXODUS);
    await cache.put('sha-1', ver, { ...EXODUS, features: ['urn:tampered'] });
    const { stream } = setup(cache);
    stream.receive(presenceWithCaps('bob@example.test/b', `hash='sha-1' node='n' ver='${ver}'`));
    await tick();
    expect(discoQueries(stream)).toHaveLength(1);
  });

  it('legacy caps (no hash, ext, an unsupported hash): a node-less query per JID, never cached', async () => {
    const cache = createMemoryCapsCache();
    const { stream, caps, resolved } = setup(cache);
    stream.receive(presenceWithCaps('old@example.test/a', "node='http://old' ver='1.0'"));
    stream.receive(presenceWithCaps('old2@example.test/a', "node='http://old' ver='1.0'"));
    stream.receive(presenceWithCaps('ext@example.test/a', `hash='sha-1' node='http://x' ver='${capsVer(EXODUS)}' ext='voice'`));
    stream.receive(presenceWithCaps('md5@example.test/a', "hash='md5' node='http://x' ver='abc'"));
    await tick();
    const queries = discoQueries(stream);
    expect(queries.map((q) => q.attrs.to)).toEqual(['old@example.test/a', 'old2@example.test/a', 'ext@example.test/a', 'md5@example.test/a']);
    expect(queries.every((q) => q.getChild('query')?.attrs.node === undefined)).toBe(true);
    for (const q of queries) answer(stream, q, EXODUS);
    await tick();
    expect(resolved.map((r) => r.verified)).toEqual([false, false, false, false]);
    expect(caps.featuresOf('old@example.test/a')).toEqual(EXODUS.features);
    expect(await cache.get('sha-1', capsVer(EXODUS))).toBeUndefined();
    // The same legacy presence again asks nothing new.
    stream.receive(presenceWithCaps('old@example.test/a', "node='http://old' ver='1.0'"));
    await tick();
    expect(discoQueries(stream)).toHaveLength(4);
  });

  it('hostile <c/> (missing or oversized attributes), errors and garbage answers never throw and resolve nothing', async () => {
    const { stream, caps, resolved } = setup();
    stream.receive(presenceWithCaps('a@example.test/a', "hash='sha-1' node='n'"));
    stream.receive(presenceWithCaps('b@example.test/b', `hash='sha-1' node='n' ver='${'x'.repeat(300)}'`));
    stream.receive(presenceWithCaps('bad jid@/x', "hash='sha-1' node='n' ver='v'"));
    stream.receive(presenceWithCaps('c@example.test/c', "hash='sha-1' node='n' ver='v1'"));
    stream.receive(presenceWithCaps('d@example.test/d', "hash='sha-1' node='n' ver='v2'"));
    await tick();
    const [q1, q2] = discoQueries(stream);
    expect(discoQueries(stream)).toHaveLength(2);
    stream.receive(`<iq type='error' id='${q1?.attrs.id as string}' from='c@example.test/c'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`);
    answer(stream, q2 as Element, "<feature var='a'/><feature var='a'/>");
    await tick();
    expect(resolved).toEqual([]);
    expect(caps.featuresOf('c@example.test/c')).toBeUndefined();
    expect(caps.stats().rejected).toBe(1);
  });
});
