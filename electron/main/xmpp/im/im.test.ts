import type { Element } from '@xmpp/xml';
import { parse } from 'ltx';
import { describe, expect, it } from 'vitest';
import type { BareJid, FullJid } from '../../../../shared/xmpp/jid';
import { createXmppClient } from '../client/client';
import { createFakeStream } from '../client/testing/fake-stream';
import { registerPresence, type PresenceEvent } from './presence';
import { registerRoster, type RosterChange } from './roster';

function setup() {
  const stream = createFakeStream();
  const features = parse("<stream:features xmlns:stream='http://etherx.jabber.org/streams'><ver xmlns='urn:xmpp:features:rosterver'/></stream:features>") as Element;
  const client = createXmppClient({ jid: 'alice@example.test/desk' as FullJid, account: 'alice@example.test' as BareJid, stream, features });
  return { stream, client };
}
const tick = () => new Promise((r) => setImmediate(r));

describe('roster (RFC 6121 §2)', () => {
  it('loads, ignores malformed items, and applies pushes from our own account only', async () => {
    const { stream, client } = setup();
    const roster = registerRoster(client);
    const changes: RosterChange[] = [];
    roster.onDidChangeRoster((c) => changes.push(...c));
    const loading = roster.load();
    stream.receive(
      `<iq type='result' id='${stream.last().attrs.id as string}'><query xmlns='jabber:iq:roster' ver='v1'>` +
        "<item jid='bob@example.test' name='Bob' subscription='both'><group>Team</group><group>Team</group></item>" +
        "<item jid='bad jid@x' subscription='both'/><item jid='carol@example.test/res' subscription='to'/><item jid='dave@example.test' subscription='weird'/>" +
        '</query></iq>',
    );
    const loaded = await loading;
    expect(loaded.version).toBe('v1');
    expect(loaded.items).toEqual([{ jid: 'bob@example.test', name: 'Bob', subscription: 'both', pendingOut: false, groups: ['Team'] }]);
    // A push from a stranger is refused and changes nothing.
    stream.receive("<iq type='set' id='p1' from='mallory@example.test/x'><query xmlns='jabber:iq:roster'><item jid='mallory@example.test' subscription='both'/></query></iq>");
    await tick();
    expect(stream.last().attrs.type).toBe('error');
    expect(roster.items().map((i) => i.jid)).toEqual(['bob@example.test']);
    // A real push (no 'from') adds an item and moves the version.
    stream.receive("<iq type='set' id='p2'><query xmlns='jabber:iq:roster' ver='v2'><item jid='carol@example.test' subscription='none' ask='subscribe'/></query></iq>");
    await tick();
    expect(stream.last().attrs).toMatchObject({ type: 'result', id: 'p2' });
    expect(roster.version()).toBe('v2');
    expect(changes.at(-1)).toEqual({ kind: 'set', item: { jid: 'carol@example.test', subscription: 'none', pendingOut: true, groups: [] } });
    stream.receive("<iq type='set' id='p3' from='alice@example.test'><query xmlns='jabber:iq:roster' ver='v3'><item jid='bob@example.test' subscription='remove'/></query></iq>");
    await tick();
    expect(changes.at(-1)).toEqual({ kind: 'removed', jid: 'bob@example.test' });
  });

  it('a versioned load with an empty result keeps the cached roster (RFC 6121 §2.6.3)', async () => {
    const { stream, client } = setup();
    const roster = registerRoster(client);
    const cached = { version: 'v9', items: [{ jid: 'bob@example.test' as BareJid, subscription: 'both' as const, pendingOut: false, groups: [] }] };
    const loading = roster.load(cached);
    expect(stream.last().getChild('query')?.attrs.ver).toBe('v9');
    stream.receive(`<iq type='result' id='${stream.last().attrs.id as string}'/>`);
    expect(await loading).toEqual({ version: 'v9', items: cached.items });
  });
});

describe('presence and subscriptions (RFC 6121 §3–4)', () => {
  it('[IMPP-P1] a subscription request waits for the user: nothing is sent until approve or deny', async () => {
    const { stream, client } = setup();
    const presence = registerPresence(client);
    const events: PresenceEvent[] = [];
    presence.onDidChangePresence((e) => events.push(e));
    const before = stream.sent.length;
    stream.receive("<presence from='bob@example.test' type='subscribe'><status>hi</status></presence>");
    expect(events).toEqual([{ kind: 'subscription-request', from: 'bob@example.test', status: 'hi' }]);
    expect(presence.pendingRequests()).toEqual(['bob@example.test']);
    expect(stream.sent.length).toBe(before); // no automatic answer
    presence.approve('bob@example.test' as BareJid);
    expect(stream.last().attrs).toEqual({ to: 'bob@example.test', type: 'subscribed' });
    expect(presence.pendingRequests()).toEqual([]);
    presence.deny('bob@example.test' as BareJid); // later: revoke
    expect(stream.last().attrs).toEqual({ to: 'bob@example.test', type: 'unsubscribed' });
  });

  it('tracks resources; clamps priority; ignores presence without a usable from', () => {
    const { stream, client } = setup();
    const presence = registerPresence(client);
    stream.receive("<presence from='bob@example.test/phone'><show>away</show><priority>999</priority></presence>");
    stream.receive("<presence from='bob@example.test/desk'/>");
    stream.receive("<presence><show>dnd</show></presence>");
    expect(presence.resources('bob@example.test' as BareJid)).toEqual([
      { jid: 'bob@example.test/phone', show: 'away', priority: 127 },
      { jid: 'bob@example.test/desk', show: 'online', priority: 0 },
    ]);
    stream.receive("<presence from='bob@example.test/phone' type='unavailable'/>");
    expect(presence.resources('bob@example.test' as BareJid).map((r) => r.jid)).toEqual(['bob@example.test/desk']);
    presence.setOwn({ show: 'dnd', status: 'busy', priority: -500 });
    expect(stream.last().toString()).toBe('<presence><show>dnd</show><status>busy</status><priority>-128</priority></presence>');
  });
});
