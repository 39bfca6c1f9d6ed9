// Opens a Bastion client session for a test-bed account (password login on the real server);
// waits for events and for the server's round trip.
import { readFile } from 'node:fs/promises';
import xml from '@xmpp/xml';
import { createXmppClient, type XmppClient } from '../../electron/main/xmpp/client/client';
import { establishSession } from '../../electron/main/xmpp/session/establish';
import { DEFAULT_SESSION_POLICY } from '../../electron/main/xmpp/session/policy';
import { NS_PING } from '../../electron/main/xmpp/xep/0199-ping';
import { getTestbed } from './testbed/get-testbed.js';
import type { Account, ServerKind } from './testbed/info.js';

export function account(kind: ServerKind, username: string): Account {
  const a = getTestbed().accounts[kind].find((x) => x.username === username);
  if (!a) throw new Error(`no account ${username} on ${kind}`);
  return a;
}

export async function openClient(kind: ServerKind, username: string): Promise<XmppClient> {
  const tb = getTestbed();
  const a = account(kind, username);
  const s = await establishSession({
    account: a.jid,
    auth: { kind: 'password', password: a.password },
    trustAnchorsPem: await readFile(tb.pki.caCert, 'utf8'),
    policy: { ...DEFAULT_SESSION_POLICY, dnsServers: [`${tb.dns.host}:${tb.dns.port}`] },
  });
  return createXmppClient(s);
}

/** Resolves when `pred` holds for some event pushed to `list`, or rejects after `ms`. */
export async function waitFor<T>(list: readonly T[], pred: (e: T) => boolean, ms = 5000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const hit = list.find(pred);
    if (hit !== undefined) return hit;
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms; saw ${JSON.stringify(list).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * A round trip to the account's server (XEP-0199 ping): once it is answered the server has
 * processed every stanza this client sent before it (in-order processing, RFC 6120 §10.1).
 */
export async function roundTrip(client: XmppClient): Promise<void> {
  await client.request('get', undefined, xml('ping', { xmlns: NS_PING }));
}
