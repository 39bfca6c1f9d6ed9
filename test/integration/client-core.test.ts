// The post-authentication client core and its first XEP modules against the real servers:
// two Bastion sessions talk to the server and to each other.
import { readFile } from 'node:fs/promises';
import xml from '@xmpp/xml';
import { describe, expect, it } from 'vitest';
import { createXmppClient, type XmppClient } from '../../electron/main/xmpp/client/client';
import { establishSession } from '../../electron/main/xmpp/session/establish';
import { DEFAULT_SESSION_POLICY } from '../../electron/main/xmpp/session/policy';
import { registerDisco } from '../../electron/main/xmpp/xep/0030-disco';
import { registerVersion } from '../../electron/main/xmpp/xep/0092-version';
import { NS_PING, registerPing } from '../../electron/main/xmpp/xep/0199-ping';
import { registerTime } from '../../electron/main/xmpp/xep/0202-time';
import { getTestbed } from '../support/testbed/get-testbed.js';
import type { ServerKind } from '../support/testbed/info.js';

async function open(kind: ServerKind, name: string): Promise<XmppClient> {
  const tb = getTestbed();
  const a = tb.accounts[kind].find((x) => x.username === name);
  if (!a) throw new Error(`no ${name}`);
  const s = await establishSession({
    account: a.jid,
    auth: { kind: 'password', password: a.password },
    trustAnchorsPem: await readFile(tb.pki.caCert, 'utf8'),
    policy: { ...DEFAULT_SESSION_POLICY, dnsServers: [`${tb.dns.host}:${tb.dns.port}`] },
  });
  return createXmppClient(s);
}

describe.each<ServerKind>(['prosody', 'ejabberd'])('client core on %s', (kind) => {
  it('pings the server, discovers its features, and answers disco/version/time/ping from another client', async () => {
    const alice = await open(kind, 'alice');
    const bob = await open(kind, 'bob');
    try {
      const aliceDisco = registerDisco(alice, { name: 'Bastion' });
      registerDisco(bob, { name: 'Bastion' });
      registerVersion(bob, { name: 'Bastion', version: '9.9.9' });
      registerTime(bob);
      const dead: string[] = [];
      const ping = registerPing(alice, { idleMs: 60_000, timeoutMs: 5_000, onDead: (w) => dead.push(w) });
      registerPing(bob, { idleMs: 60_000, timeoutMs: 5_000, onDead: () => undefined });

      expect(await ping.ping()).toBeGreaterThanOrEqual(0);
      const server = await aliceDisco.info(alice.domain);
      expect(server.features).toContain(NS_PING);
      expect(server.identities.some((i) => i.category === 'server')).toBe(true);

      const bobInfo = await aliceDisco.info(bob.jid);
      expect(bobInfo.identities).toEqual([{ category: 'client', type: 'pc', name: 'Bastion' }]);
      expect(bobInfo.features).toEqual(expect.arrayContaining([NS_PING, 'jabber:iq:version', 'urn:xmpp:time', 'http://jabber.org/protocol/disco#info']));
      expect(await ping.ping(bob.jid)).toBeGreaterThanOrEqual(0);
      const version = await alice.request('get', bob.jid, xml('query', { xmlns: 'jabber:iq:version' }));
      expect(version.getChild('query')?.getChildText('version')).toBe('9.9.9');
      // Something bob does not implement: an error, not silence.
      await expect(alice.request('get', bob.jid, xml('query', { xmlns: 'urn:example:nothing' }))).rejects.toMatchObject({ condition: 'service-unavailable' });
      expect(dead).toEqual([]);
      ping.dispose();
    } finally {
      await alice.close();
      await bob.close();
    }
  });
});
