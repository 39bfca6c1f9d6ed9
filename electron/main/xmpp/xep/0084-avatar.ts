/**
 * XEP-0084 User Avatar over PEP: we publish the image to `urn:xmpp:avatar:data` (item id = its
 * SHA-1) and then its description to `urn:xmpp:avatar:metadata` (§4.1–4.2); contacts' metadata
 * reaches us as PEP notifications because we advertise `…metadata+notify` (§4.3, XEP-0163).
 * Only notifications from a bare JID are believed (PEP events come from the account itself,
 * never from a resource). Data is fetched by id with the same limits as vCard photos and must
 * hash to that id (§4.2: the id IS the SHA-1), so a swapped image is refused. Metadata that
 * points at a URL is ignored: Bastion loads no remote resources.
 */
import type { Element } from '@xmpp/xml';
import xml from '@xmpp/xml';
import { createEmitter, type Disposer } from '../../../../shared/util/disposable';
import { bareOf, parseJid, type BareJid } from '../../../../shared/xmpp/jid';
import type { XmppClient } from '../client/client';
import { AVATAR_TYPES, checkImage, decodeImage, MAX_AVATAR_BYTES, type AvatarImage, type AvatarType } from './0054-vcard';

export const NS_AVATAR_DATA = 'urn:xmpp:avatar:data';
export const NS_AVATAR_METADATA = 'urn:xmpp:avatar:metadata';
export const NS_PUBSUB = 'http://jabber.org/protocol/pubsub';
export const NS_PUBSUB_EVENT = 'http://jabber.org/protocol/pubsub#event';

export interface AvatarInfo {
  /** Lower-case hex SHA-1 of the image: the data item id. */
  readonly id: string;
  readonly type: AvatarType;
  readonly bytes: number;
  readonly width?: number;
  readonly height?: number;
}

export interface AvatarChange {
  readonly jid: BareJid;
  /** null: the avatar was disabled (§4.5), or no offered version is one we may load. */
  readonly avatar: AvatarInfo | null;
}

export interface AvatarModule {
  /** Publishes data, then metadata; resolves with the metadata we published. */
  publish(image: { readonly type: string; readonly data: Uint8Array; readonly width?: number; readonly height?: number }): Promise<AvatarInfo>;
  /** Publishes empty metadata: "no avatar" (§4.5). */
  disable(): Promise<void>;
  /** Asks for someone's current metadata (when no notification came). */
  metadata(jid: BareJid): Promise<AvatarInfo | null>;
  /** Fetches the image by id and verifies it hashes to that id. */
  fetchData(jid: BareJid, info: AvatarInfo): Promise<AvatarImage>;
  /** The last metadata seen per contact (undefined: none seen). */
  current(jid: BareJid): AvatarInfo | null | undefined;
  onDidChangeAvatar(cb: (e: AvatarChange) => void): Disposer;
  dispose(): void;
}

const ID = /^[0-9a-f]{40}$/;
function dimension(v: unknown): number | undefined {
  const n = typeof v === 'string' && /^\d{1,5}$/.test(v) ? Number(v) : undefined;
  return n !== undefined && n > 0 ? n : undefined;
}

/** `<metadata/>` → the first version we may load; null for empty metadata or none loadable. */
export function parseAvatarMetadata(metadata: Element | undefined): AvatarInfo | null {
  for (const info of metadata?.getChildren('info') ?? []) {
    const { id, type, bytes, url } = info.attrs as Record<string, unknown>;
    if (url !== undefined) continue; // hosted elsewhere (§4.2.1): never fetched
    if (typeof id !== 'string' || !ID.test(id.toLowerCase())) continue;
    if (typeof type !== 'string' || !(AVATAR_TYPES as readonly string[]).includes(type.toLowerCase())) continue;
    const size = typeof bytes === 'string' && /^\d{1,9}$/.test(bytes) ? Number(bytes) : NaN;
    if (!(size > 0 && size <= MAX_AVATAR_BYTES)) continue;
    const width = dimension(info.attrs.width);
    const height = dimension(info.attrs.height);
    return { id: id.toLowerCase(), type: type.toLowerCase() as AvatarType, bytes: size, ...(width ? { width } : {}), ...(height ? { height } : {}) };
  }
  return null;
}

export function registerAvatar(client: XmppClient): AvatarModule {
  const seen = new Map<BareJid, AvatarInfo | null>();
  const changed = createEmitter<AvatarChange>();

  async function publishItem(node: string, id: string | undefined, payload: Element): Promise<void> {
    await client.request('set', undefined, xml('pubsub', { xmlns: NS_PUBSUB }, xml('publish', { node }, xml('item', id ? { id } : {}, payload))));
  }

  const disposers: Disposer[] = [
    client.disco.addFeature(`${NS_AVATAR_METADATA}+notify`),
    client.onMessage((el) => {
      const items = el.getChild('event', NS_PUBSUB_EVENT)?.getChild('items');
      if (!items || items.attrs.node !== NS_AVATAR_METADATA) return;
      const p = parseJid(String(el.attrs.from ?? ''));
      // PEP notifications come from the account's bare JID; from a resource they are forged.
      if (!p.ok || p.jid.resource !== undefined || p.jid.local === undefined) return;
      const item = items.getChildren('item').at(-1);
      if (!item) return; // retractions say nothing about the current avatar
      const jid = bareOf(p.jid);
      const avatar = parseAvatarMetadata(item.getChild('metadata', NS_AVATAR_METADATA));
      const before = seen.get(jid);
      seen.delete(jid);
      seen.set(jid, avatar);
      while (seen.size > 10_000) seen.delete(seen.keys().next().value as BareJid);
      if (before !== undefined && (before?.id ?? null) === (avatar?.id ?? null)) return;
      changed.emit({ jid, avatar });
    }),
  ];

  return {
    async publish(image) {
      const checked = checkImage(image.data, image.type);
      if (!checked.ok) throw new Error(`avatar refused: ${checked.reason}`);
      const { sha1, type, bytes, data } = checked.image;
      const width = image.width && image.width > 0 ? Math.trunc(image.width) : undefined;
      const height = image.height && image.height > 0 ? Math.trunc(image.height) : undefined;
      // §4.1–4.2: data first, so a contact reacting to the metadata can already fetch it.
      await publishItem(NS_AVATAR_DATA, sha1, xml('data', { xmlns: NS_AVATAR_DATA }, Buffer.from(data).toString('base64')));
      const info: AvatarInfo = { id: sha1, type, bytes, ...(width ? { width } : {}), ...(height ? { height } : {}) };
      await publishItem(
        NS_AVATAR_METADATA,
        sha1,
        xml('metadata', { xmlns: NS_AVATAR_METADATA }, xml('info', { id: sha1, type, bytes: String(bytes), ...(width ? { width: String(width) } : {}), ...(height ? { height: String(height) } : {}) })),
      );
      return info;
    },
    async disable() {
      await publishItem(NS_AVATAR_METADATA, 'current', xml('metadata', { xmlns: NS_AVATAR_METADATA }));
    },
    async metadata(jid) {
      const r = await client.request('get', jid, xml('pubsub', { xmlns: NS_PUBSUB }, xml('items', { node: NS_AVATAR_METADATA, max_items: '1' })));
      const item = r.getChild('pubsub', NS_PUBSUB)?.getChild('items')?.getChildren('item').at(-1);
      return parseAvatarMetadata(item?.getChild('metadata', NS_AVATAR_METADATA));
    },
    async fetchData(jid, info) {
      const r = await client.request('get', jid, xml('pubsub', { xmlns: NS_PUBSUB }, xml('items', { node: NS_AVATAR_DATA }, xml('item', { id: info.id }))));
      const item = r
        .getChild('pubsub', NS_PUBSUB)
        ?.getChild('items')
        ?.getChildren('item')
        .find((i) => i.attrs.id === info.id);
      const data = item?.getChild('data', NS_AVATAR_DATA)?.getText();
      if (data === undefined) throw new Error(`no avatar data ${info.id} at ${jid}`);
      const checked = decodeImage(data, info.type);
      if (!checked.ok) throw new Error(`avatar data refused: ${checked.reason}`);
      if (checked.image.sha1 !== info.id) throw new Error(`avatar data does not hash to its id ${info.id}`);
      return checked.image;
    },
    current: (jid) => seen.get(jid),
    onDidChangeAvatar: changed.on,
    dispose: () => {
      for (const d of disposers) d();
    },
  };
}
