import { describe, expect, it } from 'vitest';
import { occupantPresence, groupMessage, harness, ROOM, sleep } from './0045-muc-testkit';
import { classifySelfPing } from './0410-self-ping';

const PING = 'urn:xmpp:ping';
const MAM = 'urn:xmpp:mam:2';

describe('XEP-0410 MUC self-ping', () => {
  it.each([
    [undefined, 'joined'],
    ['service-unavailable', 'joined'],
    ['feature-not-implemented', 'joined'],
    ['item-not-found', 'joined'],
    ['remote-server-not-found', 'unknown'],
    ['remote-server-timeout', 'unknown'],
    ['timeout', 'unknown'],
    ['not-acceptable', 'not-joined'],
    ['bad-request', 'not-joined'],
  ])('§3.2: an answer of %s means %s', (condition, verdict) => {
    expect(classifySelfPing(condition).verdict).toBe(verdict);
  });

  it('checkJoined pings our own occupant JID and reads the answer', async () => {
    const h = harness();
    const checking = h.muc.checkJoined(ROOM, 'alice');
    const iq = await h.answerIq((el) => el.getChild('ping', PING) !== undefined, 'not-acceptable');
    expect(iq.attrs).toMatchObject({ type: 'get', to: `${ROOM}/alice` });
    expect(await checking).toMatchObject({ verdict: 'not-joined', condition: 'not-acceptable' });
    expect(await h.muc.checkJoined('nowhere@chat.example.test' as typeof ROOM)).toMatchObject({ verdict: 'not-joined' });
  });

  it('[UCR-G1] rejoinIfNeeded after a new stream: keeps a room we are still in (catching up after the stored id), rejoins one we are out of, decides nothing when unreachable', async () => {
    const h = harness();
    const kept = 'kept@chat.example.test' as typeof ROOM;
    const lost = ROOM;
    const far = 'far@remote.example' as typeof ROOM;
    const rejoining = h.muc.rejoinIfNeeded([
      { room: kept, nick: 'alice', lastArchiveId: 'k5', occupants: [{ room: kept, nick: 'bob', jid: `${kept}/bob` as never, occupantId: undefined, role: 'participant', affiliation: 'member', realJid: undefined, show: 'online', status: undefined, self: false }] },
      { room: lost, nick: 'alice', lastArchiveId: 'l5' },
      { room: far, nick: 'alice' },
    ]);
    await h.answerIq((el) => el.attrs.to === `${kept}/alice` && el.getChild('ping', PING) !== undefined);
    await h.answerIq((el) => el.attrs.to === `${lost}/alice` && el.getChild('ping', PING) !== undefined, 'not-acceptable');
    await h.answerIq((el) => el.attrs.to === `${far}/alice` && el.getChild('ping', PING) !== undefined, 'remote-server-not-found');
    // kept: disco, then the archive after k5. lost: disco, a full join, then the archive after l5.
    await h.answerInfo([MAM, 'urn:xmpp:sid:0'], kept);
    await h.answerInfo([MAM, 'urn:xmpp:sid:0'], lost);
    const keptQuery = await h.next((el) => el.attrs.to === kept && el.getChild('query', MAM) !== undefined);
    expect(keptQuery.getChild('query', MAM)?.getChild('set', 'http://jabber.org/protocol/rsm')?.getChildText('after')).toBe('k5');
    h.stream.receive(`<iq type='result' id='${String(keptQuery.attrs.id)}' from='${kept}'><fin xmlns='${MAM}' complete='true'/></iq>`);
    const join = await h.next((el) => el.name === 'presence' && el.attrs.to === `${lost}/alice`);
    expect(join.getChild('x', 'http://jabber.org/protocol/muc')?.getChild('history')?.attrs).toEqual({ maxstanzas: '0' });
    h.stream.receive(occupantPresence('alice', { codes: [110] }));
    const lostQuery = await h.next((el) => el.attrs.to === lost && el.getChild('query', MAM) !== undefined);
    expect(lostQuery.getChild('query', MAM)?.getChild('set', 'http://jabber.org/protocol/rsm')?.getChildText('after')).toBe('l5');
    h.stream.receive(`<iq type='result' id='${String(lostQuery.attrs.id)}' from='${lost}'><fin xmlns='${MAM}' complete='true'/></iq>`);
    const outcomes = await rejoining;
    expect(outcomes.map((o) => [o.room, o.outcome, o.selfPing.verdict])).toEqual([
      [kept, 'still-joined', 'joined'],
      [lost, 'rejoined', 'not-joined'],
      [far, 'unknown', 'unknown'],
    ]);
    expect(h.muc.occupant(kept, 'bob')?.affiliation).toBe('member');
    expect(h.muc.isJoined(kept) && h.muc.isJoined(lost) && !h.muc.isJoined(far)).toBe(true);
    await sleep(1);
    h.stream.receive(groupMessage('bob', 'still here', { room: kept, stanzaId: 'k6' }));
    expect(h.group.map((m) => [m.room, m.body])).toEqual([[kept, 'still here']]);
  });
});
