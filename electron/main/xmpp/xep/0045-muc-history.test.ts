import type { Element } from '@xmpp/xml';
import { describe, expect, it } from 'vitest';
import { groupMessage, harness, joinAs, ME, occupantPresence, ROOM, sleep, type Harness } from './0045-muc-testkit';

const MAM = 'urn:xmpp:mam:2';
const RSM = 'http://jabber.org/protocol/rsm';

const archived = (queryid: string, id: string, nick: string, body: string, o: { originId?: string; occupantId?: string; from?: string } = {}) =>
  `<message from='${o.from ?? ROOM}' to='${ME}'><result xmlns='${MAM}' queryid='${queryid}' id='${id}'><forwarded xmlns='urn:xmpp:forward:0'>` +
  `<delay xmlns='urn:xmpp:delay' stamp='2024-05-01T10:00:00Z'/><message xmlns='jabber:client' type='groupchat' from='${ROOM}/${nick}'><body>${body}</body>` +
  `${o.originId ? `<origin-id xmlns='urn:xmpp:sid:0' id='${o.originId}'/>` : ''}${o.occupantId ? `<occupant-id xmlns='urn:xmpp:occupant-id:0' id='${o.occupantId}'/>` : ''}` +
  `</message></forwarded></result></message>`;

/** Answers the next MAM query to the room with these results. */
async function serve(h: Harness, results: readonly [id: string, nick: string, body: string, o?: { originId?: string; occupantId?: string }][], last?: string): Promise<Element> {
  const iq = await h.next((el) => el.name === 'iq' && el.getChild('query', MAM) !== undefined);
  const queryid = String(iq.getChild('query', MAM)?.attrs.queryid);
  for (const [id, nick, body, o] of results) h.stream.receive(archived(queryid, id, nick, body, o));
  const lastId = last ?? results.at(-1)?.[0];
  h.stream.receive(`<iq type='result' id='${String(iq.attrs.id)}' from='${ROOM}'><fin xmlns='${MAM}' complete='true'><set xmlns='${RSM}'>${lastId ? `<last>${lastId}</last>` : ''}</set></fin></iq>`);
  return iq;
}

describe('XEP-0045 room history by XEP-0313', () => {
  it('[UCR-G1] a room with an archive is joined with maxstanzas=0 and its newest page is read; live messages wait, nothing comes twice', async () => {
    const h = harness();
    const { joining, presence } = await joinAs(h, 'alice', { features: [MAM, 'urn:xmpp:sid:0', 'urn:xmpp:occupant-id:0'], others: [occupantPresence('bob', { occupantId: 'bob-id' })], history: { maxStanzas: 20 } });
    expect(presence.getChild('x', 'http://jabber.org/protocol/muc')?.getChild('history')?.attrs).toEqual({ maxstanzas: '0' });
    const r = await joining;
    // A live message arrives while the archive is being read: it waits for the archive.
    h.stream.receive(groupMessage('bob', 'three', { stanzaId: 'r3' }));
    h.stream.receive(groupMessage('bob', 'four', { stanzaId: 'r4' }));
    expect(h.group).toEqual([]);
    const q = await serve(h, [
      ['r1', 'bob', 'one', { occupantId: 'bob-id' }],
      ['r2', 'carol', 'two'],
      ['r3', 'bob', 'three'],
    ]);
    expect(q.attrs.to).toBe(ROOM);
    expect(q.getChild('query', MAM)?.getChild('set', RSM)?.getChild('before')).toBeDefined(); // newest page
    expect(q.getChild('query', MAM)?.getChild('set', RSM)?.getChildText('max')).toBe('20');
    expect(await r.history).toMatchObject({ source: 'mam', delivered: 3, complete: true });
    expect(h.group.map((m) => [m.body, m.source, m.stanzaId])).toEqual([
      ['one', 'history-mam', 'r1'],
      ['two', 'history-mam', 'r2'],
      ['three', 'history-mam', 'r3'],
      ['four', 'live', 'r4'],
    ]);
    expect(h.group[0]?.occupantId).toBe('bob-id');
    expect(h.muc.joined()[0]?.lastArchiveId).toBe('r4');
  });

  it('[UCR-G1] with a stored archive id the history continues after it; our own archived message is ours', async () => {
    const h = harness();
    const { joining } = await joinAs(h, 'alice', { features: [MAM], history: { afterId: 'r7' } });
    const r = await joining;
    const q = await serve(h, [
      ['r8', 'bob', 'eight'],
      ['r9', 'alice', 'mine from another device', { originId: 'o9' }],
    ]);
    expect(q.getChild('query', MAM)?.getChild('set', RSM)?.getChildText('after')).toBe('r7');
    expect(await r.history).toMatchObject({ delivered: 2, lastId: 'r9', complete: true });
    expect(h.group.map((m) => [m.body, m.fromSelf])).toEqual([
      ['eight', false],
      ['mine from another device', true],
    ]);
  });

  it('an archive id the room no longer has (item-not-found) falls back to the newest page', async () => {
    const h = harness();
    const { joining } = await joinAs(h, 'alice', { features: [MAM], history: { afterId: 'expired' } });
    const r = await joining;
    await h.answerIq((el) => el.getChild('query', MAM) !== undefined, 'item-not-found');
    await serve(h, [['r1', 'bob', 'one']]);
    expect(await r.history).toMatchObject({ delivered: 1, complete: true });
    expect(h.group.map((m) => m.body)).toEqual(['one']);
  });

  it('[IMPP-D1] archive results from anyone but the room, or about another room, are not history', async () => {
    const h = harness();
    const { joining } = await joinAs(h, 'alice', { features: [MAM] });
    const r = await joining;
    const iq = await h.next((el) => el.name === 'iq' && el.getChild('query', MAM) !== undefined);
    const queryid = String(iq.getChild('query', MAM)?.attrs.queryid);
    h.stream.receive(archived(queryid, 'f1', 'mallory', 'forged', { from: 'mallory@example.test' }));
    h.stream.receive(archived(queryid, 'ok1', 'bob', 'real'));
    h.stream.receive(`<iq type='result' id='${String(iq.attrs.id)}' from='${ROOM}'><fin xmlns='${MAM}' complete='true'/></iq>`);
    await r.history;
    await sleep(1);
    expect(h.group.map((m) => m.body)).toEqual(['real']);
  });
});
