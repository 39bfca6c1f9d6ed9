import { describe, expect, it } from 'vitest';
import type { BareJid, FullJid } from '../../../../shared/xmpp/jid';
import { createChangeBatcher, type Occupant, type OccupantChange } from './0045-muc-occupants';
import { groupMessage, harness, joinAs, occupantPresence, ROOM, sleep } from './0045-muc-testkit';

const OID = 'urn:xmpp:occupant-id:0';

describe('XEP-0045 occupants', () => {
  it('[UCR-G1] presence updates, nick changes (§7.6) and departures are incremental changes', async () => {
    const h = harness();
    const { joining } = await joinAs(h, 'alice', { others: [occupantPresence('bob'), occupantPresence('carol')] });
    await joining;
    await sleep(5);
    h.changes.length = 0;
    h.stream.receive(occupantPresence('bob', { show: 'dnd', status: 'brewing' }));
    h.stream.receive(occupantPresence('bob', { type: 'unavailable', codes: [303], itemNick: 'robert' }));
    h.stream.receive(occupantPresence('robert', { show: 'dnd' }));
    h.stream.receive(occupantPresence('carol', { type: 'unavailable' }));
    h.stream.receive(occupantPresence('dave'));
    h.stream.receive(occupantPresence('dave', { show: 'away' }));
    await sleep(5);
    expect(h.changes.map((c) => [c.kind, c.occupant.nick, c.kind === 'removed' ? c.reason : c.kind === 'added' ? c.previousNick : c.occupant.show])).toEqual([
      ['removed', 'bob', 'nick-change'],
      ['added', 'robert', 'bob'],
      ['removed', 'carol', 'left'],
      ['added', 'dave', undefined], // added + changed in one batch = added with the latest state
    ]);
    expect(h.muc.occupant(ROOM, 'dave')?.show).toBe('away');
    expect(h.muc.occupants(ROOM).map((o) => o.nick).sort()).toEqual(['alice', 'dave', 'robert']);
  });

  it('[UCR-G1] kicks, bans and other removals carry their reason, actor and text (§9, §15.6)', async () => {
    const h = harness();
    const { joining } = await joinAs(h, 'alice', { others: ['bob', 'carol', 'dave', 'erin', 'frank'].map((n) => occupantPresence(n)) });
    await joining;
    await sleep(5);
    h.changes.length = 0;
    h.stream.receive(occupantPresence('bob', { type: 'unavailable', role: 'none', codes: [307], actor: 'alice', reason: 'spam' }));
    h.stream.receive(occupantPresence('carol', { type: 'unavailable', affiliation: 'outcast', role: 'none', codes: [301] }));
    h.stream.receive(occupantPresence('dave', { type: 'unavailable', codes: [321] }));
    h.stream.receive(occupantPresence('erin', { type: 'unavailable', codes: [322] }));
    h.stream.receive(occupantPresence('frank', { type: 'unavailable', codes: [333] }));
    await sleep(5);
    expect(h.changes.map((c) => (c.kind === 'removed' ? [c.occupant.nick, c.reason, c.actor, c.text] : c.kind))).toEqual([
      ['bob', 'kicked', 'alice', 'spam'],
      ['carol', 'banned', undefined, undefined],
      ['dave', 'affiliation-change', undefined, undefined],
      ['erin', 'members-only', undefined, undefined],
      ['frank', 'error', undefined, undefined],
    ]);
    expect(h.statuses.map((s) => [s.nick, s.kind, s.self])).toEqual([
      ['bob', 'kicked', false],
      ['carol', 'banned', false],
      ['dave', 'removed-affiliation-change', false],
      ['erin', 'removed-members-only', false],
      ['frank', 'removed-error', false],
    ]);
  });

  it.each([
    [[307], undefined, 'kicked'],
    [[301], undefined, 'banned'],
    [[321], undefined, 'affiliation-change'],
    [[322], undefined, 'members-only'],
    [[332], undefined, 'shutdown'],
    [[], `<destroy jid='new@chat.example.test'><reason>moved</reason></destroy>`, 'destroyed'],
  ])('[UCR-G1] our own removal with codes %j %s is onDidLeave(%s) and the room is dropped', async (codes, extra, reason) => {
    const h = harness();
    const { joining } = await joinAs(h, 'alice', { others: [occupantPresence('bob')] });
    await joining;
    h.stream.receive(occupantPresence('alice', { type: 'unavailable', role: 'none', codes: [110, ...codes], ...(extra ? { extra } : {}), actor: 'bob' }));
    expect(h.leaves).toHaveLength(1);
    expect(h.leaves[0]).toMatchObject({ room: ROOM, reason });
    if (reason === 'destroyed') expect(h.leaves[0]).toMatchObject({ venue: 'new@chat.example.test', text: 'moved' });
    expect(h.muc.isJoined(ROOM)).toBe(false);
    expect(h.muc.occupants(ROOM)).toEqual([]);
    // Anything the room sends afterwards is not ours any more.
    h.stream.receive(groupMessage('bob', 'late'));
    expect(h.group).toEqual([]);
  });

  it('[UCR-G1] leave (§7.14) sends unavailable with a status and resolves on the confirmation', async () => {
    const h = harness();
    const { joining } = await joinAs(h, 'alice');
    await joining;
    const leaving = h.muc.leave(ROOM, 'off to bed');
    const p = h.stream.last();
    expect(p.attrs).toMatchObject({ to: `${ROOM}/alice`, type: 'unavailable' });
    expect(p.getChildText('status')).toBe('off to bed');
    h.stream.receive(occupantPresence('alice', { type: 'unavailable', role: 'none', codes: [110] }));
    await leaving;
    expect(h.leaves).toEqual([{ room: ROOM, reason: 'left' }]);
  });

  it('[UCR-G1] changeNick resolves on our new self-presence; a taken nick is refused with a suggestion', async () => {
    const h = harness();
    const { joining } = await joinAs(h, 'alice', { others: [occupantPresence('bob')] });
    await joining;
    const changing = h.muc.changeNick(ROOM, 'ally');
    const p = await h.next((el) => el.name === 'presence' && el.attrs.to === `${ROOM}/ally`);
    expect(p.getChild('x', 'http://jabber.org/protocol/muc')).toBeUndefined();
    h.stream.receive(occupantPresence('alice', { type: 'unavailable', codes: [303, 110], itemNick: 'ally' }));
    h.stream.receive(occupantPresence('ally', { codes: [110] }));
    await changing;
    expect(h.muc.nick(ROOM)).toBe('ally');
    expect(h.muc.occupant(ROOM, 'ally')?.self).toBe(true);
    expect(h.muc.occupant(ROOM, 'alice')).toBeUndefined();
    const taken = h.muc.changeNick(ROOM, 'bob');
    await h.next((el) => el.name === 'presence' && el.attrs.to === `${ROOM}/bob`);
    h.stream.receive(`<presence from='${ROOM}/bob' type='error'><error type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>`);
    await h.answerIq((el) => el.getChild('query')?.attrs.node === 'x-roomuser-item', 'item-not-found');
    await expect(taken).rejects.toMatchObject({ kind: 'nick-in-use', suggestedNick: expect.stringMatching(/^bob_\d{3}$/) as unknown });
    expect(h.muc.nick(ROOM)).toBe('ally');
  });

  it('[UCR-G1] XEP-0421 occupant ids are believed only from a room that advertises them', async () => {
    const untrusted = harness();
    const a = await joinAs(untrusted, 'alice', { others: [occupantPresence('bob', { occupantId: 'bob-id' })], occupantId: 'me-id' });
    await a.joining;
    untrusted.stream.receive(groupMessage('bob', 'hi', { occupantId: 'bob-id' }));
    expect(untrusted.muc.occupant(ROOM, 'bob')?.occupantId).toBeUndefined();
    expect(untrusted.muc.occupantById(ROOM, 'bob-id')).toBeUndefined();
    expect(untrusted.group[0]?.occupantId).toBeUndefined();

    const trusted = harness();
    const b = await joinAs(trusted, 'alice', { features: [OID], others: [occupantPresence('bob', { occupantId: 'bob-id' })], occupantId: 'me-id' });
    await b.joining;
    trusted.stream.receive(groupMessage('bob', 'hi', { occupantId: 'bob-id' }));
    expect(trusted.muc.occupant(ROOM, 'bob')?.occupantId).toBe('bob-id');
    expect(trusted.muc.occupantById(ROOM, 'bob-id')?.nick).toBe('bob');
    expect(trusted.group[0]).toMatchObject({ nick: 'bob', occupantId: 'bob-id', fromSelf: false });
    // The same person under a new nick keeps the id; a message from our id under another nick is ours.
    trusted.stream.receive(occupantPresence('bob', { type: 'unavailable', codes: [303], itemNick: 'rob', occupantId: 'bob-id' }));
    trusted.stream.receive(occupantPresence('rob', { occupantId: 'bob-id' }));
    expect(trusted.muc.occupantById(ROOM, 'bob-id')?.nick).toBe('rob');
    trusted.stream.receive(`<presence from='${ROOM}/x'><occupant-id xmlns='${OID}' id='a'/><occupant-id xmlns='${OID}' id='b'/></presence>`);
    expect(trusted.muc.occupant(ROOM, 'x')?.occupantId).toBeUndefined(); // two ids: neither is believed
  });

  it('[IMPP-D1] a 2,000-presence join flood is one batch and O(1) per presence; occupants beyond the limit are refused', async () => {
    const h = harness({ maxOccupantsPerRoom: 50_000 });
    const others = Array.from({ length: 2000 }, (_, i) => occupantPresence(`n${i}`, { occupantId: `id${i}` }));
    const { joining } = await joinAs(h, 'alice', { others, features: [OID] });
    await joining;
    expect(h.batches).toEqual([2001]);
    expect(h.muc.occupants(ROOM)).toHaveLength(2001);
    expect(h.muc.occupantById(ROOM, 'id1999')?.nick).toBe('n1999');

    // O(1) per presence: 2,000 more occupants cost the same whether the room holds 2,000 or
    // 20,000 already (a store that copied or scanned per presence would take ~10× longer).
    const timeFlood = (n: number, offset: number): number => {
      const stanzas = Array.from({ length: n }, (_, i) => occupantPresence(`m${offset + i}`, { occupantId: `x${offset + i}` }));
      const t0 = performance.now();
      for (const s of stanzas) h.stream.receive(s);
      return performance.now() - t0;
    };
    timeFlood(2000, 100_000); // warm-up
    const atSmall = Math.min(timeFlood(2000, 200_000), timeFlood(2000, 300_000));
    timeFlood(14_000, 400_000);
    expect(h.muc.occupants(ROOM).length).toBeGreaterThan(20_000);
    const atLarge = Math.min(timeFlood(2000, 500_000), timeFlood(2000, 600_000));
    expect(atLarge / atSmall).toBeLessThan(4);

    const limited = harness({ maxOccupantsPerRoom: 10 });
    const l = await joinAs(limited, 'alice', { others: Array.from({ length: 20 }, (_, i) => occupantPresence(`p${i}`)) });
    await l.joining;
    expect(limited.muc.occupants(ROOM)).toHaveLength(11); // ten, and always ourselves
    expect(limited.refused.filter((r) => r.includes('limit'))).toHaveLength(10);
  });

  it('the change batcher coalesces per nick and delivers each room at most once per interval', async () => {
    const got: [string, OccupantChange[]][] = [];
    const b = createChangeBatcher((room, c) => got.push([room, [...c]]), 5);
    const o = (nick: string, show: 'away' | 'online' = 'online'): Occupant => ({ room: ROOM, nick, jid: `${ROOM}/${nick}` as FullJid, occupantId: undefined, role: 'participant', affiliation: 'none', realJid: undefined, show, status: undefined, self: false });
    b.push(ROOM, { kind: 'added', occupant: o('a') });
    b.push(ROOM, { kind: 'removed', occupant: o('a'), reason: 'left' });
    b.push(ROOM, { kind: 'changed', occupant: o('b') });
    b.push(ROOM, { kind: 'changed', occupant: o('b', 'away') });
    b.push('other@chat.example.test' as BareJid, { kind: 'added', occupant: o('c') });
    await sleep(20);
    expect(got.map(([r, c]) => [r, c.map((x) => [x.kind, x.occupant.nick, x.occupant.show])])).toEqual([
      [ROOM, [['changed', 'b', 'away']]],
      ['other@chat.example.test', [['added', 'c', 'online']]],
    ]);
    b.dispose();
  });
});
