import { describe, expect, it } from 'vitest';
import type { BareJid, FullJid } from '../../../../shared/xmpp/jid';
import { createXmppClient } from '../client/client';
import { createFakeStream } from '../client/testing/fake-stream';
import { registerPresence } from '../im/presence';
import { registerVCard, sha1Hex } from './0054-vcard';
import { registerVCardAvatar, type AvatarHashChange } from './0153-vcard-avatar';

const PNG_1X1 = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const HASH = sha1Hex(PNG_1X1);
const OTHER = 'a'.repeat(40);
const tick = () => new Promise((r) => setImmediate(r));

function setup() {
  const stream = createFakeStream();
  const client = createXmppClient({ jid: 'alice@example.test/desk' as FullJid, account: 'alice@example.test' as BareJid, stream });
  const presence = registerPresence(client);
  const vcard = registerVCard(client);
  const avatar = registerVCardAvatar(client, { presence, vcard });
  const changes: AvatarHashChange[] = [];
  avatar.onDidChangeAvatarHash((e) => changes.push(e));
  return { stream, presence, avatar, changes };
}
const photoCard = `<vCard xmlns='vcard-temp'><FN>Bob</FN><PHOTO><TYPE>image/png</TYPE><BINVAL>${PNG_1X1.toString('base64')}</BINVAL></PHOTO></vCard>`;

describe('XEP-0153 vCard-based avatars', () => {
  it('our presence says "not ready" until the hash is known, then carries it; a change re-sends presence (§4.2)', async () => {
    const { stream, presence, avatar } = setup();
    presence.setOwn({ show: 'away' });
    expect(stream.last().toString()).toBe("<presence><show>away</show><x xmlns=\"vcard-temp:x:update\"/></presence>");
    const loading = avatar.loadOwn();
    expect(stream.last().attrs.to).toBeUndefined();
    stream.receive(`<iq type='result' id='${stream.last().attrs.id as string}'>${photoCard}</iq>`);
    expect(await loading).toBe(HASH);
    expect(stream.last().toString()).toBe(`<presence><show>away</show><x xmlns="vcard-temp:x:update"><photo>${HASH}</photo></x></presence>`);
    const n = stream.sent.length;
    avatar.setOwnHash(HASH); // unchanged: no presence
    expect(stream.sent.length).toBe(n);
    avatar.setOwnHash(null);
    expect(stream.last().getChild('x', 'vcard-temp:x:update')?.toString()).toBe('<x xmlns="vcard-temp:x:update"><photo/></x>');
  });

  it('setOwnPhoto stores the photo in our vCard (other fields kept) and advertises its hash', async () => {
    const { stream, presence, avatar } = setup();
    presence.setOwn({});
    const saving = avatar.setOwnPhoto({ type: 'image/png', data: PNG_1X1 });
    const answer = (payload: string) => stream.receive(`<iq type='result' id='${stream.last().attrs.id as string}'>${payload}</iq>`);
    answer("<vCard xmlns='vcard-temp'><FN>Alice</FN><DESC>kept</DESC></vCard>"); // vcard.get()
    await tick();
    answer("<vCard xmlns='vcard-temp'><FN>Alice</FN><DESC>kept</DESC></vCard>"); // setOwn reads the raw card
    await tick();
    const set = stream.last().getChild('vCard', 'vcard-temp');
    expect(set?.children.map((c) => (typeof c === 'string' ? c : c.name))).toEqual(['FN', 'PHOTO', 'DESC']);
    answer('');
    expect((await saving)?.sha1).toBe(HASH);
    expect(stream.last().getChild('x', 'vcard-temp:x:update')?.getChildText('photo')).toBe(HASH);
  });

  it('tracks contacts’ hashes: events on change only; junk, "not ready" and our own echo are ignored', () => {
    const { stream, avatar, changes } = setup();
    const p = (from: string, x: string, type = '') => stream.receive(`<presence from='${from}'${type}>${x}</presence>`);
    p('bob@example.test/phone', `<x xmlns='vcard-temp:x:update'><photo>${HASH.toUpperCase()}</photo></x>`);
    p('bob@example.test/desk', `<x xmlns='vcard-temp:x:update'><photo>${HASH}</photo></x>`); // same hash, other resource
    p('bob@example.test/desk', "<x xmlns='vcard-temp:x:update'/>"); // not ready: says nothing
    p('bob@example.test/desk', "<x xmlns='vcard-temp:x:update'><photo>javascript:alert(1)</photo></x>");
    p('bob@example.test/desk', `<x xmlns='vcard-temp:x:update'><photo>${OTHER}</photo></x>`, " type='unavailable'");
    p('alice@example.test/desk', `<x xmlns='vcard-temp:x:update'><photo>${OTHER}</photo></x>`); // our own presence echoed
    p('carol@example.test/x', "<x xmlns='vcard-temp:x:update'><photo/></x>");
    p('room@conference.example.test/nick', `<x xmlns='http://jabber.org/protocol/muc#user'/><x xmlns='vcard-temp:x:update'><photo>${OTHER}</photo></x>`);
    p('bob@example.test/phone', `<x xmlns='vcard-temp:x:update'><photo>${OTHER}</photo></x>`);
    expect(changes).toEqual([
      { jid: 'bob@example.test', hash: HASH },
      { jid: 'carol@example.test', hash: null },
      { jid: 'room@conference.example.test/nick', hash: OTHER },
      { jid: 'bob@example.test', hash: OTHER },
    ]);
    expect(avatar.hashOf('bob@example.test')).toBe(OTHER);
    expect(avatar.hashOf('alice@example.test')).toBeUndefined();
  });

  it('fetch: the vCard photo must match the advertised hash', async () => {
    const { stream, avatar } = setup();
    stream.receive(`<presence from='bob@example.test/phone'><x xmlns='vcard-temp:x:update'><photo>${HASH}</photo></x></presence>`);
    const ok = avatar.fetch('bob@example.test' as BareJid);
    stream.receive(`<iq type='result' id='${stream.last().attrs.id as string}' from='bob@example.test'>${photoCard}</iq>`);
    expect((await ok)?.sha1).toBe(HASH);
    stream.receive(`<presence from='bob@example.test/phone'><x xmlns='vcard-temp:x:update'><photo>${OTHER}</photo></x></presence>`);
    const swapped = avatar.fetch('bob@example.test' as BareJid);
    stream.receive(`<iq type='result' id='${stream.last().attrs.id as string}' from='bob@example.test'>${photoCard}</iq>`);
    await expect(swapped).rejects.toThrow(/does not match/);
  });
});
