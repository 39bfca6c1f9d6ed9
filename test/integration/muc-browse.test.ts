// Room discovery on the real servers: the owner creates rooms by raw XEP-0045 presence and
// configures them with a raw muc#roomconfig form (XEP-0004); another fresh user finds the
// conference service from the server's disco#items, lists the public rooms (disco#items, paged
// with XEP-0059 RSM on ejabberd, unpaged on Prosody) and reads each room's disco#info with the
// XEP-0128 muc#roominfo form. Rooms are temporary: they vanish when the owner's session closes.
import xml from '@xmpp/xml';
import { afterEach, describe, expect, it } from 'vitest';
import type { XmppClient } from '../../electron/main/xmpp/client/client';
import { filterRooms, registerMucBrowse, type RoomInfo } from '../../electron/main/xmpp/xep/0045-muc-browse';
import { NS_MUC } from '../../electron/main/xmpp/xep/0045-muc-parse';
import { closeFreshSessions, freshAccount, freshSession } from '../support/fresh-user';
import { joinRaw, statusCodes } from '../support/muc-raw';
import { getTestbed } from '../support/testbed/get-testbed.js';
import { randomToken } from '../support/testbed/secret.js';
import type { ServerKind } from '../support/testbed/info.js';

afterEach(closeFreshSessions);

/** Joins (creating) a room by raw presence and submits `config` as the owner's muc#roomconfig form. */
async function createRoom(client: XmppClient, room: string, config: Readonly<Record<string, string>>): Promise<void> {
  const o = await joinRaw(client, room, 'owner');
  o.stop();
  expect(statusCodes(o.self)).toContain('201'); // a new room, locked until configured (XEP-0045 §10.1)
  await client.request(
    'set',
    room,
    xml(
      'query',
      { xmlns: `${NS_MUC}#owner` },
      xml(
        'x',
        { xmlns: 'jabber:x:data', type: 'submit' },
        xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, `${NS_MUC}#roomconfig`)),
        ...Object.entries(config).map(([k, v]) => xml('field', { var: k }, xml('value', {}, v))),
      ),
    ),
  );
}

describe.each<ServerKind>(['prosody', 'ejabberd'])('room discovery on %s', (kind) => {
  const muc = () => getTestbed().servers[kind].muc;

  it('[UCR-G1] finds the conference service, lists public rooms but not hidden ones, reads muc#roominfo and features, searches by description', async () => {
    const token = randomToken(4).toLowerCase();
    const owner = await freshSession(await freshAccount(kind, 'owner'));
    const pub = `pub-${token}@${muc()}`;
    const hidden = `hid-${token}@${muc()}`;
    await createRoom(owner, pub, {
      'muc#roomconfig_roomname': `Watch floor ${token}`,
      'muc#roomconfig_roomdesc': `Daily shift handover ${token}`,
      'muc#roomconfig_publicroom': '1',
      'muc#roomconfig_moderatedroom': '1',
    });
    await createRoom(owner, hidden, { 'muc#roomconfig_roomname': `Back office ${token}`, 'muc#roomconfig_publicroom': '0', 'muc#roomconfig_membersonly': '1' });

    const browser = await freshSession(await freshAccount(kind, 'browse'));
    const browse = registerMucBrowse(browser);
    const services = await browse.findConferenceServices();
    expect(services.map((s) => s.jid)).toEqual([muc()]);
    console.info(`[${kind}] conference service ${muc()}: RSM paging ${services[0]?.rsm ? 'yes' : 'no'}`);

    const listing = await browse.listRooms(muc());
    expect(listing.complete).toBe(true);
    // ejabberd adds the occupant count to the name: "Watch floor … (1)".
    expect(listing.rooms).toContainEqual({ jid: pub, name: expect.stringMatching(new RegExp(`^Watch floor ${token}( \\(1\\))?$`)) });
    expect(listing.rooms.map((r) => r.jid)).not.toContain(hidden);
    const filtered = await browse.listRooms(muc(), { filter: `WATCH ${token}` });
    expect(filtered.rooms.map((r) => r.jid)).toEqual([pub]);

    const info = await browse.roomInfo(pub);
    expect(info).toMatchObject({
      jid: pub,
      name: `Watch floor ${token}`,
      features: { visibility: 'public', membership: 'open', moderation: 'moderated', passwordProtected: false, persistence: 'temporary', anonymity: 'semi-anonymous', mam: true },
      info: { description: `Daily shift handover ${token}`, occupants: 1, lang: 'en', roomName: `Watch floor ${token}` },
    });
    // The hidden room is not listed, but whoever knows its JID can ask what it is.
    const hiddenInfo = await browse.roomInfo(hidden);
    expect(hiddenInfo.features).toMatchObject({ visibility: 'hidden', membership: 'members-only' });

    // Search by description: the listing has names only, room info adds the descriptions.
    const infos = await browse.roomInfos(listing.rooms.map((r) => r.jid));
    const entries = listing.rooms.map((r) => {
      const i = infos.get(r.jid);
      const description = i && !('error' in i) ? (i as RoomInfo).info.description : undefined;
      return { ...r, ...(description !== undefined ? { description } : {}) };
    });
    expect(filterRooms(entries, `handover ${token.toUpperCase()}`).map((r) => r.jid)).toEqual([pub]);
    await expect(browse.roomInfo(`nobody-${token}@${muc()}`)).rejects.toThrow();
  });

  it('pages the room list with XEP-0059 where the service supports it', async () => {
    const token = randomToken(4).toLowerCase();
    const owner = await freshSession(await freshAccount(kind, 'owner'));
    const rooms = [0, 1, 2].map((i) => `page${i}-${token}@${muc()}`);
    for (const r of rooms) await createRoom(owner, r, { 'muc#roomconfig_publicroom': '1' });
    const browser = await freshSession(await freshAccount(kind, 'browse'));
    const browse = registerMucBrowse(browser);
    const [service] = await browse.findConferenceServices();
    const listing = await browse.listRooms(muc(), { pageSize: 2 });
    expect(listing.complete).toBe(true);
    expect(listing.rooms.map((r) => r.jid)).toEqual(expect.arrayContaining(rooms));
    if (kind === 'ejabberd') {
      // ejabberd advertises RSM on its MUC service and pages: at least two pages of two.
      expect(service?.rsm).toBe(true);
      expect(listing.pages).toBeGreaterThanOrEqual(2);
      expect(listing.total).toBeGreaterThanOrEqual(3);
    } else {
      // Prosody 0.12 does not page disco#items: one answer with every public room.
      expect(service?.rsm).toBe(false);
      expect(listing.pages).toBe(1);
    }
    const capped = await browse.listRooms(muc(), { max: 2, pageSize: 2 });
    expect(capped.rooms).toHaveLength(2);
    expect(capped.complete).toBe(false);
  });
});
