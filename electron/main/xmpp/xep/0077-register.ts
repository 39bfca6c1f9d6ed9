/**
 * XEP-0077 In-Band Registration: create an account (§3.1), change its password (§3.3), delete
 * it (§3.2). Creation happens on the secured stream before SASL through establishSession's
 * `beforeAuthenticate` hook, so the chosen password never crosses the wire in the clear: the
 * hook runs only after TLS, revocation and certificate-change checks. `createAccount` then goes
 * on to log the same session in with the new credentials and returns it.
 */
import { randomBytes } from 'node:crypto';
import type { Element } from '@xmpp/xml';
import xml from '@xmpp/xml';
import { parseAccountJid, parseJid } from '../../../../shared/xmpp/jid';
import { IqError, type XmppClient } from '../client/client';
import { errorCondition } from '../client/iq-tracker';
import { SessionFailure } from '../session/failure';
import { establishSession, type EstablishedSession, type EstablishOptions, type PreAuthContext } from '../session/establish';
import { buildSubmission, findDataForm, type DataForm, type FormAnswers } from './0004-forms';

export const NS_REGISTER = 'jabber:iq:register';
const NS_OOB = 'jabber:x:oob';
/** XEP-0077 §3.3 (form variant of the password change). */
const FORM_CHANGE_PASSWORD = 'jabber:iq:register:changepassword';
/** §3.1 legacy field names; a server asking for anything else is asking for what we cannot know. */
const LEGACY_FIELDS = ['username', 'nick', 'password', 'name', 'first', 'last', 'email', 'address', 'city', 'state', 'zip', 'phone', 'url', 'date', 'misc', 'text', 'key'] as const;

export type RegistrationFailure =
  /** §3.1: the user name is taken. */
  | 'conflict'
  /** §3.1/§3.3: required information missing or not acceptable (invalid name, weak password). */
  | 'not-acceptable'
  /** The server does not allow (this) registration or change. */
  | 'not-allowed'
  /** The server offers no in-band registration. */
  | 'not-supported'
  /** Too many registrations from here; try later. */
  | 'rate-limited'
  /** The form asks for more than was given (e-mail, a CAPTCHA …): `form` says what. */
  | 'needs-fields'
  /** §3.3: the change needs the old password as well. */
  | 'not-authorized'
  | 'failed';

export class RegistrationError extends Error {
  constructor(
    readonly reason: RegistrationFailure,
    message: string,
    readonly details: { readonly condition?: string; readonly serverText?: string; readonly form?: DataForm; readonly url?: string; readonly missing?: readonly string[] } = {},
  ) {
    super(message);
    this.name = 'RegistrationError';
  }
}

/** What the server asks for (§3.1): legacy field names and/or a data form. */
export interface RegistrationRequirements {
  readonly instructions?: string;
  readonly legacyFields: readonly string[];
  readonly form?: DataForm;
  /** §3.1: the account is already registered (only when asked on an authenticated stream). */
  readonly registered: boolean;
  /** XEP-0077 §5 redirection: register out of band at this URL. */
  readonly url?: string;
}

export function parseRequirements(query: Element | undefined): RegistrationRequirements {
  const legacyFields = (query?.children ?? []).flatMap((c) => (typeof c !== 'string' && (LEGACY_FIELDS as readonly string[]).includes(c.name) && (c.attrs.xmlns === undefined || c.attrs.xmlns === NS_REGISTER) ? [c.name] : []));
  // §3.4: the registration form; a malformed one is ignored and the legacy fields are used.
  const forms = findDataForm(query, NS_REGISTER) ?? findDataForm(query);
  const instructions = query?.getChildText('instructions')?.trim();
  const url = query?.getChild('x', NS_OOB)?.getChildText('url')?.trim();
  return {
    ...(instructions ? { instructions } : {}),
    legacyFields,
    ...(forms?.ok ? { form: forms.form } : {}),
    registered: query?.getChild('registered') !== undefined,
    ...(url ? { url } : {}),
  };
}

function refusal(condition: string, text: string | undefined, what: string, form?: DataForm): RegistrationError {
  const reason: RegistrationFailure = (() => {
    switch (condition) {
      case 'conflict':
        return 'conflict';
      case 'not-acceptable':
      case 'jid-malformed': // ejabberd: a user name that is not a valid localpart
        return 'not-acceptable';
      case 'not-allowed':
      case 'forbidden':
        return 'not-allowed';
      case 'service-unavailable':
      case 'feature-not-implemented':
        return 'not-supported';
      case 'resource-constraint':
      case 'policy-violation':
        return 'rate-limited';
      case 'not-authorized':
        return 'not-authorized';
      default:
        return 'failed';
    }
  })();
  const human: Record<RegistrationFailure, string> = {
    conflict: 'that user name is already taken',
    'not-acceptable': 'the server did not accept the details given',
    'not-allowed': 'the server does not allow this',
    'not-supported': 'the server does not offer in-band registration',
    'rate-limited': 'too many attempts; try again later',
    'needs-fields': 'more information is needed',
    'not-authorized': 'the server wants the current password as well',
    failed: `the server refused (${condition})`,
  };
  return new RegistrationError(reason, `${what}: ${human[reason]}${text ? ` (${text})` : ''}`, { condition, ...(text ? { serverText: text } : {}), ...(form ? { form } : {}) });
}

export interface NewAccount {
  readonly username: string;
  readonly password: string;
  /** Further answers by field name (legacy names such as 'email', or data-form vars). */
  readonly fields?: FormAnswers;
  /** Asked with what the server wants when `fields` is not enough (e.g. to show the form). */
  readonly fill?: (req: RegistrationRequirements) => Promise<FormAnswers>;
  /** Told what the server asked for (instructions to show, which path was taken). */
  readonly onRequirements?: (req: RegistrationRequirements) => void;
}

/** The `<query/>` to submit, from what the server asked for and what we have (§3.1, §3.4). */
export async function registrationQuery(req: RegistrationRequirements, account: NewAccount): Promise<Element> {
  const base: FormAnswers = { ...account.fields, username: account.username, password: account.password };
  // §3.4: where the server sends a form, the form is what it understands best.
  if (req.form && req.form.kind === 'form') {
    const form = req.form;
    const known = new Set(form.fields.flatMap((f) => (f.var !== undefined ? [f.var] : [])));
    const pick = (a: FormAnswers): FormAnswers => Object.fromEntries(Object.entries(a).filter(([k]) => known.has(k)));
    let sub = buildSubmission(form, pick(base));
    if (!sub.ok && account.fill) sub = buildSubmission(form, pick({ ...(await account.fill(req)), username: account.username, password: account.password }));
    if (!sub.ok) {
      const missing = sub.problems.map((p) => `${p.var}: ${p.reason}`);
      throw new RegistrationError('needs-fields', `registration needs more than a user name and password (${missing.join('; ')})`, { form, missing: sub.problems.map((p) => p.var) });
    }
    return xml('query', { xmlns: NS_REGISTER }, sub.element);
  }
  if (!req.legacyFields.includes('username') || !req.legacyFields.includes('password')) {
    throw new RegistrationError('not-supported', `the server offers no in-band registration with a user name and password${req.url ? ` (register at ${req.url})` : ''}`, req.url ? { url: req.url } : {});
  }
  let answers = base;
  const unanswered = (a: FormAnswers) => req.legacyFields.filter((f) => typeof a[f] !== 'string' || a[f] === '');
  if (unanswered(answers).length > 0 && account.fill) answers = { ...(await account.fill(req)), ...base };
  const missing = unanswered(answers);
  if (missing.length > 0) throw new RegistrationError('needs-fields', `registration also needs: ${missing.join(', ')}`, { missing });
  return xml('query', { xmlns: NS_REGISTER }, ...req.legacyFields.map((f) => xml(f, {}, String(answers[f]))));
}

/** One IQ on the not yet authenticated stream; the answer must come from our server (or nobody). */
async function preAuthIq(ctx: PreAuthContext, type: 'get' | 'set', payload: Element): Promise<Element> {
  const id = `reg-${randomBytes(6).toString('hex')}`;
  ctx.stream.send(xml('iq', { type, id, to: ctx.domain }, payload).toString());
  const answer = await ctx.next();
  const from = answer.attrs.from as string | undefined;
  if (answer.name !== 'iq' || answer.attrs.id !== id || (from !== undefined && from !== ctx.domain)) {
    throw new RegistrationError('failed', `unexpected <${answer.name}/> while registering`);
  }
  return answer;
}

/** The `beforeAuthenticate` hook that registers `account` (XEP-0077 §3.1) on the secured stream. */
export function registrationHook(account: NewAccount): (ctx: PreAuthContext) => Promise<void> {
  return async (ctx) => {
    const asked = await preAuthIq(ctx, 'get', xml('query', { xmlns: NS_REGISTER }));
    if (asked.attrs.type !== 'result') {
      const e = errorCondition(asked);
      throw refusal(e.condition, e.text, 'registration');
    }
    const req = parseRequirements(asked.getChild('query', NS_REGISTER));
    account.onRequirements?.(req);
    const done = await preAuthIq(ctx, 'set', await registrationQuery(req, account));
    if (done.attrs.type !== 'result') {
      const e = errorCondition(done);
      throw refusal(e.condition, e.text, `registration of '${account.username}'`, req.form);
    }
  };
}

/**
 * Creates `username@<domain of establish.account>` in-band and logs in with it on the same
 * connection: the returned session is authenticated as the new account. Refusals throw
 * RegistrationError (conflict, not-acceptable, not-allowed, not-supported, rate-limited,
 * needs-fields …); every other failure is the usual SessionFailure. The account exists once the
 * server answered the registration, even if the login after it fails.
 */
export async function createAccount(establish: Omit<EstablishOptions, 'auth' | 'beforeAuthenticate'>, account: NewAccount): Promise<EstablishedSession> {
  const given = parseJid(establish.account.trim());
  if (!given.ok) throw new RegistrationError('not-acceptable', `invalid server: ${given.reason}`);
  const jid = parseAccountJid(`${account.username}@${given.jid.domain}`);
  if (!jid.ok) throw new RegistrationError('not-acceptable', `invalid user name: ${jid.reason}`);
  try {
    return await establishSession({ ...establish, account: jid.jid, auth: { kind: 'password', password: account.password }, beforeAuthenticate: registrationHook(account) });
  } catch (e: unknown) {
    if (e instanceof SessionFailure && e.cause instanceof RegistrationError) throw e.cause;
    throw e;
  }
}

export interface AccountModule {
  /** What the server asks for on this account (§3.1 'registered' is true here). */
  requirements(): Promise<RegistrationRequirements>;
  /** §3.3. Some servers answer with a form that needs the old password: give it then. */
  changePassword(newPassword: string, opts?: { readonly oldPassword?: string }): Promise<void>;
  /** §3.2: deletes the account on the server; the server then ends the session. */
  deleteAccount(): Promise<void>;
  dispose(): void;
}

export function registerAccountManagement(client: XmppClient): AccountModule {
  const username = client.account.slice(0, client.account.indexOf('@'));
  /** A refusal becomes a RegistrationError; timeouts and a lost connection stay IqErrors. */
  const ask = async (type: 'get' | 'set', to: string | undefined, payload: Element, what: string, form?: DataForm): Promise<Element> => {
    try {
      return await client.request(type, to, payload);
    } catch (e: unknown) {
      if (e instanceof IqError && e.condition !== 'timeout' && e.condition !== 'disconnected') throw refusal(e.condition, e.stanza ? errorCondition(e.stanza).text : undefined, what, form);
      throw e;
    }
  };
  return {
    async requirements() {
      const r = await ask('get', client.domain, xml('query', { xmlns: NS_REGISTER }), 'registration details');
      return parseRequirements(r.getChild('query', NS_REGISTER));
    },
    async changePassword(newPassword, opts = {}) {
      if (newPassword.length === 0) throw new RegistrationError('not-acceptable', 'the new password is empty');
      const legacy = xml('query', { xmlns: NS_REGISTER }, xml('username', {}, username), xml('password', {}, newPassword));
      try {
        await client.request('set', client.domain, legacy);
        return;
      } catch (e: unknown) {
        if (!(e instanceof IqError) || e.condition === 'timeout' || e.condition === 'disconnected') throw e;
        // §3.3 Example 21: the server may want a form with the old password instead.
        const form = findDataForm(e.stanza?.getChild('query', NS_REGISTER), FORM_CHANGE_PASSWORD);
        const err = errorCondition(e.stanza ?? xml('iq'));
        if (!form?.ok || opts.oldPassword === undefined) throw refusal(e.condition, err.text, 'password change', form?.ok ? form.form : undefined);
        const sub = buildSubmission(form.form, { username, old_password: opts.oldPassword, password: newPassword });
        if (!sub.ok) throw new RegistrationError('needs-fields', 'the password-change form asks for more than the old and new password', { form: form.form, missing: sub.problems.map((p) => p.var) });
        await ask('set', client.domain, xml('query', { xmlns: NS_REGISTER }, sub.element), 'password change', form.form);
      }
    },
    async deleteAccount() {
      await ask('set', undefined, xml('query', { xmlns: NS_REGISTER }, xml('remove')), 'account deletion');
    },
    dispose: () => undefined,
  };
}
