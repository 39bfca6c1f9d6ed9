// The room UI's pure parts: the XEP-0004 form drawn generically for every field type and
// answered back (hostile vars included), who may moderate whom (XEP-0045 §5.1/§5.2, §8–§10),
// the occupant grouping, and the sentences of system lines. Rendered to static markup: no DOM
// needed; the e2e test (e2e/ui-rooms.test.ts) drives the live screens.
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { DataFormWire, Occupant } from '../../../../shared/ipc/index';
import { allowedActions, groupOccupants } from '../../state/rooms-selectors';
import { DataFormFields, formAnswers, initialFormValues, missingRequired } from '../common/DataForm';
import { systemText } from './room-text';

const field = (f: Partial<DataFormWire['fields'][number]> & Pick<DataFormWire['fields'][number], 'type'>): DataFormWire['fields'][number] => ({ required: false, values: [], options: [], ...f });
const form: DataFormWire = {
  title: 'Configuration for ops',
  instructions: ['Complete this form'],
  formType: 'http://jabber.org/protocol/muc#roomconfig',
  fields: [
    field({ type: 'hidden', var: 'FORM_TYPE', values: ['http://jabber.org/protocol/muc#roomconfig'] }),
    field({ type: 'fixed', values: ['Room settings'] }),
    field({ type: 'text-single', var: 'muc#roomconfig_roomname', label: 'Name', values: ['Ops'], required: true }),
    field({ type: 'text-multi', var: 'muc#roomconfig_roomdesc', label: 'Description', values: ['line 1', '', 'line 3'] }),
    field({ type: 'boolean', var: 'muc#roomconfig_persistentroom', label: 'Persistent', values: ['1'] }),
    field({ type: 'boolean', var: 'muc#roomconfig_moderatedroom', label: 'Moderated', values: ['false'] }),
    field({ type: 'list-single', var: 'muc#roomconfig_whois', label: 'Who sees JIDs', values: ['moderators'], options: [{ label: 'Moderators', value: 'moderators' }, { label: 'Anyone', value: 'anyone' }] }),
    field({ type: 'list-multi', var: 'muc#roomconfig_presencebroadcast', label: 'Broadcast', values: ['moderator'], options: [{ value: 'moderator' }, { value: 'participant' }, { value: 'visitor' }] }),
    field({ type: 'jid-multi', var: 'muc#roomconfig_roomadmins', label: 'Admins', values: ['a@example.mil'] }),
    field({ type: 'text-private', var: 'muc#roomconfig_roomsecret', label: 'Password', desc: 'People need it to join' }),
    field({ type: 'jid-single', var: '__proto__', label: 'Hostile var' }),
  ],
};

describe('the data form (XEP-0004 §3.3), drawn generically', () => {
  const html = renderToStaticMarkup(<DataFormFields form={form} values={initialFormValues(form)} onChange={() => undefined} idPrefix="cfg" />);

  it('draws each field type as its control, labelled; hidden fields are not shown', () => {
    expect(html).toContain('Complete this form');
    expect(html).toContain('Room settings');
    expect(html).not.toContain('FORM_TYPE');
    expect(html).toMatch(/<input id="cfg-f2"[^>]*type="text"[^>]*value="Ops"/);
    expect(html).toContain('<label for="cfg-f2">Name (required)</label>');
    expect(html).toMatch(/<textarea id="cfg-f3"[^>]*>line 1\n\nline 3<\/textarea>/);
    expect(html).toMatch(/<input type="checkbox" id="cfg-f4"[^>]*checked=""/);
    expect(html).toMatch(/<input type="checkbox" id="cfg-f5"(?![^>]*checked)[^>]*>/);
    expect(html).toMatch(/<select id="cfg-f6"[^>]*>.*<option value="moderators" selected="">Moderators<\/option><option value="anyone">Anyone<\/option><\/select>/);
    expect(html).toMatch(/<fieldset[^>]*><legend>Broadcast<\/legend><div class="field-check"><input type="checkbox" id="cfg-f7-o0" checked=""/);
    expect(html).toMatch(/<input type="checkbox" id="cfg-f7-o1"(?![^>]*checked)/);
    expect(html).toMatch(/<textarea id="cfg-f8"[^>]*>a@example.mil<\/textarea>/);
    expect(html).toMatch(/<input id="cfg-f9" aria-describedby="cfg-f9-hint"[^>]*type="password"/);
    expect(html).toContain('People need it to join');
  });

  it('answers every field with a var (hidden ones unchanged), multi-line fields as lines, a "__proto__" var as a field', () => {
    const values = new Map(initialFormValues(form));
    values.set('muc#roomconfig_roomname', 'Renamed');
    values.set('muc#roomconfig_roomadmins', [' a@example.mil ', '', 'b@example.mil', '']);
    values.set('muc#roomconfig_roomdesc', ['one', '', 'three', '', '']);
    values.set('__proto__', 'x@example.mil');
    const answers = formAnswers(form, values);
    expect(Object.getPrototypeOf(answers)).toBe(Object.prototype);
    expect(Object.keys(answers)).toContain('__proto__');
    expect(answers).toMatchObject({
      FORM_TYPE: 'http://jabber.org/protocol/muc#roomconfig',
      'muc#roomconfig_roomname': 'Renamed',
      'muc#roomconfig_roomdesc': ['one', '', 'three'],
      'muc#roomconfig_persistentroom': true,
      'muc#roomconfig_moderatedroom': false,
      'muc#roomconfig_whois': 'moderators',
      'muc#roomconfig_presencebroadcast': ['moderator'],
      'muc#roomconfig_roomadmins': ['a@example.mil', 'b@example.mil'],
      'muc#roomconfig_roomsecret': '',
    });
    expect(Object.getOwnPropertyDescriptor(answers, '__proto__')?.value).toBe('x@example.mil');
    values.set('muc#roomconfig_roomname', '  ');
    expect(missingRequired(form, values)).toEqual(['Name']);
  });
});

const o = (nick: string, role: Occupant['role'], affiliation: Occupant['affiliation'], over: Partial<Occupant> = {}): Occupant => ({ nick, role, affiliation, show: 'online', self: false, jid: `${nick}@example.mil/desk`, ...over });

describe('who may do what (XEP-0045 §5.1, §5.2)', () => {
  const owner = o('me', 'moderator', 'owner', { self: true });
  const admin = o('me', 'moderator', 'admin', { self: true });
  const mod = o('me', 'moderator', 'none', { self: true });
  const participant = o('me', 'participant', 'member', { self: true });

  it('a participant may moderate nobody; nobody moderates themselves', () => {
    expect(allowedActions(participant, o('bob', 'visitor', 'none'))).toEqual([]);
    expect(allowedActions(owner, { ...owner })).toEqual([]);
  });

  it('a moderator kicks and gives or takes voice, but cannot touch admins or change affiliations', () => {
    expect(allowedActions(mod, o('bob', 'participant', 'none'))).toEqual(['kick', 'revoke-voice']);
    expect(allowedActions(mod, o('bob', 'visitor', 'none'))).toEqual(['kick', 'grant-voice']);
    expect(allowedActions(mod, o('boss', 'moderator', 'admin'))).toEqual([]);
  });

  it('an admin also bans, makes moderators and members; not other admins', () => {
    expect(allowedActions(admin, o('bob', 'participant', 'none'))).toEqual(['kick', 'revoke-voice', 'grant-moderator', 'ban', 'member']);
    expect(allowedActions(admin, o('peer', 'moderator', 'admin'))).toEqual([]);
  });

  it('an owner manages admins and owners too; affiliation changes need the real JID', () => {
    expect(allowedActions(owner, o('bob', 'participant', 'member'))).toEqual(['kick', 'revoke-voice', 'grant-moderator', 'ban', 'admin', 'owner', 'remove-affiliation']);
    expect(allowedActions(owner, o('adm', 'moderator', 'admin'))).toEqual(['kick', 'ban', 'owner', 'remove-affiliation']);
    expect(allowedActions(owner, o('anon', 'participant', 'none', { jid: undefined }))).toEqual(['kick', 'revoke-voice', 'grant-moderator']);
  });
});

describe('occupant groups and system lines', () => {
  it('groups by role, sorts by nick (numbers naturally), leaves out role none', () => {
    const m = new Map<string, Occupant>([
      ['zed', o('zed', 'participant', 'none')],
      ['user10', o('user10', 'participant', 'none')],
      ['user9', o('user9', 'participant', 'none')],
      ['Amy', o('Amy', 'moderator', 'owner')],
      ['v', o('v', 'visitor', 'none')],
      ['gone', o('gone', 'none', 'none')],
    ]);
    expect(groupOccupants(m)).toEqual({ moderator: ['Amy'], participant: ['user9', 'user10', 'zed'], visitor: ['v'] });
  });

  it('says who was removed, by whom and why', () => {
    expect(systemText({ type: 'left', reason: 'kicked', actor: 'owner', text: 'Off topic' })).toBe('Kicked from the room by owner. Reason: Off topic');
    expect(systemText({ type: 'left', reason: 'destroyed' })).toBe('The room was destroyed');
    expect(systemText({ type: 'removed', nick: 'bob', reason: 'banned', text: 'spam' })).toBe('bob: Banned from the room. Reason: spam');
    expect(systemText({ type: 'removed', nick: 'bob', reason: 'nick-change', newNick: 'robert' })).toBe('bob is now known as robert.');
    expect(systemText({ type: 'subject', subject: 'Plans', by: 'amy' })).toBe('amy changed the subject to “Plans”.');
    // What we did ourselves reads "you".
    expect(systemText({ type: 'removed', nick: 'bob', reason: 'kicked', actor: 'amy', text: 'spam' }, 'amy')).toBe('bob: Kicked from the room by you. Reason: spam');
    expect(systemText({ type: 'subject', subject: 'Plans', by: 'amy' }, 'amy')).toBe('You changed the subject to “Plans”.');
  });
});
