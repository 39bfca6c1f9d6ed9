import type { Element } from '@xmpp/xml';
import { describe, expect, it } from 'vitest';
import type { BareJid, FullJid } from '../../../../shared/xmpp/jid';
import { createXmppClient } from '../client/client';
import { createFakeStream } from '../client/testing/fake-stream';
import { DEFAULT_BOOKMARK_LIMITS, parseLegacyStorage } from './0048-bookmarks';
import { registerBookmarks, type BookmarksChanged, type BookmarksOptions } from './0402-bookmarks';
import { NS_BOOKMARKS, parsePepBookmarks } from './0402-bookmarks-pep';
import { parse } from 'ltx';

const ACCOUNT = 'alice@example.test';
const PUBSUB = 'http://jabber.org/protocol/pubsub';
const tick = () => new Promise((r) => setImmediate(r));
const el = (s: string) => parse(s) as unknown as Element;

const ACCOUNT_INFO = (extra: string, max = true) =>
  `<query xmlns='http://jabber.org/protocol/disco#info'><identity category='account' type='registered'/><identity category='pubsub' type='pep'/>` +
  `<feature var='${PUBSUB}#publish-options'/>${max ? `<feature var='${PUBSUB}#config-node-max'/>` : ''}${extra}</query>`;
const COMPAT = `<feature var='urn:xmpp:bookmarks:1#compat'/>`;

function setup(opts: BookmarksOptions = {}) {
  const stream = createFakeStream();
  const client = createXmppClient({ jid: `${ACCOUNT}/desk` as FullJid, account: ACCOUNT as BareJid, stream });
  const bookmarks = registerBookmarks(client, opts);
  const events: BookmarksChanged[] = [];
  bookmarks.onDidChangeBookmarks((e) => events.push(e));
  let seen = 0;
  /** The next stanza we sent (waits for it). */
  const next = async (): Promise<Element> => {
    for (let i = 0; i < 100 && stream.sent.length <= seen; i += 1) await tick();
    const s = stream.sent[seen];
    if (!s) throw new Error('nothing more was sent');
    seen += 1;
    return s;
  };
  const reply = (iq: Element, payload = '', from?: string) =>
    stream.receive(`<iq type='result' id='${iq.attrs.id as string}'${from ? ` from='${from}'` : ''}>${payload}</iq>`);
  const fail = (iq: Element, error: string) => stream.receive(`<iq type='error' id='${iq.attrs.id as string}'><error type='cancel'>${error}</error></iq>`);
  /** Answers the backend detection (disco#info of our account). */
  const detect = async (extra: string, max = true) => {
    const q = await next();
    expect(q.attrs.to).toBe(ACCOUNT);
    reply(q, ACCOUNT_INFO(extra, max), ACCOUNT);
  };
  return { stream, client, bookmarks, events, next, reply, fail, detect };
}

const item = (room: string, attrs: string, inner = '') => `<item id='${room}'><conference xmlns='${NS_BOOKMARKS}' ${attrs}>${inner}</conference></item>`;
const itemsAnswer = (...items: string[]) => `<pubsub xmlns='${PUBSUB}'><items node='${NS_BOOKMARKS}'>${items.join('')}</items></pubsub>`;
const event = (from: string, inner: string, node = NS_BOOKMARKS) =>
  `<message from='${from}' to='${ACCOUNT}/desk' type='headline'><event xmlns='${PUBSUB}#event'><items node='${node}'>${inner}</items></event></message>`;

describe('XEP-0402 bookmark parsing', () => {
  it('reads conference items, keeps extensions verbatim, refuses bad entries with a reason', () => {
    const parsed = parsePepBookmarks(
      el(
        `<items xmlns='${PUBSUB}' node='${NS_BOOKMARKS}'>` +
          item('Council@Conference.Example.Test', `name='Council' autojoin='1'`, `<nick>Puck</nick><password>s3cret</password><extensions><pinned xmlns='urn:xmpp:bookmarks-pinning:0'/></extensions>`) +
          item('lobby@conference.example.test', `autojoin='false'`) +
          item('room@conference.example.test/nick', `name='has a resource'`) +
          item('conference.example.test', `name='no localpart'`) +
          item('big@conference.example.test', '', `<password>${'x'.repeat(5000)}</password>`) +
          item('two@conference.example.test', '', '<nick>a</nick><nick>b</nick>') +
          item('lobby@conference.example.test', `name='second copy'`) +
          `<item id='bare@conference.example.test'/>` +
          `</items>`,
      ),
    );
    expect(parsed.bookmarks).toEqual([
      { room: 'council@conference.example.test', name: 'Council', nick: 'Puck', password: 's3cret', autojoin: true, extensions: [`<pinned xmlns="urn:xmpp:bookmarks-pinning:0"/>`] },
      { room: 'lobby@conference.example.test', autojoin: false, extensions: [] },
    ]);
    expect(parsed.refused.map((r) => r.reason)).toEqual([
      expect.stringMatching(/bare JID/),
      expect.stringMatching(/bare JID/),
      expect.stringMatching(/password is longer than 1024/),
      expect.stringMatching(/more than one <nick/),
      expect.stringMatching(/second item/),
      expect.stringMatching(/no <conference/),
    ]);
    expect(parsed.truncated).toBe(false);
  });

  it('[IMPP-D1] a hostile list of 20 000 bookmarks is cut at the limit before it is parsed', () => {
    const many = Array.from({ length: 20_000 }, (_, i) => item(`r${i}@conference.example.test`, `autojoin='true'`)).join('');
    const t0 = performance.now();
    const parsed = parsePepBookmarks(el(`<items node='${NS_BOOKMARKS}'>${many}</items>`));
    expect(parsed.bookmarks).toHaveLength(DEFAULT_BOOKMARK_LIMITS.maxBookmarks);
    expect(parsed.truncated).toBe(true);
    expect(performance.now() - t0).toBeLessThan(5000);
  });
});

describe('XEP-0048 bookmark parsing', () => {
  it('reads storage:bookmarks; URL bookmarks, unreadable entries and other clients’ elements are kept for write-back', () => {
    const storage = el(
      `<storage xmlns='storage:bookmarks'>` +
        `<conference jid='ops@conference.example.test' name='Ops' autojoin='true'><nick>al</nick><minimize xmlns='xmpp:gajim.org/bookmarks'>1</minimize></conference>` +
        `<url name='Wiki' url='https://wiki.example.test/'/>` +
        `<conference jid='not a jid@@' name='broken'/>` +
        `<conference jid='ops@conference.example.test' name='duplicate'/>` +
        `<conference jid='quiet@conference.example.test'/>` +
        `</storage>`,
    );
    const parsed = parseLegacyStorage(storage);
    expect(parsed.bookmarks).toEqual([
      { room: 'ops@conference.example.test', name: 'Ops', nick: 'al', autojoin: true, extensions: [`<minimize xmlns="xmpp:gajim.org/bookmarks">1</minimize>`] },
      { room: 'quiet@conference.example.test', autojoin: false, extensions: [] },
    ]);
    expect(parsed.refused).toHaveLength(2);
    expect(parsed.other).toEqual([`<url name="Wiki" url="https://wiki.example.test/"/>`, `<conference jid="not a jid@@" name="broken"/>`, `<conference jid="ops@conference.example.test" name="duplicate"/>`]);
    const huge = el(`<storage xmlns='storage:bookmarks'>${Array.from({ length: 5000 }, (_, i) => `<conference jid='r${i}@c.example.test'/>`).join('')}</storage>`);
    const cut = parseLegacyStorage(huge);
    expect(cut.bookmarks).toHaveLength(1000);
    expect(cut.truncated).toBe(true);
  });
});

describe('registerBookmarks', () => {
  it('chooses XEP-0402 when the account advertises #compat, publishes with the §3 publish-options, retracts with notify', async () => {
    const { client, bookmarks, next, reply, detect, events } = setup();
    expect(client.disco.features()).toContain(`${NS_BOOKMARKS}+notify`);
    const listing = bookmarks.list();
    await detect(COMPAT);
    const get = await next();
    expect(get.getChild('pubsub')?.getChild('items')?.attrs.node).toBe(NS_BOOKMARKS);
    reply(get, itemsAnswer(item('a@conference.example.test', `autojoin='true'`, '<nick>al</nick>')));
    expect(await listing).toHaveLength(1);
    expect(await bookmarks.backend()).toMatchObject({ backend: 'xep-0402', compat: true });
    expect(events).toEqual([{ source: 'fetch', changes: [{ kind: 'added', bookmark: { room: 'a@conference.example.test', nick: 'al', autojoin: true, extensions: [] } }] }]);

    const adding = bookmarks.add({ room: 'B@Conference.Example.Test', name: 'Bee', autojoin: true, password: 'pw' });
    const pub = await next();
    expect(pub.getChild('pubsub')?.getChild('publish')?.toString()).toBe(
      `<publish node="${NS_BOOKMARKS}"><item id="b@conference.example.test"><conference xmlns="${NS_BOOKMARKS}" autojoin="true" name="Bee"><password>pw</password></conference></item></publish>`,
    );
    const fields = Object.fromEntries(
      (pub.getChild('pubsub')?.getChild('publish-options')?.getChild('x')?.getChildren('field') ?? []).map((f) => [f.attrs.var as string, f.getChildText('value')]),
    );
    expect(fields).toEqual({
      FORM_TYPE: `${PUBSUB}#publish-options`,
      'pubsub#persist_items': 'true',
      'pubsub#max_items': 'max',
      'pubsub#send_last_published_item': 'never',
      'pubsub#access_model': 'whitelist',
    });
    reply(pub);
    await adding;
    expect(events.at(-1)).toMatchObject({ source: 'local', changes: [{ kind: 'added', bookmark: { room: 'b@conference.example.test' } }] });

    const removing = bookmarks.remove('a@conference.example.test');
    const retract = await next();
    expect(retract.getChild('pubsub')?.getChild('retract')?.toString()).toBe(`<retract node="${NS_BOOKMARKS}" notify="true"><item id="a@conference.example.test"/></retract>`);
    reply(retract);
    await removing;
    expect(events.at(-1)).toMatchObject({ source: 'local', changes: [{ kind: 'removed', room: 'a@conference.example.test' }] });
    expect(bookmarks.current()?.map((b) => b.room)).toEqual(['b@conference.example.test']);
  });

  it('falls back to XEP-0048 without #compat, says why, and switches its +notify feature', async () => {
    const { client, bookmarks, detect } = setup();
    const info = bookmarks.backend();
    await detect('');
    expect(await info).toEqual({ backend: 'xep-0048', compat: false, reason: expect.stringMatching(/does not advertise urn:xmpp:bookmarks:1#compat.*XEP-0049/) });
    expect(client.disco.features()).toContain('storage:bookmarks+notify');
    expect(client.disco.features()).not.toContain(`${NS_BOOKMARKS}+notify`);
  });

  it('refuses a forced XEP-0402 on an account without PEP publish-options', async () => {
    const { bookmarks, next, reply } = setup({ backend: 'xep-0402' });
    const info = bookmarks.backend();
    const q = await next();
    reply(q, `<query xmlns='http://jabber.org/protocol/disco#info'><identity category='account' type='registered'/></query>`, ACCOUNT);
    await expect(info).rejects.toThrow(/publish-options/);
  });

  it('on precondition-not-met configures the node as XEP-0402 asks and publishes again', async () => {
    const { bookmarks, next, reply, fail, detect } = setup();
    const adding = bookmarks.add({ room: 'c@conference.example.test', autojoin: false, extensions: [`<x xmlns='urn:example:ext' a='1'/>`] });
    await detect(COMPAT);
    // Extensions given explicitly: no need to read the stored ones first.
    const first = await next();
    expect(first.getChild('pubsub')?.getChild('publish')?.getChild('item')?.getChild('conference')?.getChild('extensions')?.toString()).toBe(
      `<extensions><x xmlns="urn:example:ext" a="1"/></extensions>`,
    );
    fail(first, `<conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><precondition-not-met xmlns='${PUBSUB}#errors'/>`);
    const getConfig = await next();
    expect(getConfig.getChild('pubsub', `${PUBSUB}#owner`)?.getChild('configure')?.attrs.node).toBe(NS_BOOKMARKS);
    reply(
      getConfig,
      `<pubsub xmlns='${PUBSUB}#owner'><configure node='${NS_BOOKMARKS}'><x xmlns='jabber:x:data' type='form'>` +
        `<field var='FORM_TYPE' type='hidden'><value>${PUBSUB}#node_config</value></field>` +
        `<field var='pubsub#access_model' type='list-single'><value>presence</value></field>` +
        `<field var='pubsub#persist_items' type='boolean'><value>0</value></field>` +
        `<field var='pubsub#max_items' type='text-single'><value>1</value></field></x></configure></pubsub>`,
    );
    const setConfig = await next();
    const submitted = Object.fromEntries(
      (setConfig.getChild('pubsub', `${PUBSUB}#owner`)?.getChild('configure')?.getChild('x')?.getChildren('field') ?? []).map((f) => [f.attrs.var as string, f.getChildText('value')]),
    );
    // send_last_published_item is not in this service's form, so it is not sent.
    expect(submitted).toEqual({ FORM_TYPE: `${PUBSUB}#node_config`, 'pubsub#persist_items': 'true', 'pubsub#max_items': 'max', 'pubsub#access_model': 'whitelist' });
    reply(setConfig);
    const again = await next();
    expect(again.getChild('pubsub')?.getChild('publish')?.getChild('item')?.attrs.id).toBe('c@conference.example.test');
    reply(again);
    await expect(adding).resolves.toMatchObject({ room: 'c@conference.example.test' });
  });

  it('a service that takes only the XEP-0223 publish-options gets those, and the rest by node configuration once', async () => {
    const { bookmarks, next, reply, fail, detect } = setup();
    const optionNames = (iq: Element) => (iq.getChild('pubsub')?.getChild('publish-options')?.getChild('x')?.getChildren('field') ?? []).map((f) => f.attrs.var as string);
    const adding = bookmarks.add({ room: 'd@conference.example.test', autojoin: true, extensions: [] });
    await detect(COMPAT, false); // no config-node-max on this account: a number is sent
    const first = await next();
    expect(first.getChild('pubsub')?.getChild('publish-options')?.toString()).toContain(`<field var="pubsub#max_items"><value>1000</value></field>`);
    // What ejabberd 23.01 answers.
    fail(first, `<resource-constraint xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>Unknown field 'pubsub#max_items'</text>`);
    const second = await next();
    expect(optionNames(second)).toEqual(['FORM_TYPE', 'pubsub#persist_items', 'pubsub#access_model']);
    reply(second);
    const getConfig = await next();
    reply(
      getConfig,
      `<pubsub xmlns='${PUBSUB}#owner'><configure node='${NS_BOOKMARKS}'><x xmlns='jabber:x:data' type='form'>` +
        `<field var='FORM_TYPE' type='hidden'><value>${PUBSUB}#node_config</value></field><field var='pubsub#access_model'/><field var='pubsub#max_items'/>` +
        `<field var='pubsub#send_last_published_item'/><field var='pubsub#persist_items'/></x></configure></pubsub>`,
    );
    const setConfig = await next();
    expect(setConfig.getChild('pubsub', `${PUBSUB}#owner`)?.getChild('configure')?.getChild('x')?.getChildren('field').map((f) => f.attrs.var)).toEqual([
      'FORM_TYPE',
      'pubsub#persist_items',
      'pubsub#max_items',
      'pubsub#send_last_published_item',
      'pubsub#access_model',
    ]);
    reply(setConfig);
    await adding;
    // Learnt for the session: the next publish sends the two fields straight away, no configuration.
    const again = bookmarks.add({ room: 'e@conference.example.test', extensions: [] });
    const third = await next();
    expect(optionNames(third)).toEqual(['FORM_TYPE', 'pubsub#persist_items', 'pubsub#access_model']);
    reply(third);
    await again;
  });

  it('[IMPP-D1] believes bookmark notifications only from our own bare JID', async () => {
    const { stream, bookmarks, events, detect, next, reply } = setup();
    const listing = bookmarks.list();
    await detect(COMPAT);
    reply(await next(), itemsAnswer(item('keep@conference.example.test', `autojoin='true'`)));
    await listing;
    const forged = [
      event('mallory@example.test', item('evil@conference.example.test', `autojoin='true'`)), // a stranger
      event(`${ACCOUNT}/laptop`, item('evil@conference.example.test', `autojoin='true'`)), // a resource: PEP never sends from one
      event('example.test', item('evil@conference.example.test', `autojoin='true'`)), // our server is not our account
      `<message to='${ACCOUNT}/desk'><event xmlns='${PUBSUB}#event'><items node='${NS_BOOKMARKS}'>${item('evil@conference.example.test', '')}</items></event></message>`,
      event('mallory@example.test', `<retract id='keep@conference.example.test'/>`),
      `<message from='mallory@example.test'><event xmlns='${PUBSUB}#event'><purge node='${NS_BOOKMARKS}'/></event></message>`,
    ];
    for (const f of forged) stream.receive(f);
    expect(events).toHaveLength(1); // only the fetch
    expect(bookmarks.current()?.map((b) => b.room)).toEqual(['keep@conference.example.test']);

    // Our other device: added, changed, removed.
    stream.receive(event(ACCOUNT, item('new@conference.example.test', `name='New' autojoin='true'`)));
    stream.receive(event(ACCOUNT, item('new@conference.example.test', `name='Renamed' autojoin='true'`)));
    stream.receive(event(ACCOUNT, item('new@conference.example.test', `name='Renamed' autojoin='true'`))); // unchanged: no event
    stream.receive(event(ACCOUNT, `<retract id='keep@conference.example.test'/>`));
    stream.receive(event(ACCOUNT, item('bad@conference.example.test', '', `<password>${'p'.repeat(2000)}</password>`))); // over the limit: ignored
    expect(events.slice(1)).toEqual([
      { source: 'remote', changes: [{ kind: 'added', bookmark: { room: 'new@conference.example.test', name: 'New', autojoin: true, extensions: [] } }] },
      { source: 'remote', changes: [{ kind: 'changed', bookmark: expect.objectContaining({ name: 'Renamed' }), previous: expect.objectContaining({ name: 'New' }) }] },
      { source: 'remote', changes: [{ kind: 'removed', room: 'keep@conference.example.test', previous: expect.objectContaining({ room: 'keep@conference.example.test' }) }] },
    ]);
    stream.receive(`<message from='${ACCOUNT}'><event xmlns='${PUBSUB}#event'><purge node='${NS_BOOKMARKS}'/></event></message>`);
    expect(events.at(-1)).toMatchObject({ source: 'remote', changes: [{ kind: 'removed', room: 'new@conference.example.test' }] });
    expect(bookmarks.current()).toEqual([]);
  });

  it('reports the PEP echo of our own publish as local, once', async () => {
    const { stream, bookmarks, events, detect, next, reply } = setup();
    const adding = bookmarks.add({ room: 'echo@conference.example.test', autojoin: true, extensions: [] });
    await detect(COMPAT);
    const pub = await next();
    // Servers send the notification before the IQ result.
    stream.receive(event(ACCOUNT, item('echo@conference.example.test', `autojoin='true'`)));
    reply(pub);
    await adding;
    expect(events).toEqual([{ source: 'local', changes: [{ kind: 'added', bookmark: { room: 'echo@conference.example.test', autojoin: true, extensions: [] } }] }]);
  });

  it('update keeps extensions and autojoin unless given; add keeps stored extensions; autojoinRooms filters', async () => {
    const { bookmarks, detect, next, reply } = setup();
    const stored = itemsAnswer(
      item('x@conference.example.test', `name='X' autojoin='true'`, `<nick>n</nick><extensions><pinned xmlns='urn:xmpp:bookmarks-pinning:0'/></extensions>`),
      item('y@conference.example.test', `name='Y'`),
    );
    const updating = bookmarks.update('x@conference.example.test', { name: 'X2', nick: undefined });
    await detect(COMPAT);
    reply(await next(), stored);
    const pub = await next();
    expect(pub.getChild('pubsub')?.getChild('publish')?.getChild('item')?.toString()).toBe(
      `<item id="x@conference.example.test"><conference xmlns="${NS_BOOKMARKS}" autojoin="true" name="X2"><extensions><pinned xmlns="urn:xmpp:bookmarks-pinning:0"/></extensions></conference></item>`,
    );
    reply(pub);
    await updating;
    const adding = bookmarks.add({ room: 'x@conference.example.test', name: 'X3' });
    const pub2 = await next();
    expect(pub2.getChild('pubsub')?.getChild('publish')?.getChild('item')?.getChild('conference')?.toString()).toBe(
      `<conference xmlns="${NS_BOOKMARKS}" autojoin="false" name="X3"><extensions><pinned xmlns="urn:xmpp:bookmarks-pinning:0"/></extensions></conference>`,
    );
    reply(pub2);
    await adding;
    await expect(bookmarks.update('nope@conference.example.test', { name: 'n' })).rejects.toThrow(/no bookmark/);
    await expect(bookmarks.add({ room: 'room@conference.example.test/res' })).rejects.toThrow(/bare JID/);
    await expect(bookmarks.add({ room: 'r@conference.example.test', password: 'x'.repeat(1025) })).rejects.toThrow(/longer than 1024/);
    await expect(bookmarks.add({ room: 'r@conference.example.test', name: 'bell\u0007' })).rejects.toThrow(/XML forbids/);
    const joining = bookmarks.autojoinRooms();
    reply(await next(), itemsAnswer(item('x@conference.example.test', `autojoin='0'`), item('y@conference.example.test', `autojoin='true'`)));
    expect((await joining).map((b) => b.room)).toEqual(['y@conference.example.test']);
  });

  it('XEP-0048 fallback: read-modify-write of private storage keeps URLs and other clients’ data; legacy broadcasts only from us', async () => {
    const { stream, bookmarks, events, next, reply, detect } = setup();
    const privateAnswer = (inner: string) => `<query xmlns='jabber:iq:private'><storage xmlns='storage:bookmarks'>${inner}</storage></query>`;
    const before =
      `<conference jid='old@conference.example.test' name='Old' autojoin='true'><nick>al</nick><minimize xmlns='xmpp:gajim.org/bookmarks'>1</minimize></conference>` +
      `<url name='Wiki' url='https://wiki.example.test/'/>`;
    const adding = bookmarks.add({ room: 'new@conference.example.test', name: 'New', autojoin: true, nick: 'al' });
    await detect(''); // no #compat
    const read = await next();
    expect(read.getChild('query', 'jabber:iq:private')?.getChild('storage', 'storage:bookmarks')).toBeDefined();
    reply(read, privateAnswer(before));
    const write = await next();
    expect(write.attrs.type).toBe('set');
    expect(write.getChild('query', 'jabber:iq:private')?.getChild('storage')?.toString()).toBe(
      `<storage xmlns="storage:bookmarks">` +
        `<conference jid="old@conference.example.test" autojoin="true" name="Old"><nick>al</nick><minimize xmlns="xmpp:gajim.org/bookmarks">1</minimize></conference>` +
        `<conference jid="new@conference.example.test" autojoin="true" name="New"><nick>al</nick></conference>` +
        `<url name="Wiki" url="https://wiki.example.test/"/></storage>`,
    );
    reply(write);
    await adding;
    expect(events).toEqual([
      { source: 'local', changes: [{ kind: 'added', bookmark: expect.objectContaining({ room: 'new@conference.example.test' }) }] },
      { source: 'fetch', changes: [{ kind: 'added', bookmark: expect.objectContaining({ room: 'old@conference.example.test' }) }] },
    ]);
    const legacy = (from: string, inner: string) => event(from, `<item id='current'><storage xmlns='storage:bookmarks'>${inner}</storage></item>`, 'storage:bookmarks');
    stream.receive(legacy('mallory@example.test', '')); // would empty the list
    stream.receive(event(ACCOUNT, item('pep@conference.example.test', `autojoin='true'`))); // XEP-0402 items are not this backend's truth
    expect(events).toHaveLength(2);
    stream.receive(legacy(ACCOUNT, `<conference jid='new@conference.example.test' name='New' autojoin='false'><nick>al</nick></conference>`));
    expect(events.slice(2)).toEqual([
      {
        source: 'remote',
        changes: [
          { kind: 'removed', room: 'old@conference.example.test', previous: expect.anything() },
          { kind: 'changed', bookmark: expect.objectContaining({ autojoin: false }), previous: expect.objectContaining({ autojoin: true }) },
        ],
      },
    ]);
    const removing = bookmarks.remove('new@conference.example.test');
    reply(await next(), privateAnswer(`<conference jid='new@conference.example.test'/><url name='Wiki' url='https://wiki.example.test/'/>`));
    const write2 = await next();
    expect(write2.getChild('query', 'jabber:iq:private')?.getChild('storage')?.toString()).toBe(`<storage xmlns="storage:bookmarks"><url name="Wiki" url="https://wiki.example.test/"/></storage>`);
    reply(write2);
    await removing;
    expect(bookmarks.current()).toEqual([]);
  });
});
