// XEP-0313 message archive management with XEP-0059 paging on the real servers, on fresh
// accounts (nobody else's traffic is in their archives, so "exactly these messages" is exact):
// paging in small pages returns everything in order, a catch-up from a stored archive id returns
// exactly what came after it, and what arrived while the user was offline is in the archive.
import { afterEach, describe, expect, it } from 'vitest';
import type { ParsedMessage } from '../../electron/main/xmpp/im/message-parse';
import { registerMessages } from '../../electron/main/xmpp/im/messages';
import { registerPresence } from '../../electron/main/xmpp/im/presence';
import { registerMam, type ArchivedMessage, type MamModule } from '../../electron/main/xmpp/xep/0313-mam';
import { roundTrip, waitFor } from '../support/clients';
import { closeFreshSessions, freshAccount, freshSession } from '../support/fresh-user';
import type { Account, ServerKind } from '../support/testbed/info.js';

afterEach(closeFreshSessions);

async function user(account: Account) {
  const client = await freshSession(account);
  // No receipts: they would be archived next to the bodies on some servers.
  const messages = registerMessages(client, { sendReceipts: () => false });
  const mam = registerMam(client);
  const inbox: ParsedMessage[] = [];
  const refused: string[] = [];
  messages.onDidReceiveMessage((m) => inbox.push(m));
  mam.onDidRefuseResult((r) => refused.push(r));
  registerPresence(client).setOwn({});
  await roundTrip(client);
  return { client, messages, mam, inbox, refused };
}

/** Archives are written as the server routes; poll until the archive holds `n` messages with `with`. */
async function archived(mam: MamModule, withJid: string, n: number): Promise<readonly ArchivedMessage[]> {
  const t0 = Date.now();
  for (;;) {
    const r = await mam.queryAll({ with: withJid, pageSize: 50 });
    if (r.messages.length >= n || Date.now() - t0 > 10_000) return r.messages;
    await new Promise((res) => setTimeout(res, 200));
  }
}

const bodies = (ms: readonly ArchivedMessage[]) => ms.map((m) => m.message.body);
const tenBodies = Array.from({ length: 10 }, (_, i) => `archived message ${i + 1}`);

describe.each<ServerKind>(['prosody', 'ejabberd'])('message archive on %s', (kind) => {
  it('ten messages paged three at a time come back complete and in order; catch-up from the 4th gives 5..10', async () => {
    const [aliceAccount, bobAccount] = await Promise.all([freshAccount(kind, 'mam-alice'), freshAccount(kind, 'mam-bob')]);
    const alice = await user(aliceAccount);
    const bob = await user(bobAccount);
    const sent: string[] = [];
    for (const body of tenBodies) sent.push(alice.messages.send({ to: bob.client.account, body }).id);
    await waitFor(bob.inbox, (m) => m.body === tenBodies[9], 10_000);
    await archived(alice.mam, bob.client.account, 10);

    const pages: number[] = [];
    const all = await alice.mam.queryAll({ with: bob.client.account, pageSize: 3 }, { onPage: (ms) => void pages.push(ms.length) });
    expect(bodies(all.messages)).toEqual(tenBodies);
    expect(all).toMatchObject({ complete: true, stoppedBecause: undefined });
    expect(all.pages).toBeGreaterThanOrEqual(4); // 3+3+3+1 (a server may need one more, empty, page to say complete)
    expect(pages.slice(0, 4)).toEqual([3, 3, 3, 1]);
    // The archive keeps what the sender put on it (XEP-0359 origin-id) and when it was stored.
    expect(all.messages.map((m) => m.message.originId)).toEqual(sent);
    expect(all.messages.every((m) => m.archive === alice.client.account && m.archivedAt instanceof Date)).toBe(true);
    expect(new Set(all.messages.map((m) => m.archiveId)).size).toBe(10);
    expect(all.lastId).toBe(all.messages[9]?.archiveId);

    const fourth = all.messages[3]?.archiveId;
    const caught = await alice.mam.catchUp({ afterId: fourth, with: bob.client.account, pageSize: 3 });
    expect(bodies(caught.messages)).toEqual(tenBodies.slice(4));
    expect(caught).toMatchObject({ complete: true, lastId: all.lastId });
    // Nothing new: the stored id stays where it is and nothing is delivered twice.
    const again = await alice.mam.catchUp({ afterId: caught.lastId, with: bob.client.account, pageSize: 3 });
    expect(again).toMatchObject({ messages: [], complete: true, lastId: caught.lastId });
    // Newest page (XEP-0059 §2.5): the last three, still oldest first.
    const newest = await alice.mam.queryPage({ with: bob.client.account, beforeId: true, pageSize: 3 });
    expect(bodies(newest.messages)).toEqual(tenBodies.slice(7));
    expect([...alice.refused, ...bob.refused]).toEqual([]);
  });

  it('messages sent while the user was offline are in their archive, under the stanza-id they are delivered with', async () => {
    const [aliceAccount, bobAccount] = await Promise.all([freshAccount(kind, 'mam-alice'), freshAccount(kind, 'mam-bob')]);
    const alice = await user(aliceAccount);
    // bob has never been online since registering.
    const offline = ['while you were out 1', 'while you were out 2', 'while you were out 3'];
    for (const body of offline) alice.messages.send({ to: bobAccount.jid, body });
    await archived(alice.mam, bobAccount.jid, 3); // routed (and archived) by now

    const bob = await user(bobAccount);
    const inArchive = await archived(bob.mam, alice.client.account, 3);
    expect(bodies(inArchive)).toEqual(offline);
    expect(inArchive.every((m) => m.message.fromBare === alice.client.account && m.archive === bob.client.account)).toBe(true);
    // Offline delivery (XEP-0160) brings the same messages; the archive id is the stanza-id on them.
    await waitFor(bob.inbox, (m) => m.body === offline[2], 10_000);
    for (const m of inArchive) {
      const live = bob.inbox.find((x) => x.body === m.message.body);
      expect(live?.stanzaIds.get(bob.client.account)).toBe(m.archiveId);
    }
    expect(bob.refused).toEqual([]);
  });

  it('archiving preferences can be read (§7)', async () => {
    const alice = await user(await freshAccount(kind, 'mam-prefs'));
    const prefs = await alice.mam.getPreferences();
    expect(prefs.default).toBe('always'); // both test servers archive everything by default
  });
});
