/**
 * XEP-0054 vcard-temp (recommended by XEP-0213 [UCR-G2]): get anyone's vCard, set our own.
 * Typed, readonly fields for what the client shows (FN, N, NICKNAME, EMAIL, TEL, ORG, TITLE,
 * PHOTO); every other field of our own vCard is kept as the server had it when we set ours, so
 * editing the profile here never erases what another client wrote. Photos are checked before
 * anyone sees them (shared with XEP-0153/0084): at most 256 KiB, PNG/JPEG/GIF/WebP only, the
 * magic bytes must match the type, and the SHA-1 is computed here. EXTVAL photos (a URL) are
 * never fetched: Bastion loads no remote resources.
 */
import { createHash } from 'node:crypto';
import type { Element } from '@xmpp/xml';
import xml from '@xmpp/xml';
import { IqError, type XmppClient } from '../client/client';

export const NS_VCARD = 'vcard-temp';
export const AVATAR_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'] as const;
export type AvatarType = (typeof AVATAR_TYPES)[number];
export const MAX_AVATAR_BYTES = 256 * 1024;

/** A decoded, checked image: safe to hand to the renderer as a blob/data URL. */
export interface AvatarImage {
  readonly type: AvatarType;
  readonly data: Uint8Array;
  readonly bytes: number;
  /** Lower-case hex SHA-1 of `data` (XEP-0153 photo hash, XEP-0084 item id). */
  readonly sha1: string;
}
export type ImageCheck = { readonly ok: true; readonly image: AvatarImage } | { readonly ok: false; readonly reason: string };

const MAGIC: Readonly<Record<AvatarType, (b: Uint8Array) => boolean>> = {
  'image/png': (b) => [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((v, i) => b[i] === v),
  'image/jpeg': (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  'image/gif': (b) => ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a',
  'image/webp': (b) => ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP',
};
function ascii(b: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...b.subarray(from, to));
}

export function sha1Hex(data: Uint8Array): string {
  return createHash('sha1').update(data).digest('hex');
}

/** The content type of image bytes, or undefined when they are none of the allowed kinds. */
export function sniffImageType(data: Uint8Array): AvatarType | undefined {
  return AVATAR_TYPES.find((t) => MAGIC[t](data));
}

/** Checks raw image bytes against the limits; `declared` (if any) must agree with the bytes. */
export function checkImage(data: Uint8Array, declared: string | undefined): ImageCheck {
  if (data.length === 0) return { ok: false, reason: 'empty image' };
  if (data.length > MAX_AVATAR_BYTES) return { ok: false, reason: `image larger than ${MAX_AVATAR_BYTES} bytes` };
  const sniffed = sniffImageType(data);
  if (!sniffed) return { ok: false, reason: 'not a PNG, JPEG, GIF or WebP image' };
  if (declared !== undefined && declared.trim() !== '') {
    const d = declared.trim().toLowerCase() === 'image/jpg' ? 'image/jpeg' : declared.trim().toLowerCase();
    if (!(AVATAR_TYPES as readonly string[]).includes(d)) return { ok: false, reason: `image type ${declared.slice(0, 40)} is not allowed` };
    if (d !== sniffed) return { ok: false, reason: `declared ${d} but the data is ${sniffed}` };
  }
  return { ok: true, image: { type: sniffed, data, bytes: data.length, sha1: sha1Hex(data) } };
}

/** Decodes base64 strictly (whitespace allowed, nothing else), refusing oversize input before decoding. */
export function decodeImage(base64: string, declared: string | undefined): ImageCheck {
  if (base64.length > (MAX_AVATAR_BYTES / 3) * 4 * 1.1 + 1024) return { ok: false, reason: `image larger than ${MAX_AVATAR_BYTES} bytes` };
  const compact = base64.replace(/[\t\n\r ]+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 !== 0) return { ok: false, reason: 'image data is not valid base64' };
  return checkImage(new Uint8Array(Buffer.from(compact, 'base64')), declared);
}

export const EMAIL_TYPES = ['HOME', 'WORK', 'INTERNET', 'PREF', 'X400'] as const;
export type EmailType = (typeof EMAIL_TYPES)[number];
export const TEL_TYPES = ['HOME', 'WORK', 'VOICE', 'FAX', 'PAGER', 'MSG', 'CELL', 'VIDEO', 'BBS', 'MODEM', 'ISDN', 'PCS', 'PREF'] as const;
export type TelType = (typeof TEL_TYPES)[number];

export interface VCardName {
  readonly family?: string;
  readonly given?: string;
  readonly middle?: string;
  readonly prefix?: string;
  readonly suffix?: string;
}
export interface VCard {
  readonly fn?: string;
  readonly n?: VCardName;
  readonly nickname?: string;
  readonly emails: readonly { readonly address: string; readonly types: readonly EmailType[] }[];
  readonly tels: readonly { readonly number: string; readonly types: readonly TelType[] }[];
  readonly org?: { readonly name?: string; readonly units: readonly string[] };
  readonly title?: string;
  readonly photo?: AvatarImage;
  /** There was a PHOTO but it was refused (too big, wrong type, external URL…): why. */
  readonly photoRefused?: string;
}
/** What `setOwn` takes: the fields above; `photo` undefined keeps the current one, null removes it. */
export type VCardInput = Omit<VCard, 'photo' | 'photoRefused'> & { readonly photo?: { readonly type: string; readonly data: Uint8Array } | null };

export const EMPTY_VCARD: VCard = { emails: [], tels: [] };
const MAX_TEXT = 1024;
const MAX_ENTRIES = 20;
const N_PARTS = [['family', 'FAMILY'], ['given', 'GIVEN'], ['middle', 'MIDDLE'], ['prefix', 'PREFIX'], ['suffix', 'SUFFIX']] as const;

function text(el: Element | undefined, name: string): string | undefined {
  const v = el?.getChildText(name)?.trim();
  return v ? v.slice(0, MAX_TEXT) : undefined;
}
function typesOf<T extends string>(el: Element, allowed: readonly T[]): T[] {
  return allowed.filter((t) => el.getChild(t) !== undefined);
}

/** `<vCard xmlns='vcard-temp'>` → typed data. Unknown and malformed parts are skipped. */
export function parseVCard(el: Element | undefined): VCard {
  if (!el) return EMPTY_VCARD;
  const nEl = el.getChild('N');
  const n: Record<string, string> = {};
  for (const [key, tag] of N_PARTS) {
    const v = text(nEl, tag);
    if (v) n[key] = v;
  }
  const emails = el
    .getChildren('EMAIL')
    .map((e) => ({ address: text(e, 'USERID') ?? '', types: typesOf(e, EMAIL_TYPES) }))
    .filter((e) => e.address !== '')
    .slice(0, MAX_ENTRIES);
  const tels = el
    .getChildren('TEL')
    .map((e) => ({ number: text(e, 'NUMBER') ?? '', types: typesOf(e, TEL_TYPES) }))
    .filter((e) => e.number !== '')
    .slice(0, MAX_ENTRIES);
  const orgEl = el.getChild('ORG');
  const orgName = text(orgEl, 'ORGNAME');
  const units = (orgEl?.getChildren('ORGUNIT') ?? []).map((u) => u.getText().trim().slice(0, MAX_TEXT)).filter((u) => u !== '').slice(0, MAX_ENTRIES);
  const photoEl = el.getChild('PHOTO');
  let photo: ImageCheck | undefined;
  if (photoEl?.getChild('BINVAL')) photo = decodeImage(photoEl.getChildText('BINVAL') ?? '', photoEl.getChildText('TYPE') ?? undefined);
  else if (photoEl?.getChild('EXTVAL')) photo = { ok: false, reason: 'external photo (a URL) is not loaded' };
  const fn = text(el, 'FN');
  const nickname = text(el, 'NICKNAME');
  const title = text(el, 'TITLE');
  return {
    ...(fn ? { fn } : {}),
    ...(Object.keys(n).length > 0 ? { n: n as VCardName } : {}),
    ...(nickname ? { nickname } : {}),
    emails,
    tels,
    ...(orgName || units.length > 0 ? { org: { ...(orgName ? { name: orgName } : {}), units } } : {}),
    ...(title ? { title } : {}),
    ...(photo?.ok ? { photo: photo.image } : {}),
    ...(photo && !photo.ok ? { photoRefused: photo.reason } : {}),
  };
}

const MODELED = new Set(['FN', 'N', 'NICKNAME', 'EMAIL', 'TEL', 'ORG', 'TITLE', 'PHOTO']);
const clean = (s: string | undefined): string | undefined => {
  const v = s?.trim();
  return v ? v.slice(0, MAX_TEXT) : undefined;
};

/** Our fields → `<vCard/>` children, keeping `kept` (fields we do not model) and the old PHOTO if asked. */
export function buildVCard(card: VCardInput, previous: Element | undefined): { readonly el: Element; readonly photo: AvatarImage | undefined } {
  let photo: AvatarImage | undefined;
  let photoEl: Element | undefined;
  if (card.photo) {
    const checked = checkImage(card.photo.data, card.photo.type);
    if (!checked.ok) throw new Error(`photo refused: ${checked.reason}`);
    photo = checked.image;
    photoEl = xml('PHOTO', {}, xml('TYPE', {}, photo.type), xml('BINVAL', {}, Buffer.from(photo.data).toString('base64')));
  } else if (card.photo === undefined) {
    photoEl = previous?.getChild('PHOTO');
    photo = parseVCard(previous).photo;
  }
  /** `<NAME>value</NAME>` for a non-blank value, nothing otherwise. */
  const opt = (name: string, v: string | undefined): Element[] => {
    const c = clean(v);
    return c === undefined ? [] : [xml(name, {}, c)];
  };
  const flags = (types: readonly string[], allowed: readonly string[]): Element[] => types.filter((t) => allowed.includes(t)).map((t) => xml(t));
  const n = N_PARTS.flatMap(([k, tag]) => opt(tag, card.n?.[k]));
  const emails = card.emails.flatMap((e) => opt('USERID', e.address).map((id) => xml('EMAIL', {}, ...flags(e.types, EMAIL_TYPES), id)));
  const tels = card.tels.flatMap((t) => opt('NUMBER', t.number).map((num) => xml('TEL', {}, ...flags(t.types, TEL_TYPES), num)));
  const org = [...opt('ORGNAME', card.org?.name), ...(card.org?.units ?? []).flatMap((u) => opt('ORGUNIT', u))];
  const kept = (previous?.children ?? []).filter((c): c is Element => typeof c !== 'string' && !MODELED.has(c.name));
  const el = xml(
    'vCard',
    { xmlns: NS_VCARD },
    ...opt('FN', card.fn),
    ...(n.length > 0 ? [xml('N', {}, ...n)] : []),
    ...opt('NICKNAME', card.nickname),
    ...emails.slice(0, MAX_ENTRIES),
    ...tels.slice(0, MAX_ENTRIES),
    ...(org.length > 0 ? [xml('ORG', {}, ...org)] : []),
    ...opt('TITLE', card.title),
    ...(photoEl ? [photoEl] : []),
    ...kept,
  );
  return { el, photo };
}

export interface VCardModule {
  /** Someone's vCard (a bare JID), or ours with no argument. No vCard at all → an empty one. */
  get(jid?: string): Promise<VCard>;
  /** Replaces our vCard's typed fields (others are kept); resolves with what was stored. */
  setOwn(card: VCardInput): Promise<VCard>;
  dispose(): void;
}

export function registerVCard(client: XmppClient): VCardModule {
  async function raw(jid: string | undefined): Promise<Element | undefined> {
    try {
      const r = await client.request('get', jid, xml('vCard', { xmlns: NS_VCARD }));
      return r.getChild('vCard', NS_VCARD);
    } catch (e: unknown) {
      // §3.1: "no vCard" may be an empty result or item-not-found.
      if (e instanceof IqError && e.condition === 'item-not-found') return undefined;
      throw e;
    }
  }
  return {
    get: async (jid) => parseVCard(await raw(jid)),
    async setOwn(card) {
      const previous = await raw(undefined);
      const { el } = buildVCard(card, previous);
      await client.request('set', undefined, el);
      return parseVCard(el);
    },
    dispose: () => undefined,
  };
}
