import type { Element } from '@xmpp/xml';
import { parse } from 'ltx';
import { describe, expect, it } from 'vitest';
import type { BareJid, FullJid } from '../../../../shared/xmpp/jid';
import { createXmppClient } from '../client/client';
import { createFakeStream } from '../client/testing/fake-stream';
import type { PreAuthContext } from '../session/establish';
import { formValues, parseDataForm, type FormAnswers } from './0004-forms';
import { registerAccountManagement, registrationHook, RegistrationError, type NewAccount } from './0077-register';

const el = (s: string): Element => parse(s) as Element;
const tick = () => new Promise((r) => setImmediate(r));
const ERR = (cond: string, type = 'cancel') => `<error type='${type}'><${cond} xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>said the server</text></error>`;

/**
 * A pre-authentication stream whose server answers each IQ with the next scripted reply
 * (`%ID%` is replaced by the request's id). Stands in for the real servers' refusals that the
 * test bed cannot produce (registration switched off, CAPTCHA forms).
 */
function preAuth(replies: readonly string[]) {
  const stream = createFakeStream();
  const queue = [...replies];
  const ctx: PreAuthContext = {
    stream,
    features: el("<stream:features xmlns:stream='http://etherx.jabber.org/streams'/>"),
    domain: 'example.test',
    account: 'new@example.test' as BareJid,
    next: () => {
      const reply = queue.shift();
      if (reply === undefined) return Promise.reject(new Error('no more replies'));
      return Promise.resolve(el(reply.replace('%ID%', stream.last().attrs.id as string)));
    },
  };
  return { ctx, stream };
}
const account: NewAccount = { username: 'new', password: 's3cret' };
const failureOf = async (p: Promise<unknown>): Promise<RegistrationError> => {
  const e: unknown = await p.then(
    () => new Error('resolved'),
    (x: unknown) => x,
  );
  if (!(e instanceof RegistrationError)) throw e;
  return e;
};

const LEGACY = "<iq type='result' id='%ID%' from='example.test'><query xmlns='jabber:iq:register'><instructions>Choose</instructions><username/><password/></query></iq>";
const FORM = `<iq type='result' id='%ID%' from='example.test'><query xmlns='jabber:iq:register'><username/><password/>
  <x xmlns='jabber:x:data' type='form'><field var='FORM_TYPE' type='hidden'><value>jabber:iq:register</value></field>
  <field var='username' type='text-single'><required/></field><field var='password' type='text-private'><required/></field>
  %EXTRA%</x></query></iq>`;

describe('XEP-0077 in-band registration', () => {
  it('registers with legacy fields when the server offers no form (§3.1)', async () => {
    const { ctx, stream } = preAuth([LEGACY, "<iq type='result' id='%ID%'/>"]);
    const seen: unknown[] = [];
    await registrationHook({ ...account, onRequirements: (r) => seen.push(r) })(ctx);
    expect(stream.sent[0]?.toString()).toMatch(/^<iq type="get" id="reg-[0-9a-f]+" to="example.test"><query xmlns="jabber:iq:register"\/><\/iq>$/);
    expect(stream.sent[1]?.getChild('query')?.toString()).toBe('<query xmlns="jabber:iq:register"><username>new</username><password>s3cret</password></query>');
    expect(seen).toEqual([{ instructions: 'Choose', legacyFields: ['username', 'password'], registered: false }]);
  });

  it('submits the data form when the server sends one (§3.4, XEP-0004/0068)', async () => {
    const { ctx, stream } = preAuth([FORM.replace('%EXTRA%', "<field var='email' type='text-single'/>"), "<iq type='result' id='%ID%'/>"]);
    await registrationHook({ ...account, fields: { email: 'new@example.test' } })(ctx);
    const x = stream.sent[1]?.getChild('query')?.getChild('x', 'jabber:x:data');
    const sub = x ? parseDataForm(x) : undefined;
    expect(sub?.ok && sub.form.formType).toBe('jabber:iq:register');
    expect(sub?.ok && Object.fromEntries(formValues(sub.form))).toEqual({ FORM_TYPE: ['jabber:iq:register'], username: ['new'], password: ['s3cret'], email: ['new@example.test'] });
  });

  it('asks `fill` when the form wants more, and says what is missing when nobody can answer', async () => {
    const captcha = FORM.replace('%EXTRA%', "<field var='ocr' type='text-single' label='Type the letters'><required/></field>");
    const filled = preAuth([captcha, "<iq type='result' id='%ID%'/>"]);
    await registrationHook({ ...account, fill: (req) => Promise.resolve<FormAnswers>(req.form?.fields.some((f) => f.var === 'ocr') ? { ocr: 'x7kq' } : {}) })(filled.ctx);
    expect(filled.stream.sent[1]?.toString()).toMatch(/<field var="ocr" type="text-single"><value>x7kq<\/value><\/field>/);

    const unfilled = preAuth([captcha]);
    const e = await failureOf(registrationHook(account)(unfilled.ctx));
    expect(e.reason).toBe('needs-fields');
    expect(e.details.missing).toEqual(['ocr']);
    expect(e.details.form?.fields.map((f) => f.var)).toContain('ocr');
    expect(unfilled.stream.sent).toHaveLength(1); // nothing was submitted

    const legacyExtra = preAuth([LEGACY.replace('<password/>', '<password/><email/>')]);
    expect(await failureOf(registrationHook(account)(legacyExtra.ctx))).toMatchObject({ reason: 'needs-fields', details: { missing: ['email'] } });
  });

  it.each([
    ['conflict', 'conflict'],
    ['not-acceptable', 'not-acceptable'],
    ['jid-malformed', 'not-acceptable'],
    ['not-allowed', 'not-allowed'],
    ['forbidden', 'not-allowed'],
    ['resource-constraint', 'rate-limited'],
    ['undefined-condition', 'failed'],
  ])('a <%s/> refusal of the registration is reason %s', async (condition, reason) => {
    const { ctx } = preAuth([LEGACY, `<iq type='error' id='%ID%'>${ERR(condition)}</iq>`]);
    const e = await failureOf(registrationHook(account)(ctx));
    expect(e).toMatchObject({ reason, details: { condition, serverText: 'said the server' } });
    expect(e.message).toMatch(/^registration of 'new': .+ \(said the server\)$/);
  });

  it('a server without in-band registration is "not-supported", with its out-of-band URL if it gives one', async () => {
    const none = preAuth([`<iq type='error' id='%ID%'>${ERR('service-unavailable')}</iq>`]);
    expect(await failureOf(registrationHook(account)(none.ctx))).toMatchObject({ reason: 'not-supported' });
    const redirect = preAuth(["<iq type='result' id='%ID%'><query xmlns='jabber:iq:register'><instructions>Use the web</instructions><x xmlns='jabber:x:oob'><url>https://example.test/register</url></x></query></iq>"]);
    expect(await failureOf(registrationHook(account)(redirect.ctx))).toMatchObject({ reason: 'not-supported', details: { url: 'https://example.test/register' } });
  });

  it('[IMPP-D1] an answer from anyone but our server, or not an answer to our IQ, stops the registration', async () => {
    const forged = preAuth([LEGACY.replace("from='example.test'", "from='evil.example'")]);
    expect(await failureOf(registrationHook(account)(forged.ctx))).toMatchObject({ reason: 'failed' });
    const other = preAuth(["<message from='example.test'><body>hi</body></message>"]);
    expect(await failureOf(registrationHook(account)(other.ctx))).toMatchObject({ reason: 'failed' });
  });
});

describe('XEP-0077 on an authenticated session', () => {
  function setup() {
    const stream = createFakeStream();
    const client = createXmppClient({ jid: 'bill@example.test/globe' as FullJid, account: 'bill@example.test' as BareJid, stream });
    const answer = (body: string) => stream.receive(body.replace('%ID%', stream.last().attrs.id as string));
    return { stream, account: registerAccountManagement(client), answer };
  }

  it('changes the password with the legacy request (§3.3) and deletes the account (§3.2)', async () => {
    const { stream, account: acct, answer } = setup();
    const change = acct.changePassword('newpass');
    expect(stream.last().toString()).toMatch(/^<iq type="set" id="[^"]+" to="example.test"><query xmlns="jabber:iq:register"><username>bill<\/username><password>newpass<\/password><\/query><\/iq>$/);
    answer("<iq type='result' id='%ID%' from='example.test'/>");
    await change;
    const del = acct.deleteAccount();
    expect(stream.last().getChild('query')?.toString()).toBe('<query xmlns="jabber:iq:register"><remove/></query>');
    expect(stream.last().attrs.to).toBeUndefined();
    answer("<iq type='result' id='%ID%'/>");
    await del;
    await expect(acct.changePassword('')).rejects.toMatchObject({ reason: 'not-acceptable' });
  });

  it('answers the change-password form with the old password when the server asks for it (§3.3 Example 21)', async () => {
    const { stream, account: acct, answer } = setup();
    const needsOld = `<iq type='error' id='%ID%' from='example.test'><query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='form'>
        <field type='hidden' var='FORM_TYPE'><value>jabber:iq:register:changepassword</value></field>
        <field type='text-single' var='username'><required/></field><field type='text-private' var='old_password'><required/></field>
        <field type='text-private' var='password'><required/></field></x></query>${ERR('not-authorized', 'modify')}</iq>`;
    // Without the old password the caller learns why, with the form.
    const bare = acct.changePassword('newpass');
    answer(needsOld);
    await expect(bare).rejects.toMatchObject({ reason: 'not-authorized', details: { form: { formType: 'jabber:iq:register:changepassword' } } });
    const change = acct.changePassword('newpass', { oldPassword: 'oldpass' });
    answer(needsOld);
    await tick();
    const x = stream.last().getChild('query')?.getChild('x', 'jabber:x:data');
    const sub = x ? parseDataForm(x) : undefined;
    expect(sub?.ok && Object.fromEntries(formValues(sub.form))).toEqual({ FORM_TYPE: ['jabber:iq:register:changepassword'], username: ['bill'], old_password: ['oldpass'], password: ['newpass'] });
    answer("<iq type='result' id='%ID%' from='example.test'/>");
    await change;
  });
});
