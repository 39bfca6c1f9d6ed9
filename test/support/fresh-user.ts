// Fresh accounts for tests whose assertions depend on account state (archives, lists): each is
// registered in-band (XEP-0077, allowed from loopback in the test bed) under a random name, so
// no other test's traffic can be in it. `freshSession` opens a Bastion session on one; every
// session opened here is closed by `closeFreshSessions()` (call it in afterEach).
import { readFile } from 'node:fs/promises';
import { createXmppClient, type XmppClient } from '../../electron/main/xmpp/client/client';
import { establishSession } from '../../electron/main/xmpp/session/establish';
import { DEFAULT_SESSION_POLICY } from '../../electron/main/xmpp/session/policy';
import { getTestbed } from './testbed/get-testbed.js';
import type { Account, ServerKind } from './testbed/info.js';
import { randomPassword, randomToken } from './testbed/secret.js';
import { xmppLogin } from './testbed/xmpp-login.js';

const open: XmppClient[] = [];

export async function freshAccount(kind: ServerKind, prefix: string): Promise<Account> {
  const tb = getTestbed();
  const s = tb.servers[kind];
  const username = `${prefix}-${randomToken(5)}`;
  const password = randomPassword();
  await xmppLogin({ host: s.host, port: s.port, domain: s.domain, username, password, ca: await readFile(tb.pki.caCert, 'utf8'), register: true, timeoutMs: 15_000 });
  return { jid: `${username}@${s.domain}`, username, password };
}

export async function freshSession(account: Account): Promise<XmppClient> {
  const tb = getTestbed();
  const s = await establishSession({
    account: account.jid,
    auth: { kind: 'password', password: account.password },
    trustAnchorsPem: await readFile(tb.pki.caCert, 'utf8'),
    policy: { ...DEFAULT_SESSION_POLICY, dnsServers: [`${tb.dns.host}:${tb.dns.port}`] },
  });
  const client = createXmppClient(s);
  open.push(client);
  return client;
}

export async function closeFreshSessions(): Promise<void> {
  for (const c of open.splice(0)) await c.close().catch(() => undefined);
}
