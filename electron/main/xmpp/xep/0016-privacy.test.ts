import type { Element } from '@xmpp/xml';
import { parse } from 'ltx';
import { describe, expect, it } from 'vitest';
import type { BareJid, FullJid } from '../../../../shared/xmpp/jid';
import { createXmppClient } from '../client/client';
import { createFakeStream } from '../client/testing/fake-stream';
import { checkPrivacyItems, MAX_PRIVACY_ITEMS, ONLY_CONTACTS_LIST, onlyMyContactsItems, parsePrivacyItems, registerPrivacy, type PrivacyItem } from './0016-privacy';

const el = (s: string): Element => parse(s) as Element;
const tick = () => new Promise((r) => setImmediate(r));
const list = (items: string) => el(`<list name='l'>${items}</list>`);
const reason = (items: string): string => {
  const r = parsePrivacyItems(list(items));
  if (r.ok) throw new Error('accepted');
  return r.reason;
};

function setup() {
  const stream = createFakeStream();
  const client = createXmppClient({ jid: 'me@example.test/desk' as FullJid, account: 'me@example.test' as BareJid, stream });
  const privacy = registerPrivacy(client);
  /** Answers the last request with `payload` (or an error condition). */
  const answer = (payload: string, error?: string) => {
    const id = stream.last().attrs.id as string;
    stream.receive(error ? `<iq type='error' id='${id}'><error type='cancel'><${error} xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>` : `<iq type='result' id='${id}'>${payload}</iq>`);
  };
  return { stream, client, privacy, answer };
}

describe('XEP-0016 privacy lists', () => {
  it('parses every item type and stanza kind, in order; equal orders keep document order (ejabberd blocks)', () => {
    const r = parsePrivacyItems(
      list(
        "<item type='subscription' value='none' action='deny' order='9'><message/><presence-in/></item>" +
          "<item type='jid' value='Mallory@Evil.Example' action='deny' order='0'/>" +
          "<item type='jid' value='eve@evil.example' action='deny' order='0'/>" +
          "<item type='group' value='Friends' action='allow' order='5'><iq/><presence-out/></item>" +
          "<item action='allow' order='4294967295'/>",
      ),
    );
    expect(r).toEqual({
      ok: true,
      items: [
        { action: 'deny', order: 0, match: { kind: 'jid', jid: 'mallory@evil.example' }, stanzas: [] },
        { action: 'deny', order: 0, match: { kind: 'jid', jid: 'eve@evil.example' }, stanzas: [] },
        { action: 'allow', order: 5, match: { kind: 'group', group: 'Friends' }, stanzas: ['iq', 'presence-out'] },
        { action: 'deny', order: 9, match: { kind: 'subscription', subscription: 'none' }, stanzas: ['message', 'presence-in'] },
        { action: 'allow', order: 4294967295, match: { kind: 'all' }, stanzas: [] },
      ],
    });
  });

  it('[IMPP-D1] refuses a list with any item it cannot read, saying why', () => {
    expect(reason("<item action='maybe' order='1'/>")).toBe('item 1: action must be allow or deny (§2.1)');
    expect(reason("<item action='allow' order='-1'/>")).toMatch(/not an unsigned integer/);
    expect(reason("<item action='allow' order='4294967296'/>")).toMatch(/not an unsigned integer/);
    expect(reason("<item action='allow' order='1.5'/>")).toMatch(/not an unsigned integer/);
    expect(reason("<item type='role' value='x' action='allow' order='1'/>")).toMatch(/unknown type 'role'/);
    expect(reason("<item type='subscription' value='pending' action='allow' order='1'/>")).toMatch(/both, to, from or none/);
    expect(reason("<item type='jid' value='a@b@c' action='allow' order='1'/>")).toMatch(/not a JID/);
    expect(reason("<item type='jid' action='allow' order='1'/>")).toMatch(/without a value/);
    expect(reason("<item value='x' action='allow' order='1'/>")).toMatch(/value without a type/);
    expect(reason("<item action='allow' order='1'><presence/></item>")).toMatch(/unknown child <presence\/>/);
    const many = Array.from({ length: MAX_PRIVACY_ITEMS + 1 }, (_, i) => `<item action='allow' order='${i}'/>`).join('');
    expect(reason(many)).toMatch(/at most 1000/);
  });

  it('checks a list before sending it', () => {
    const item: PrivacyItem = { action: 'allow', order: 1, match: { kind: 'all' }, stanzas: [] };
    expect(checkPrivacyItems([])).toMatch(/empty list would delete it/);
    expect(checkPrivacyItems([item, item])).toMatch(/appears twice/);
    expect(checkPrivacyItems([{ ...item, order: -1 }])).toMatch(/unsigned/);
    expect(checkPrivacyItems([{ ...item, match: { kind: 'jid', jid: 'not a jid@' } }])).toMatch(/not a JID/);
    expect(checkPrivacyItems([item])).toBeUndefined();
  });

  it('lists, gets, sets, activates, declines and deletes with the XEP-0016 stanzas', async () => {
    const { stream, privacy, answer } = setup();
    const lists = privacy.lists();
    expect(stream.last().toString()).toMatch(/<query xmlns="jabber:iq:privacy"\/>/);
    answer("<query xmlns='jabber:iq:privacy'><active name='a'/><default name='d'/><list name='a'/><list name='d'/><list name=''/></query>");
    expect(await lists).toEqual({ names: ['a', 'd'], active: 'a', default: 'd' });

    const got = privacy.getList('d');
    expect(stream.last().getChild('query')?.getChild('list')?.attrs.name).toBe('d');
    answer("<query xmlns='jabber:iq:privacy'><list name='d'><item action='deny' order='1'><message/></item></list></query>");
    expect(await got).toEqual([{ action: 'deny', order: 1, match: { kind: 'all' }, stanzas: ['message'] }]);

    const set = privacy.setList('n', [{ action: 'allow', order: 3, match: { kind: 'subscription', subscription: 'both' }, stanzas: ['message', 'iq'] }]);
    expect(stream.last().attrs.type).toBe('set');
    expect(stream.last().getChild('query')?.toString()).toBe(
      '<query xmlns="jabber:iq:privacy"><list name="n"><item type="subscription" value="both" action="allow" order="3"><message/><iq/></item></list></query>',
    );
    answer('');
    await set;
    for (const [call, xmlText] of [
      [() => privacy.setActive('n'), '<active name="n"/>'],
      [() => privacy.setActive(null), '<active/>'],
      [() => privacy.setDefault('n'), '<default name="n"/>'],
      [() => privacy.setDefault(null), '<default/>'],
      [() => privacy.deleteList('n'), '<list name="n"/>'],
    ] as const) {
      const p = call();
      expect(stream.last().getChild('query')?.children.map(String).join('')).toBe(xmlText);
      answer('');
      await p;
    }
  });

  it('maps refusals to typed errors: not supported, not found, conflict', async () => {
    const { privacy, answer } = setup();
    const a = privacy.lists();
    answer('', 'service-unavailable');
    await expect(a).rejects.toMatchObject({ name: 'PrivacyError', reason: 'not-supported', message: 'privacy lists: the server does not support privacy lists (XEP-0016)' });
    const b = privacy.getList('x');
    answer('', 'item-not-found');
    await expect(b).rejects.toMatchObject({ reason: 'not-found' });
    const c = privacy.setDefault('x');
    answer('', 'conflict');
    await expect(c).rejects.toMatchObject({ reason: 'conflict' });
    const d = privacy.getList('x');
    answer("<query xmlns='jabber:iq:privacy'><list name='x'><item action='sometimes' order='1'/></list></query>");
    await expect(d).rejects.toMatchObject({ reason: 'malformed' });
  });

  it('accepts pushes only from our own account (§2.7), and answers them', async () => {
    const { stream, privacy } = setup();
    const pushed: string[] = [];
    privacy.onDidChangeList((n) => pushed.push(n));
    stream.receive("<iq type='set' id='p1' from='mallory@example.test/x'><query xmlns='jabber:iq:privacy'><list name='evil'/></query></iq>");
    await tick();
    expect(stream.last().attrs).toMatchObject({ type: 'error', id: 'p1' });
    stream.receive("<iq type='set' id='p2'><query xmlns='jabber:iq:privacy'><list name='a'/><list name='b'/></query></iq>");
    await tick();
    expect(stream.last().attrs).toMatchObject({ type: 'error', id: 'p2' });
    stream.receive("<iq type='set' id='p3' from='me@example.test'><query xmlns='jabber:iq:privacy'><list name='mine'/></query></iq>");
    stream.receive("<iq type='set' id='p4'><query xmlns='jabber:iq:privacy'><list name='also'/></query></iq>");
    await tick();
    expect(stream.sent.slice(-2).map((s) => s.attrs)).toEqual([
      { type: 'result', id: 'p3', to: 'me@example.test' },
      { type: 'result', id: 'p4' },
    ]);
    expect(pushed).toEqual(['mine', 'also']);
  });

  it('the "only my contacts" rules: own account, carried blocks, contacts by subscription, then deny messages', () => {
    const block: PrivacyItem = { action: 'deny', order: 0, match: { kind: 'jid', jid: 'foe@example.test' }, stanzas: [] };
    const items = onlyMyContactsItems('me@example.test', [block], ['conference.example.test']);
    expect(items.map((i) => [i.order, i.action, i.match, i.stanzas])).toEqual([
      [10, 'allow', { kind: 'jid', jid: 'me@example.test' }, ['message']],
      [20, 'deny', { kind: 'jid', jid: 'foe@example.test' }, []],
      [30, 'allow', { kind: 'subscription', subscription: 'both' }, ['message']],
      [40, 'allow', { kind: 'subscription', subscription: 'to' }, ['message']],
      [50, 'allow', { kind: 'subscription', subscription: 'from' }, ['message']],
      [60, 'allow', { kind: 'jid', jid: 'conference.example.test' }, ['message']],
      [70, 'deny', { kind: 'all' }, ['message']],
    ]);
    expect(checkPrivacyItems(items)).toBeUndefined();
  });

  it('enabling carries the blocks of the default list over, then stores, activates and defaults the preset', async () => {
    const { stream, privacy, answer } = setup();
    const on = privacy.enableOnlyMyContacts();
    answer("<query xmlns='jabber:iq:privacy'><default name='Blocked contacts'/><list name='Blocked contacts'/></query>");
    await tick();
    answer("<query xmlns='jabber:iq:privacy'><list name='Blocked contacts'><item type='jid' value='foe@example.test' action='deny' order='0'/><item action='allow' order='1'/></list></query>");
    await tick();
    const stored = parsePrivacyItems(stream.last().getChild('query')?.getChild('list') as Element);
    expect(stream.last().getChild('query')?.getChild('list')?.attrs.name).toBe(ONLY_CONTACTS_LIST);
    expect(stored.ok && stored.items.filter((i) => i.action === 'deny').map((i) => i.match)).toEqual([{ kind: 'jid', jid: 'foe@example.test' }, { kind: 'all' }]);
    answer('');
    await tick();
    expect(stream.last().getChild('query')?.getChild('active')?.attrs.name).toBe(ONLY_CONTACTS_LIST);
    answer('');
    await tick();
    expect(stream.last().getChild('query')?.getChild('default')?.attrs.name).toBe(ONLY_CONTACTS_LIST);
    answer('', 'conflict'); // another session uses the default (Prosody, §3.4)
    expect(await on).toMatchObject({ active: true, default: false, carriedBlocks: 1 });
  });
});
