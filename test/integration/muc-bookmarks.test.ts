// Chat room bookmarks on the real servers, on fresh in-band registered accounts (the tests change
// account state). Each "device" is a separate session of the same account with XEP-0115 caps, so
// the server learns its +notify interest. With mod_bookmarks (test bed) Prosody advertises
// urn:xmpp:bookmarks:1#compat and gets XEP-0402; ejabberd 23.01 does not, and gets the XEP-0048
// fallback in private storage (XEP-0049). The other backend is forced on each server as well.
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import { afterEach, describe, expect, it } from 'vitest';
import type { Account } from '../support/testbed/info.js';
import type { XmppClient } from '../../electron/main/xmpp/client/client';
import { registerPresence, type PresenceEvent } from '../../electron/main/xmpp/im/presence';
import { registerDisco } from '../../electron/main/xmpp/xep/0030-disco';
import { registerCaps } from '../../electron/main/xmpp/xep/0115-caps';
import { registerBookmarks, type BookmarksChanged, type BookmarksOptions } from '../../electron/main/xmpp/xep/0402-bookmarks';
import { NS_BOOKMARKS } from '../../electron/main/xmpp/xep/0402-bookmarks-pep';
import { NS_MUC_OWNER } from '../../electron/main/xmpp/xep/0045-muc-parse';
import { roundTrip, waitFor } from '../support/clients';
import { closeFreshSessions, freshAccount, freshSession } from '../support/fresh-user';
import { joinRaw, statusCodes } from '../support/muc-raw';
import { getTestbed } from '../support/testbed/get-testbed.js';
import { randomToken } from '../support/testbed/secret.js';
import type { ServerKind } from '../support/testbed/info.js';

afterEach(closeFreshSessions);

const PUBSUB = 'http://jabber.org/protocol/pubsub';

/** One session of `account` with presence, disco, caps and the bookmarks module. */
async function device(account: Account, opts: BookmarksOptions = {}) {
  const client = await freshSession(account);
  const presence = registerPresence(client);
  const disco = registerDisco(client, { name: 'Bastion test' });
  registerCaps(client, { presence, disco, node: 'https://bastion.test/caps' });
  const bookmarks = registerBookmarks(client, opts);
  const events: BookmarksChanged[] = [];
  const presences: PresenceEvent[] = [];
  bookmarks.onDidChangeBookmarks((e) => events.push(e));
  presence.onDidChangePresence((e) => presences.push(e));
  // The backend (and so the +notify feature in our caps) is settled before we go online.
  const backend = await bookmarks.backend();
  presence.setOwn({});
  return { client, presence, bookmarks, events, presences, backend };
}
type Device = Awaited<ReturnType<typeof device>>;

/**
 * `other` is online for the server once `me` (same account) hears its presence. The server may
 * then still be asking `other` for the features behind its caps (+notify): two pings from `other`
 * make sure that question was read and answered, and the answer processed, before anyone publishes.
 */
async function seesOnline(me: Device, other: Device): Promise<void> {
  await waitFor(me.presences, (e) => e.kind === 'available' && e.resource.jid === other.client.jid, 10_000);
  for (let i = 0; i < 2; i += 1) await roundTrip(other.client);
}

const added = (room: string) => (e: BookmarksChanged) => e.changes.some((c) => c.kind === 'added' && c.bookmark.room === room);

/** Minimal XEP-0045 join by raw presence; an instant room (201) is unlocked with an empty form. */
async function joinRoom(client: XmppClient, room: string, nick: string): Promise<void> {
  const o = await joinRaw(client, room, nick);
  o.stop();
  if (statusCodes(o.self).includes('201')) await client.request('set', room, xml('query', { xmlns: NS_MUC_OWNER }, xml('x', { xmlns: 'jabber:x:data', type: 'submit' })));
}

describe.each<ServerKind>(['prosody', 'ejabberd'])('bookmarks on %s', (kind) => {
  const muc = () => getTestbed().servers[kind].muc;

  it('the account’s disco#info picks the backend; an autojoin bookmark added on one device reaches the other live, a new session joins it, update and remove propagate', async () => {
    const account = await freshAccount(kind, 'bm');
    const one = await device(account);
    const two = await device(account);
    await seesOnline(one, two);
    await seesOnline(two, one);
    console.info(`[${kind}] bookmarks backend: ${one.backend.backend} (${one.backend.reason})`);
    expect(one.backend).toMatchObject(kind === 'prosody' ? { backend: 'xep-0402', compat: true } : { backend: 'xep-0048', compat: false });
    expect(await two.bookmarks.list()).toEqual([]);

    const room = `bm-${randomToken(4)}@${muc()}`;
    await one.bookmarks.add({ room, name: 'Ops cell', nick: 'alice-ops', autojoin: true });
    expect(one.events.at(-1)).toMatchObject({ source: 'local', changes: [{ kind: 'added', bookmark: { room, nick: 'alice-ops', autojoin: true } }] });
    // Device two hears of it without asking (XEP-0402 notification, or the server's XEP-0048 PEP broadcast).
    const seen = await waitFor(two.events, added(room), 10_000);
    expect(seen.source).toBe('remote');
    expect(two.bookmarks.current()).toEqual([{ room, name: 'Ops cell', nick: 'alice-ops', autojoin: true, extensions: [] }]);

    // A session that starts later reads it and joins with the bookmarked nick.
    const three = await device(account);
    const auto = await three.bookmarks.autojoinRooms();
    expect(auto.map((b) => [b.room, b.nick])).toEqual([[room, 'alice-ops']]);
    for (const b of auto) await joinRoom(three.client, b.room, b.nick ?? 'bastion');

    await one.bookmarks.update(room, { autojoin: false, name: 'Ops cell (quiet)' });
    await waitFor(two.events, (e) => e.changes.some((c) => c.kind === 'changed' && c.bookmark.room === room && !c.bookmark.autojoin && c.previous.autojoin), 10_000);
    expect(await three.bookmarks.autojoinRooms()).toEqual([]);

    await one.bookmarks.remove(room);
    await waitFor(two.events, (e) => e.changes.some((c) => c.kind === 'removed' && c.room === room), 10_000);
    expect(await three.bookmarks.list()).toEqual([]);
  });

  it('the other backend, forced: the same bookmark is seen through both storages where the server keeps them in step', async () => {
    const account = await freshAccount(kind, 'bm2');
    const forced = kind === 'prosody' ? 'xep-0048' : 'xep-0402';
    const one = await device(account, { backend: forced });
    const two = await device(account, { backend: forced });
    await seesOnline(one, two);
    expect(one.backend.backend).toBe(forced);
    const room = `bm2-${randomToken(4)}@${muc()}`;
    await one.bookmarks.add({ room, name: 'Forced', autojoin: true, password: 'door code' });
    const seen = await waitFor(two.events, added(room), 10_000);
    expect(seen).toMatchObject({ source: 'remote', changes: [{ bookmark: { room, name: 'Forced', password: 'door code', autojoin: true } }] });

    const other = await device(account, { backend: forced === 'xep-0048' ? 'xep-0402' : 'xep-0048' });
    const throughOther = await other.bookmarks.list();
    if (kind === 'prosody') {
      // mod_bookmarks converts private storage to PEP items (XEP-0402 §5 compatibility).
      expect(throughOther).toEqual([{ room, name: 'Forced', password: 'door code', autojoin: true, extensions: [] }]);
    } else {
      // ejabberd 23.01 does not: XEP-0402 items are invisible to XEP-0048 clients of the account,
      // which is why 'auto' does not pick XEP-0402 there.
      expect(throughOther).toEqual([]);
    }
  });

  it('XEP-0402: the node is private, a node pre-configured otherwise is reconfigured (precondition-not-met), other clients’ extensions survive an update', async () => {
    const account = await freshAccount(kind, 'bm3');
    // Another client created the node first, readable by contacts.
    const raw = await freshSession(account);
    await raw.request(
      'set',
      undefined,
      xml(
        'pubsub',
        { xmlns: PUBSUB },
        xml('create', { node: NS_BOOKMARKS }),
        xml(
          'configure',
          {},
          xml(
            'x',
            { xmlns: 'jabber:x:data', type: 'submit' },
            xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, `${PUBSUB}#node_config`)),
            xml('field', { var: 'pubsub#access_model' }, xml('value', {}, 'presence')),
          ),
        ),
      ),
    );
    const room = `bm3-${randomToken(4)}@${muc()}`;
    // …and stored a bookmark with an extension Bastion does not know.
    const pinned = `<pinned xmlns="urn:xmpp:bookmarks-pinning:0"/>`;
    const one = await device(account, { backend: 'xep-0402' });
    const errors: Element[] = [];
    one.client.onWillHandleStanza((st) => {
      if (st.name === 'iq' && st.attrs.type === 'error') errors.push(st);
    });
    const before = await one.bookmarks.list();
    expect(before).toEqual([]);
    await one.bookmarks.add({ room, name: 'Pinned', autojoin: false, extensions: [pinned] });
    // The server did refuse the first publish for its node configuration, and we recovered.
    expect(errors.some((e) => e.getChild('error')?.getChild('precondition-not-met', `${PUBSUB}#errors`))).toBe(true);
    const config = await raw.request('get', undefined, xml('pubsub', { xmlns: `${PUBSUB}#owner` }, xml('configure', { node: NS_BOOKMARKS })));
    const value = (name: string) =>
      config
        .getChild('pubsub', `${PUBSUB}#owner`)
        ?.getChild('configure')
        ?.getChild('x', 'jabber:x:data')
        ?.getChildren('field')
        .find((f) => f.attrs.var === name)
        ?.getChildText('value');
    expect(value('pubsub#access_model')).toBe('whitelist');
    expect(['max', '1000']).toContain(value('pubsub#max_items'));
    // Many bookmarks fit in the node (a max_items of 1 would keep only the last one).
    const second = `bm3b-${randomToken(4)}@${muc()}`;
    await one.bookmarks.add({ room: second, autojoin: true });
    expect((await one.bookmarks.list()).map((b) => b.room).sort()).toEqual([room, second].sort());

    await one.bookmarks.update(room, { name: 'Pinned (renamed)' });
    const stored = await raw.request('get', undefined, xml('pubsub', { xmlns: PUBSUB }, xml('items', { node: NS_BOOKMARKS })));
    const conf = stored.getChild('pubsub', PUBSUB)
      ?.getChild('items')
      ?.getChildren('item')
      .find((i) => i.attrs.id === room)
      ?.getChild('conference', NS_BOOKMARKS);
    expect(conf?.attrs.name).toBe('Pinned (renamed)');
    expect(conf?.getChild('extensions')?.getChild('pinned', 'urn:xmpp:bookmarks-pinning:0')).toBeDefined();

    // Someone else asking for the node gets nothing (whitelist: only the owner).
    const stranger = await freshSession(await freshAccount(kind, 'bm3x'));
    await expect(stranger.request('get', account.jid, xml('pubsub', { xmlns: PUBSUB }, xml('items', { node: NS_BOOKMARKS })))).rejects.toMatchObject({
      name: 'IqError',
    });
  });
});
