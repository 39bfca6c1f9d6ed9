// XEP-0077 in-band registration on the real servers [UCR-G1]: an account is created on the
// secured stream before SASL and the same connection logs in with it; the password is changed
// and the account deleted in-band, and each step is proved by logging in again (fresh sessions).
// Prosody offers a XEP-0004 form (FORM_TYPE jabber:iq:register), ejabberd legacy fields only:
// both paths of XEP-0077 §3.4 are exercised.
import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createXmppClient, type XmppClient } from '../../electron/main/xmpp/client/client';
import { establishSession } from '../../electron/main/xmpp/session/establish';
import { SessionFailure } from '../../electron/main/xmpp/session/failure';
import { DEFAULT_SESSION_POLICY } from '../../electron/main/xmpp/session/policy';
import { createAccount, registerAccountManagement, RegistrationError, type RegistrationRequirements } from '../../electron/main/xmpp/xep/0077-register';
import { getTestbed } from '../support/testbed/get-testbed.js';
import type { ServerKind } from '../support/testbed/info.js';
import { randomPassword, randomToken } from '../support/testbed/secret.js';

const open: XmppClient[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c.close().catch(() => undefined);
});

async function base(kind: ServerKind) {
  const tb = getTestbed();
  return {
    account: tb.servers[kind].domain,
    trustAnchorsPem: await readFile(tb.pki.caCert, 'utf8'),
    policy: { ...DEFAULT_SESSION_POLICY, dnsServers: [`${tb.dns.host}:${tb.dns.port}`] },
  };
}

async function login(kind: ServerKind, jid: string, password: string): Promise<XmppClient> {
  const client = createXmppClient(await establishSession({ ...(await base(kind)), account: jid, auth: { kind: 'password', password } }));
  open.push(client);
  return client;
}

const loginFails = async (kind: ServerKind, jid: string, password: string): Promise<SessionFailure> => {
  const e: unknown = await login(kind, jid, password).then(
    () => new Error('logged in'),
    (err: unknown) => err,
  );
  if (!(e instanceof SessionFailure)) throw e;
  return e;
};

describe.each<ServerKind>(['prosody', 'ejabberd'])('in-band registration on %s', (kind) => {
  it('[UCR-G1] creates an account before SASL and logs in with it; changes its password; deletes it', async () => {
    const domain = getTestbed().servers[kind].domain;
    const username = `ibr-${randomToken(5)}`;
    const first = randomPassword();
    const seen: RegistrationRequirements[] = [];
    const session = await createAccount(await base(kind), { username, password: first, onRequirements: (r) => seen.push(r) });
    const jid = `${username}@${domain}`;
    // The very session that registered is authenticated as the new account.
    expect(session.account).toBe(jid);
    expect(session.report.tls?.encrypted).toBe(true);
    expect(session.report.sasl?.mechanism).toMatch(/^SCRAM-SHA-/);
    const created = createXmppClient(session);
    open.push(created);
    // XEP-0077 §3.4 with XEP-0004/0068: Prosody sends a form, ejabberd legacy fields only.
    if (kind === 'prosody') expect(seen[0]?.form?.formType).toBe('jabber:iq:register');
    else expect(seen[0]?.form).toBeUndefined();
    expect(seen[0]?.legacyFields).toEqual(expect.arrayContaining(['username', 'password']));
    await created.close();

    const second = randomPassword();
    const c1 = await login(kind, jid, first);
    await registerAccountManagement(c1).changePassword(second);
    await c1.close();
    expect((await loginFails(kind, jid, first)).stage).toBe('sasl');
    const c2 = await login(kind, jid, second);
    await registerAccountManagement(c2).deleteAccount();
    await c2.close();
    const gone = await loginFails(kind, jid, second);
    expect(gone.stage).toBe('sasl');
    expect(gone.message).toMatch(/not-authorized|authentication failed/);
  });

  it('[UCR-G1] registering a name that exists is refused as a conflict, and nothing is logged in', async () => {
    const error: unknown = await createAccount(await base(kind), { username: 'alice', password: randomPassword() }).then(
      () => new Error('registered'),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RegistrationError);
    expect(error).toMatchObject({ reason: 'conflict', details: { condition: 'conflict' } });
    // alice's own password still works: the refused registration changed nothing.
    const alice = getTestbed().accounts[kind].find((a) => a.username === 'alice');
    if (!alice) throw new Error('no alice');
    await login(kind, alice.jid, alice.password);
  });

  it('answers for fields the server did not ask for are left out, and registration still succeeds', async () => {
    // Answers for fields the server did not ask for: with a form (Prosody) they are left out of
    // the submission; with legacy fields (ejabberd) they are not sent either (§3.1 lists what
    // is asked). Either way registration succeeds with user name and password.
    const username = `ibr-${randomToken(5)}`;
    const session = await createAccount(await base(kind), { username, password: randomPassword(), fields: { 'x-unknown': 'ignored' } });
    const c = createXmppClient(session);
    open.push(c);
    await registerAccountManagement(c).deleteAccount();
  });
});
