/**
 * Finding chat rooms (XEP-0045 §6): the conference services of our server (XEP-0030 disco#items
 * of the server, then disco#info identity conference/text, §6.1), the public rooms of a service
 * (disco#items, §6.3, paged with XEP-0059 RSM where the service says it supports it), and what a
 * room is (disco#info, §6.4: the muc_* features and the XEP-0128 `muc#roominfo` form, §15.5.4)
 * [UCR-G1: XEP-0030, XEP-0128, XEP-0004]. Plus a client-side search over name, JID and description.
 *
 * Everything comes from remote services, so it is read at the edge with bounds: at most `max`
 * rooms and `MAX_PAGES` pages however the service pages (a service that hands out the same page
 * forever is stopped), items that are not rooms of that service are skipped, texts are capped,
 * and contradicting features (both muc_public and muc_hidden) mean "unknown", not a guess.
 */
import type { Element } from '@xmpp/xml';
import xml from '@xmpp/xml';
import { bareOf, parseJid, type BareJid } from '../../../../shared/xmpp/jid';
import type { XmppClient } from '../client/client';
import { parseExtensionForms, type DiscoForm } from '../client/disco-registry';
import { NS_DISCO_INFO, NS_DISCO_ITEMS } from './0030-disco';
import { parseBoolean } from './0004-forms';
import { NS_RSM, parseRsmResult, rsmRequest } from './0059-rsm';

export const FORM_ROOMINFO = 'http://jabber.org/protocol/muc#roominfo';

export interface RoomListing {
  readonly jid: BareJid;
  readonly name?: string;
}

export interface RoomList {
  readonly service: BareJid;
  /** In the service's order, filtered when a filter was given. */
  readonly rooms: readonly RoomListing[];
  /** Every room the service lists was read (false: stopped at `max`, or the service paged badly). */
  readonly complete: boolean;
  /** The service's own count of rooms (XEP-0059 §2.1), when it gives one. */
  readonly total?: number;
  readonly pages: number;
  /** Items skipped: not a room of this service, or a duplicate. */
  readonly skipped: number;
}

export interface ListRoomsOptions {
  /** Client-side, case-insensitive, over JID and name (see `filterRooms`). */
  readonly filter?: string;
  /** Rooms to read at most (default 500, at most 10 000). */
  readonly max?: number;
  /** RSM page size (default 100). */
  readonly pageSize?: number;
}

export interface RoomFeatures {
  readonly visibility?: 'public' | 'hidden';
  readonly membership?: 'open' | 'members-only';
  readonly moderation?: 'moderated' | 'unmoderated';
  readonly passwordProtected?: boolean;
  readonly persistence?: 'persistent' | 'temporary';
  readonly anonymity?: 'semi-anonymous' | 'non-anonymous' | 'fully-anonymous';
  /** The room keeps an archive we can query (XEP-0313). */
  readonly mam: boolean;
  /** XEP-0421 occupant ids. */
  readonly occupantId: boolean;
}

/** The `muc#roominfo` form (XEP-0045 §15.5.4). */
export interface RoomExtendedInfo {
  readonly description?: string;
  readonly subject?: string;
  /** Occupants may change the subject. */
  readonly subjectModifiable?: boolean;
  readonly occupants?: number;
  readonly lang?: string;
  readonly contactJids: readonly BareJid[];
  /** A URL of public logs: shown as text, never opened by Bastion. */
  readonly logs?: string;
  readonly ldapGroup?: string;
  readonly maxHistoryFetch?: number;
  /** Some services put the configured name here (`muc#roomconfig_roomname`). */
  readonly roomName?: string;
}

export interface RoomInfo {
  readonly jid: BareJid;
  /** The identity name, else the form's room name. */
  readonly name?: string;
  readonly features: RoomFeatures;
  readonly info: RoomExtendedInfo;
  /** Every feature the room advertised (bounded), for what is not mapped above. */
  readonly rawFeatures: readonly string[];
}

export interface ConferenceService {
  readonly jid: BareJid;
  readonly name?: string;
  /** It pages disco#items with XEP-0059 RSM. */
  readonly rsm: boolean;
}

export interface RoomSearchEntry {
  readonly jid: string;
  readonly name?: string;
  readonly description?: string;
}

export type RoomInfoParse = { readonly ok: true; readonly room: RoomInfo } | { readonly ok: false; readonly reason: string };

export interface MucBrowseModule {
  findConferenceServices(): Promise<readonly ConferenceService[]>;
  listRooms(service: string, opts?: ListRoomsOptions): Promise<RoomList>;
  roomInfo(room: string): Promise<RoomInfo>;
  /** roomInfo for many rooms, a few at a time; a room that fails maps to its error text. */
  roomInfos(rooms: readonly string[], opts?: { readonly concurrency?: number }): Promise<ReadonlyMap<string, RoomInfo | { readonly error: string }>>;
  dispose(): void;
}

const MAX_PAGES = 200;
const MAX_TEXT = 4096;
const MAX_NAME = 256;
const MAX_FEATURES = 1024;
const MAX_CONTACTS = 32;
const MAX_SERVICE_ITEMS = 64;

/** Caps display text; a remote service decides its length, we decide what we hold. */
const capped = (s: string | undefined, max: number): string | undefined => (s === undefined || s === '' ? undefined : s.length > max ? `${s.slice(0, max - 1)}…` : s);
const natural = (s: string | undefined): number | undefined => (s !== undefined && /^\d{1,9}$/.test(s.trim()) ? Number(s.trim()) : undefined);

/** A room JID of `service` (room@service, no resource), or undefined. */
function roomOf(jid: unknown, service?: string): BareJid | undefined {
  if (typeof jid !== 'string') return undefined;
  const p = parseJid(jid);
  if (!p.ok || p.jid.local === undefined || p.jid.resource !== undefined) return undefined;
  return service === undefined || p.jid.domain === service ? bareOf(p.jid) : undefined;
}

/** Two features that exclude each other: one of them, or undefined when neither or both are there. */
function either<A extends string, B extends string>(features: ReadonlySet<string>, a: string, av: A, b: string, bv: B): A | B | undefined {
  const ha = features.has(a);
  const hb = features.has(b);
  return ha === hb ? undefined : ha ? av : bv;
}

function extendedInfo(form: DiscoForm | undefined): RoomExtendedInfo {
  const one = (name: string): string | undefined => form?.fields.find((f) => f.var === name)?.values[0];
  const contacts = (form?.fields.find((f) => f.var === 'muc#roominfo_contactjid')?.values ?? []).slice(0, MAX_CONTACTS).flatMap((v) => {
    const p = parseJid(v.trim());
    return p.ok && p.jid.resource === undefined ? [bareOf(p.jid)] : [];
  });
  const subjectmod = parseBoolean(one('muc#roominfo_subjectmod'));
  const description = capped(one('muc#roominfo_description'), MAX_TEXT);
  const subject = capped(one('muc#roominfo_subject'), MAX_TEXT);
  const occupants = natural(one('muc#roominfo_occupants'));
  const lang = capped(one('muc#roominfo_lang'), 64);
  const logs = capped(one('muc#roominfo_logs'), 2048);
  const ldapGroup = capped(one('muc#roominfo_ldapgroup'), MAX_NAME);
  const maxHistoryFetch = natural(one('muc#maxhistoryfetch'));
  const roomName = capped(one('muc#roomconfig_roomname'), MAX_NAME);
  return {
    ...(description !== undefined ? { description } : {}),
    ...(subject !== undefined ? { subject } : {}),
    ...(subjectmod !== undefined ? { subjectModifiable: subjectmod } : {}),
    ...(occupants !== undefined ? { occupants } : {}),
    ...(lang !== undefined ? { lang } : {}),
    contactJids: [...new Set(contacts)],
    ...(logs !== undefined ? { logs } : {}),
    ...(ldapGroup !== undefined ? { ldapGroup } : {}),
    ...(maxHistoryFetch !== undefined ? { maxHistoryFetch } : {}),
    ...(roomName !== undefined ? { roomName } : {}),
  };
}

/** Reads a room's disco#info `<query/>` (XEP-0045 §6.4). */
export function parseRoomInfo(room: BareJid, query: Element | undefined): RoomInfoParse {
  if (!query) return { ok: false, reason: 'no disco#info in the answer' };
  const identity = query.getChildren('identity').find((i) => i.attrs.category === 'conference');
  if (!identity) return { ok: false, reason: `${room} is not a chat room (no conference identity)` };
  const featureEls = query.getChildren('feature');
  if (featureEls.length > MAX_FEATURES) return { ok: false, reason: `${featureEls.length} features (at most ${MAX_FEATURES})` };
  const rawFeatures = [...new Set(featureEls.map((f) => String(f.attrs.var ?? '')).filter((v) => v !== '' && v.length <= 1024))];
  const fs = new Set(rawFeatures);
  const anonymity = ['muc_semianonymous', 'muc_nonanonymous', 'muc_fullyanonymous'].filter((f) => fs.has(f));
  const passwordProtected = either(fs, 'muc_passwordprotected', 'yes', 'muc_unsecured', 'no');
  const persistence = either(fs, 'muc_persistent', 'persistent', 'muc_temporary', 'temporary');
  const visibility = either(fs, 'muc_public', 'public', 'muc_hidden', 'hidden');
  const membership = either(fs, 'muc_open', 'open', 'muc_membersonly', 'members-only');
  const moderation = either(fs, 'muc_moderated', 'moderated', 'muc_unmoderated', 'unmoderated');
  const forms = parseExtensionForms(query);
  const info = extendedInfo(forms.find((f) => f.formType === FORM_ROOMINFO));
  const name = capped(typeof identity.attrs.name === 'string' ? identity.attrs.name : undefined, MAX_NAME) ?? info.roomName;
  return {
    ok: true,
    room: {
      jid: room,
      ...(name !== undefined ? { name } : {}),
      features: {
        ...(visibility ? { visibility } : {}),
        ...(membership ? { membership } : {}),
        ...(moderation ? { moderation } : {}),
        ...(passwordProtected ? { passwordProtected: passwordProtected === 'yes' } : {}),
        ...(persistence ? { persistence } : {}),
        // Exactly one of the three, or we do not know (§6.4 lists them as alternatives).
        ...(anonymity.length === 1 ? { anonymity: anonymity[0] === 'muc_semianonymous' ? 'semi-anonymous' : anonymity[0] === 'muc_nonanonymous' ? 'non-anonymous' : 'fully-anonymous' } : {}),
        mam: fs.has('urn:xmpp:mam:2') || fs.has('urn:xmpp:mam:1'),
        occupantId: fs.has('urn:xmpp:occupant-id:0'),
      },
      info,
      rawFeatures,
    },
  };
}

const fold = (s: string): string => s.normalize('NFKC').toLowerCase();

/** Whether every word of `query` occurs in the entry's JID, name or description (case-insensitive). */
export function matchesRoomQuery(entry: RoomSearchEntry, query: string): boolean {
  const words = fold(query).split(/\s+/u).filter((w) => w !== '');
  if (words.length === 0) return true;
  const hay = fold([entry.jid, entry.name ?? '', entry.description ?? ''].join('\n'));
  return words.every((w) => hay.includes(w));
}

export function filterRooms<T extends RoomSearchEntry>(entries: readonly T[], query: string | undefined): T[] {
  return query === undefined ? [...entries] : entries.filter((e) => matchesRoomQuery(e, query));
}

export function registerMucBrowse(client: XmppClient, opts: { readonly timeoutMs?: number } = {}): MucBrowseModule {
  const { timeoutMs } = opts;
  /** Whether a service pages with RSM, as its disco#info said (bounded: a handful of services). */
  const rsmOf = new Map<string, boolean>();
  const discoInfo = async (to: string): Promise<Element | undefined> => (await client.request('get', to, xml('query', { xmlns: NS_DISCO_INFO }), timeoutMs)).getChild('query', NS_DISCO_INFO);
  const noteRsm = (service: string, query: Element | undefined): boolean => {
    const rsm = (query?.getChildren('feature') ?? []).some((f) => f.attrs.var === NS_RSM);
    if (rsmOf.size > 256) rsmOf.clear();
    rsmOf.set(service, rsm);
    return rsm;
  };

  async function pool<T, R>(items: readonly T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
    const out: R[] = new Array<R>(items.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i] as T);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(n, items.length)) }, worker));
    return out;
  }

  async function roomInfo(room: string): Promise<RoomInfo> {
    const jid = roomOf(room);
    if (!jid) throw new Error(`not a room JID: ${room}`);
    const parsed = parseRoomInfo(jid, await discoInfo(jid));
    if (!parsed.ok) throw new Error(parsed.reason);
    return parsed.room;
  }

  return {
    async findConferenceServices() {
      const r = await client.request('get', client.domain, xml('query', { xmlns: NS_DISCO_ITEMS }), timeoutMs);
      const candidates = [
        ...new Set(
          (r.getChild('query', NS_DISCO_ITEMS)?.getChildren('item') ?? []).slice(0, MAX_SERVICE_ITEMS).flatMap((i) => {
            const p = parseJid(String(i.attrs.jid ?? ''));
            // A service is a domain; items with a user or node are something else.
            return p.ok && p.jid.local === undefined && p.jid.resource === undefined && i.attrs.node === undefined ? [bareOf(p.jid)] : [];
          }),
        ),
      ];
      const found = await pool(candidates, 4, async (jid): Promise<ConferenceService | undefined> => {
        const query = await discoInfo(jid).catch(() => undefined);
        const id = query?.getChildren('identity').find((i) => i.attrs.category === 'conference' && i.attrs.type === 'text');
        if (!id) return undefined;
        const name = capped(typeof id.attrs.name === 'string' ? id.attrs.name : undefined, MAX_NAME);
        return { jid, ...(name !== undefined ? { name } : {}), rsm: noteRsm(jid, query) };
      });
      return found.filter((s): s is ConferenceService => s !== undefined);
    },

    async listRooms(serviceInput, o = {}) {
      const sp = parseJid(serviceInput.trim());
      if (!sp.ok || sp.jid.local !== undefined || sp.jid.resource !== undefined) throw new Error(`not a conference service: ${serviceInput}`);
      const service = bareOf(sp.jid);
      const max = Math.max(1, Math.min(10_000, Math.floor(o.max ?? 500)));
      const pageSize = Math.max(1, Math.min(500, Math.floor(o.pageSize ?? 100)));
      // XEP-0059 §1: ask whether the service pages before relying on it.
      const rsm = rsmOf.get(service) ?? noteRsm(service, await discoInfo(service).catch(() => undefined));
      const rooms = new Map<BareJid, RoomListing>();
      let skipped = 0;
      let pages = 0;
      let total: number | undefined;
      let complete = false;
      let after: string | undefined;
      const lasts = new Set<string>();
      let read = 0; // items looked at, rooms or not: how far into the service's list we are
      for (;;) {
        const remaining = max - rooms.size;
        const want = Math.min(pageSize, remaining);
        const r = await client.request('get', service, xml('query', { xmlns: NS_DISCO_ITEMS }, ...(rsm ? [rsmRequest({ max: want, ...(after !== undefined ? { after } : {}) })] : [])), timeoutMs);
        pages += 1;
        const query = r.getChild('query', NS_DISCO_ITEMS);
        const items = query?.getChildren('item') ?? [];
        // A service that ignores our page size may send everything at once: we take what fits.
        const cut = items.length > remaining;
        for (const item of items.slice(0, remaining)) {
          read += 1;
          const jid = roomOf(item.attrs.jid, service);
          if (!jid || rooms.has(jid)) {
            skipped += 1;
            continue;
          }
          const name = capped(typeof item.attrs.name === 'string' ? item.attrs.name : undefined, MAX_NAME);
          rooms.set(jid, { jid, ...(name !== undefined ? { name } : {}) });
        }
        const set = rsm ? parseRsmResult(query) : undefined;
        if (set?.count !== undefined) total = set.count;
        // No <last/>: not paged at all, or the empty page after the last one (XEP-0059 §2.2).
        if (!set?.last) {
          complete = !cut;
          break;
        }
        if (cut || rooms.size >= max || (total !== undefined && read >= total)) {
          complete = !cut && total !== undefined && read >= total;
          break;
        }
        if (items.length === 0 || lasts.has(set.last) || pages >= MAX_PAGES) break; // paging in circles
        lasts.add(set.last);
        after = set.last;
      }
      const list = [...rooms.values()];
      return { service, rooms: filterRooms(list, o.filter), complete, ...(total !== undefined ? { total } : {}), pages, skipped };
    },

    roomInfo,

    async roomInfos(rooms, o = {}) {
      const results = await pool(rooms, Math.min(8, o.concurrency ?? 4), async (room): Promise<[string, RoomInfo | { readonly error: string }]> => {
        try {
          return [room, await roomInfo(room)];
        } catch (e: unknown) {
          return [room, { error: e instanceof Error ? e.message : String(e) }];
        }
      });
      return new Map(results);
    },

    dispose: () => rsmOf.clear(),
  };
}
