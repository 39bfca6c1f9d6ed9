import type { Element } from '@xmpp/xml';
import { parse } from 'ltx';
import { describe, expect, it } from 'vitest';
import type { BareJid, FullJid } from '../../../../shared/xmpp/jid';
import { createXmppClient } from '../client/client';
import { createFakeStream, type FakeStream } from '../client/testing/fake-stream';
import type { ParsedMessage } from '../im/message-parse';
import { registerMessages } from '../im/messages';
import { NS_RSM, parseRsmResult, rsmRequest } from './0059-rsm';
import { NS_MAM, registerMam } from './0313-mam';

const ME = 'alice@example.test';
const ROOM = 'room@conference.example.test' as BareJid;

function setup() {
  const stream = createFakeStream();
  const client = createXmppClient({ jid: `${ME}/desk` as FullJid, account: ME as BareJid, stream });
  const mam = registerMam(client);
  const refused: string[] = [];
  mam.onDidRefuseResult((r) => refused.push(r));
  return { stream, client, mam, refused };
}
const tick = () => new Promise((r) => setImmediate(r));

interface SentQuery {
  readonly iq: Element;
  readonly id: string;
  readonly queryid: string;
  readonly after: string | undefined;
  readonly before: string | undefined;
  readonly max: number;
  field(name: string): string | undefined;
}

/** Waits for the client's next MAM query IQ (after `from` stanzas already seen). */
async function nextQuery(stream: FakeStream, seen: { n: number }): Promise<SentQuery> {
  for (let i = 0; i < 200; i++) {
    const iq = stream.sent.slice(seen.n).find((el) => el.name === 'iq' && el.getChild('query', NS_MAM));
    if (iq) {
      seen.n = stream.sent.indexOf(iq) + 1;
      const q = iq.getChild('query', NS_MAM) as Element;
      const set = q.getChild('set', NS_RSM);
      return {
        iq,
        id: iq.attrs.id as string,
        queryid: q.attrs.queryid as string,
        after: set?.getChildText('after') ?? undefined,
        before: set?.getChildText('before') ?? undefined,
        max: Number(set?.getChildText('max')),
        field: (name) =>
          q
            .getChild('x', 'jabber:x:data')
            ?.getChildren('field')
            .find((f) => f.attrs.var === name)
            ?.getChildText('value') ?? undefined,
      };
    }
    await tick();
  }
  throw new Error('no MAM query sent');
}

const result = (queryid: string, id: string, body: string, opts: { from?: string | null; stamp?: string } = {}) =>
  `<message to='${ME}/desk'${opts.from === null ? '' : ` from='${opts.from ?? ME}'`}><result xmlns='urn:xmpp:mam:2' queryid='${queryid}' id='${id}'>` +
  `<forwarded xmlns='urn:xmpp:forward:0'><delay xmlns='urn:xmpp:delay' stamp='${opts.stamp ?? '2024-05-01T10:00:00Z'}'/>` +
  `<message xmlns='jabber:client' type='chat' from='bob@example.test/phone' to='${ME}' id='m-${id}'><body>${body}</body>` +
  `<origin-id xmlns='urn:xmpp:sid:0' id='o-${id}'/></message></forwarded></result></message>`;
const fin = (iqId: string, opts: { complete: boolean; first?: string; last?: string; count?: number; from?: string }) =>
  `<iq type='result' id='${iqId}'${opts.from ? ` from='${opts.from}'` : ''}><fin xmlns='urn:xmpp:mam:2'${opts.complete ? " complete='true'" : ''}>` +
  `<set xmlns='http://jabber.org/protocol/rsm'>${opts.first ? `<first index='0'>${opts.first}</first>` : ''}${opts.last ? `<last>${opts.last}</last>` : ''}` +
  `${opts.count !== undefined ? `<count>${opts.count}</count>` : ''}</set></fin></iq>`;

/** A fake archive of ids a1..aN served in pages, the way a real server pages after <after/>. */
function archive(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `a${i + 1}`);
}
async function serveArchive(stream: FakeStream, ids: readonly string[], seen = { n: 0 }): Promise<SentQuery[]> {
  const asked: SentQuery[] = [];
  for (;;) {
    const q = await nextQuery(stream, seen);
    asked.push(q);
    const start = q.after === undefined ? 0 : ids.indexOf(q.after) + 1;
    const page = ids.slice(start, start + q.max);
    for (const id of page) stream.receive(result(q.queryid, id, `body ${id}`));
    const complete = start + q.max >= ids.length;
    stream.receive(fin(q.id, { complete, first: page[0], last: page.at(-1), count: ids.length }));
    if (complete) return asked;
  }
}

describe('XEP-0059 RSM helper', () => {
  it('builds requests and reads answers, dropping what is not a bounded id or a natural number', () => {
    expect(rsmRequest({ max: 3, after: 'x1' }).toString()).toBe(`<set xmlns="${NS_RSM}"><max>3</max><after>x1</after></set>`);
    expect(rsmRequest({ max: 5, before: true }).toString()).toBe(`<set xmlns="${NS_RSM}"><max>5</max><before/></set>`);
    const ok = parse(`<fin><set xmlns='${NS_RSM}'><first index='4'>f</first><last>l</last><count>10</count></set></fin>`) as Element;
    expect(parseRsmResult(ok)).toEqual({ first: 'f', firstIndex: 4, last: 'l', count: 10 });
    const bad = parse(`<fin><set xmlns='${NS_RSM}'><first index='-1'>${'x'.repeat(300)}</first><last></last><count>lots</count></set></fin>`) as Element;
    expect(parseRsmResult(bad)).toEqual({ first: undefined, firstIndex: undefined, last: undefined, count: undefined });
    expect(parseRsmResult(undefined)).toEqual({ first: undefined, firstIndex: undefined, last: undefined, count: undefined });
  });
});

describe('XEP-0313 message archive management', () => {
  it('sends the §4.1 form (FORM_TYPE, with, start, end) and RSM paging to our own server', async () => {
    const { stream, mam } = setup();
    const seen = { n: 0 };
    const paging = mam.queryPage({ with: 'Bob@Example.test', start: new Date('2024-01-01T00:00:00Z'), end: new Date('2024-02-01T00:00:00Z'), afterId: 'a7', pageSize: 3 });
    const q = await nextQuery(stream, seen);
    expect(q.iq.attrs).toMatchObject({ type: 'set' });
    expect(q.iq.attrs.to).toBeUndefined();
    expect(q.queryid).toMatch(/^q[0-9a-f]{24}$/);
    expect([q.field('FORM_TYPE'), q.field('with'), q.field('start'), q.field('end')]).toEqual([NS_MAM, 'bob@example.test', '2024-01-01T00:00:00.000Z', '2024-02-01T00:00:00.000Z']);
    expect([q.max, q.after]).toEqual([3, 'a7']);
    stream.receive(result(q.queryid, 'a8', 'eight', { stamp: '2024-01-02T03:04:05Z' }));
    stream.receive(fin(q.id, { complete: true, first: 'a8', last: 'a8' }));
    const page = await paging;
    expect(page.complete).toBe(true);
    expect(page.messages).toHaveLength(1);
    expect(page.messages[0]).toMatchObject({ archiveId: 'a8', archive: ME });
    expect(page.messages[0]?.archivedAt?.toISOString()).toBe('2024-01-02T03:04:05.000Z');
    expect(page.messages[0]?.message).toMatchObject({ body: 'eight', originId: 'o-a8', fromBare: 'bob@example.test', id: 'm-a8' });
  });

  it('a newest-page query sends an empty <before/>; a room archive is asked at the room', async () => {
    const { stream, mam } = setup();
    const seen = { n: 0 };
    const paging = mam.queryPage({ archive: ROOM, beforeId: true, pageSize: 2 });
    const q = await nextQuery(stream, seen);
    expect(q.iq.attrs.to).toBe(ROOM);
    expect(q.iq.getChild('query', NS_MAM)?.getChild('set', NS_RSM)?.getChild('before')?.children).toEqual([]);
    stream.receive(result(q.queryid, 'r1', 'from room', { from: ROOM }));
    stream.receive(fin(q.id, { complete: false, first: 'r1', last: 'r1', from: ROOM }));
    const page = await paging;
    expect(page.messages.map((m) => [m.archive, m.archiveId])).toEqual([[ROOM, 'r1']]);
    expect(page.complete).toBe(false);
  });

  it('[IMPP-D1] results from the wrong archive, for another queryid, beyond the page size or after the answer are ignored', async () => {
    const { stream, mam, refused } = setup();
    const seen = { n: 0 };
    const paging = mam.queryPage({ pageSize: 3 });
    const q = await nextQuery(stream, seen);
    stream.receive(result(q.queryid, 'x1', 'forged by bob', { from: 'bob@example.test' }));
    stream.receive(result(q.queryid, 'x2', 'forged by a full JID of ours', { from: `${ME}/laptop` }));
    stream.receive(result(q.queryid, 'x3', 'forged by the server', { from: 'example.test' }));
    stream.receive(result('q-guess', 'x4', 'guessed queryid'));
    stream.receive(result(q.queryid, 'a1', 'one', { from: null })); // own archive may answer without 'from'
    stream.receive(result(q.queryid, 'a2', 'two'));
    stream.receive(result(q.queryid, 'a3', 'three'));
    stream.receive(result(q.queryid, 'a4', 'one too many'));
    stream.receive(fin(q.id, { complete: true, first: 'a1', last: 'a3' }));
    const page = await paging;
    stream.receive(result(q.queryid, 'a5', 'too late'));
    expect(page.messages.map((m) => m.message.body)).toEqual(['one', 'two', 'three']);
    expect(refused).toHaveLength(6);
    expect(refused.filter((r) => r.includes('we asked alice@example.test'))).toHaveLength(3);
    expect(refused.filter((r) => r.includes('for no query of ours'))).toHaveLength(2);
    expect(refused.some((r) => r.includes('beyond the page size of 3'))).toBe(true);
  });

  it('a room archive accepts results only from the room itself (not without from, not from our account)', async () => {
    const { stream, mam, refused } = setup();
    const paging = mam.queryPage({ archive: ROOM });
    const q = await nextQuery(stream, { n: 0 });
    stream.receive(result(q.queryid, 'x1', 'no from', { from: null }));
    stream.receive(result(q.queryid, 'x2', 'our account', { from: ME }));
    stream.receive(result(q.queryid, 'x3', 'an occupant', { from: `${ROOM}/mallory` }));
    stream.receive(result(q.queryid, 'r1', 'real', { from: ROOM }));
    stream.receive(fin(q.id, { complete: true, from: ROOM }));
    expect((await paging).messages.map((m) => m.archiveId)).toEqual(['r1']);
    expect(refused).toHaveLength(3);
  });

  it('refuses malformed results but keeps the rest of the page', async () => {
    const { stream, mam, refused } = setup();
    const paging = mam.queryPage({});
    const q = await nextQuery(stream, { n: 0 });
    stream.receive(`<message from='${ME}'><result xmlns='urn:xmpp:mam:2' queryid='${q.queryid}'><forwarded xmlns='urn:xmpp:forward:0'/></result></message>`);
    stream.receive(`<message from='${ME}'><result xmlns='urn:xmpp:mam:2' queryid='${q.queryid}' id='n1'><forwarded xmlns='urn:xmpp:forward:0'/></result></message>`);
    stream.receive(
      `<message from='${ME}'><result xmlns='urn:xmpp:mam:2' queryid='${q.queryid}' id='n2'><forwarded xmlns='urn:xmpp:forward:0'><message><body>no sender</body></message></forwarded></result></message>`,
    );
    stream.receive(result(q.queryid, 'a1', 'fine', { stamp: 'last tuesday' }));
    stream.receive(fin(q.id, { complete: true }));
    const page = await paging;
    expect(page.messages.map((m) => [m.archiveId, m.archivedAt])).toEqual([['a1', undefined]]);
    expect(refused).toEqual([
      'archive result without a usable id',
      'archive result n1 without exactly one forwarded message',
      'archive result n2: message without a valid sender',
    ]);
  });

  it('an answer without <fin/> or an error rejects the query', async () => {
    const { stream, mam } = setup();
    const a = mam.queryPage({});
    const q1 = await nextQuery(stream, { n: 0 });
    stream.receive(`<iq type='result' id='${q1.id}'/>`);
    await expect(a).rejects.toThrow(/without <fin\/>/);
    const b = mam.catchUp({ afterId: 'gone' });
    const q2 = await nextQuery(stream, { n: 1 });
    stream.receive(`<iq type='error' id='${q2.id}'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`);
    await expect(b).rejects.toMatchObject({ condition: 'item-not-found' });
  });

  it('queryAll pages forward after each <last/> until complete: 10 messages in pages of 3', async () => {
    const { stream, mam } = setup();
    const pages: string[][] = [];
    const run = mam.queryAll({ pageSize: 3 }, { onPage: (ms) => void pages.push(ms.map((m) => m.archiveId)) });
    const asked = await serveArchive(stream, archive(10));
    const r = await run;
    expect(asked.map((q) => q.after)).toEqual([undefined, 'a3', 'a6', 'a9']);
    expect(r.messages.map((m) => m.archiveId)).toEqual(archive(10));
    expect(pages).toEqual([['a1', 'a2', 'a3'], ['a4', 'a5', 'a6'], ['a7', 'a8', 'a9'], ['a10']]);
    expect(r).toMatchObject({ complete: true, pages: 4, lastId: 'a10', stoppedBecause: undefined });
  });

  it('catchUp from a stored id gives exactly the messages after it; nothing new keeps the id', async () => {
    const { stream, mam } = setup();
    const seen = { n: 0 };
    const run = mam.catchUp({ afterId: 'a4', pageSize: 3 });
    await serveArchive(stream, archive(10), seen);
    const r = await run;
    expect(r.messages.map((m) => m.archiveId)).toEqual(['a5', 'a6', 'a7', 'a8', 'a9', 'a10']);
    expect(r.lastId).toBe('a10');
    const again = mam.catchUp({ afterId: 'a10', pageSize: 3 });
    await serveArchive(stream, archive(10), seen);
    expect(await again).toMatchObject({ messages: [], lastId: 'a10', complete: true });
  });

  it('drops duplicates across overlapping pages and the stored id itself, so each message comes once', async () => {
    const { stream, mam } = setup();
    const seen = { n: 0 };
    const run = mam.catchUp({ afterId: 'a2', pageSize: 3 });
    // A sloppy archive: page 1 repeats the id we asked after, page 2 overlaps page 1.
    const q1 = await nextQuery(stream, seen);
    for (const id of ['a2', 'a3', 'a4']) stream.receive(result(q1.queryid, id, id));
    stream.receive(fin(q1.id, { complete: false, last: 'a4' }));
    const q2 = await nextQuery(stream, seen);
    expect(q2.after).toBe('a4');
    for (const id of ['a3', 'a4', 'a5']) stream.receive(result(q2.queryid, id, id));
    stream.receive(fin(q2.id, { complete: true, last: 'a5' }));
    const r = await run;
    expect(r.messages.map((m) => m.archiveId)).toEqual(['a3', 'a4', 'a5']);
  });

  it('[IMPP-D1] a hostile archive that never says complete is stopped at maxPages', async () => {
    const { stream, mam } = setup();
    const seen = { n: 0 };
    const run = mam.queryAll({ pageSize: 2 }, { maxPages: 5 });
    for (let p = 0; p < 5; p++) {
      const q = await nextQuery(stream, seen);
      stream.receive(result(q.queryid, `p${p}a`, 'x'));
      stream.receive(result(q.queryid, `p${p}b`, 'y'));
      stream.receive(fin(q.id, { complete: false, last: `p${p}b` }));
    }
    const r = await run;
    expect(r).toMatchObject({ complete: false, pages: 5, stoppedBecause: 'page-limit', lastId: 'p4b' });
    expect(r.messages).toHaveLength(10);
    await tick();
    expect(stream.sent.filter((el) => el.getChild('query', NS_MAM))).toHaveLength(5); // no sixth query
  });

  it('[IMPP-D1] an archive that does not move forward (same <last/>, or none) stops the run', async () => {
    const { stream, mam } = setup();
    const seen = { n: 0 };
    const run = mam.catchUp({ afterId: 'a1', pageSize: 2 });
    const q1 = await nextQuery(stream, seen);
    stream.receive(fin(q1.id, { complete: false, last: 'a1' }));
    expect(await run).toMatchObject({ messages: [], complete: false, stoppedBecause: 'no-progress', lastId: 'a1', pages: 1 });
    const run2 = mam.queryAll({});
    const q2 = await nextQuery(stream, seen);
    stream.receive(fin(q2.id, { complete: false }));
    expect(await run2).toMatchObject({ stoppedBecause: 'no-progress', lastId: undefined });
  });

  it('archive results are not delivered as ordinary messages', async () => {
    const { stream, client, mam } = setup();
    const inbox: ParsedMessage[] = [];
    registerMessages(client, { sendReceipts: () => true }).onDidReceiveMessage((m) => inbox.push(m));
    const paging = mam.queryPage({});
    const q = await nextQuery(stream, { n: 0 });
    stream.receive(result(q.queryid, 'a1', 'archived'));
    stream.receive(result('stray', 'a2', 'stray result'));
    stream.receive(fin(q.id, { complete: true }));
    expect((await paging).messages).toHaveLength(1);
    expect(inbox).toEqual([]);
  });

  it('reads and writes archiving preferences (§7)', async () => {
    const { stream, mam } = setup();
    const getting = mam.getPreferences();
    expect(stream.last().attrs.type).toBe('get');
    stream.receive(
      `<iq type='result' id='${stream.last().attrs.id as string}'><prefs xmlns='urn:xmpp:mam:2' default='roster'><always><jid>bob@example.test</jid><jid>bad jid@@</jid></always><never/></prefs></iq>`,
    );
    expect(await getting).toEqual({ default: 'roster', always: ['bob@example.test'], never: [] });
    const setting = mam.setPreferences({ default: 'always', always: [], never: ['carol@example.test'] });
    const prefs = stream.last().getChild('prefs', NS_MAM);
    expect(prefs?.attrs.default).toBe('always');
    expect(prefs?.getChild('never')?.getChildText('jid')).toBe('carol@example.test');
    stream.receive(`<iq type='result' id='${stream.last().attrs.id as string}'>${prefs?.toString() ?? ''}</iq>`);
    expect(await setting).toEqual({ default: 'always', always: [], never: ['carol@example.test'] });
  });
});
