// Rooms through the real main-process core (dispatcher, store, batches), against the real
// servers: create a configured room, a second occupant, messages both ways stored once, subject,
// kick with a reason; and a server restart → the core reconnects, rejoins the room by itself
// and fetches what it missed from the room's archive with no duplicate.
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { RoomUpdate } from '../../shared/ipc';
import type { XmppClient } from '../../electron/main/xmpp/client/client';
import { establishSession } from '../../electron/main/xmpp/session/establish';
import { waitFor } from '../support/clients';
import { startCore, type CoreHarness } from '../support/core-harness';
import { closeFreshSessions, freshAccount, freshSession } from '../support/fresh-user';
import { joinRaw, statusCodes } from '../support/muc-raw';
import { startPrivateProsody } from '../support/private-prosody';
import { getTestbed } from '../support/testbed/get-testbed.js';
import type { ServerKind } from '../support/testbed/info.js';
import { testAddress } from '../support/testbed/net.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => undefined);
  await closeFreshSessions();
});

const tag = (): string => randomBytes(3).toString('hex');
const until = (pred: () => boolean, ms: number): Promise<unknown> => waitFor([0], () => pred(), ms);
const roomUpdates = (h: CoreHarness): RoomUpdate[] => h.events.filter(([n]) => n === 'didUpdateRooms').flatMap(([, p]) => (p as { updates: RoomUpdate[] }).updates);
const groupBodies = (h: CoreHarness, room: string): string[] =>
  roomUpdates(h).flatMap((u) => (u.kind === 'message' && u.message.room === room ? [u.message.body] : []));
const sessionsUp = (h: CoreHarness): number => h.states().filter((s, i, all) => s === 'connected' && all[i - 1] !== 'connected').length;

describe.each(['prosody', 'ejabberd'] as ServerKind[])('rooms through the core on %s', (kind) => {
  it('[UCR-G1] creates a configured room, talks with a second occupant, changes the subject and kicks with a reason', async () => {
    const tb = getTestbed();
    const [alice, bob] = await Promise.all([freshAccount(kind, 'room-a'), freshAccount(kind, 'room-b')]);
    const h = startCore();
    cleanup.push(() => h.close());
    await h.call('acknowledgeConsent', {});
    expect((await h.call('connect', { account: alice.jid, auth: { kind: 'password', password: alice.password } })).ok).toBe(true);
    const room = `r-${tag()}@${tb.servers[kind].muc}`;
    const created = await h.call('createRoom', { room, nick: 'alice', settings: { name: 'Ops room', description: 'for the test', persistent: true, public: true } });
    expect(created, JSON.stringify(created.error)).toMatchObject({ ok: true, value: { room, nick: 'alice' } });
    const config = (await h.call('getRoomConfig', { room })).value as { form: { formType?: string; fields: { var?: string; values: string[] }[] } };
    expect(config.form.formType).toBe('http://jabber.org/protocol/muc#roomconfig');
    expect(config.form.fields.find((f) => f.var === 'muc#roomconfig_roomname')?.values).toEqual(['Ops room']);

    const bobClient = await freshSession(bob);
    const b = await joinRaw(bobClient, room, 'bob');
    await until(() => roomUpdates(h).some((u) => u.kind === 'occupants' && u.room === room && u.set.some((o) => o.nick === 'bob')), 10_000);

    const mine = `from alice ${tag()}`;
    const sent = await h.call('sendGroupMessage', { room, body: mine });
    expect(sent).toMatchObject({ ok: true });
    const id = (sent.value as { id: string }).id;
    await until(() => b.messages.some((m) => m.getChildText('body') === mine), 10_000);
    await until(() => roomUpdates(h).some((u) => u.kind === 'message-state' && u.id === id && u.state === 'sent'), 10_000);
    const theirs = `from bob ${tag()}`;
    b.say(theirs);
    await until(() => groupBodies(h, room).includes(theirs), 10_000);

    expect((await h.call('setRoomSubject', { room, subject: 'Today: tests' })).ok).toBe(true);
    await until(() => roomUpdates(h).some((u) => u.kind === 'subject' && u.room === room && u.subject === 'Today: tests'), 10_000);

    const history = (await h.call('getRoomHistory', { room, limit: 50 })).value as { messages: { body: string; direction: string; state: string }[] };
    expect(history.messages.filter((m) => m.body === mine)).toEqual([expect.objectContaining({ direction: 'out', state: 'sent' })]);
    expect(history.messages.filter((m) => m.body === theirs)).toEqual([expect.objectContaining({ direction: 'in', state: 'received' })]);
    // Our own message was reflected by the room but shown once, as ours.
    expect(groupBodies(h, room).filter((x) => x === mine)).toHaveLength(0);

    expect((await h.call('setOccupantRole', { room, nick: 'bob', role: 'none', reason: 'test kick' })).ok).toBe(true);
    await until(() => b.presences.some((p) => p.attrs.type === 'unavailable' && statusCodes(p).includes('307')), 10_000);
    await until(() => roomUpdates(h).some((u) => u.kind === 'occupants' && u.room === room && u.removed.some((r) => r.nick === 'bob' && r.reason === 'kicked')), 10_000);
    const rooms = (await h.call('getRooms', {})).value as { rooms: { room: { room: string; subject?: string }; occupants: { nick: string }[] }[] };
    expect(rooms.rooms.find((r) => r.room.room === room)).toMatchObject({ room: { subject: 'Today: tests' }, occupants: [expect.objectContaining({ nick: 'alice' })] });
  });
});

describe('rooms survive a server restart (private Prosody)', () => {
  it('[UCR-G1] the core reconnects, rejoins the room by itself and gets what it missed from the archive, each message once', async () => {
    const server = await startPrivateProsody({ domain: 'muc-restart.test', address: testAddress(27) });
    cleanup.push(() => server.close());
    const [alice, bob] = await Promise.all([server.account('alice'), server.account('bob')]);
    const openBob = (): Promise<XmppClient> => server.openSession(bob);

    const h = startCore((env) => ({ ...env, backoff: { initialMs: 500, maxMs: 2000, factor: 2 }, establish: (o) => establishSession({ ...o, dns: server.dns }) }));
    cleanup.push(() => h.close());
    await h.call('acknowledgeConsent', {});
    expect((await h.call('connect', { account: alice.jid, auth: { kind: 'password', password: alice.password } })).ok).toBe(true);
    const room = `ops-${tag()}@conference.${server.domain}`;
    expect((await h.call('createRoom', { room, nick: 'alice', settings: { persistent: true } })).ok).toBe(true);
    const before = `before restart ${tag()}`;
    const b1 = await joinRaw(await openBob(), room, 'bob');
    b1.say(before);
    await until(() => groupBodies(h, room).includes(before), 10_000);

    await server.stop();
    await until(() => h.states().includes('reconnecting'), 15_000);
    await server.start();
    // Bob is back first and speaks while alice is still out of the room: the archive keeps it.
    const missed = `while alice was away ${tag()}`;
    const b2 = await joinRaw(await openBob(), room, 'bob');
    b2.say(missed);
    await until(() => sessionsUp(h) >= 2, 30_000);
    await until(() => groupBodies(h, room).includes(missed), 20_000);
    const after = `after rejoin ${tag()}`;
    b2.say(after);
    await until(() => groupBodies(h, room).includes(after), 10_000);
    await new Promise((r) => setTimeout(r, 1000));
    for (const body of [before, missed, after]) expect(groupBodies(h, room).filter((x) => x === body), body).toHaveLength(1);
    const history = (await h.call('getRoomHistory', { room, limit: 50 })).value as { messages: { body: string }[] };
    for (const body of [before, missed, after]) expect(history.messages.filter((m) => m.body === body), body).toHaveLength(1);
  }, 90_000);
});
