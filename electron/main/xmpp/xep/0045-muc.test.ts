import type { Element } from '@xmpp/xml';
import { describe, expect, it } from 'vitest';
import type { BareJid } from '../../../../shared/xmpp/jid';
import type { ParsedMessage } from '../im/message-parse';
import { registerMessages } from '../im/messages';
import { registerPresence, type PresenceEvent } from '../im/presence';
import { MucJoinError } from './0045-muc';
import { groupMessage, harness, joinAs, ME, occupantPresence, ROOM, sleep } from './0045-muc-testkit';

const MUC = 'http://jabber.org/protocol/muc';
const MUC_USER = 'http://jabber.org/protocol/muc#user';

describe('XEP-0045 join (§7.2)', () => {
  it('[UCR-G1] joins: occupants first, our self-presence (110) completes the join, the subject ends the legacy history', async () => {
    const h = harness();
    const { joining, presence } = await joinAs(h, 'alice', {
      others: [occupantPresence('bob', { affiliation: 'member', role: 'participant', show: 'away', status: 'brb' }), occupantPresence('carol', { affiliation: 'admin', role: 'moderator' })],
      codes: [100],
    });
    expect(presence.getChild('x', MUC)).toBeDefined();
    // No archive on this room: the legacy history the server chooses (no <history/> limit asked).
    expect(presence.getChild('x', MUC)?.getChild('history')).toBeUndefined();
    const joined = await joining;
    expect(joined).toMatchObject({ room: ROOM, nick: 'alice', created: false, self: { nick: 'alice', self: true, affiliation: 'owner', role: 'moderator', realJid: ME } });
    expect(h.muc.isJoined(ROOM)).toBe(true);
    expect(h.muc.occupant(ROOM, 'bob')).toMatchObject({ role: 'participant', affiliation: 'member', show: 'away', status: 'brb', self: false, jid: `${ROOM}/bob` });
    expect(h.muc.occupants(ROOM).map((o) => o.nick)).toEqual(['bob', 'carol', 'alice']);
    // The occupants reached listeners before (or with) the join, as one batch.
    expect(h.batches).toEqual([3]);
    expect(h.statuses.map((s) => [s.code, s.kind, s.self])).toEqual([[100, 'real-jid-public', true]]);

    h.stream.receive(groupMessage('bob', 'said earlier', { delay: '2024-05-01T10:00:00Z' }));
    h.stream.receive(`<message type='groupchat' from='${ROOM}/carol'><subject>Potions</subject></message>`);
    h.stream.receive(groupMessage('bob', 'said now'));
    expect(await joined.history).toMatchObject({ source: 'legacy', complete: true });
    expect(h.group.map((m) => [m.nick, m.body, m.source])).toEqual([
      ['bob', 'said earlier', 'history-legacy'],
      ['bob', 'said now', 'live'],
    ]);
    expect(h.subjects).toEqual([{ room: ROOM, subject: 'Potions', by: 'carol', initial: true }]);
    expect(h.muc.subject(ROOM)).toBe('Potions');
  });

  it.each([
    ['not-authorized', undefined, 'password-required'],
    ['not-authorized', 'secret', 'password-wrong'],
    ['registration-required', undefined, 'members-only'],
    ['forbidden', undefined, 'banned'],
    ['service-unavailable', undefined, 'max-users'],
    ['item-not-found', undefined, 'not-found'],
    ['not-allowed', undefined, 'creation-refused'],
    ['not-acceptable', undefined, 'nick-not-acceptable'],
    ['jid-malformed', undefined, 'nick-invalid'],
    ['undefined-condition', undefined, 'other'],
  ])('[UCR-G1] a join refused with %s (password %s) is a typed %s error, and the room is forgotten', async (condition, password, kind) => {
    const h = harness();
    const joining = h.muc.join(ROOM, { nick: 'alice', ...(password ? { password } : {}) });
    await h.answerInfo(['muc_passwordprotected']);
    const p = await h.next((el) => el.name === 'presence');
    if (password) expect(p.getChild('x', MUC)?.getChildText('password')).toBe(password);
    h.stream.receive(`<presence from='${ROOM}/alice' type='error'><error type='auth'><${condition} xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>no</text></error></presence>`);
    const e = await joining.catch((x: unknown) => x);
    expect(e).toBeInstanceOf(MucJoinError);
    expect(e).toMatchObject({ kind, condition, serverText: 'no' });
    expect(h.muc.isJoined(ROOM)).toBe(false);
    expect(h.muc.joined()).toEqual([]);
  });

  it('[UCR-G1] nick conflict: the error suggests the reserved nick (§7.12) or a variant', async () => {
    const h = harness();
    const conflict = (joining: Promise<unknown>) => async (reserved: string | undefined) => {
      await h.answerInfo([]);
      await h.next((el) => el.name === 'presence');
      h.stream.receive(`<presence from='${ROOM}/alice' type='error'><error type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>`);
      await h.answerIq(
        (el) => el.getChild('query')?.attrs.node === 'x-roomuser-item',
        reserved ? undefined : 'item-not-found',
        reserved ? `<query xmlns='http://jabber.org/protocol/disco#info' node='x-roomuser-item'><identity category='conference' type='text' name='${reserved}'/></query>` : '',
      );
      return joining.catch((x: unknown) => x);
    };
    const first = h.muc.join(ROOM, { nick: 'alice' });
    expect(await conflict(first)('thirdwitch')).toMatchObject({ kind: 'nick-in-use', suggestedNick: 'thirdwitch' });
    const second = h.muc.join(ROOM, { nick: 'alice' });
    const e = (await conflict(second)(undefined)) as MucJoinError;
    expect(e.kind).toBe('nick-in-use');
    expect(e.suggestedNick).toMatch(/^alice_\d{3}$/);
  });

  it('[UCR-G1] status 201: a new room is unlocked by accepting the default configuration (§10.1.2)', async () => {
    const h = harness();
    const { joining } = await joinAs(h, 'alice', { codes: [201] });
    const unlock = await h.answerIq((el) => el.getChild('query', 'http://jabber.org/protocol/muc#owner') !== undefined);
    expect(unlock.attrs).toMatchObject({ type: 'set', to: ROOM });
    expect(unlock.getChild('query')?.getChild('x', 'jabber:x:data')?.attrs).toMatchObject({ type: 'submit' });
    await h.answerInfo(['muc_public']);
    const r = await joining;
    expect(r.created).toBe(true);
    expect(r.notes).toEqual([]);
    expect(h.statuses.map((s) => s.kind)).toEqual(['room-created']);
  });

  it('refuses bad input without sending anything; a second join of the same room is refused', async () => {
    const h = harness();
    await expect(h.muc.join('not a room' as BareJid, { nick: 'a' })).rejects.toMatchObject({ kind: 'invalid-request' });
    await expect(h.muc.join(ROOM, { nick: ' \u0007' })).rejects.toMatchObject({ kind: 'invalid-request' });
    expect(h.stream.sent).toEqual([]);
    const { joining } = await joinAs(h, 'alice');
    await joining;
    await expect(h.muc.join(ROOM, { nick: 'other' })).rejects.toMatchObject({ kind: 'invalid-request' });
  });

  it('leave() during a join cancels it; dispose() drops the rooms without reporting a leave', async () => {
    const h = harness();
    const joining = h.muc.join(ROOM, { nick: 'alice' });
    await h.answerInfo([]);
    await h.next((el) => el.name === 'presence');
    await h.muc.leave(ROOM);
    await expect(joining).rejects.toMatchObject({ kind: 'other', condition: 'cancelled' });
    expect(h.stream.last().attrs).toMatchObject({ to: `${ROOM}/alice`, type: 'unavailable' });
    expect(h.leaves).toEqual([]);
    const again = await joinAs(h, 'alice');
    await again.joining;
    h.muc.dispose();
    expect(h.leaves).toEqual([]);
    expect(h.muc.isJoined(ROOM)).toBe(false);
  });

  it('a message refused with not-acceptable makes us check (XEP-0410); out means onDidLeave(not-joined)', async () => {
    const h = harness();
    const { joining } = await joinAs(h, 'alice');
    await joining;
    const { id } = h.muc.send(ROOM, 'anyone?');
    h.stream.receive(`<message type='error' from='${ROOM}' id='${id}'><error type='cancel'><not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>`);
    await h.answerIq((el) => el.attrs.to === `${ROOM}/alice` && el.getChild('ping', 'urn:xmpp:ping') !== undefined, 'not-acceptable');
    await sleep(5);
    expect(h.states).toMatchObject([{ id, state: 'failed', condition: 'not-acceptable' }]);
    expect(h.leaves).toMatchObject([{ room: ROOM, reason: 'not-joined' }]);
    expect(h.muc.isJoined(ROOM)).toBe(false);
  });

  it('a join the room never answers times out, and we say we left in case it answers later', async () => {
    const h = harness({ timeoutMs: 50 });
    const joining = h.muc.join(ROOM, { nick: 'alice' });
    await h.answerInfo([]);
    await expect(joining).rejects.toMatchObject({ kind: 'timeout' });
    expect(h.stream.last().attrs).toMatchObject({ to: `${ROOM}/alice`, type: 'unavailable' });
  });
});

describe('XEP-0045 messages (§7.4, §7.5, §8.1)', () => {
  async function joined(features: readonly string[] = ['urn:xmpp:sid:0']) {
    const h = harness();
    const { joining } = await joinAs(h, 'alice', { features, others: [occupantPresence('bob')] });
    await joining;
    h.stream.receive(`<message type='groupchat' from='${ROOM}'><subject/></message>`);
    return h;
  }

  it("[UCR-G1] our message carries an origin-id; the room's copy of it is 'sent', never a new message", async () => {
    const h = await joined();
    const { id } = h.muc.send(ROOM, 'hello coven');
    const sent = h.stream.last();
    expect(sent.attrs).toMatchObject({ to: ROOM, type: 'groupchat', id });
    expect(sent.getChild('origin-id', 'urn:xmpp:sid:0')?.attrs.id).toBe(id);
    expect(sent.getChild('request', 'urn:xmpp:receipts')).toBeUndefined(); // XEP-0184 §5.3: not in groupchat
    h.stream.receive(groupMessage('alice', 'hello coven', { id, originId: id, stanzaId: 'room-1' }));
    expect(h.states).toEqual([{ room: ROOM, id, state: 'sent', stanzaId: 'room-1' }]);
    expect(h.group).toEqual([]);
    // A second copy with the same room stanza-id (e.g. from the archive) is not new either.
    h.stream.receive(groupMessage('alice', 'hello coven', { originId: id, stanzaId: 'room-1' }));
    expect(h.group).toEqual([]);
    // Our message from another client of ours (unknown origin-id) is shown, marked as ours.
    h.stream.receive(groupMessage('alice', 'from my phone', { originId: 'other-device', stanzaId: 'room-2' }));
    expect(h.group.map((m) => [m.body, m.fromSelf, m.stanzaId])).toEqual([['from my phone', true, 'room-2']]);
    expect(h.muc.joined()).toEqual([{ room: ROOM, nick: 'alice', lastArchiveId: 'room-2' }]);
  });

  it("stanza-ids are believed only with by = the room, from a room that assigns them; an error fails our message", async () => {
    const h = await joined([]);
    h.stream.receive(groupMessage('bob', 'hi', { stanzaId: 'x1' }));
    expect(h.group[0]?.stanzaId).toBeUndefined(); // the room does not advertise urn:xmpp:sid:0
    const h2 = await joined();
    h2.stream.receive(`<message type='groupchat' from='${ROOM}/bob'><body>hi</body><stanza-id xmlns='urn:xmpp:sid:0' by='mallory@example.test' id='forged'/></message>`);
    expect(h2.group[0]?.stanzaId).toBeUndefined();
    const { id } = h2.muc.send(ROOM, 'shh');
    h2.stream.receive(`<message type='error' from='${ROOM}' id='${id}'><error type='auth'><forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>`);
    expect(h2.states).toEqual([{ room: ROOM, id, state: 'failed', condition: 'forbidden', text: undefined }]);
  });

  it('[UCR-G1] a message from the bare room JID is a system message; status codes become typed events', async () => {
    const h = await joined();
    h.stream.receive(
      `<message type='groupchat' from='${ROOM}'><body>This room is now non-anonymous</body><x xmlns='${MUC_USER}'><status code='104'/><status code='172'/><status code='999'/></x></message>`,
    );
    expect(h.group.map((m) => [m.nick, m.body])).toEqual([[undefined, 'This room is now non-anonymous']]);
    expect(h.statuses.map((s) => [s.code, s.kind, s.stanza])).toEqual([
      [104, 'config-changed', 'message'],
      [172, 'non-anonymous', 'message'],
    ]);
    // §10.2: the room's new configuration is read again.
    await h.answerInfo(['muc_nonanonymous', 'urn:xmpp:sid:0']);
    await sleep(5);
    expect(h.configs).toHaveLength(1);
    expect(h.configs[0]).toMatchObject({ room: ROOM, changes: ['config-changed', 'non-anonymous'], info: { nonAnonymous: true } });
  });

  it('subject changes only from an occupant or the room (§8.1); setSubject resolves on the reflection', async () => {
    const h = await joined();
    h.stream.receive(`<message type='groupchat' from='${ROOM}/stranger'><subject>pwned</subject></message>`);
    expect(h.muc.subject(ROOM)).toBe('');
    expect(h.refused.some((r) => r.includes('stranger'))).toBe(true);
    // A subject with a body is a message, not a subject change.
    h.stream.receive(`<message type='groupchat' from='${ROOM}/bob'><subject>x</subject><body>text</body></message>`);
    expect(h.muc.subject(ROOM)).toBe('');
    const setting = h.muc.setSubject(ROOM, 'Brewing');
    const sent = h.stream.last();
    expect(sent.getChildText('subject')).toBe('Brewing');
    h.stream.receive(`<message type='groupchat' from='${ROOM}/alice' id='${String(sent.attrs.id)}'><subject>Brewing</subject></message>`);
    await setting;
    expect(h.subjects.at(-1)).toEqual({ room: ROOM, subject: 'Brewing', by: 'alice', initial: false });
    const refused = h.muc.setSubject(ROOM, 'No');
    h.stream.receive(`<message type='error' from='${ROOM}' id='${String(h.stream.last().attrs.id)}'><error type='auth'><forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>`);
    await expect(refused).rejects.toThrow(/forbidden/);
  });

  it('[UCR-G1] private messages carry the muc#user <x/> and stay out of one-to-one chats', async () => {
    const h = harness();
    const messages = registerMessages(h.client, { sendReceipts: () => false });
    const presence = registerPresence(h.client);
    const oneToOne: ParsedMessage[] = [];
    const contactPresence: PresenceEvent[] = [];
    messages.onDidReceiveMessage((m) => oneToOne.push(m));
    presence.onDidChangePresence((e) => contactPresence.push(e));
    h.muc.dispose();
    const { registerMuc } = await import('./0045-muc');
    const muc = registerMuc(h.client, { presence, messages, batchMs: 1 });
    const privates: string[] = [];
    muc.onDidReceivePrivateMessage((m) => privates.push(`${m.nick}: ${m.body}`));
    const joining = muc.join(ROOM, { nick: 'alice' });
    await h.answerInfo([]);
    await h.next((el) => el.name === 'presence' && el.attrs.to === `${ROOM}/alice`);
    h.stream.receive(occupantPresence('bob'));
    h.stream.receive(occupantPresence('alice', { codes: [110] }));
    await joining;
    muc.sendPrivate(ROOM, 'bob', 'psst');
    const pm = h.stream.last();
    expect(pm.attrs).toMatchObject({ to: `${ROOM}/bob`, type: 'chat' });
    expect(pm.getChild('x', MUC_USER)).toBeDefined();
    h.stream.receive(`<message type='chat' from='${ROOM}/bob' to='${ME}'><body>psst back</body><x xmlns='${MUC_USER}'/></message>`);
    h.stream.receive(groupMessage('bob', 'to all'));
    expect(privates).toEqual(['bob: psst back']);
    expect(oneToOne).toEqual([]);
    expect(contactPresence).toEqual([]);
    expect(presence.resources(ROOM)).toEqual([]);
    // Our leave: the room's last word (our unavailable) is not contact presence either.
    const leaving = muc.leave(ROOM);
    h.stream.receive(occupantPresence('alice', { type: 'unavailable', codes: [110] }));
    await leaving;
    h.stream.receive(occupantPresence('bob', { type: 'unavailable' }));
    expect(contactPresence).toEqual([]);
    // Another sender is still a one-to-one chat.
    h.stream.receive(`<message type='chat' from='bob@example.test/x'><body>direct</body></message>`);
    expect(oneToOne.map((m) => m.body)).toEqual(['direct']);
    // Our presence follows to the rooms we are in (§7.7), without the join <x/>.
    const back = muc.join(ROOM, { nick: 'alice' });
    await h.answerInfo([]);
    await h.next((el) => el.name === 'presence' && el.attrs.to === `${ROOM}/alice`);
    h.stream.receive(occupantPresence('alice', { codes: [110] }));
    await back;
    presence.setOwn({ show: 'away' });
    await sleep(1);
    const toRoom = h.stream.sent.filter((el: Element) => el.name === 'presence' && el.attrs.to === `${ROOM}/alice`).at(-1);
    expect(toRoom?.getChildText('show')).toBe('away');
    expect(toRoom?.getChild('x', MUC)).toBeUndefined();
  });

  it('[IMPP-D1] presence and messages claiming to be from a room we are not in are ignored', async () => {
    const h = await joined();
    const other = 'elsewhere@chat.example.test';
    h.stream.receive(occupantPresence('mallory', { room: other, codes: [110] }));
    h.stream.receive(groupMessage('mallory', 'fake', { room: other }));
    h.stream.receive(`<message type='groupchat' from='${other}'><subject>fake</subject></message>`);
    expect(h.muc.occupants(other as BareJid)).toEqual([]);
    expect(h.group).toEqual([]);
    expect(h.subjects.filter((s) => s.room !== ROOM)).toEqual([]);
    // Malformed nicks from our own room are refused at the edge.
    h.stream.receive(`<presence from='${ROOM}/\u0001'/>`);
    expect(h.muc.occupants(ROOM)).toHaveLength(2);
  });
});
