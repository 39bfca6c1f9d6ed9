// vCards and avatars on the real servers, on fresh in-band registered accounts (the tests change
// account state): XEP-0054 set/get, XEP-0153 photo hash in presence, XEP-0084 PEP avatar with a
// +notify subscriber (bob advertises it through XEP-0115 caps, which is how PEP servers learn
// interest) fetching the data and checking its hash.
import xml from '@xmpp/xml';
import { afterEach, describe, expect, it } from 'vitest';
import type { BareJid } from '../../shared/xmpp/jid';
import { registerPresence, type PresenceEvent } from '../../electron/main/xmpp/im/presence';
import { registerDisco } from '../../electron/main/xmpp/xep/0030-disco';
import { registerVCard, sha1Hex } from '../../electron/main/xmpp/xep/0054-vcard';
import { registerAvatar, type AvatarChange } from '../../electron/main/xmpp/xep/0084-avatar';
import { registerCaps } from '../../electron/main/xmpp/xep/0115-caps';
import { registerVCardAvatar, type AvatarHashChange } from '../../electron/main/xmpp/xep/0153-vcard-avatar';
import { waitFor } from '../support/clients';
import { closeFreshSessions, freshAccount, freshSession } from '../support/fresh-user';
import type { ServerKind } from '../support/testbed/info.js';

afterEach(closeFreshSessions);

const PNG_1X1 = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const GIF_1X1 = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

async function user(kind: ServerKind, prefix: string) {
  const client = await freshSession(await freshAccount(kind, prefix));
  const presence = registerPresence(client);
  const disco = registerDisco(client, { name: 'Bastion test' });
  registerCaps(client, { presence, disco, node: 'https://bastion.test/caps' });
  const vcard = registerVCard(client);
  const vcardAvatar = registerVCardAvatar(client, { presence, vcard });
  const avatar = registerAvatar(client);
  const events: PresenceEvent[] = [];
  const hashes: AvatarHashChange[] = [];
  const avatars: AvatarChange[] = [];
  presence.onDidChangePresence((e) => events.push(e));
  vcardAvatar.onDidChangeAvatarHash((e) => hashes.push(e));
  avatar.onDidChangeAvatar((e) => avatars.push(e));
  presence.setOwn({});
  return { client, presence, vcard, vcardAvatar, avatar, events, hashes, avatars };
}
type User = Awaited<ReturnType<typeof user>>;

/** Mutual presence subscription: PEP's default access model and +notify both need it. */
async function befriend(a: User, b: User): Promise<void> {
  for (const [from, to] of [
    [a, b],
    [b, a],
  ] as const) {
    from.presence.requestSubscription(to.client.account);
    await waitFor(to.events, (e) => e.kind === 'subscription-request' && e.from === from.client.account, 10_000);
    to.presence.approve(from.client.account);
    await waitFor(from.events, (e) => e.kind === 'available' && e.resource.jid === to.client.jid, 10_000);
  }
  // ejabberd notes a contact's caps (hence +notify) only from presence that arrives once the
  // roster shows the subscription, and the first one races that update: both announce themselves
  // again, as they would at their next login.
  for (const [me, other] of [
    [a, b],
    [b, a],
  ] as const) {
    const before = other.events.length;
    me.presence.rebroadcast();
    await waitFor(other.events, (e) => other.events.indexOf(e) >= before && e.kind === 'available' && e.resource.jid === me.client.jid, 10_000);
  }
}

describe.each<ServerKind>(['prosody', 'ejabberd'])('vCard and avatars on %s', (kind) => {
  it('[UCR-G2] XEP-0054: alice sets her vCard with a photo, bob fetches it; fields other clients wrote survive', async () => {
    const alice = await user(kind, 'vcard-a');
    const bob = await user(kind, 'vcard-b');
    await befriend(alice, bob);
    // Another client's field, which Bastion does not model, set before our edit.
    await alice.client.request('set', undefined, xml('vCard', { xmlns: 'vcard-temp' }, xml('FN', {}, 'Old Name'), xml('BDAY', {}, '1970-01-01')));
    const stored = await alice.vcard.setOwn({
      fn: 'Alice Example',
      n: { family: 'Example', given: 'Alice' },
      nickname: 'ali',
      emails: [{ address: 'alice@example.mil', types: ['WORK', 'INTERNET'] }],
      tels: [{ number: '+1 555 0100', types: ['WORK', 'VOICE'] }],
      org: { name: 'DISA', units: ['J6'] },
      title: 'Engineer',
      photo: { type: 'image/png', data: PNG_1X1 },
    });
    expect(stored.photo?.sha1).toBe(sha1Hex(PNG_1X1));

    const seen = await bob.vcard.get(alice.client.account);
    // Prosody keeps vcard-temp as vCard4 (mod_vcard_legacy), which has no place for ORGUNIT.
    const org = kind === 'prosody' ? { name: 'DISA' } : { name: 'DISA', units: ['J6'] };
    expect(seen).toMatchObject({ fn: 'Alice Example', n: { family: 'Example', given: 'Alice' }, nickname: 'ali', org, title: 'Engineer' });
    expect(seen.emails.map((e) => e.address)).toEqual(['alice@example.mil']);
    expect(seen.tels.map((t) => t.number)).toEqual(['+1 555 0100']);
    expect(seen.photo).toMatchObject({ type: 'image/png', sha1: sha1Hex(PNG_1X1), bytes: PNG_1X1.length });
    expect(Buffer.from(seen.photo?.data ?? []).equals(PNG_1X1)).toBe(true);
    const raw = await alice.client.request('get', undefined, xml('vCard', { xmlns: 'vcard-temp' }));
    expect(raw.getChild('vCard', 'vcard-temp')?.getChildText('BDAY')).toBe('1970-01-01');
  });

  it('XEP-0153: the photo hash travels in presence and bob notices the change; the fetched photo matches it', async () => {
    const alice = await user(kind, 'xupd-a');
    const bob = await user(kind, 'xupd-b');
    await befriend(alice, bob);
    const photo = await alice.vcardAvatar.setOwnPhoto({ type: 'image/png', data: PNG_1X1 });
    expect(alice.vcardAvatar.ownHash()).toBe(sha1Hex(PNG_1X1));
    await waitFor(bob.hashes, (h) => h.jid === alice.client.account && h.hash === photo?.sha1, 10_000);
    expect((await bob.vcardAvatar.fetch(alice.client.account))?.sha1).toBe(sha1Hex(PNG_1X1));
  });

  it('XEP-0084: alice publishes a PEP avatar; bob (+notify) gets the metadata and fetches data that hashes to its id', async () => {
    const alice = await user(kind, 'pep-a');
    const bob = await user(kind, 'pep-b');
    await befriend(alice, bob);
    const info = await alice.avatar.publish({ type: 'image/gif', data: GIF_1X1, width: 1, height: 1 });
    expect(info).toEqual({ id: sha1Hex(GIF_1X1), type: 'image/gif', bytes: GIF_1X1.length, width: 1, height: 1 });
    const change = await waitFor(bob.avatars, (a) => a.jid === alice.client.account && a.avatar?.id === info.id, 10_000);
    const image = await bob.avatar.fetchData(alice.client.account as BareJid, change.avatar ?? info);
    expect(image).toMatchObject({ type: 'image/gif', sha1: info.id, bytes: GIF_1X1.length });
    expect(await bob.avatar.metadata(alice.client.account)).toEqual(info);
    // Disabling it reaches bob as "no avatar".
    await alice.avatar.disable();
    await waitFor(bob.avatars, (a) => a.jid === alice.client.account && a.avatar === null, 10_000);
  });
});
