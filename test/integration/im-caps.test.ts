// XEP-0115 entity capabilities and XEP-0319 idle on the REAL servers, between fresh accounts
// (registered in-band, then subscribed to each other) so that no other test's roster or
// presence is in the way. Bastion is on both ends: bob's caps are computed by our registry,
// travel through the server in his presence, and alice resolves them with disco#info.
import type { Element } from '@xmpp/xml';
import { afterEach, describe, expect, it } from 'vitest';
import type { BareJid } from '../../shared/xmpp/jid';
import type { XmppClient } from '../../electron/main/xmpp/client/client';
import type { DiscoForm } from '../../electron/main/xmpp/client/disco-registry';
import { registerPresence, type PresenceEvent } from '../../electron/main/xmpp/im/presence';
import { NS_DISCO_INFO, registerDisco } from '../../electron/main/xmpp/xep/0030-disco';
import { createMemoryCapsCache, NS_CAPS, registerCaps, type CapsCache, type CapsResolved } from '../../electron/main/xmpp/xep/0115-caps';
import { NS_IDLE, registerIdle } from '../../electron/main/xmpp/xep/0319-idle';
import { waitFor } from '../support/clients';
import { closeFreshSessions, freshAccount, freshSession } from '../support/fresh-user';
import type { Account, ServerKind } from '../support/testbed/info.js';

afterEach(closeFreshSessions);

const NODE = 'https://bastion.example/caps';
const SOFTWARE_INFO: DiscoForm = {
  formType: 'urn:xmpp:dataforms:softwareinfo',
  fields: [
    { var: 'software', values: ['Bastion'] },
    { var: 'software_version', values: ['0.1.0'] },
  ],
};

/** Every disco#info the caps module sends goes through here, so the test counts them itself. */
function counting(client: XmppClient, log: string[]): XmppClient {
  const spy = Object.create(client) as XmppClient;
  spy.request = (type, to, payload: Element, timeoutMs) => {
    if (payload.is('query', NS_DISCO_INFO)) log.push(`${String(to)} ${String(payload.attrs.node)}`);
    return client.request(type, to, payload, timeoutMs);
  };
  return spy;
}

async function session(account: Account, opts: { cache?: CapsCache; idleSeconds?: () => number } = {}) {
  const client = await freshSession(account);
  const presence = registerPresence(client);
  const events: PresenceEvent[] = [];
  presence.onDidChangePresence((e) => events.push(e));
  const disco = registerDisco(client, { name: 'Bastion' });
  client.disco.addExtension(SOFTWARE_INFO); // XEP-0128: part of the disco#info answer and of the caps hash
  const queries: string[] = [];
  const caps = registerCaps(counting(client, queries), { presence, disco, node: NODE, ...(opts.cache ? { cache: opts.cache } : {}) });
  const resolved: CapsResolved[] = [];
  caps.onDidResolve((e) => resolved.push(e));
  const idleSeconds = opts.idleSeconds;
  const idle = registerIdle(client, {
    presence,
    ...(idleSeconds ? { port: { idleSeconds }, autoAway: { awayAfterMs: 5 * 60_000, xaAfterMs: 30 * 60_000, pollMs: 3_600_000 } } : {}),
  });
  return { client, presence, events, caps, queries, resolved, idle, bare: account.jid as BareJid };
}
type Session = Awaited<ReturnType<typeof session>>;

/** a and b see each other's presence (RFC 6121 §3.1: request, approve; both ways). */
async function subscribe(a: Session, b: Session): Promise<void> {
  for (const [from, to] of [
    [a, b],
    [b, a],
  ] as const) {
    from.presence.requestSubscription(to.bare);
    await waitFor(to.events, (e) => e.kind === 'subscription-request' && e.from === from.bare, 10_000);
    to.presence.approve(from.bare);
  }
  await waitFor(a.events, (e) => e.kind === 'available' && e.resource.jid === b.client.jid, 10_000);
  await waitFor(b.events, (e) => e.kind === 'available' && e.resource.jid === a.client.jid, 10_000);
}

describe.each<ServerKind>(['prosody', 'ejabberd'])('entity capabilities and idle on %s', (kind) => {
  it("[UCR-G1] XEP-0115 + XEP-0128: bob's caps cost alice one verified disco#info; his second resource none; her next session none (cache)", async () => {
    const [aliceAcct, bobAcct] = [await freshAccount(kind, 'capsa'), await freshAccount(kind, 'capsb')];
    // One cache per account, as the app's persistent one: bob's second session knows alice's ver too.
    const cache = createMemoryCapsCache();
    const bobCache = createMemoryCapsCache();
    const alice = await session(aliceAcct, { cache });
    const bob = await session(bobAcct, { cache: bobCache });
    alice.presence.setOwn({});
    bob.presence.setOwn({});
    await subscribe(alice, bob);

    const first = await waitFor(alice.resolved, (r) => r.jid === bob.client.jid, 10_000);
    expect(first).toMatchObject({ source: 'query', verified: true });
    expect(alice.queries).toEqual([`${bob.client.jid} ${NODE}#${bob.caps.own().ver}`]);
    expect(alice.caps.featuresOf(bob.client.jid)).toEqual(expect.arrayContaining([NS_CAPS, NS_IDLE, NS_DISCO_INFO]));
    expect(alice.caps.infoOf(bob.client.jid)?.forms).toEqual([SOFTWARE_INFO]); // XEP-0128 through the server, hash verified with it
    expect(await cache.get('sha-1', bob.caps.own().ver)).toEqual(bob.caps.own().info);

    // A second resource of bob's with the same client: same ver, no new query.
    const bob2 = await session(bobAcct, { cache: bobCache });
    bob2.presence.setOwn({});
    expect(bob2.caps.own().ver).toBe(bob.caps.own().ver);
    await waitFor(alice.resolved, (r) => r.jid === bob2.client.jid, 10_000);
    expect(alice.resolved.find((r) => r.jid === bob2.client.jid)?.source).toBe('session');
    expect(alice.queries).toHaveLength(1);

    // Alice's next session: the server's presence probe brings bob's caps; the cache answers.
    await alice.client.close();
    const again = await session(aliceAcct, { cache });
    again.presence.setOwn({});
    await waitFor(again.resolved, (r) => r.jid === bob.client.jid, 10_000);
    expect(again.resolved[0]).toMatchObject({ source: 'cache', verified: true }); // bob or bob2, whichever came first
    expect(again.queries).toEqual([]);
  });

  it('XEP-0319: bob goes auto-away after idling; alice sees away with his last-interaction time, then his return', async () => {
    const [aliceAcct, bobAcct] = [await freshAccount(kind, 'idlea'), await freshAccount(kind, 'idleb')];
    let bobIdle = 0;
    const alice = await session(aliceAcct);
    const bob = await session(bobAcct, { idleSeconds: () => bobIdle });
    alice.presence.setOwn({});
    bob.presence.setOwn({ status: 'working' });
    await subscribe(alice, bob);

    bobIdle = 10 * 60; // the OS says: no input for ten minutes
    const t = Date.now();
    bob.idle.check();
    expect(bob.idle.state()).toBe('away');
    await waitFor(alice.events, (e) => e.kind === 'available' && e.resource.jid === bob.client.jid && e.resource.show === 'away', 10_000);
    await waitFor([0], () => alice.idle.idleSince(bob.client.jid) !== undefined, 10_000);
    const since = alice.idle.idleSince(bob.client.jid)?.getTime() ?? 0;
    expect(Math.abs(since - (t - 600_000))).toBeLessThan(5_000);
    expect(alice.presence.resources(bob.bare).find((r) => r.jid === bob.client.jid)?.status).toBe('working');

    bobIdle = 0; // input again
    const mark = alice.events.length;
    bob.idle.check();
    await waitFor(alice.events, (e) => alice.events.indexOf(e) >= mark && e.kind === 'available' && e.resource.jid === bob.client.jid && e.resource.show === 'online', 10_000);
    expect(alice.idle.idleSince(bob.client.jid)).toBeUndefined();
  });
});
