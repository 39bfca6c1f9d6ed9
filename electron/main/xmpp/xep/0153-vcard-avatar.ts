/**
 * XEP-0153 vCard-Based Avatars: our presence carries `<x xmlns='vcard-temp:x:update'>` with the
 * SHA-1 of our vCard PHOTO (§4.1; an empty `<x/>` until we know it, §4.2 "not ready", an empty
 * `<photo/>` for "no avatar"), contributed through the presence extension hook so caps and
 * others can add theirs. Contacts' hashes are tracked and a change is an event (§4.3); their
 * photo is fetched through vCard (XEP-0054) and must hash to what they advertised.
 */
import type { Element } from '@xmpp/xml';
import xml from '@xmpp/xml';
import { createEmitter, type Disposer } from '../../../../shared/util/disposable';
import { bareOf, parseJid, type BareJid, type FullJid } from '../../../../shared/xmpp/jid';
import type { XmppClient } from '../client/client';
import type { PresenceModule } from '../im/presence';
import type { AvatarImage, VCardModule } from './0054-vcard';
import { NS_MUC_USER } from './0045-muc-parse';

export const NS_VCARD_UPDATE = 'vcard-temp:x:update';

export interface AvatarHashChange {
  /** A contact's bare JID, or a MUC occupant's full JID (occupants are not contacts). */
  readonly jid: BareJid | FullJid;
  /** Lower-case hex SHA-1, or null: the contact has no avatar. */
  readonly hash: string | null;
}

export interface VCardAvatarModule {
  /** What we advertise: a hash, null (no avatar), or undefined (not known yet: empty `<x/>`). */
  ownHash(): string | null | undefined;
  /** Sets what we advertise and re-sends presence when it changed (§4.2 MUST). */
  setOwnHash(hash: string | null): void;
  /** Reads our own vCard and advertises its photo hash (call after login, §4.2). */
  loadOwn(): Promise<string | null>;
  /** Stores a new photo (or none) in our vCard, keeping the other fields, and advertises it. */
  setOwnPhoto(photo: { readonly type: string; readonly data: Uint8Array } | null): Promise<AvatarImage | null>;
  /** The last hash a contact advertised (undefined: never said). */
  hashOf(jid: string): string | null | undefined;
  /** Their vCard photo, refused unless it hashes to what they advertised (when they did). */
  fetch(jid: BareJid): Promise<AvatarImage | null>;
  onDidChangeAvatarHash(cb: (e: AvatarHashChange) => void): Disposer;
  dispose(): void;
}

/** The photo hash in a presence: a hash, null for "no avatar", undefined when it says nothing. */
export function parsePhotoHash(presence: Element): string | null | undefined {
  const x = presence.getChild('x', NS_VCARD_UPDATE);
  const photo = x?.getChild('photo');
  if (!photo) return undefined; // no <x/>, or <x/> without <photo/>: "not ready" (§4.2)
  const text = photo.getText().trim().toLowerCase();
  if (text === '') return null;
  return /^[0-9a-f]{40}$/.test(text) ? text : undefined;
}

export function registerVCardAvatar(client: XmppClient, opts: { readonly presence: PresenceModule; readonly vcard: VCardModule }): VCardAvatarModule {
  let own: string | null | undefined;
  const hashes = new Map<string, string | null>();
  const hashChanged = createEmitter<AvatarHashChange>();

  function setOwnHash(hash: string | null): void {
    if (hash === own) return;
    own = hash;
    opts.presence.rebroadcast();
  }

  const disposers: Disposer[] = [
    opts.presence.addExtension(() => xml('x', { xmlns: NS_VCARD_UPDATE }, ...(own === undefined ? [] : [own === null ? xml('photo') : xml('photo', {}, own)]))),
    client.onPresence((el) => {
      if (el.attrs.type !== undefined) return; // available presence only; unavailable keeps the avatar
      const p = parseJid(String(el.attrs.from ?? ''));
      if (!p.ok) return;
      const full = p.jid.resource === undefined ? undefined : (`${bareOf(p.jid)}/${p.jid.resource}` as FullJid);
      if (full === client.jid) return; // our own presence, reflected (the server may rewrite it)
      const hash = parsePhotoHash(el);
      if (hash === undefined) return;
      const muc = el.getChild('x', NS_MUC_USER) !== undefined;
      const jid = muc && full ? full : bareOf(p.jid);
      if (hashes.get(jid) === hash && hashes.has(jid)) return;
      hashes.delete(jid);
      hashes.set(jid, hash);
      while (hashes.size > 10_000) hashes.delete(hashes.keys().next().value as string);
      hashChanged.emit({ jid, hash });
    }),
  ];

  return {
    ownHash: () => own,
    setOwnHash,
    async loadOwn() {
      const card = await opts.vcard.get();
      const hash = card.photo?.sha1 ?? null;
      setOwnHash(hash);
      return hash;
    },
    async setOwnPhoto(photo) {
      const current = await opts.vcard.get();
      const stored = await opts.vcard.setOwn({ ...current, photo });
      setOwnHash(stored.photo?.sha1 ?? null);
      return stored.photo ?? null;
    },
    hashOf: (jid) => hashes.get(jid),
    async fetch(jid) {
      const card = await opts.vcard.get(jid);
      const advertised = hashes.get(jid);
      if (card.photoRefused) throw new Error(`their photo was refused: ${card.photoRefused}`);
      const photo = card.photo ?? null;
      if (advertised !== undefined && (photo?.sha1 ?? null) !== advertised) {
        throw new Error(`their vCard photo does not match the advertised hash ${advertised ?? '(none)'}`);
      }
      return photo;
    },
    onDidChangeAvatarHash: hashChanged.on,
    dispose: () => {
      for (const d of disposers) d();
    },
  };
}
