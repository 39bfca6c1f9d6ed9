import { describe, expect, it } from 'vitest';
import type { BareJid, FullJid } from '../../../../shared/xmpp/jid';
import { createXmppClient } from '../client/client';
import { createFakeStream } from '../client/testing/fake-stream';
import { sha1Hex } from './0054-vcard';
import { NS_AVATAR_DATA, NS_AVATAR_METADATA, registerAvatar, type AvatarChange, type AvatarInfo } from './0084-avatar';

const PNG_1X1 = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const GIF_1X1 = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const ID = sha1Hex(PNG_1X1);
const tick = () => new Promise((r) => setImmediate(r));

function setup() {
  const stream = createFakeStream();
  const client = createXmppClient({ jid: 'alice@example.test/desk' as FullJid, account: 'alice@example.test' as BareJid, stream });
  const avatar = registerAvatar(client);
  const changes: AvatarChange[] = [];
  avatar.onDidChangeAvatar((e) => changes.push(e));
  return { stream, client, avatar, changes };
}
const event = (from: string, metadata: string, id = ID) =>
  `<message from='${from}' to='alice@example.test/desk'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='${NS_AVATAR_METADATA}'>` +
  `<item id='${id}'>${metadata}</item></items></event></message>`;
const info = (attrs: string) => `<metadata xmlns='${NS_AVATAR_METADATA}'><info ${attrs}/></metadata>`;

describe('XEP-0084 User Avatar', () => {
  it('advertises +notify and publishes data first, then metadata, both with the SHA-1 as id', async () => {
    const { stream, client, avatar } = setup();
    expect(client.disco.features()).toContain(`${NS_AVATAR_METADATA}+notify`);
    const publishing = avatar.publish({ type: 'image/png', data: PNG_1X1, width: 1, height: 1 });
    const data = stream.last();
    expect(data.getChild('pubsub')?.getChild('publish')?.attrs.node).toBe(NS_AVATAR_DATA);
    expect(data.getChild('pubsub')?.getChild('publish')?.getChild('item')?.attrs.id).toBe(ID);
    expect(data.getChild('pubsub')?.getChild('publish')?.getChild('item')?.getChildText('data')).toBe(PNG_1X1.toString('base64'));
    stream.receive(`<iq type='result' id='${data.attrs.id as string}'/>`);
    await tick();
    const meta = stream.last();
    expect(meta.getChild('pubsub')?.getChild('publish')?.toString()).toBe(
      `<publish node="${NS_AVATAR_METADATA}"><item id="${ID}"><metadata xmlns="${NS_AVATAR_METADATA}"><info id="${ID}" type="image/png" bytes="${PNG_1X1.length}" width="1" height="1"/></metadata></item></publish>`,
    );
    stream.receive(`<iq type='result' id='${meta.attrs.id as string}'/>`);
    expect(await publishing).toEqual({ id: ID, type: 'image/png', bytes: PNG_1X1.length, width: 1, height: 1 });
    await expect(avatar.publish({ type: 'image/svg+xml', data: Buffer.from('<svg/>') })).rejects.toThrow(/refused/);
  });

  it('[IMPP-D1] believes metadata only from a bare JID, and skips URL-hosted, oversize or odd versions', () => {
    const { stream, avatar, changes } = setup();
    stream.receive(event('mallory@example.test/res', info(`id='${ID}' type='image/png' bytes='70'`))); // forged: from a resource
    stream.receive(event('example.test', info(`id='${ID}' type='image/png' bytes='70'`))); // a server is not a contact
    expect(changes).toEqual([]);
    stream.receive(
      event(
        'bob@example.test',
        `<metadata xmlns='${NS_AVATAR_METADATA}'><info id='${ID}' type='image/png' bytes='70' url='https://tracker.test/a.png'/>` +
          `<info id='${ID}' type='image/svg+xml' bytes='70'/><info id='${ID}' type='image/png' bytes='999999999'/><info id='nothex' type='image/png' bytes='70'/>` +
          `<info id='${ID.toUpperCase()}' type='image/png' bytes='70' width='64' height='-1'/></metadata>`,
      ),
    );
    expect(changes).toEqual([{ jid: 'bob@example.test', avatar: { id: ID, type: 'image/png', bytes: 70, width: 64 } }]);
    stream.receive(event('bob@example.test', info(`id='${ID}' type='image/png' bytes='70'`))); // same id again: no event
    stream.receive(event('bob@example.test', `<metadata xmlns='${NS_AVATAR_METADATA}'/>`, 'current')); // disabled (§4.5)
    expect(changes.at(-1)).toEqual({ jid: 'bob@example.test', avatar: null });
    expect(changes).toHaveLength(2);
    expect(avatar.current('bob@example.test' as BareJid)).toBeNull();
  });

  it('fetchData verifies the image hashes to its id; a swapped or lying image is refused', async () => {
    const { stream, avatar } = setup();
    const meta: AvatarInfo = { id: ID, type: 'image/png', bytes: PNG_1X1.length };
    const reply = (data: Buffer, id = ID) =>
      stream.receive(
        `<iq type='result' id='${stream.last().attrs.id as string}' from='bob@example.test'><pubsub xmlns='http://jabber.org/protocol/pubsub'>` +
          `<items node='${NS_AVATAR_DATA}'><item id='${id}'><data xmlns='${NS_AVATAR_DATA}'>${data.toString('base64')}</data></item></items></pubsub></iq>`,
      );
    const good = avatar.fetchData('bob@example.test' as BareJid, meta);
    expect(stream.last().attrs.to).toBe('bob@example.test');
    reply(PNG_1X1);
    expect((await good).sha1).toBe(ID);
    const swapped = avatar.fetchData('bob@example.test' as BareJid, meta);
    reply(GIF_1X1);
    await expect(swapped).rejects.toThrow(/refused|does not hash/);
    const other = avatar.fetchData('bob@example.test' as BareJid, { ...meta, type: 'image/gif', id: sha1Hex(Buffer.from('x')) });
    reply(GIF_1X1, sha1Hex(Buffer.from('x')));
    await expect(other).rejects.toThrow(/does not hash to its id/);
  });
});
