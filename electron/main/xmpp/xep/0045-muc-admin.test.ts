import type { Element } from '@xmpp/xml';
import { parse } from 'ltx';
import { describe, expect, it } from 'vitest';
import type { BareJid, FullJid } from '../../../../shared/xmpp/jid';
import { createXmppClient } from '../client/client';
import { createFakeStream } from '../client/testing/fake-stream';
import { FIELD_TYPES, formValues, parseDataForm, type DataForm } from './0004-forms';
import { NS_DISCO_INFO } from './0030-disco';
import { FORM_ROOMCONFIG, MucAdminError, parseMucList, parseVoiceRequest, readRoomSettings, registerMucAdmin, roomSettingsAnswers, type MucAdminOptions, type VoiceRequest } from './0045-muc-admin';

const el = (s: string): Element => parse(s) as Element;
const tick = () => new Promise((r) => setImmediate(r));
const ROOM = 'coven@chat.example.test';
const STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';

// A room configuration form as servers send it (XEP-0045 §10.2 example 165, with ejabberd's
// password flag and a server-specific jid-single field): every XEP-0004 field type occurs.
const CONFIG_FORM = `<x xmlns='jabber:x:data' type='form'>
  <title>Configuration for "coven" Room</title>
  <instructions>Complete this form to modify the configuration of your room.</instructions>
  <field type='hidden' var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field>
  <field type='fixed'><value>Room settings</value></field>
  <field label='Natural-Language Room Name' type='text-single' var='muc#roomconfig_roomname'><value>A Dark Cave</value></field>
  <field label='Short Description of Room' type='text-single' var='muc#roomconfig_roomdesc'/>
  <field label='Room rules' type='text-multi' var='x-example#rules'><value>Be nice.</value></field>
  <field label='Make Room Persistent?' type='boolean' var='muc#roomconfig_persistentroom'><value>0</value></field>
  <field label='Make Room Publicly Searchable?' type='boolean' var='muc#roomconfig_publicroom'><value>1</value></field>
  <field label='Make Room Members Only?' type='boolean' var='muc#roomconfig_membersonly'><value>0</value></field>
  <field label='Make Room Moderated?' type='boolean' var='muc#roomconfig_moderatedroom'><value>false</value></field>
  <field label='Password Required to Enter?' type='boolean' var='muc#roomconfig_passwordprotectedroom'><value>0</value></field>
  <field label='Password' type='text-private' var='muc#roomconfig_roomsecret'/>
  <field label='Roles for which Presence is Broadcasted' type='list-multi' var='muc#roomconfig_presencebroadcast'>
    <value>moderator</value><value>participant</value><value>visitor</value>
    <option label='Moderator'><value>moderator</value></option>
    <option label='Participant'><value>participant</value></option>
    <option label='Visitor'><value>visitor</value></option>
  </field>
  <field label='Who May Discover Real JIDs?' type='list-single' var='muc#roomconfig_whois'>
    <option label='Moderators Only'><value>moderators</value></option>
    <option label='Anyone'><value>anyone</value></option>
    <value>moderators</value>
  </field>
  <field label='Room Admins' type='jid-multi' var='muc#roomconfig_roomadmins'><value>wiccarocks@shakespeare.lit</value></field>
  <field label='Contact' type='jid-single' var='x-example#contact'/>
</x>`;

function setup(opts: MucAdminOptions = {}) {
  const stream = createFakeStream();
  const client = createXmppClient({ jid: 'crone1@example.test/desk' as FullJid, account: 'crone1@example.test' as BareJid, stream });
  const admin = registerMucAdmin(client, opts);
  const answer = (payload: string, error?: { condition: string; text?: string }) => {
    const last = stream.last();
    const attrs = `id='${last.attrs.id as string}' from='${String(last.attrs.to)}'`;
    stream.receive(
      error
        ? `<iq type='error' ${attrs}><error type='cancel'><${error.condition} xmlns='${STANZAS}'/>${error.text ? `<text xmlns='${STANZAS}'>${error.text}</text>` : ''}</error></iq>`
        : `<iq type='result' ${attrs}>${payload}</iq>`,
    );
  };
  return { stream, client, admin, answer };
}
const owned = (form: string) => `<query xmlns='http://jabber.org/protocol/muc#owner'>${form}</query>`;
const parsed = (x: string | Element): DataForm => {
  const r = parseDataForm(typeof x === 'string' ? el(x) : x);
  if (!r.ok) throw new Error(r.reason);
  return r.form;
};

describe('XEP-0045 owner use cases (§10)', () => {
  it('[UCR-G1] creates a reserved room: join → 201 → config form → validated submission (every field type round-trips)', async () => {
    const { stream, admin, answer } = setup();
    const creating = admin.createReserved(ROOM, 'firstwitch');
    expect(stream.last().toString()).toBe(`<presence to="${ROOM}/firstwitch"><x xmlns="http://jabber.org/protocol/muc"/></presence>`);
    // Someone else's presence in the room is not our join.
    stream.receive(`<presence from='${ROOM}/other'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/></x></presence>`);
    stream.receive(`<presence from='${ROOM}/firstwitch'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' role='moderator'/><status code='110'/><status code='201'/></x></presence>`);
    await tick();
    expect(stream.last().attrs).toMatchObject({ type: 'get', to: ROOM });
    answer(owned(CONFIG_FORM));
    const created = await creating;
    if (!created.created || !created.config) throw new Error('not created');
    const form = created.config;
    expect(form.formType).toBe(FORM_ROOMCONFIG);
    expect(new Set(form.fields.map((f) => f.type))).toEqual(new Set(FIELD_TYPES));

    const { answers, unsupported } = roomSettingsAnswers(form, { name: 'Witches', description: 'Cauldron talk', membersOnly: true, moderated: true, password: 'cauldronburn', persistent: true });
    expect(unsupported).toEqual([]);
    const submitting = admin.submitConfig(ROOM, { ...answers, 'x-example#rules': 'Be nice.\nNo curses.', 'muc#roomconfig_presencebroadcast': ['moderator'], 'muc#roomconfig_whois': 'anyone', 'muc#roomconfig_roomadmins': ['Hag66@Shakespeare.lit', 'wiccarocks@shakespeare.lit'], 'x-example#contact': 'crone1@shakespeare.lit' }, form);
    const iq = stream.last();
    expect(iq.attrs).toMatchObject({ type: 'set', to: ROOM });
    answer('');
    await submitting;
    const sub = parsed(iq.getChild('query', 'http://jabber.org/protocol/muc#owner')?.getChild('x') as Element);
    expect(sub.kind).toBe('submit');
    expect(sub.formType).toBe(FORM_ROOMCONFIG);
    expect(Object.fromEntries(formValues(sub))).toEqual({
      FORM_TYPE: [FORM_ROOMCONFIG],
      'muc#roomconfig_roomname': ['Witches'],
      'muc#roomconfig_roomdesc': ['Cauldron talk'],
      'x-example#rules': ['Be nice.', 'No curses.'],
      'muc#roomconfig_persistentroom': ['1'],
      'muc#roomconfig_publicroom': ['1'],
      'muc#roomconfig_membersonly': ['1'],
      'muc#roomconfig_moderatedroom': ['1'],
      'muc#roomconfig_passwordprotectedroom': ['1'],
      'muc#roomconfig_roomsecret': ['cauldronburn'],
      'muc#roomconfig_presencebroadcast': ['moderator'],
      'muc#roomconfig_whois': ['anyone'],
      'muc#roomconfig_roomadmins': ['hag66@shakespeare.lit', 'wiccarocks@shakespeare.lit'],
      'x-example#contact': ['crone1@shakespeare.lit'],
    });
    // The room later shows the configuration back: the settings read as they were set.
    expect(readRoomSettings(sub)).toEqual({ name: 'Witches', description: 'Cauldron talk', persistent: true, public: true, membersOnly: true, moderated: true, password: 'cauldronburn' });
  });

  it('validates answers before anything is sent, reporting every field', async () => {
    const { stream, admin } = setup();
    const form = parsed(CONFIG_FORM);
    const before = stream.sent.length;
    const e = await admin.submitConfig(ROOM, { 'muc#roomconfig_whois': 'everyone', 'muc#roomconfig_roomname': 'two\nlines', nope: true }, form).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(MucAdminError);
    expect((e as MucAdminError).reason).toBe('invalid-answers');
    expect((e as MucAdminError).details.problems?.map((p) => p.var).sort()).toEqual(['muc#roomconfig_roomname', 'muc#roomconfig_whois', 'nope']);
    expect(stream.sent.length).toBe(before);
  });

  it('a join that finds the room already there is reported, and nothing is configured', async () => {
    const { stream, admin } = setup();
    const creating = admin.createInstant(ROOM, 'firstwitch');
    stream.receive(`<presence from='${ROOM}/witch'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/><status code='110'/><status code='210'/></x></presence>`);
    expect(await creating).toEqual({ created: false, nick: 'witch' });
    expect(stream.last().name).toBe('presence');
  });

  it('an instant room is unlocked with an empty submit; cancel sends a cancel form; destroy carries reason and alternate', async () => {
    const { stream, admin, answer } = setup();
    const creating = admin.createInstant(ROOM, 'firstwitch');
    stream.receive(`<presence from='${ROOM}/firstwitch'><x xmlns='http://jabber.org/protocol/muc#user'><status code='201'/><status code='110'/></x></presence>`);
    await tick();
    expect(stream.last().getChild('query')?.toString()).toBe(`<query xmlns="http://jabber.org/protocol/muc#owner"><x xmlns="jabber:x:data" type="submit"/></query>`);
    answer('');
    expect(await creating).toEqual({ created: true, nick: 'firstwitch' });

    // Cancelling: the cancel form, then (servers keep the room, against §10.1.3) a destroy; a
    // room that is already gone is what was wanted.
    const cancelling = admin.cancelCreation(ROOM);
    expect(stream.last().getChild('query')?.getChild('x')?.attrs.type).toBe('cancel');
    answer('');
    await tick();
    expect(stream.last().getChild('query')?.getChild('destroy')).toBeDefined();
    answer('', { condition: 'item-not-found' });
    await cancelling;
    const refusedCancel = admin.cancelCreation(ROOM);
    answer('', { condition: 'forbidden' });
    await expect(refusedCancel).rejects.toMatchObject({ reason: 'forbidden' });

    const destroying = admin.destroy(ROOM, { reason: 'Macbeth doth come.', alternate: 'heath@chat.example.test' });
    expect(stream.last().getChild('query')?.toString()).toBe(
      `<query xmlns="http://jabber.org/protocol/muc#owner"><destroy jid="heath@chat.example.test"><reason>Macbeth doth come.</reason></destroy></query>`,
    );
    answer('', { condition: 'forbidden' });
    await expect(destroying).rejects.toMatchObject({ reason: 'forbidden', message: 'Only an owner of the room can do this' });
  });

  it('destroy resolves only when the room is gone: the service, not the room, answers disco#info (ejabberd answers the destroy before its room has ended)', async () => {
    const { stream, client, admin, answer } = setup({ goneProbe: { totalMs: 2_000, probeMs: 60, retryMs: 10 } });
    const isProbe = (e: Element) => e.name === 'iq' && e.attrs.type === 'get' && e.attrs.to === ROOM && e.getChild('query', NS_DISCO_INFO) !== undefined;
    let done = false;
    const destroying = admin.destroy(ROOM).then(() => (done = true));
    answer('');
    await tick();
    expect(isProbe(stream.last())).toBe(true);
    const probes = async (n: number) => {
      for (const t0 = Date.now(); stream.sent.filter(isProbe).length < n; await new Promise((r) => setTimeout(r, 5))) {
        if (Date.now() - t0 > 1_500) throw new Error(`${stream.sent.filter(isProbe).length} probes, not ${n}`);
      }
    };
    answer(`<query xmlns='${NS_DISCO_INFO}'><identity category='conference' type='text'/></query>`); // the room still answers: ask again
    await probes(2);
    await probes(3); // the second probe is swallowed (its timeout): a third
    expect(stream.sent.filter(isProbe)).toHaveLength(3);
    expect(done).toBe(false);
    answer('', { condition: 'item-not-found' }); // from the service
    await destroying;

    // A room that never goes: the server's 'result' stands after totalMs, no error.
    const slow = registerMucAdmin(client, { goneProbe: { totalMs: 150, probeMs: 40, retryMs: 10 } });
    const t0 = Date.now();
    const stuck = slow.destroy(ROOM);
    answer('');
    await stuck;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    expect(Date.now() - t0).toBeLessThan(1_000);
  });

  it('creates through an injected join (the MUC core), mapping its failures', async () => {
    const joins: string[] = [];
    const { stream, admin } = setup({
      join: (room, nick) => {
        joins.push(`${room}/${nick}`);
        if (nick === 'taken') return Promise.reject(Object.assign(new Error('That nickname is taken'), { condition: 'conflict' }));
        return nick === 'odd' ? Promise.reject(new Error('gone')) : Promise.resolve({ created: false, nick: `${nick}2` });
      },
    });
    expect(await admin.createReserved('Coven@Chat.Example.Test', 'w')).toEqual({ created: false, nick: 'w2' });
    await expect(admin.createInstant(ROOM, 'taken')).rejects.toMatchObject({ reason: 'conflict', message: 'That nickname is taken' });
    await expect(admin.createInstant(ROOM, 'odd')).rejects.toMatchObject({ reason: 'failed', message: 'The room refused the request: gone' });
    expect(joins).toEqual([`${ROOM}/w`, `${ROOM}/taken`, `${ROOM}/odd`]);
    expect(stream.sent).toEqual([]);
  });

  it('join errors become typed, readable failures', async () => {
    for (const [condition, reason, message] of [
      ['conflict', 'conflict', 'Someone in the room already uses this nickname'],
      ['not-allowed', 'not-allowed', 'The service does not let you create this room'],
      ['forbidden', 'forbidden', 'You are banned from this room'],
      ['registration-required', 'registration-required', 'The room is members-only and you are not a member'],
      ['not-authorized', 'not-authorized', 'The room needs a password: the one given is wrong or missing'],
      ['remote-server-timeout', 'failed', 'The room refused the request (remote-server-timeout)'],
    ] as const) {
      const { stream, admin } = setup();
      const creating = admin.createReserved(ROOM, 'w');
      stream.receive(`<presence type='error' from='${ROOM}/w'><error type='cancel'><${condition} xmlns='${STANZAS}'/></error></presence>`);
      await expect(creating).rejects.toMatchObject({ name: 'MucAdminError', reason, message, details: { condition } });
    }
  });

  it('a join on a closed stream fails at once as disconnected', async () => {
    const { stream, admin } = setup();
    stream.end();
    await expect(admin.createReserved(ROOM, 'w')).rejects.toMatchObject({ reason: 'disconnected' });
  });

  it('refuses a configuration answer that is no muc#roomconfig form', async () => {
    const { admin, answer } = setup();
    const getting = admin.getConfig(ROOM);
    answer(owned(`<x xmlns='jabber:x:data' type='form'><field type='hidden' var='FORM_TYPE'><value>urn:other</value></field></x>`));
    await expect(getting).rejects.toMatchObject({ reason: 'malformed' });
    await expect(admin.getConfig('not a room')).rejects.toMatchObject({ reason: 'jid-malformed' });
  });
});

describe('XEP-0045 admin and moderator use cases (§8, §9)', () => {
  it('[UCR-G1] kick, voice, ban, membership: one item per IQ, reasons carried', async () => {
    const { stream, admin, answer } = setup();
    const kicking = admin.setRole(ROOM, 'pistol', 'none', 'Avaunt, you cullion!');
    expect(stream.last().getChild('query')?.toString()).toBe(`<query xmlns="http://jabber.org/protocol/muc#admin"><item nick="pistol" role="none"><reason>Avaunt, you cullion!</reason></item></query>`);
    answer('');
    await kicking;
    const banning = admin.setAffiliation(ROOM, 'Earlofcambridge@Shakespeare.lit', 'outcast', 'Treason');
    expect(stream.last().getChild('query')?.toString()).toBe(
      `<query xmlns="http://jabber.org/protocol/muc#admin"><item jid="earlofcambridge@shakespeare.lit" affiliation="outcast"><reason>Treason</reason></item></query>`,
    );
    answer('');
    await banning;
    await expect(admin.setAffiliation(ROOM, 'hag66@shakespeare.lit/pda', 'member')).rejects.toMatchObject({ reason: 'jid-malformed' });
  });

  it('batches: one IQ per change by default (Prosody applies only the first item), one IQ on request; failures say how far it got', async () => {
    const { stream, admin, answer } = setup();
    const changes = [
      { jid: 'a@x.test', affiliation: 'member' as const },
      { jid: 'b@x.test', affiliation: 'member' as const },
      { jid: 'c@x.test', affiliation: 'outcast' as const },
    ];
    const perItem = admin.setAffiliations(ROOM, changes);
    answer('');
    await tick();
    expect(stream.last().getChild('query')?.getChildren('item').map((i) => i.attrs.jid)).toEqual(['b@x.test']);
    answer('', { condition: 'not-allowed' });
    const e = (await perItem.catch((x: unknown) => x)) as MucAdminError;
    expect(e).toMatchObject({ reason: 'not-allowed', details: { applied: 1 } });
    expect(e.message).toMatch(/^change 2 of 3: You may not make this change/);

    const one = admin.setRoles(ROOM, [{ nick: 'a', role: 'participant' }, { nick: 'b', role: 'visitor' }], { singleIq: true });
    expect(stream.last().getChild('query')?.getChildren('item').map((i) => `${String(i.attrs.nick)}=${String(i.attrs.role)}`)).toEqual(['a=participant', 'b=visitor']);
    answer('');
    await one;
  });

  it('maps affiliation and role errors to what they mean there (last owner, missing occupant)', async () => {
    const { admin, answer } = setup();
    const last = admin.setAffiliation(ROOM, 'crone1@example.test', 'member');
    answer('', { condition: 'conflict' });
    await expect(last).rejects.toMatchObject({ reason: 'conflict', message: 'The room must keep at least one owner' });
    const missing = admin.setRole(ROOM, 'nobody', 'none');
    answer('', { condition: 'item-not-found', text: 'No such nick' });
    await expect(missing).rejects.toMatchObject({ reason: 'item-not-found', message: 'No occupant with that nickname is in the room (the server says: No such nick)' });
    const list = admin.list(ROOM, 'affiliation', 'owner');
    answer('', { condition: 'forbidden' });
    await expect(list).rejects.toMatchObject({ reason: 'forbidden', message: 'Your affiliation does not let you see this list' });
  });

  it('parses lists; a list with an unreadable or wrong entry is refused whole', async () => {
    const { stream, admin, answer } = setup();
    const listing = admin.list(ROOM, 'affiliation', 'outcast');
    expect(stream.last().getChild('query')?.toString()).toBe(`<query xmlns="http://jabber.org/protocol/muc#admin"><item affiliation="outcast"/></query>`);
    answer(`<query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='outcast' jid='Earlofcambridge@Shakespeare.lit'><reason>Treason</reason></item><item affiliation='outcast' jid='evil.example'/></query>`);
    expect(await listing).toEqual([
      { jid: 'earlofcambridge@shakespeare.lit', affiliation: 'outcast', reason: 'Treason' },
      { jid: 'evil.example', affiliation: 'outcast' },
    ]);
    const q = (items: string) => el(`<query xmlns='http://jabber.org/protocol/muc#admin'>${items}</query>`);
    expect(parseMucList(q(`<item role='moderator' nick='thirdwitch' jid='hag66@shakespeare.lit/pda' affiliation='admin'/>`), 'role', 'moderator')).toEqual([
      { jid: 'hag66@shakespeare.lit', nick: 'thirdwitch', role: 'moderator', affiliation: 'admin' },
    ]);
    expect(() => parseMucList(q(`<item affiliation='member' jid='a b@c'/>`), 'affiliation', 'member')).toThrow(/not a JID/);
    expect(() => parseMucList(q(`<item affiliation='owner' jid='a@c'/>`), 'affiliation', 'member')).toThrow(/is owner, not member/);
    expect(() => parseMucList(q(`<item affiliation='member'/>`), 'affiliation', 'member')).toThrow(/no JID/);
    expect(() => parseMucList(q(`<item role='participant' jid='a@c'/>`), 'role', 'participant')).toThrow(/no nickname/);
    expect(() => parseMucList(q(`<item role='god' nick='x'/>`), 'role', 'participant')).toThrow(/unknown role/);
    expect(() => parseMucList(q('<item/><item/>'.repeat(3)), 'role', 'participant', 5)).toThrow(/at most 5/);
    expect(() => parseMucList(el(`<query xmlns='jabber:iq:roster'/>`), 'role', 'participant')).toThrow(/without a muc#admin list/);
  });
});

describe('XEP-0045 voice requests (§8.6)', () => {
  const REQUEST = `<x xmlns='jabber:x:data' type='form'><title>Voice request</title>
    <field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/muc#request</value></field>
    <field var='muc#role' type='list-single' label='Requested role'><value>participant</value><option><value>participant</value></option></field>
    <field var='muc#jid' type='jid-single' label='User ID'><value>hag66@shakespeare.lit/pda</value></field>
    <field var='muc#roomnick' type='text-single' label='Room Nickname'><value>thirdwitch</value></field>
    <field var='muc#request_allow' type='boolean' label='Grant voice to this person?'><value>false</value></field></x>`;

  it('[UCR-G1] sends a request, receives one from the room only, and answers it with the whole form', () => {
    const { stream, client, admin } = setup();
    admin.requestVoice(ROOM);
    const req = parsed(stream.last().getChild('x', 'jabber:x:data') as Element);
    expect(stream.last().attrs.to).toBe(ROOM);
    expect(req).toMatchObject({ kind: 'submit', formType: 'http://jabber.org/protocol/muc#request' });
    expect(Object.fromEntries(formValues(req))).toEqual({ FORM_TYPE: ['http://jabber.org/protocol/muc#request'], 'muc#role': ['participant'] });

    const got: VoiceRequest[] = [];
    const refused: string[] = [];
    admin.onDidReceiveVoiceRequest((r) => got.push(r));
    admin.onDidRefuseVoiceRequest((r) => refused.push(r));
    // Spoofs: from an occupant's or a user's full JID, as groupchat, or a submitted form.
    stream.receive(`<message from='${ROOM}/secondwitch'>${REQUEST}</message>`);
    stream.receive(`<message from='mallory@evil.example/x'>${REQUEST}</message>`);
    stream.receive(`<message from='${ROOM}' type='groupchat'>${REQUEST}</message>`);
    stream.receive(`<message from='${ROOM}'>${REQUEST.replace("type='form'", "type='submit'")}</message>`);
    expect(got).toEqual([]);
    expect(refused).toHaveLength(4);
    expect(refused[0]).toMatch(/not from a room/);
    stream.receive(`<message from='${ROOM}'>${REQUEST}</message>`);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ room: ROOM, nick: 'thirdwitch', jid: 'hag66@shakespeare.lit/pda', role: 'participant' });

    admin.answerVoiceRequest(got[0] as VoiceRequest, true);
    const answer = stream.last();
    expect(answer.attrs.to).toBe(ROOM);
    expect(Object.fromEntries(formValues(parsed(answer.getChild('x', 'jabber:x:data') as Element)))).toEqual({
      FORM_TYPE: ['http://jabber.org/protocol/muc#request'],
      'muc#role': ['participant'],
      'muc#jid': ['hag66@shakespeare.lit/pda'],
      'muc#roomnick': ['thirdwitch'],
      'muc#request_allow': ['1'],
    });
    admin.answerVoiceRequest(got[0] as VoiceRequest, false);
    expect(formValues(parsed(stream.last().getChild('x', 'jabber:x:data') as Element)).get('muc#request_allow')).toEqual(['0']);
    // A listener that throws does not break the client's stanza routing.
    admin.onDidReceiveVoiceRequest(() => {
      throw new Error('ui bug');
    });
    expect(() => stream.receive(`<message from='${ROOM}'>${REQUEST}</message>`)).not.toThrow();
    expect(refused.at(-1)).toMatch(/ui bug/);
    expect(parseVoiceRequest(el(`<message from='${ROOM}'><body>hi</body></message>`))).toBeUndefined();
    client.send(el('<presence/>'));
  });
});

describe('room settings over the configuration form', () => {
  it('maps settings to the fields a server has: Prosody protects by the secret alone, unknown settings are listed', () => {
    const prosodyLike = parsed(`<x xmlns='jabber:x:data' type='form'>
      <field type='hidden' var='FORM_TYPE'><value>${FORM_ROOMCONFIG}</value></field>
      <field type='text-single' var='muc#roomconfig_roomname'/>
      <field type='boolean' var='muc#roomconfig_membersonly'><value>0</value></field>
      <field type='text-private' var='muc#roomconfig_roomsecret'><value>old</value></field></x>`);
    const r = roomSettingsAnswers(prosodyLike, { name: 'Ops', membersOnly: true, moderated: true, password: null });
    expect(r).toEqual({ answers: { 'muc#roomconfig_roomname': 'Ops', 'muc#roomconfig_membersonly': true, 'muc#roomconfig_roomsecret': '' }, unsupported: ['moderated'] });
    expect(readRoomSettings(prosodyLike)).toEqual({ name: '', membersOnly: false, password: 'old' });
    const ejabberdLike = parsed(CONFIG_FORM);
    expect(roomSettingsAnswers(ejabberdLike, { password: 'pw' }).answers).toEqual({ 'muc#roomconfig_roomsecret': 'pw', 'muc#roomconfig_passwordprotectedroom': true });
    expect(readRoomSettings(ejabberdLike)).toMatchObject({ name: 'A Dark Cave', password: null, public: true, moderated: false });
  });
});
