// XEP-0045 owner/admin/moderator use cases, the room configuration form (XEP-0004 with the
// XEP-0068 FORM_TYPE muc#roomconfig), voice requests and both kinds of invitation (XEP-0045
// §7.8.2, XEP-0249) on the real Prosody 0.12 and ejabberd 23.01 MUC services. Every test
// registers fresh accounts and a fresh room. Occupants join with a raw §7.2 presence
// (test/support/muc-raw.ts) so this file does not depend on the MUC core module.
// Where the servers differ the test pins down both behaviours (and the module's defaults are
// chosen to be right on both): Prosody locks a new room until it is configured (§10.1.1),
// ejabberd 23.01 does not; Prosody answers the last owner's self-demotion with 'conflict'
// (§10.4), ejabberd with 'not-allowed'; a missing nick is 'item-not-found' on Prosody and
// 'not-acceptable' on ejabberd; and Prosody applies only the first item of a multi-item
// muc#admin IQ (still answering 'result'), which is why batches go one IQ per change by default.
import type { Element } from '@xmpp/xml';
import xml from '@xmpp/xml';
import { afterEach, describe, expect, it } from 'vitest';
import { buildSubmission, formValues, parseBoolean, type DataForm, type FormAnswers } from '../../electron/main/xmpp/xep/0004-forms';
import { registerDisco } from '../../electron/main/xmpp/xep/0030-disco';
import { FORM_ROOMCONFIG, readRoomSettings, registerMucAdmin, roomSettingsAnswers, type RoomSettings, type VoiceRequest } from '../../electron/main/xmpp/xep/0045-muc-admin';
import { registerInvitations, type Invitation, type InvitationDecline } from '../../electron/main/xmpp/xep/0045-muc-invite';
import { NS_CONFERENCE } from '../../electron/main/xmpp/xep/0249-direct-invite';
import { waitFor } from '../support/clients';
import { closeFreshSessions, freshAccount, freshSession } from '../support/fresh-user';
import { joinRaw, mucItem, statusCodes, type RawOccupant } from '../support/muc-raw';
import { getTestbed } from '../support/testbed/get-testbed.js';
import type { ServerKind } from '../support/testbed/info.js';
import { randomToken } from '../support/testbed/secret.js';

afterEach(closeFreshSessions);

const MUC_USER = 'http://jabber.org/protocol/muc#user';

async function user(kind: ServerKind, prefix: string) {
  const client = await freshSession(await freshAccount(kind, prefix));
  client.send(xml('presence')); // available: messages to the bare JID (invitations) reach this session (RFC 6121 §8.5.2.1.1)
  const messages: Element[] = [];
  client.onMessage((m) => messages.push(m));
  const invitations: Invitation[] = [];
  const declines: InvitationDecline[] = [];
  const voiceRequests: VoiceRequest[] = [];
  const admin = registerMucAdmin(client);
  const inv = registerInvitations(client);
  admin.onDidReceiveVoiceRequest((r) => voiceRequests.push(r));
  inv.onDidReceiveInvitation((i) => invitations.push(i));
  inv.onDidReceiveDecline((d) => declines.push(d));
  return { client, jid: client.account, admin, inv, messages, invitations, declines, voiceRequests, disco: registerDisco(client, { name: 'Bastion test' }) };
}
const trio = (kind: ServerKind) => Promise.all([user(kind, 'alice'), user(kind, 'bob'), user(kind, 'carol')]);
const newRoom = (kind: ServerKind, what: string): string => `${what}-${randomToken(5)}@${getTestbed().servers[kind].muc}`;
const bare = (jid: string): string => jid.split('/')[0] ?? jid;
const occupantPresence = (o: RawOccupant, nick: string, pred: (p: Element) => boolean) => waitFor(o.presences, (p) => p.attrs.from === `${o.room}/${nick}` && pred(p));

/** Submitted values as the server should show them again (booleans compared by meaning). */
function comparable(form: DataForm, values: ReadonlyMap<string, readonly string[]>, keys: readonly string[]): Record<string, unknown> {
  const type = new Map(form.fields.map((f) => [f.var, f.type]));
  return Object.fromEntries(keys.map((k) => [k, type.get(k) === 'boolean' ? parseBoolean(values.get(k)?.[0] ?? '0') : [...(values.get(k) ?? [])]]));
}

describe.each<ServerKind>(['prosody', 'ejabberd'])('MUC administration on %s', (kind) => {
  it('[UCR-G1] creates a reserved room through the muc#roomconfig form; the form round-trips; members-only and the password are enforced', async () => {
    const [alice, bob] = await trio(kind);
    const room = newRoom(kind, 'ops');
    const created = await alice.admin.createReserved(room, 'alice');
    if (!created.created || !created.config) throw new Error(`not created: ${JSON.stringify(created)}`);
    const form = created.config;
    expect(form.formType).toBe(FORM_ROOMCONFIG);

    const settings: RoomSettings = { name: `Ops ${randomToken(3)}`, description: 'Operations cell', membersOnly: true, password: 'cauldron-burn' };
    const { answers, unsupported } = roomSettingsAnswers(form, settings);
    expect(unsupported).toEqual([]);
    await alice.admin.submitConfig(room, answers, form);

    // The form as the room shows it now carries every value we submitted.
    const back = await alice.admin.getConfig(room);
    expect(back.formType).toBe(FORM_ROOMCONFIG);
    expect(readRoomSettings(back)).toMatchObject(settings);
    const submitted = buildSubmission(form, answers);
    if (!submitted.ok) throw new Error('submission');
    const keys = Object.keys(answers);
    expect(comparable(back, formValues(back), keys)).toEqual(comparable(form, submitted.values, keys));
    // And the room applies it (XEP-0045 §15.2 disco features), not just stores the answers.
    const info = await alice.disco.info(room);
    expect(info.features).toEqual(expect.arrayContaining(['muc_membersonly', 'muc_passwordprotected']));
    expect(info.identities[0]?.name).toBe(settings.name);

    await expect(joinRaw(bob.client, room, 'bob', { password: 'cauldron-burn' })).rejects.toMatchObject({ condition: 'registration-required' });
    await alice.admin.setAffiliation(room, bob.jid, 'member');
    await expect(joinRaw(bob.client, room, 'bob', { password: 'wrong' })).rejects.toMatchObject({ condition: 'not-authorized' });
    await expect(joinRaw(bob.client, room, 'bob')).rejects.toMatchObject({ condition: 'not-authorized' });
    const b = await joinRaw(bob.client, room, 'bob', { password: 'cauldron-burn' });
    expect(mucItem(b.self)?.attrs.affiliation).toBe('member');
  });

  it('[UCR-G1] member, moderator, kick (307 with the reason), ban (outcast list, rejoin forbidden), and typed refusals', async () => {
    const [alice, bob, carol] = await trio(kind);
    const room = newRoom(kind, 'team');
    expect(await alice.admin.createInstant(room, 'alice')).toEqual({ created: true, nick: 'alice' });
    await alice.admin.setAffiliation(room, bob.jid, 'member', 'trusted');
    const b = await joinRaw(bob.client, room, 'bob');
    // Joining with a nickname already in use (§7.2.9).
    await expect(carol.admin.createReserved(room, 'alice')).rejects.toMatchObject({ reason: 'conflict', message: expect.stringMatching(/^Someone in the room already uses this nickname/) as unknown });
    const c = await joinRaw(carol.client, room, 'carol');
    expect(mucItem(b.self)?.attrs).toMatchObject({ affiliation: 'member', role: 'participant' });
    await alice.admin.setRole(room, 'bob', 'moderator', 'helps out');
    await occupantPresence(c, 'bob', (p) => mucItem(p)?.attrs.role === 'moderator');
    expect((await alice.admin.list(room, 'affiliation', 'member')).map((i) => i.jid)).toEqual([bob.jid]);
    expect((await alice.admin.list(room, 'affiliation', 'owner')).map((i) => i.jid)).toEqual([alice.jid]);
    expect((await alice.admin.list(room, 'role', 'moderator')).map((i) => i.nick).sort()).toEqual(['alice', 'bob']);
    expect((await alice.admin.list(room, 'role', 'participant')).map((i) => i.nick)).toEqual(['carol']);

    // A moderator cannot kick an owner (§8.2); a member cannot see the owner list or the configuration.
    await expect(bob.admin.setRole(room, 'alice', 'none')).rejects.toMatchObject({ reason: 'not-allowed' });
    await expect(bob.admin.getConfig(room)).rejects.toMatchObject({ reason: 'forbidden', message: expect.stringMatching(/^Only an owner/) as unknown });
    await expect(bob.admin.list(room, 'affiliation', 'owner')).rejects.toMatchObject({ reason: 'forbidden' });
    // A nickname nobody uses; the owner's self-demotion (§10.4: the room must keep an owner).
    await expect(alice.admin.setRole(room, 'nobody', 'none')).rejects.toMatchObject({ reason: kind === 'prosody' ? 'item-not-found' : 'not-acceptable' });
    await expect(alice.admin.setAffiliation(room, alice.jid, 'member')).rejects.toMatchObject({ reason: kind === 'prosody' ? 'conflict' : 'not-allowed' });

    await bob.admin.setRole(room, 'carol', 'none', 'Spamming the room');
    const kicked = await occupantPresence(c, 'carol', (p) => p.attrs.type === 'unavailable');
    expect(statusCodes(kicked)).toEqual(expect.arrayContaining(['307', '110']));
    expect(mucItem(kicked)?.getChildText('reason')).toBe('Spamming the room');

    await alice.admin.setAffiliation(room, carol.jid, 'outcast', 'Repeated spam');
    expect((await alice.admin.list(room, 'affiliation', 'outcast')).map((i) => i.jid)).toEqual([carol.jid]);
    await expect(joinRaw(carol.client, room, 'carol')).rejects.toMatchObject({ condition: 'forbidden' });
    await expect(carol.admin.createReserved(room, 'carol')).rejects.toMatchObject({ reason: 'forbidden', message: expect.stringMatching(/^You are banned from this room/) as unknown });
  });

  it('[UCR-G1] batches of affiliation changes: one IQ per change works on both; a single multi-item IQ only on ejabberd', async () => {
    const [alice] = await trio(kind);
    const room = newRoom(kind, 'batch');
    await alice.admin.createInstant(room, 'alice');
    const domain = getTestbed().servers[kind].domain;
    const [a, b2, c2, d] = ['a', 'b', 'c', 'd'].map((x) => `${x}-${randomToken(4)}@${domain}`) as [string, string, string, string];
    await alice.admin.setAffiliations(room, [
      { jid: a, affiliation: 'member' },
      { jid: b2, affiliation: 'member' },
    ]);
    expect((await alice.admin.list(room, 'affiliation', 'member')).map((i) => i.jid).sort()).toEqual([a, b2].sort());
    await alice.admin.setAffiliations(
      room,
      [
        { jid: c2, affiliation: 'outcast' },
        { jid: d, affiliation: 'outcast' },
      ],
      { singleIq: true },
    );
    const outcasts = (await alice.admin.list(room, 'affiliation', 'outcast')).map((i) => i.jid).sort();
    expect(outcasts).toEqual(kind === 'ejabberd' ? [c2, d].sort() : [c2]);
    // §10.6/§10.7: grant and revoke admin; the admin list follows.
    await alice.admin.setAffiliation(room, a, 'admin');
    expect((await alice.admin.list(room, 'affiliation', 'admin')).map((i) => i.jid)).toEqual([a]);
    await alice.admin.setAffiliation(room, a, 'none');
    expect(await alice.admin.list(room, 'affiliation', 'admin')).toEqual([]);
  });

  it('[UCR-G1] voice: in a moderated room a visitor requests voice (§8.6), the owner approves, the visitor can speak', async () => {
    const [alice, bob] = await trio(kind);
    const room = newRoom(kind, 'brief');
    const created = await alice.admin.createReserved(room, 'alice');
    if (!created.created || !created.config) throw new Error('not created');
    const { answers } = roomSettingsAnswers(created.config, { moderated: true });
    // ejabberd's own option: newcomers are participants unless this is off.
    const extra: FormAnswers = created.config.fields.some((f) => f.var === 'members_by_default') ? { members_by_default: false } : {};
    await alice.admin.submitConfig(room, { ...answers, ...extra }, created.config);

    const b = await joinRaw(bob.client, room, 'bob');
    expect(mucItem(b.self)?.attrs.role).toBe('visitor');
    b.say('before voice');
    const refused = await waitFor(b.messages, (m) => m.attrs.type === 'error');
    expect(refused.getChild('error')?.getChild('forbidden')).toBeDefined();

    bob.admin.requestVoice(room);
    const request = await waitFor(alice.voiceRequests, (r) => r.room === room);
    expect(request.nick).toBe('bob');
    expect(bare(request.jid ?? '')).toBe(bob.jid);
    alice.admin.answerVoiceRequest(request, true);
    await occupantPresence(b, 'bob', (p) => mucItem(p)?.attrs.role === 'participant');
    b.say('with voice');
    await waitFor(alice.messages, (m) => m.attrs.from === `${room}/bob` && m.getChildText('body') === 'with voice');
    expect(alice.messages.some((m) => m.getChildText('body') === 'before voice')).toBe(false);
  });

  it('[UCR-G1] invitations: mediated through the room (with its password) and declined back; direct (XEP-0249) to a client that advertises it', async () => {
    const [alice, , carol] = await trio(kind);
    const room = newRoom(kind, 'invite');
    const created = await alice.admin.createReserved(room, 'alice');
    if (!created.created || !created.config) throw new Error('not created');
    await alice.admin.submitConfig(room, roomSettingsAnswers(created.config, { password: 'pw-42' }).answers, created.config);

    alice.inv.invite(room, carol.jid, { reason: 'Join the planning' });
    const mediated = await waitFor(carol.invitations, (i) => i.kind === 'mediated');
    expect(mediated).toMatchObject({ kind: 'mediated', room, reason: 'Join the planning', password: 'pw-42' });
    // The room names the inviter: Prosody masks the real JID in a semi-anonymous room (the
    // default 'whois: moderators') as the inviter's occupant JID; ejabberd gives the real one.
    if (kind === 'prosody') expect(mediated.from).toBe(`${room}/alice`);
    else expect(bare(mediated.from)).toBe(alice.jid);
    if (mediated.kind !== 'mediated') throw new Error('kind');
    carol.inv.decline(mediated, 'On leave today');
    const declined = await waitFor(alice.declines, (d) => d.room === room);
    expect(declined.reason).toBe('On leave today');
    expect(bare(declined.from)).toBe(carol.jid);

    expect((await alice.disco.info(carol.client.jid)).features).toContain(NS_CONFERENCE);
    alice.inv.inviteDirect(carol.jid, room, { reason: 'Direct this time', password: 'pw-42' });
    const direct = await waitFor(carol.invitations, (i) => i.kind === 'direct');
    expect(direct).toEqual({ kind: 'direct', room, from: alice.client.jid, reason: 'Direct this time', password: 'pw-42', continues: false });
    const c = await joinRaw(carol.client, room, 'carol', { password: direct.password ?? '' });
    expect(statusCodes(c.self)).toContain('110');
  });

  it('[UCR-G1] destroy: every occupant gets the destroy with the reason and the alternate room; the room is gone', async () => {
    const [alice, bob, carol] = await trio(kind);
    const room = newRoom(kind, 'done');
    const alternate = newRoom(kind, 'next');
    await alice.admin.createInstant(room, 'alice');
    const occupants = [await joinRaw(bob.client, room, 'bob'), await joinRaw(carol.client, room, 'carol')];
    await alice.admin.destroy(room, { reason: 'Mission complete', alternate });
    for (const o of occupants) {
      const gone = await occupantPresence(o, o.nick, (p) => p.attrs.type === 'unavailable');
      const destroy = gone.getChild('x', MUC_USER)?.getChild('destroy');
      expect(destroy?.attrs.jid).toBe(alternate);
      expect(destroy?.getChildText('reason')).toBe('Mission complete');
    }
    // (Not asked with getConfig: ejabberd creates a room for an owner query to a missing one.)
    await expect(alice.disco.info(room)).rejects.toMatchObject({ condition: 'item-not-found' });
  });

  it('[UCR-G1] a new room stays locked until configured on Prosody (not on ejabberd); cancelling the configuration leaves no room behind', async () => {
    const [alice, bob] = await trio(kind);
    const room = newRoom(kind, 'draft');
    expect((await alice.admin.createReserved(room, 'alice')).created).toBe(true);
    if (kind === 'prosody') await expect(joinRaw(bob.client, room, 'bob')).rejects.toMatchObject({ condition: 'item-not-found' });
    else (await joinRaw(bob.client, room, 'bob')).leave();
    await alice.admin.cancelCreation(room);
    // The room is gone, so bob's join creates it anew.
    expect(await bob.admin.createInstant(room, 'bob')).toEqual({ created: true, nick: 'bob' });
  });
});
