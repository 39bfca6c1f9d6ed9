// A Prosody of the test's own (own run dir, domain and loopback address, certificate from the
// test bed's CA) for tests that stop and start the server: the shared test bed's servers serve
// other test files running in parallel and must never be restarted. `stop()` and `start()` are a
// real process stop and start on the same data directory, so accounts, rosters, offline messages and
// archives persist as on a production restart.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { DnsPort } from '../../electron/main/net/dns';
import { createXmppClient, type XmppClient } from '../../electron/main/xmpp/client/client';
import { establishSession } from '../../electron/main/xmpp/session/establish';
import { DEFAULT_SESSION_POLICY } from '../../electron/main/xmpp/session/policy';
import { dnsTo } from './proxy-dns';
import { getTestbed } from './testbed/get-testbed.js';
import type { Account } from './testbed/info.js';
import { issueServerCert } from './testbed/pki.js';
import { startProsody } from './testbed/prosody.js';
import { makeRunDir } from './testbed/run-dir.js';
import { randomPassword, randomToken } from './testbed/secret.js';

export interface PrivateProsody {
  readonly domain: string;
  readonly address: string;
  /** Answers the private domain with the private address (give it to the core's establish). */
  readonly dns: DnsPort;
  /** A new account with a random name and password (prosodyctl, works while stopped too). */
  account(prefix: string): Promise<Account>;
  /** A Bastion session on one of its accounts (closed by close()). */
  openSession(account: Account): Promise<XmppClient>;
  /** Stops the server process (SIGTERM: Prosody closes its streams with system-shutdown). */
  stop(): Promise<void>;
  /** Starts it again on the same data directory; resolves once a real login works. */
  start(): Promise<void>;
  /** Closes its sessions, stops the server and removes its directory. */
  close(): Promise<void>;
}

export async function startPrivateProsody(opts: { readonly domain: string; readonly address: string }): Promise<PrivateProsody> {
  const tb = getTestbed();
  const runDir = await makeRunDir(`bastion-${opts.domain}-`);
  const sessions: XmppClient[] = [];
  try {
    const cert = await issueServerCert(runDir.path, { caCert: tb.pki.caCert, caKey: tb.pki.caKey }, opts.domain);
    const serverOpts = { dir: path.join(runDir.path, opts.domain), domain: opts.domain, address: opts.address, caCert: tb.pki.caCert, cert };
    const ca = await readFile(tb.pki.caCert, 'utf8');
    const dns = dnsTo(opts.domain, opts.address).port;
    let server = await startProsody(serverOpts);
    return {
      domain: opts.domain,
      address: opts.address,
      dns,
      account: async (prefix) => {
        const username = `${prefix}-${randomToken(5)}`;
        const password = randomPassword();
        await server.register(username, password);
        return { jid: `${username}@${opts.domain}`, username, password };
      },
      openSession: async (account) => {
        const s = await establishSession({
          account: account.jid,
          auth: { kind: 'password', password: account.password },
          trustAnchorsPem: ca,
          policy: { ...DEFAULT_SESSION_POLICY, dnsServers: [] },
          dns,
        });
        const client = createXmppClient(s);
        sessions.push(client);
        return client;
      },
      stop: async () => {
        await server.stop();
      },
      start: async () => {
        server = await startProsody(serverOpts);
      },
      close: async () => {
        for (const c of sessions.splice(0)) await c.close().catch(() => undefined);
        await server.stop().catch(() => undefined);
        await runDir.remove();
      },
    };
  } catch (err) {
    await runDir.remove();
    throw err;
  }
}
