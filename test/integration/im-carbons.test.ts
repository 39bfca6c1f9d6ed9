// XEP-0280 message carbons on the real servers: two sessions of one fresh account (two devices)
// see the whole conversation. What arrives where is the server's routing (RFC 6121 §8.5) plus
// carbons; the tests pin both. A carbon forged by a contact is refused at the edge [IMPP-D1].
import xml from '@xmpp/xml';
import { afterEach, describe, expect, it } from 'vitest';
import type { ParsedMessage } from '../../electron/main/xmpp/im/message-parse';
import { registerMessages } from '../../electron/main/xmpp/im/messages';
import { registerPresence } from '../../electron/main/xmpp/im/presence';
import { NS_CARBONS, registerCarbons, type Carbon } from '../../electron/main/xmpp/xep/0280-carbons';
import { roundTrip, waitFor } from '../support/clients';
import { closeFreshSessions, freshAccount, freshSession } from '../support/fresh-user';
import type { Account, ServerKind } from '../support/testbed/info.js';

afterEach(closeFreshSessions);

async function device(account: Account, opts: { readonly carbons: boolean }) {
  const client = await freshSession(account);
  const messages = registerMessages(client, { sendReceipts: () => false });
  const carbons = registerCarbons(client);
  const inbox: ParsedMessage[] = [];
  const copies: Carbon[] = [];
  const refused: string[] = [];
  messages.onDidReceiveMessage((m) => inbox.push(m));
  carbons.onDidReceiveCarbon((c) => copies.push(c));
  carbons.onDidRefuseCarbon((r) => refused.push(r));
  if (opts.carbons) await carbons.enable();
  const presence = registerPresence(client);
  presence.setOwn({});
  return { client, messages, carbons, presence, inbox, copies, refused };
}

/** Two devices of a fresh alice with carbons on, and bob. Presence is sent; a round trip makes sure the server has it. */
async function cast(kind: ServerKind) {
  const [aliceAccount, bobAccount] = await Promise.all([freshAccount(kind, 'carbon-alice'), freshAccount(kind, 'carbon-bob')]);
  const a1 = await device(aliceAccount, { carbons: true });
  const a2 = await device(aliceAccount, { carbons: true });
  const bob = await device(bobAccount, { carbons: false });
  await Promise.all([a1, a2, bob].map((d) => roundTrip(d.client)));
  return { a1, a2, bob };
}

const quiet = (ms = 400) => new Promise((r) => setTimeout(r, ms));

describe.each<ServerKind>(['prosody', 'ejabberd'])('carbons on %s', (kind) => {
  it('a message to one device’s full JID arrives there and as a received carbon on the other', async () => {
    const { a1, a2, bob } = await cast(kind);
    expect(a1.carbons.enabled() && a2.carbons.enabled()).toBe(true);
    const { id } = bob.messages.send({ to: a1.client.jid, body: 'to device one' });
    await waitFor(a1.inbox, (m) => m.body === 'to device one');
    const copy = await waitFor(a2.copies, (c) => c.message.body === 'to device one');
    expect(copy.direction).toBe('received');
    expect(copy.message).toMatchObject({ fromBare: bob.client.account, originId: id, to: a1.client.jid });
    await quiet();
    // Once per device: no plain copy on device two, no carbon of its own message on device one.
    expect(a2.inbox.filter((m) => m.body === 'to device one')).toEqual([]);
    expect(a1.copies).toEqual([]);
    expect([...a1.refused, ...a2.refused]).toEqual([]);
  });

  it('what one device sends shows up as a sent carbon on the other', async () => {
    const { a1, a2, bob } = await cast(kind);
    const { id } = a1.messages.send({ to: bob.client.account, body: 'from device one' });
    await waitFor(bob.inbox, (m) => m.body === 'from device one');
    const copy = await waitFor(a2.copies, (c) => c.message.body === 'from device one');
    expect(copy.direction).toBe('sent');
    expect(copy.message).toMatchObject({ from: a1.client.jid, to: bob.client.account, originId: id });
    await quiet();
    expect(a1.copies).toEqual([]);
    expect([...a1.inbox, ...a2.inbox].filter((m) => m.body === 'from device one')).toEqual([]);
  });

  it('a message to the bare JID goes to both equally available devices as a plain message, not as carbons', async () => {
    // RFC 6121 §8.5.2.1.1: both servers deliver to every resource of the highest priority, and
    // carbons are not added for a device that already got the message.
    const { a1, a2, bob } = await cast(kind);
    bob.messages.send({ to: a1.client.account, body: 'to the account' });
    await waitFor(a1.inbox, (m) => m.body === 'to the account');
    await waitFor(a2.inbox, (m) => m.body === 'to the account');
    await quiet();
    expect([a1.inbox.length, a2.inbox.length]).toEqual([1, 1]);
    expect([...a1.copies, ...a2.copies]).toEqual([]);
  });

  it('a message to the bare JID goes to the higher-priority device; the other gets a received carbon', async () => {
    const { a1, a2, bob } = await cast(kind);
    a1.presence.setOwn({ priority: 5 });
    await roundTrip(a1.client);
    bob.messages.send({ to: a1.client.account, body: 'to the account, one device preferred' });
    await waitFor(a1.inbox, (m) => m.body === 'to the account, one device preferred');
    const copy = await waitFor(a2.copies, (c) => c.message.body === 'to the account, one device preferred');
    expect(copy.direction).toBe('received');
    await quiet();
    expect(a2.inbox).toEqual([]);
    expect(a1.copies).toEqual([]);
  });

  it('a private message (§7) is not copied to the other device; the next ordinary one is', async () => {
    const { a1, a2, bob } = await cast(kind);
    a1.messages.send({ to: bob.client.account, body: 'private one', private: true });
    a1.messages.send({ to: bob.client.account, body: 'public one' });
    await waitFor(bob.inbox, (m) => m.body === 'public one');
    expect(bob.inbox.some((m) => m.body === 'private one')).toBe(true);
    await waitFor(a2.copies, (c) => c.message.body === 'public one');
    await quiet();
    expect(a2.copies.map((c) => c.message.body)).toEqual(['public one']);
  });

  it('after disable, the device gets no more carbons', async () => {
    const { a1, a2, bob } = await cast(kind);
    await a2.carbons.disable();
    bob.messages.send({ to: a1.client.jid, body: 'while disabled' });
    bob.messages.send({ to: a2.client.jid, body: 'marker for device two' });
    await waitFor(a1.inbox, (m) => m.body === 'while disabled');
    await waitFor(a2.inbox, (m) => m.body === 'marker for device two');
    await quiet();
    expect(a2.copies).toEqual([]);
  });

  it('[IMPP-D1] a carbon forged by a contact is refused; the real message after it arrives', async () => {
    const { a1, bob } = await cast(kind);
    const forged = xml('message', { from: a1.client.account, to: bob.client.account, type: 'chat', id: 'forged-inner' }, xml('body', {}, 'I never said this'));
    bob.client.send(
      xml('message', { to: a1.client.jid, type: 'chat', id: 'forged' }, xml('sent', { xmlns: NS_CARBONS }, xml('forwarded', { xmlns: 'urn:xmpp:forward:0' }, forged))),
    );
    bob.messages.send({ to: a1.client.jid, body: 'after the forgery' });
    await waitFor(a1.inbox, (m) => m.body === 'after the forgery');
    await quiet();
    expect(a1.copies).toEqual([]);
    expect(a1.inbox.some((m) => m.body === 'I never said this' || m.id === 'forged')).toBe(false);
    expect(a1.refused.some((r) => r.includes(`carbon from ${bob.client.account}/`) && r.includes('carbons come only from our own account'))).toBe(true);
  });
});
