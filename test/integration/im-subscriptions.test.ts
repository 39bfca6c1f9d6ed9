// Roster and presence subscriptions between two Bastion sessions on the real servers
// [IMPP-P1]: nobody sees anybody's presence without an explicit approval, and approval can be
// revoked. Uses carol and bob (alice's roster is left alone for other tests).
import { afterEach, describe, expect, it } from 'vitest';
import type { BareJid } from '../../shared/xmpp/jid';
import type { XmppClient } from '../../electron/main/xmpp/client/client';
import { registerPresence, type PresenceEvent } from '../../electron/main/xmpp/im/presence';
import { registerRoster, type RosterChange } from '../../electron/main/xmpp/im/roster';
import { openClient, waitFor } from '../support/clients';
import type { ServerKind } from '../support/testbed/info.js';

const open: XmppClient[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c.close().catch(() => undefined);
});

async function user(kind: ServerKind, name: string) {
  const client = await openClient(kind, name);
  open.push(client);
  const roster = registerRoster(client);
  const presence = registerPresence(client);
  const events: PresenceEvent[] = [];
  const changes: RosterChange[] = [];
  presence.onDidChangePresence((e) => events.push(e));
  roster.onDidChangeRoster((c) => changes.push(...c));
  await roster.load();
  presence.setOwn({ status: `${name} here` });
  return { client, roster, presence, events, changes, jid: client.account };
}

describe.each<ServerKind>(['prosody', 'ejabberd'])('subscriptions on %s', (kind) => {
  it('[IMPP-P1] request → no presence until approved → approved → presence flows → revoked → it stops', async () => {
    const carol = await user(kind, 'carol');
    const bob = await user(kind, 'bob');
    // Start clean: earlier runs of this test leave nothing behind (cleanup at the end too).
    for (const u of [carol, bob]) for (const i of u.roster.items()) await u.roster.remove(i.jid);

    await carol.roster.set({ jid: bob.jid, name: 'Bob', groups: ['Work'] });
    carol.presence.requestSubscription(bob.jid as BareJid, 'carol wants to see you');
    await waitFor(bob.events, (e) => e.kind === 'subscription-request' && e.from === carol.jid);
    expect(bob.presence.pendingRequests()).toEqual([carol.jid]);
    // Not approved yet: carol has no presence of bob, whatever bob does.
    bob.presence.setOwn({ show: 'chat', status: 'still private' });
    await new Promise((r) => setTimeout(r, 300));
    // (carol's own presence is reflected to her; bob's must not reach her)
    expect(carol.events.filter((e) => e.kind === 'available' && e.resource.jid.startsWith(`${bob.jid}/`))).toEqual([]);
    expect(carol.roster.items().find((i) => i.jid === bob.jid)).toMatchObject({ subscription: 'none', pendingOut: true, groups: ['Work'] });

    bob.presence.approve(carol.jid as BareJid);
    await waitFor(carol.events, (e) => e.kind === 'available' && e.resource.jid === bob.client.jid);
    await waitFor(carol.changes, (c) => c.kind === 'set' && c.item.jid === bob.jid && c.item.subscription === 'to');

    // Revoke: carol gets unsubscribed and bob's presence goes away.
    bob.presence.deny(carol.jid as BareJid);
    await waitFor(carol.events, (e) => e.kind === 'unsubscribed' && e.from === bob.jid);
    await waitFor(carol.changes, (c) => c.kind === 'set' && c.item.jid === bob.jid && c.item.subscription === 'none');
    expect(carol.presence.resources(bob.jid as BareJid)).toEqual([]);

    await carol.roster.remove(bob.jid as BareJid);
    await waitFor(carol.changes, (c) => c.kind === 'removed' && c.jid === bob.jid);
  });

  it('roster versioning: a reload with the stored version gets only what changed', async () => {
    const carol = await user(kind, 'carol');
    const version = carol.roster.version();
    if (version === undefined) {
      // Prosody offers versioning by default; ejabberd in the test bed too (mod_roster versioning).
      throw new Error(`${kind} did not send a roster version`);
    }
    const again = await carol.roster.load({ version, items: carol.roster.items() });
    expect(again.version).toBe(version);
    expect(again.items).toEqual(carol.roster.items());
  });
});
