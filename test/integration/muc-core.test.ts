// XEP-0045 multi-user chat on the real servers (Prosody mod_muc + muc_mam, ejabberd mod_muc with
// mam), with fresh in-band accounts so that no other test's rooms or archives are involved:
// instant-room creation, group messages (each seen once; our own reflected copy reported as
// 'sent'), subject, private messages, nick conflicts and changes, leave, XEP-0410 self-ping,
// history from the room's XEP-0313 archive without duplicates (also after a new stream), and
// go-sendxmpp as a third-party occupant.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BareJid } from '../../shared/xmpp/jid';
import type { ParsedMessage } from '../../electron/main/xmpp/im/message-parse';
import { registerMessages } from '../../electron/main/xmpp/im/messages';
import { registerPresence } from '../../electron/main/xmpp/im/presence';
import {
  MucJoinError,
  registerMuc,
  type GroupMessage,
  type GroupMessageState,
  type LeaveEvent,
  type OccupantChange,
  type PrivateMessage,
  type SubjectChange,
} from '../../electron/main/xmpp/xep/0045-muc';
import { registerMam, type MamModule } from '../../electron/main/xmpp/xep/0313-mam';
import { waitFor } from '../support/clients';
import { closeFreshSessions, freshAccount, freshSession } from '../support/fresh-user';
import { run } from '../support/testbed/exec.js';
import { getTestbed } from '../support/testbed/get-testbed.js';
import type { Account, ServerKind } from '../support/testbed/info.js';
import { randomToken } from '../support/testbed/secret.js';

afterEach(closeFreshSessions);

async function mucUser(account: Account) {
  const client = await freshSession(account);
  const presence = registerPresence(client);
  const messages = registerMessages(client, { sendReceipts: () => false });
  const mam = registerMam(client);
  const muc = registerMuc(client, { presence, messages, mam, batchMs: 10 });
  const u = {
    client,
    mam,
    muc,
    inbox: [] as ParsedMessage[],
    group: [] as GroupMessage[],
    states: [] as GroupMessageState[],
    privates: [] as PrivateMessage[],
    subjects: [] as SubjectChange[],
    changes: [] as OccupantChange[],
    leaves: [] as LeaveEvent[],
    refused: [] as string[],
  };
  messages.onDidReceiveMessage((m) => u.inbox.push(m));
  muc.onDidReceiveGroupMessage((m) => u.group.push(m));
  muc.onDidChangeMessageState((s) => u.states.push(s));
  muc.onDidReceivePrivateMessage((m) => u.privates.push(m));
  muc.onDidChangeSubject((s) => u.subjects.push(s));
  muc.onDidChangeOccupants((_r, c) => u.changes.push(...c));
  muc.onDidLeave((e) => u.leaves.push(e));
  muc.onDidRefuse((r) => u.refused.push(r));
  presence.setOwn({});
  return u;
}

const newRoom = (kind: ServerKind): BareJid => `core-${randomToken(4).toLowerCase()}@${getTestbed().servers[kind].muc}` as BareJid;
const bodiesFrom = (u: { group: GroupMessage[] }, nick: string) => u.group.filter((m) => m.nick === nick).map((m) => m.body);
const sent = async (u: { states: GroupMessageState[] }, id: string) => waitFor(u.states, (s) => s.id === id && s.state === 'sent', 10_000);

/** The room archive holds `n` messages (archiving may trail the reflection a little). */
async function archivedCount(mam: MamModule, room: BareJid, n: number): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    const r = await mam.queryAll({ archive: room, pageSize: 50 });
    if (r.messages.filter((m) => m.message.body !== undefined).length >= n || Date.now() - t0 > 10_000) return;
    await new Promise((res) => setTimeout(res, 200));
  }
}

describe.each<ServerKind>(['prosody', 'ejabberd'])('multi-user chat on %s', (kind) => {
  it('[UCR-G1] two occupants: instant room, group messages once each, subject, private message, nick conflict and change, leave, self-ping', { timeout: 60_000 }, async () => {
    const [aliceAccount, bobAccount] = await Promise.all([freshAccount(kind, 'muc-alice'), freshAccount(kind, 'muc-bob')]);
    const alice = await mucUser(aliceAccount);
    const bob = await mucUser(bobAccount);
    const room = newRoom(kind);

    const a = await alice.muc.join(room, { nick: 'alice' });
    expect(a).toMatchObject({ room, nick: 'alice', created: true, notes: [], self: { affiliation: 'owner', self: true } });

    // bob asks for alice's nick: refused, with an alternative that works.
    const conflict = await bob.muc.join(room, { nick: 'alice' }).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(MucJoinError);
    expect(conflict).toMatchObject({ kind: 'nick-in-use', condition: 'conflict' });
    const suggested = (conflict as MucJoinError).suggestedNick ?? '';
    expect(suggested).not.toBe('');
    const b = await bob.muc.join(room, { nick: suggested });
    expect(b).toMatchObject({ nick: suggested, created: false });
    expect(bob.muc.occupant(room, 'alice')).toMatchObject({ affiliation: 'owner', role: 'moderator', self: false });
    await waitFor(alice.changes, (c) => c.kind === 'added' && c.occupant.nick === suggested);

    const fromAlice = alice.muc.send(room, 'hello from alice');
    const fromBob = bob.muc.send(room, 'hello from bob');
    await sent(alice, fromAlice.id);
    await sent(bob, fromBob.id);
    await waitFor(bob.group, (m) => m.body === 'hello from alice');
    await waitFor(alice.group, (m) => m.body === 'hello from bob');
    await new Promise((r) => setTimeout(r, 300)); // room for a duplicate to show up, if there were one
    expect(bodiesFrom(bob, 'alice')).toEqual(['hello from alice']);
    expect(bodiesFrom(alice, suggested)).toEqual(['hello from bob']);
    expect(bodiesFrom(alice, 'alice')).toEqual([]); // our own copy is 'sent', not a new message
    expect(bodiesFrom(bob, suggested)).toEqual([]);
    expect(alice.states.filter((s) => s.id === fromAlice.id)).toHaveLength(1);
    expect(bob.group.find((m) => m.body === 'hello from alice')).toMatchObject({ source: 'live', fromSelf: false, id: fromAlice.id });
    // XEP-0421: Prosody 0.12 stamps occupant ids and says so; ejabberd 23.01 does neither.
    const aliceSeenByBob = bob.muc.occupant(room, 'alice');
    if (kind === 'prosody') {
      expect(b.info?.occupantIds).toBe(true);
      expect(aliceSeenByBob?.occupantId).toEqual(expect.any(String));
      expect(bob.group.find((m) => m.body === 'hello from alice')?.occupantId).toBe(aliceSeenByBob?.occupantId);
      expect(bob.muc.occupantById(room, aliceSeenByBob?.occupantId ?? '')?.nick).toBe('alice');
    } else {
      expect(b.info?.occupantIds).toBe(false);
      expect(aliceSeenByBob?.occupantId).toBeUndefined();
    }

    await alice.muc.setSubject(room, 'Potions and brooms');
    await waitFor(bob.subjects, (s) => s.subject === 'Potions and brooms' && s.by === 'alice');
    expect(bob.muc.subject(room)).toBe('Potions and brooms');

    alice.muc.sendPrivate(room, suggested, 'psst, bob');
    const pm = await waitFor(bob.privates, (m) => m.body === 'psst, bob', 10_000);
    expect(pm).toMatchObject({ room, nick: 'alice' });
    expect(bob.inbox).toEqual([]); // not a one-to-one chat with the room

    await expect(bob.muc.changeNick(room, 'alice')).rejects.toMatchObject({ kind: 'nick-in-use' });
    await bob.muc.changeNick(room, 'bobby');
    expect(bob.muc.nick(room)).toBe('bobby');
    await waitFor(alice.changes, (c) => c.kind === 'added' && c.occupant.nick === 'bobby' && c.previousNick === suggested);
    expect(alice.muc.occupant(room, suggested)).toBeUndefined();

    expect(await alice.muc.checkJoined(room)).toMatchObject({ verdict: 'joined' });
    await bob.muc.leave(room, 'bye');
    expect(bob.leaves).toEqual([{ room, reason: 'left' }]);
    await waitFor(alice.changes, (c) => c.kind === 'removed' && c.occupant.nick === 'bobby' && c.reason === 'left');
    expect(await bob.muc.checkJoined(room, 'bobby')).toMatchObject({ verdict: 'not-joined' });
    expect([...alice.refused, ...bob.refused]).toEqual([]);
  });

  it('[UCR-G1] history: what was said before bob joined comes from the room archive once; after a new stream the rejoin continues after the stored id', { timeout: 60_000 }, async () => {
    const [aliceAccount, bobAccount] = await Promise.all([freshAccount(kind, 'muc-alice'), freshAccount(kind, 'muc-bob')]);
    const alice = await mucUser(aliceAccount);
    const room = newRoom(kind);
    const a = await alice.muc.join(room, { nick: 'alice' });
    expect(a.info?.mam).toBe(true);
    for (const body of ['before 1', 'before 2', 'before 3']) await sent(alice, alice.muc.send(room, body).id);
    await archivedCount(alice.mam, room, 3);

    let bob = await mucUser(bobAccount);
    const b = await bob.muc.join(room, { nick: 'bob', history: { maxStanzas: 50 } });
    expect(await b.history).toMatchObject({ source: 'mam', delivered: 3, complete: true });
    await sent(alice, alice.muc.send(room, 'live 4').id);
    await waitFor(bob.group, (m) => m.body === 'live 4');
    expect(bob.group.map((m) => [m.body, m.source])).toEqual([
      ['before 1', 'history-mam'],
      ['before 2', 'history-mam'],
      ['before 3', 'history-mam'],
      ['live 4', 'live'],
    ]);
    expect(bob.group.every((m) => m.stanzaId !== undefined && m.nick === 'alice')).toBe(true);
    const lastArchiveId = bob.muc.joined()[0]?.lastArchiveId;
    expect(lastArchiveId).toBe(bob.group.at(-1)?.stanzaId);

    // A new stream (not a resumption): the server took bob out of the room with the old session.
    await bob.client.close();
    await waitFor(alice.changes, (c) => c.kind === 'removed' && c.occupant.nick === 'bob');
    for (const body of ['while away 5', 'while away 6']) await sent(alice, alice.muc.send(room, body).id);
    await archivedCount(alice.mam, room, 6);
    bob = await mucUser(bobAccount);
    const [outcome] = await bob.muc.rejoinIfNeeded([{ room, nick: 'bob', ...(lastArchiveId ? { lastArchiveId } : {}) }]);
    expect(outcome).toMatchObject({ room, outcome: 'rejoined', selfPing: { verdict: 'not-joined' } });
    expect(await outcome?.history).toMatchObject({ source: 'mam', delivered: 2, complete: true });
    expect(bob.group.map((m) => m.body)).toEqual(['while away 5', 'while away 6']);
    expect(await bob.muc.checkJoined(room)).toMatchObject({ verdict: 'joined' });
  });

  it('[UCR-G1] go-sendxmpp as a third-party occupant: its group message arrives once, it comes and goes', { timeout: 90_000 }, async () => {
    const [aliceAccount, peerAccount] = await Promise.all([freshAccount(kind, 'muc-alice'), freshAccount(kind, 'muc-peer')]);
    const alice = await mucUser(aliceAccount);
    const room = newRoom(kind);
    await alice.muc.join(room, { nick: 'alice' });
    const tb = getTestbed();
    const s = tb.servers[kind];
    // As in support/testbed/peers.ts: only the test CA is trusted, no user config leaks in.
    const env = {
      ...process.env,
      SSL_CERT_FILE: tb.pki.caCert,
      SSL_CERT_DIR: path.join(tb.peersDir, 'no-extra-cas'),
      HOME: tb.peersDir,
      XDG_CONFIG_HOME: path.join(tb.peersDir, '.config'),
      XDG_DATA_HOME: path.join(tb.peersDir, '.local', 'share'),
    };
    await run('go-sendxmpp', ['-u', peerAccount.jid, '-p', peerAccount.password, '-j', `${s.host}:${s.port}`, '--tls-version', '12', '--timeout', '10', '-c', '-a', 'peer', room], {
      env,
      input: 'hello from go-sendxmpp\n',
      timeoutMs: 30_000,
    });
    const m = await waitFor(alice.group, (x) => x.body === 'hello from go-sendxmpp', 25_000);
    expect(m).toMatchObject({ nick: 'peer', source: 'live', fromSelf: false });
    await waitFor(alice.changes, (c) => c.kind === 'removed' && c.occupant.nick === 'peer', 15_000);
    expect(alice.changes.some((c) => c.kind === 'added' && c.occupant.nick === 'peer')).toBe(true);
    expect(alice.group.filter((x) => x.body === 'hello from go-sendxmpp')).toHaveLength(1);
  });
});
