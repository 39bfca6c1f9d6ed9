import xml from '@xmpp/xml';
import { afterEach, describe, it } from 'vitest';
import { closeFreshSessions, freshAccount, freshSession } from '../support/fresh-user';
import { getTestbed } from '../support/testbed/get-testbed.js';
import type { ServerKind } from '../support/testbed/info.js';

afterEach(closeFreshSessions);
const show = async (p: Promise<unknown>) => { try { return String(await p); } catch (e) { return 'ERR ' + String((e as any)?.stanza ?? e); } };

describe.each<ServerKind>(['prosody', 'ejabberd'])('probe %s', (kind) => {
  it('probe', async () => {
    const c = await freshSession(await freshAccount(kind, 'probe'));
    const out: string[] = [];
    out.push(await show(c.request('get', c.account, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' }))));
    out.push(await show(c.request('get', c.domain, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' }))));
    out.push(await show(c.request('get', c.domain, xml('query', { xmlns: 'http://jabber.org/protocol/disco#items' }))));
    const muc = getTestbed().servers[kind].muc;
    out.push(await show(c.request('get', muc, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' }))));
    out.push(await show(c.request('get', muc, xml('query', { xmlns: 'http://jabber.org/protocol/disco#items' }, xml('set', {xmlns:'http://jabber.org/protocol/rsm'}, xml('max', {}, '2'))))));
    out.push(await show(c.request('get', undefined, xml('query', { xmlns: 'jabber:iq:private' }, xml('storage', { xmlns: 'storage:bookmarks' })))));
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`/tmp/bm/probe-${kind}.txt`, out.join('\n\n'));
  });
});
