import type { Element } from '@xmpp/xml';
import { parse } from 'ltx';
import { describe, expect, it } from 'vitest';
import { buildSubmission, cancelForm, DEFAULT_FORM_LIMITS, FIELD_TYPES, findDataForm, formValues, parseBoolean, parseDataForm, serializeDataForm, type DataForm } from './0004-forms';

const el = (s: string): Element => parse(s) as Element;
const ok = (x: string | Element): DataForm => {
  const r = parseDataForm(typeof x === 'string' ? el(x) : x);
  if (!r.ok) throw new Error(r.reason);
  return r.form;
};
const refused = (x: string): string => {
  const r = parseDataForm(el(x));
  if (r.ok) throw new Error('accepted');
  return r.reason;
};

// One field of every XEP-0004 §3.3 type, plus an untyped one (= text-single).
const EVERY_TYPE = `<x xmlns='jabber:x:data' type='form'>
  <title>Bot configuration</title>
  <instructions>Fill out this form to configure your new bot!</instructions>
  <instructions>Second line.</instructions>
  <field type='hidden' var='FORM_TYPE'><value>jabber:bot</value></field>
  <field type='fixed'><value>Section 1: Bot Info</value></field>
  <field type='text-single' label='The name of your bot' var='botname'><required/></field>
  <field type='text-multi' label='Helpful description of your bot' var='description'><desc>Shown to users</desc></field>
  <field type='boolean' label='Public bot?' var='public'><required/><value>0</value></field>
  <field type='text-private' label='Password for special access' var='password'/>
  <field type='list-multi' label='What features will the bot support?' var='features'>
    <option label='Contests'><value>contests</value></option>
    <option label='News'><value>news</value></option>
    <option label='Polls'><value>polls</value></option>
    <value>news</value><value>polls</value>
  </field>
  <field type='list-single' label='Maximum number of subscribers' var='maxsubs'>
    <value>20</value>
    <option label='10'><value>10</value></option>
    <option label='20'><value>20</value></option>
    <option label='None'><value>none</value></option>
  </field>
  <field type='jid-multi' label='People to invite' var='invitelist'/>
  <field type='jid-single' label='Owner' var='owner'><required/></field>
  <field label='Untyped' var='nick'/>
</x>`;

describe('XEP-0004 data forms', () => {
  it('parses a form with every field type, FORM_TYPE (XEP-0068), options, required, desc and defaults', () => {
    const form = ok(EVERY_TYPE);
    expect(form.kind).toBe('form');
    expect(form.title).toBe('Bot configuration');
    expect(form.instructions).toEqual(['Fill out this form to configure your new bot!', 'Second line.']);
    expect(form.formType).toBe('jabber:bot');
    const types = new Set(form.fields.map((f) => f.type));
    for (const t of FIELD_TYPES) expect(types.has(t)).toBe(true);
    const byVar = new Map(form.fields.map((f) => [f.var, f]));
    expect(byVar.get('nick')).toMatchObject({ type: 'text-single', typeDeclared: false, label: 'Untyped' });
    expect(byVar.get('features')).toMatchObject({ values: ['news', 'polls'], options: [{ label: 'Contests', value: 'contests' }, { label: 'News', value: 'news' }, { label: 'Polls', value: 'polls' }] });
    expect(byVar.get('description')).toMatchObject({ desc: 'Shown to users', required: false });
    expect(byVar.get('botname')?.required).toBe(true);
    expect(form.fields[1]).toMatchObject({ type: 'fixed', values: ['Section 1: Bot Info'] });
    expect(form.fields[1]?.var).toBeUndefined();
  });

  it('round-trips every field type: parse → fill → serialise → parse', () => {
    const form = ok(EVERY_TYPE);
    const sub = buildSubmission(form, {
      botname: 'The Jabber Google Bot',
      description: 'This bot enables you to\nperform Google searches.',
      public: true,
      password: 'v3r0na',
      features: ['contests', 'news'],
      maxsubs: 'none',
      invitelist: ['juliet@capulet.lit', 'Romeo@Montague.lit', 'juliet@capulet.lit'],
      owner: 'nurse@capulet.lit/balcony',
      nick: 'gbot',
    });
    if (!sub.ok) throw new Error(JSON.stringify(sub.problems));
    // Through text and back, as it would cross the wire.
    const back = ok(sub.element.toString());
    expect(back.kind).toBe('submit');
    expect(back.formType).toBe('jabber:bot');
    expect(Object.fromEntries(formValues(back))).toEqual({
      FORM_TYPE: ['jabber:bot'],
      botname: ['The Jabber Google Bot'],
      description: ['This bot enables you to', 'perform Google searches.'],
      public: ['1'],
      password: ['v3r0na'],
      features: ['contests', 'news'],
      maxsubs: ['none'],
      invitelist: ['juliet@capulet.lit', 'romeo@montague.lit'],
      owner: ['nurse@capulet.lit/balcony'],
      nick: ['gbot'],
    });
    // Declared types travel with the submission; untyped stays untyped; fixed is left out.
    expect(back.fields.find((f) => f.var === 'invitelist')).toMatchObject({ type: 'jid-multi', typeDeclared: true });
    expect(back.fields.find((f) => f.var === 'nick')?.typeDeclared).toBe(false);
    expect(back.fields.some((f) => f.type === 'fixed')).toBe(false);
    // And the model itself serialises back to an equal model.
    expect(ok(serializeDataForm(form).toString())).toEqual(form);
  });

  it('refuses bad answers with a reason per field, all at once', () => {
    const form = ok(EVERY_TYPE);
    const sub = buildSubmission(form, {
      botname: '',
      public: 'yes',
      password: 'two\nlines',
      features: ['news', 'weather'],
      maxsubs: ['10', '20'],
      invitelist: ['not a jid@'],
      FORM_TYPE: 'jabber:other',
      typo: 'x',
    });
    if (sub.ok) throw new Error('accepted');
    const reasons = Object.fromEntries(sub.problems.map((p) => [p.var, p.reason]));
    expect(reasons).toEqual({
      typo: 'not a field of this form',
      botname: 'required',
      public: "'yes' is not a boolean (0, 1, false, true)",
      password: 'a single line of text, no line breaks',
      features: "'weather' is not one of the options",
      maxsubs: 'one choice only',
      invitelist: "'not a jid@' is not a JID: invalid localpart",
      FORM_TYPE: 'a hidden field keeps the value the form gave it',
      owner: 'required',
    });
  });

  it('accepts every boolean lexical form and refuses answers to a result form', () => {
    expect(['0', '1', 'true', 'false', ' true ', 'yes', undefined].map(parseBoolean)).toEqual([false, true, true, false, true, undefined, undefined]);
    const form = ok("<x xmlns='jabber:x:data' type='form'><field var='b' type='boolean'><required/></field></x>");
    for (const v of ['0', '1', 'true', 'false']) {
      const sub = buildSubmission(form, { b: v });
      expect(sub.ok && sub.values.get('b')).toEqual([v]);
    }
    // A required boolean with no answer is false (XEP-0004 §3.3: the default is "false").
    const unanswered = buildSubmission(form, {});
    expect(unanswered.ok && unanswered.values.get('b')).toEqual(['0']);
    const result = ok("<x xmlns='jabber:x:data' type='result'><field var='b'><value>1</value></field></x>");
    expect(buildSubmission(result, {})).toEqual({ ok: false, problems: [{ var: '', reason: 'a result form cannot be filled in' }] });
    expect(cancelForm().toString()).toBe('<x xmlns="jabber:x:data" type="cancel"/>');
  });

  it('reads result forms with reported fields and items (§3.4)', () => {
    const form = ok(`<x xmlns='jabber:x:data' type='result'>
      <field type='hidden' var='FORM_TYPE'><value>jabber:iq:search</value></field>
      <reported><field var='first' label='Given Name' type='text-single'/><field var='jid' label='JID' type='jid-single'/></reported>
      <item><field var='first'><value>Benvolio</value></field><field var='jid'><value>benvolio@montague.net</value></field></item>
      <item><field var='first'><value>Romeo</value></field><field var='jid'><value>romeo@montague.net</value></field></item>
    </x>`);
    expect(form.formType).toBe('jabber:iq:search');
    expect(form.reported?.map((f) => f.label)).toEqual(['Given Name', 'JID']);
    expect(form.items.map((i) => Object.fromEntries(formValues({ fields: i })))).toEqual([
      { first: ['Benvolio'], jid: ['benvolio@montague.net'] },
      { first: ['Romeo'], jid: ['romeo@montague.net'] },
    ]);
  });

  it('takes FORM_TYPE only from a hidden field (XEP-0068), or an untyped one in a submission', () => {
    expect(ok("<x xmlns='jabber:x:data' type='form'><field var='FORM_TYPE' type='text-single'><value>urn:x</value></field></x>").formType).toBeUndefined();
    expect(ok("<x xmlns='jabber:x:data' type='form'><field var='FORM_TYPE'><value>urn:x</value></field></x>").formType).toBeUndefined();
    expect(ok("<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>urn:x</value></field></x>").formType).toBe('urn:x');
    const parent = el("<query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='form'><field var='FORM_TYPE' type='hidden'><value>a</value></field></x><x xmlns='jabber:x:data' type='form'><field var='FORM_TYPE' type='hidden'><value>b</value></field></x></query>");
    const b = findDataForm(parent, 'b');
    expect(b?.ok && b.form.formType).toBe('b');
    expect(findDataForm(parent, 'c')).toBeUndefined();
  });

  it('an unknown field type is text-single (§3.3: MUST be assumed)', () => {
    expect(ok("<x xmlns='jabber:x:data' type='form'><field var='d' type='date'><value>2024</value></field></x>").fields[0]).toMatchObject({ type: 'text-single', typeDeclared: true });
  });

  it('[IMPP-D1] refuses broken and hostile forms with a reason instead of guessing', () => {
    const x = (body: string, type = 'form') => `<x xmlns='jabber:x:data' type='${type}'>${body}</x>`;
    expect(refused("<x xmlns='jabber:x:data' type='weird'/>")).toBe("unknown form type 'weird' (XEP-0004 §3.1)");
    expect(refused("<x xmlns='urn:other' type='form'/>")).toMatch(/not a data form/);
    expect(refused(x("<field type='text-single'/>"))).toBe("a text-single field in the form has no 'var' (XEP-0004 §3.2)");
    expect(refused(x("<field var='a'/><field var='a'/>"))).toBe("field 'a' appears twice in the form");
    expect(refused(x("<field var='a' type='text-single'><value>1</value><value>2</value></field>"))).toMatch(/allows one/);
    expect(refused(x("<field var='a' type='text-single'><option><value>1</value></option></field>"))).toMatch(/has options/);
    expect(refused(x("<field var='a' type='list-single'><option><value>1</value><value>2</value></option></field>"))).toMatch(/exactly one/);
    expect(refused(x("<field var='a'/>", 'submit').replace('</x>', '<reported/></x>'))).toMatch(/result forms only/);
    const many = Array.from({ length: DEFAULT_FORM_LIMITS.maxFields + 1 }, (_, i) => `<field var='f${i}'/>`).join('');
    expect(refused(x(many))).toBe(`the form has ${DEFAULT_FORM_LIMITS.maxFields + 1} fields (at most ${DEFAULT_FORM_LIMITS.maxFields})`);
    const long = 'a'.repeat(DEFAULT_FORM_LIMITS.maxValueLength + 1);
    expect(refused(x(`<field var='a'><value>${long}</value></field>`))).toBe(`a value of 'a' longer than ${DEFAULT_FORM_LIMITS.maxValueLength} characters`);
    const manyValues = Array.from({ length: DEFAULT_FORM_LIMITS.maxValuesPerField + 1 }, () => '<value>v</value>').join('');
    expect(refused(x(`<field var='a' type='text-multi'>${manyValues}</field>`))).toMatch(/at most 256/);
    // The total budget stops a form made of many fields with many values each.
    const wide = Array.from({ length: 40 }, (_, i) => `<field var='f${i}' type='text-multi'>${Array.from({ length: 250 }, () => '<value>v</value>').join('')}</field>`).join('');
    expect(refused(x(wide))).toMatch(/more than 8192 values/);
    // An answer past the limits is refused too.
    const form = ok(x("<field var='t' type='text-multi'/>"));
    const sub = buildSubmission(form, { t: long });
    expect(sub.ok).toBe(false);
  });
});
