import type { Element } from '@xmpp/xml';
import { parse } from 'ltx';
import { describe, expect, it } from 'vitest';
import type { BareJid, FullJid } from '../../../../shared/xmpp/jid';
import { createXmppClient } from '../client/client';
import { createFakeStream } from '../client/testing/fake-stream';
import { filterRooms, matchesRoomQuery, parseRoomInfo, registerMucBrowse } from './0045-muc-browse';

const tick = () => new Promise((r) => setImmediate(r));
const el = (s: string) => parse(s) as unknown as Element;
const INFO = 'http://jabber.org/protocol/disco#info';
const ITEMS = 'http://jabber.org/protocol/disco#items';
const RSM = 'http://jabber.org/protocol/rsm';
const SERVICE = 'conference.example.test';
const ROOM = `ops@${SERVICE}` as BareJid;

function setup() {
  const stream = createFakeStream();
  const client = createXmppClient({ jid: 'alice@example.test/desk' as FullJid, account: 'alice@example.test' as BareJid, stream });
  const browse = registerMucBrowse(client);
  let seen = 0;
  const next = async (): Promise<Element> => {
    for (let i = 0; i < 100 && stream.sent.length <= seen; i += 1) await tick();
    const s = stream.sent[seen];
    if (!s) throw new Error('nothing more was sent');
    seen += 1;
    return s;
  };
  const reply = (iq: Element, payload: string) => stream.receive(`<iq type='result' id='${iq.attrs.id as string}' from='${iq.attrs.to as string}'>${payload}</iq>`);
  const fail = (iq: Element) =>
    stream.receive(`<iq type='error' id='${iq.attrs.id as string}' from='${iq.attrs.to as string}'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`);
  return { stream, browse, next, reply, fail, sent: () => seen };
}

const serviceInfo = (rsm: boolean) =>
  `<query xmlns='${INFO}'><identity category='conference' type='text' name='Chatrooms'/><feature var='http://jabber.org/protocol/muc'/>${rsm ? `<feature var='${RSM}'/>` : ''}</query>`;
const items = (list: string[], set = '') => `<query xmlns='${ITEMS}'>${list.map((j) => `<item jid='${j}' name='Room ${j.split('@')[0] ?? ''}'/>`).join('')}${set}</query>`;
const rsmSet = (first: string, last: string, count: number) => `<set xmlns='${RSM}'><first index='0'>${first}</first><last>${last}</last><count>${count}</count></set>`;

const ROOM_INFO =
  `<query xmlns='${INFO}'><identity category='conference' type='text' name='Operations'/>` +
  `<feature var='http://jabber.org/protocol/muc'/><feature var='muc_public'/><feature var='muc_membersonly'/><feature var='muc_moderated'/>` +
  `<feature var='muc_passwordprotected'/><feature var='muc_persistent'/><feature var='muc_nonanonymous'/><feature var='urn:xmpp:mam:2'/><feature var='urn:xmpp:occupant-id:0'/>` +
  `<x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/muc#roominfo</value></field>` +
  `<field var='muc#roominfo_description' label='Description'><value>Daily operations</value></field>` +
  `<field var='muc#roominfo_subject'><value>Shift change at 0600</value></field>` +
  `<field var='muc#roominfo_occupants'><value>7</value></field>` +
  `<field var='muc#roominfo_lang'><value>en</value></field>` +
  `<field var='muc#roominfo_subjectmod' type='boolean'><value>0</value></field>` +
  `<field var='muc#roominfo_contactjid' type='jid-multi'><value>boss@example.test</value><value>not a jid@@</value><value>boss@example.test</value></field>` +
  `<field var='muc#roomconfig_roomname'><value>Ops</value></field></x>` +
  `<x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE' type='hidden'><value>urn:example:other</value></field><field var='muc#roominfo_description'><value>not this one</value></field></x>` +
  `</query>`;

describe('XEP-0045 room info (disco#info + XEP-0128 muc#roominfo)', () => {
  it('[UCR-G1] maps muc_* features and reads the muc#roominfo form of XEP-0128', () => {
    const parsed = parseRoomInfo(ROOM, el(ROOM_INFO));
    expect(parsed).toEqual({
      ok: true,
      room: {
        jid: ROOM,
        name: 'Operations',
        features: { visibility: 'public', membership: 'members-only', moderation: 'moderated', passwordProtected: true, persistence: 'persistent', anonymity: 'non-anonymous', mam: true, occupantId: true },
        info: { description: 'Daily operations', subject: 'Shift change at 0600', occupants: 7, lang: 'en', subjectModifiable: false, contactJids: ['boss@example.test'], roomName: 'Ops' },
        rawFeatures: expect.arrayContaining(['muc_public', 'urn:xmpp:mam:2']),
      },
    });
  });

  it('[IMPP-D1] contradicting features mean unknown; texts are capped; a non-room is refused', () => {
    const odd = parseRoomInfo(
      ROOM,
      el(
        `<query xmlns='${INFO}'><identity category='conference' type='text'/><feature var='muc_public'/><feature var='muc_hidden'/><feature var='muc_open'/>` +
          `<feature var='muc_unsecured'/><feature var='muc_temporary'/><feature var='muc_semianonymous'/><feature var='muc_nonanonymous'/>` +
          `<x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/muc#roominfo</value></field>` +
          `<field var='muc#roominfo_description'><value>${'d'.repeat(100_000)}</value></field><field var='muc#roominfo_occupants'><value>-3</value></field></x></query>`,
      ),
    );
    expect(odd.ok).toBe(true);
    if (!odd.ok) return;
    expect(odd.room.features).toEqual({ membership: 'open', passwordProtected: false, persistence: 'temporary', mam: false, occupantId: false });
    expect(odd.room.info.description).toHaveLength(4096);
    expect(odd.room.info.occupants).toBeUndefined();
    expect(parseRoomInfo(ROOM, el(`<query xmlns='${INFO}'><identity category='client' type='pc'/></query>`))).toEqual({ ok: false, reason: expect.stringMatching(/not a chat room/) });
    const many = Array.from({ length: 2000 }, (_, i) => `<feature var='f${i}'/>`).join('');
    expect(parseRoomInfo(ROOM, el(`<query xmlns='${INFO}'><identity category='conference' type='text'/>${many}</query>`)).ok).toBe(false);
  });

  it('roomInfo asks the room and rejects a bad JID before sending', async () => {
    const { browse, next, reply } = setup();
    await expect(browse.roomInfo('conference.example.test')).rejects.toThrow(/not a room JID/);
    const info = browse.roomInfo('Ops@Conference.Example.Test');
    const q = await next();
    expect(q.attrs.to).toBe(ROOM);
    reply(q, ROOM_INFO);
    expect((await info).info.description).toBe('Daily operations');
  });
});

describe('XEP-0045 room listing (disco#items + XEP-0059)', () => {
  it('pages with RSM where the service advertises it, until the empty page', async () => {
    const { browse, next, reply } = setup();
    const listing = browse.listRooms(SERVICE, { pageSize: 2 });
    const info = await next();
    expect(info.getChild('query', INFO)).toBeDefined();
    reply(info, serviceInfo(true));
    const p1 = await next();
    expect(p1.getChild('query', ITEMS)?.getChild('set', RSM)?.toString()).toBe(`<set xmlns="${RSM}"><max>2</max></set>`);
    reply(p1, items([`a@${SERVICE}`, `b@${SERVICE}`], rsmSet(`a@${SERVICE}`, `b@${SERVICE}`, 3)));
    const p2 = await next();
    expect(p2.getChild('query', ITEMS)?.getChild('set', RSM)?.getChildText('after')).toBe(`b@${SERVICE}`);
    reply(p2, items([`c@${SERVICE}`], rsmSet(`c@${SERVICE}`, `c@${SERVICE}`, 3)));
    const result = await listing;
    expect(result).toEqual({
      service: SERVICE,
      rooms: [
        { jid: `a@${SERVICE}`, name: 'Room a' },
        { jid: `b@${SERVICE}`, name: 'Room b' },
        { jid: `c@${SERVICE}`, name: 'Room c' },
      ],
      complete: true,
      total: 3,
      pages: 2,
      skipped: 0,
    });
    // The service's RSM support is remembered: the next listing asks for items straight away.
    const again = browse.listRooms(SERVICE, { pageSize: 5, filter: 'ROOM B' });
    const q = await next();
    expect(q.getChild('query', ITEMS)).toBeDefined();
    reply(q, items([`a@${SERVICE}`, `b@${SERVICE}`], `<set xmlns='${RSM}'><count>2</count></set>`));
    expect(await again).toMatchObject({ rooms: [{ jid: `b@${SERVICE}` }], complete: true, total: 2 });
  });

  it('without RSM asks once, skips items that are not rooms of the service, and cuts at max', async () => {
    const { browse, next, reply } = setup();
    const listing = browse.listRooms(SERVICE, { max: 3 });
    reply(await next(), serviceInfo(false));
    const q = await next();
    expect(q.getChild('query', ITEMS)?.getChild('set', RSM)).toBeUndefined();
    reply(q, items([`a@${SERVICE}`, `a@${SERVICE}`, `x@elsewhere.test`, `b@${SERVICE}/nick`, SERVICE, `c@${SERVICE}`, `d@${SERVICE}`]));
    expect(await listing).toEqual({ service: SERVICE, rooms: [{ jid: `a@${SERVICE}`, name: 'Room a' }], complete: false, pages: 1, skipped: 2 });
  });

  it('[IMPP-D1] stops a service that pages in circles', async () => {
    const { stream, browse, next, reply } = setup();
    const listing = browse.listRooms(SERVICE, { pageSize: 1 });
    reply(await next(), serviceInfo(true));
    for (let i = 0; i < 2; i += 1) {
      const q = await next();
      reply(q, items([`loop${i}@${SERVICE}`], rsmSet('same', 'same', 1000)));
    }
    const result = await listing;
    expect(result).toMatchObject({ complete: false, pages: 2, total: 1000 });
    expect(result.rooms).toHaveLength(2);
    expect(stream.sent).toHaveLength(3); // disco#info + two pages, then it gave up
  });

  it('finds conference services among the server’s items (identity conference/text)', async () => {
    const { browse, next, reply, fail } = setup();
    const finding = browse.findConferenceServices();
    const q = await next();
    expect(q.attrs.to).toBe('example.test');
    reply(q, `<query xmlns='${ITEMS}'><item jid='${SERVICE}'/><item jid='pubsub.example.test'/><item jid='broken.example.test'/><item jid='user@example.test'/><item jid='x.example.test' node='n'/></query>`);
    const asked: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const info = await next();
      asked.push(info.attrs.to as string);
      if (info.attrs.to === SERVICE) reply(info, serviceInfo(true));
      else if (info.attrs.to === 'pubsub.example.test') reply(info, `<query xmlns='${INFO}'><identity category='pubsub' type='service'/></query>`);
      else fail(info);
    }
    expect(asked.sort()).toEqual(['broken.example.test', SERVICE, 'pubsub.example.test']);
    expect(await finding).toEqual([{ jid: SERVICE, name: 'Chatrooms', rsm: true }]);
  });
});

describe('client-side room search', () => {
  const rooms = [
    { jid: `ops@${SERVICE}`, name: 'Operations', description: 'Daily SHIFT handover' },
    { jid: `intel@${SERVICE}`, name: 'Intel Cell' },
    { jid: `café@${SERVICE}`, name: 'Break room' },
  ];
  it('matches every word, case-insensitively, in JID, name or description', () => {
    expect(filterRooms(rooms, 'shift').map((r) => r.jid)).toEqual([`ops@${SERVICE}`]);
    expect(filterRooms(rooms, 'INTEL cell').map((r) => r.jid)).toEqual([`intel@${SERVICE}`]);
    expect(filterRooms(rooms, 'conference').map((r) => r.jid)).toHaveLength(3);
    expect(filterRooms(rooms, 'CAFÉ').map((r) => r.jid)).toEqual([`café@${SERVICE}`]);
    expect(filterRooms(rooms, 'ops missing')).toEqual([]);
    expect(filterRooms(rooms, '  ')).toHaveLength(3);
    expect(matchesRoomQuery({ jid: 'x@y' }, 'x@Y')).toBe(true);
  });
});
