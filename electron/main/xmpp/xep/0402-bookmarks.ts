/**
 * Chat room bookmarks, synchronised across the user's devices: XEP-0402 PEP Native Bookmarks
 * (one PEP item per room in `urn:xmpp:bookmarks:1`, item id = room JID, ./0402-bookmarks-pep.ts)
 * where the server keeps them in step with XEP-0048 for older clients (it advertises
 * `urn:xmpp:bookmarks:1#compat` on the account, XEP-0402 "Compatibility"), else XEP-0048 in
 * XEP-0049 private storage (./0048-bookmarks.ts). XEP-0402 on a server without #compat would hide
 * our bookmarks from the user's older clients, so 'auto' does not use it; `backend` can force
 * either one.
 *
 * Other devices' changes arrive as PEP notifications (`urn:xmpp:bookmarks:1+notify`, XEP-0163
 * §4; for the fallback, the XEP-0411 style `storage:bookmarks` broadcast of servers that convert
 * bookmarks). They are believed only from our own bare JID: PEP of our account is the only
 * source of truth, anyone else's "bookmark" event is forged. Every change reaches
 * `onDidChangeBookmarks` once, as added/changed/removed, whether it came from us or elsewhere. */
import type { Element } from '@xmpp/xml';
import xml from '@xmpp/xml';
import { createEmitter, type Disposer } from '../../../../shared/util/disposable';
import { bareOf, parseJid, type BareJid } from '../../../../shared/xmpp/jid';
import type { XmppClient } from '../client/client';
import {
  checkBookmark,
  DEFAULT_BOOKMARK_LIMITS,
  fetchPrivateStorage,
  modifyPrivateStorage,
  NS_BOOKMARKS_LEGACY,
  parseLegacyStorage,
  sameBookmark,
  type Bookmark,
  type BookmarkInput,
  type BookmarkLimits,
  type ParsedBookmarks,
  type RefusedBookmark,
} from './0048-bookmarks';
import { NS_DISCO_INFO } from './0030-disco';
import {
  FEATURE_CONFIG_NODE_MAX,
  FEATURE_PUBLISH_OPTIONS,
  fetchPepBookmarks,
  NS_BOOKMARKS,
  NS_BOOKMARKS_COMPAT,
  NS_PUBSUB_EVENT,
  parsePepBookmark,
  publishPepBookmark,
  type PepPublishState,
  retractPepBookmark,
} from './0402-bookmarks-pep';

export type { Bookmark, BookmarkInput, BookmarkLimits, RefusedBookmark } from './0048-bookmarks';
export { NS_BOOKMARKS, NS_BOOKMARKS_COMPAT } from './0402-bookmarks-pep';

export type BookmarksBackend = 'xep-0402' | 'xep-0048';

export interface BookmarksBackendInfo {
  readonly backend: BookmarksBackend;
  /** The server keeps XEP-0402 and XEP-0048 storage in step (`urn:xmpp:bookmarks:1#compat`). */
  readonly compat: boolean;
  /** Why this backend, in words for logs and the diagnostics page. */
  readonly reason: string;
}

export type BookmarkChange =
  | { readonly kind: 'added'; readonly bookmark: Bookmark }
  | { readonly kind: 'changed'; readonly bookmark: Bookmark; readonly previous: Bookmark }
  | { readonly kind: 'removed'; readonly room: BareJid; readonly previous: Bookmark };

export interface BookmarksChanged {
  readonly changes: readonly BookmarkChange[];
  /** 'local': our own add/update/remove (or its PEP echo); 'remote': another device; 'fetch': found by list(). */
  readonly source: 'local' | 'remote' | 'fetch';
}

export interface BookmarksOptions {
  /** Default 'auto' (see the module comment). */
  readonly backend?: 'auto' | BookmarksBackend;
  readonly limits?: Partial<BookmarkLimits>;
  readonly timeoutMs?: number;
}

export interface BookmarksModule {
  /** Which storage this account uses (asked once; a failed detection is retried on the next call). */
  backend(): Promise<BookmarksBackendInfo>;
  /** Fetches the list from the server; differences from what we knew are emitted as 'fetch'. */
  list(): Promise<readonly Bookmark[]>;
  /** What we know without asking (undefined before the first list()). */
  current(): readonly Bookmark[] | undefined;
  /** Adds or replaces the bookmark of `input.room`; extensions stored by other clients are kept. */
  add(input: BookmarkInput): Promise<Bookmark>;
  /** Changes fields of an existing bookmark (rejects when there is none). */
  update(room: string, patch: Partial<Omit<BookmarkInput, 'room'>>): Promise<Bookmark>;
  remove(room: string): Promise<void>;
  /** For the session start: the bookmarks to join (XEP-0402 'autojoin'), freshly fetched. */
  autojoinRooms(): Promise<readonly Bookmark[]>;
  /** Entries the server held that we refused at the last fetch, with reasons. */
  refused(): readonly RefusedBookmark[];
  onDidChangeBookmarks(cb: (e: BookmarksChanged) => void): Disposer;
  dispose(): void;
}

/** A PEP event is ours only when it comes from our own bare JID (XEP-0163 §4: the account publishes). */
function fromOwnAccount(client: XmppClient, from: unknown): boolean {
  if (typeof from !== 'string') return false;
  const p = parseJid(from);
  return p.ok && p.jid.resource === undefined && p.jid.local !== undefined && bareOf(p.jid) === client.account;
}

export function registerBookmarks(client: XmppClient, opts: BookmarksOptions = {}): BookmarksModule {
  const limits: BookmarkLimits = { ...DEFAULT_BOOKMARK_LIMITS, ...opts.limits };
  const timeoutMs = opts.timeoutMs;
  const wanted = opts.backend ?? 'auto';
  const cache = new Map<BareJid, Bookmark>();
  let loaded = false;
  let refused: readonly RefusedBookmark[] = [];
  const listeners = createEmitter<BookmarksChanged>();
  // Rooms our own operations are writing, and the bookmark (null: removal) they write: the PEP
  // echo of our publish is then reported as 'local', not as another device's change.
  const pendingLocal = new Map<BareJid, Bookmark | null>();
  let detected: Promise<BookmarksBackendInfo & { readonly maxItems: string }> | undefined;
  let resolved: BookmarksBackend | undefined;
  let notifyFeature: Disposer | undefined;
  let disposed = false;
  const publishState: PepPublishState = { reducedOptions: false, nodeConfigured: false };

  const advertise = (backend: BookmarksBackend): void => {
    notifyFeature?.();
    notifyFeature = client.disco.addFeature(`${backend === 'xep-0402' ? NS_BOOKMARKS : NS_BOOKMARKS_LEGACY}+notify`);
  };
  // 'auto' starts with the modern +notify (what most servers will give us) and switches if the
  // detection says otherwise; XEP-0115 re-announces our caps when the feature changes.
  advertise(wanted === 'xep-0048' ? 'xep-0048' : 'xep-0402');

  const emit = (changes: readonly BookmarkChange[], source: BookmarksChanged['source']): void => {
    if (changes.length === 0 || disposed) return;
    listeners.emit({ changes, source });
  };
  const put = (b: Bookmark): BookmarkChange | undefined => {
    const before = cache.get(b.room);
    if (before && sameBookmark(before, b)) return undefined;
    if (!before && cache.size >= limits.maxBookmarks) return undefined;
    cache.set(b.room, b);
    return before ? { kind: 'changed', bookmark: b, previous: before } : { kind: 'added', bookmark: b };
  };
  const drop = (room: BareJid): BookmarkChange | undefined => {
    const before = cache.get(room);
    if (!before) return undefined;
    cache.delete(room);
    return { kind: 'removed', room, previous: before };
  };
  const replaceAll = (list: readonly Bookmark[]): BookmarkChange[] => {
    const keep = new Set(list.map((b) => b.room));
    const changes = [...cache.keys()].filter((r) => !keep.has(r)).flatMap((r) => drop(r) ?? []);
    for (const b of list) {
      const c = put(b);
      if (c) changes.push(c);
    }
    loaded = true;
    return changes;
  };
  const sourceOf = (room: BareJid, b: Bookmark | null): BookmarksChanged['source'] => {
    const p = pendingLocal.get(room);
    return p === undefined ? 'remote' : (p === null ? b === null : b !== null && sameBookmark(p, b)) ? 'local' : 'remote';
  };

  /** Emits each change as 'local' when it is what one of our own writes is writing, else as `other`. */
  const emitBySource = (changes: readonly BookmarkChange[], other: BookmarksChanged['source']): void => {
    const local = (c: BookmarkChange): boolean => (c.kind === 'removed' ? sourceOf(c.room, null) : sourceOf(c.bookmark.room, c.bookmark)) === 'local';
    emit(changes.filter(local), 'local');
    emit(changes.filter((c) => !local(c)), other);
  };

  function backendInfo(): Promise<BookmarksBackendInfo & { readonly maxItems: string }> {
    detected ??= (async () => {
      const r = await client.request('get', client.account, xml('query', { xmlns: NS_DISCO_INFO }), timeoutMs).catch((e: unknown) => e);
      const query = r instanceof Error ? undefined : (r as Element).getChild('query', NS_DISCO_INFO);
      const features = new Set((query?.getChildren('feature') ?? []).map((f) => String(f.attrs.var ?? '')));
      const pep = (query?.getChildren('identity') ?? []).some((i) => i.attrs.category === 'pubsub' && i.attrs.type === 'pep');
      const compat = features.has(NS_BOOKMARKS_COMPAT);
      const maxItems = features.has(FEATURE_CONFIG_NODE_MAX) ? 'max' : String(limits.maxBookmarks);
      const usable = pep && features.has(FEATURE_PUBLISH_OPTIONS);
      let info: BookmarksBackendInfo;
      if (wanted === 'xep-0048') info = { backend: 'xep-0048', compat, reason: 'XEP-0048 (private XML storage) chosen by configuration' };
      else if (wanted === 'xep-0402') {
        // XEP-0402 Security Considerations: without publish-options the node could be readable by others.
        if (!usable) throw new Error('XEP-0402 bookmarks were required, but the account does not offer PEP with publish-options');
        info = { backend: 'xep-0402', compat, reason: 'XEP-0402 (PEP native bookmarks) chosen by configuration' };
      } else if (usable && compat) {
        info = { backend: 'xep-0402', compat, reason: `the account advertises ${NS_BOOKMARKS_COMPAT}: XEP-0402, kept in step with XEP-0048 by the server` };
      } else {
        const why = r instanceof Error ? `the account's disco#info failed (${r.message})` : !usable ? 'the account offers no PEP with publish-options' : `the account does not advertise ${NS_BOOKMARKS_COMPAT}`;
        info = { backend: 'xep-0048', compat, reason: `${why}: XEP-0048 in private XML storage (XEP-0049)` };
      }
      if (!disposed && info.backend !== resolved) {
        if (info.backend === 'xep-0048' && wanted === 'auto') advertise('xep-0048');
        resolved = info.backend;
      }
      return { ...info, maxItems };
    })();
    const d = detected;
    d.catch(() => {
      if (detected === d) detected = undefined;
    });
    return d;
  }

  // One operation at a time: XEP-0048 writes are read-modify-write of the whole list.
  let queue: Promise<unknown> = Promise.resolve();
  function serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run;
  }

  async function fetchList(): Promise<ParsedBookmarks> {
    const { backend } = await backendInfo();
    return backend === 'xep-0048' ? fetchPrivateStorage(client, limits, timeoutMs) : fetchPepBookmarks(client, limits, timeoutMs);
  }

  /** Writes one room's bookmark (null: removes it) with whichever backend the account uses. */
  function write(room: BareJid, next: Bookmark | null, keepExtensions = false): Promise<void> {
    return serial(async () => {
      const info = await backendInfo();
      pendingLocal.set(room, next);
      try {
        if (info.backend === 'xep-0402') {
          if (next) await publishPepBookmark(client, next, info.maxItems, publishState, timeoutMs);
          else await retractPepBookmark(client, room, timeoutMs);
          const c = next ? put(next) : drop(room);
          if (c) emit([c], 'local');
        } else {
          // The whole list was read fresh: other devices' changes since our last look show up too.
          const edit = (bs: readonly Bookmark[]): Bookmark[] => {
            const stored = bs.find((b) => b.room === room);
            const mine = next && keepExtensions && stored ? { ...next, extensions: stored.extensions } : next;
            if (mine) pendingLocal.set(room, mine);
            return [...bs.filter((b) => b.room !== room), ...(mine ? [mine] : [])];
          };
          emitBySource(replaceAll(await modifyPrivateStorage(client, limits, edit, timeoutMs)), 'fetch');
        }
      } finally {
        pendingLocal.delete(room);
      }
    });
  }

  function onEvent(el: Element): void {
    const event = el.getChild('event', NS_PUBSUB_EVENT);
    if (!event || el.attrs.type === 'error') return;
    const part = event.getChild('items') ?? event.getChild('purge') ?? event.getChild('delete');
    const node = part?.attrs.node;
    if (!part || (node !== NS_BOOKMARKS && node !== NS_BOOKMARKS_LEGACY)) return;
    if (!fromOwnAccount(client, el.attrs.from)) return; // forged, or someone else's list
    if (node === NS_BOOKMARKS_LEGACY) {
      // XEP-0411/XEP-0048 PEP broadcast: the whole list in item 'current'. Only for the fallback;
      // with XEP-0402 the per-room items are the truth.
      if (resolved !== 'xep-0048' || part.name !== 'items') return;
      const storage = part.getChildren('item').at(-1)?.getChild('storage', NS_BOOKMARKS_LEGACY);
      if (!storage) return;
      const parsed = parseLegacyStorage(storage, limits);
      if (parsed.truncated) return; // a partial list would read as mass removal
      emitBySource(replaceAll(parsed.bookmarks), 'remote');
      return;
    }
    if (resolved === 'xep-0048') return;
    if (part.name !== 'items') {
      // Purge or delete of the whole node (XEP-0060 §7.5, §8.4): every bookmark is gone.
      emit([...cache.keys()].flatMap((r) => drop(r) ?? []), 'remote');
      return;
    }
    let n = 0;
    for (const child of part.children) {
      if (typeof child === 'string' || ++n > limits.maxBookmarks) continue;
      if (child.name === 'item') {
        const p = parsePepBookmark(child, limits);
        if (!p.ok) continue;
        const c = put(p.bookmark);
        if (c) emit([c], sourceOf(p.bookmark.room, p.bookmark));
      } else if (child.name === 'retract') {
        const room = checkBookmark({ room: String(child.attrs.id ?? '') });
        if (!room.ok) continue;
        const c = drop(room.bookmark.room);
        if (c) emit([c], sourceOf(room.bookmark.room, null));
      }
    }
  }

  const disposers: Disposer[] = [client.onMessage(onEvent)];

  const list = (): Promise<readonly Bookmark[]> =>
    serial(async () => {
      const parsed = await fetchList();
      refused = parsed.refused;
      emit(replaceAll(parsed.bookmarks), 'fetch');
      return [...cache.values()];
    });

  return {
    backend: async () => {
      const { backend, compat, reason } = await backendInfo();
      return { backend, compat, reason };
    },
    list,
    current: () => (loaded ? [...cache.values()] : undefined),
    async add(input) {
      const checked = checkBookmark(input, limits);
      if (!checked.ok) throw new Error(`bookmark refused: ${checked.reason}`);
      // Replacing a bookmark must not lose what other clients attached to it (XEP-0402: clients MUST preserve <extensions/>).
      const keep = input.extensions === undefined;
      if (keep && !loaded && (await backendInfo()).backend === 'xep-0402') await list();
      const before = cache.get(checked.bookmark.room);
      const b: Bookmark = keep && before ? { ...checked.bookmark, extensions: before.extensions } : checked.bookmark;
      await write(b.room, b, keep);
      return cache.get(b.room) ?? b;
    },
    async update(room, patch) {
      const r = checkBookmark({ room });
      if (!r.ok) throw new Error(`bookmark refused: ${r.reason}`);
      if (!loaded) await list();
      const before = cache.get(r.bookmark.room);
      if (!before) throw new Error(`no bookmark for ${r.bookmark.room}`);
      // An explicit undefined (or '') clears name, nick or password; autojoin and extensions stay unless given.
      const checked = checkBookmark({ ...before, ...patch, room: before.room, autojoin: patch.autojoin ?? before.autojoin, extensions: patch.extensions ?? before.extensions }, limits);
      if (!checked.ok) throw new Error(`bookmark refused: ${checked.reason}`);
      await write(checked.bookmark.room, checked.bookmark);
      return checked.bookmark;
    },
    async remove(room) {
      const r = checkBookmark({ room });
      if (!r.ok) throw new Error(`not a room JID: ${r.reason}`);
      await write(r.bookmark.room, null);
    },
    autojoinRooms: async () => (await list()).filter((b) => b.autojoin),
    refused: () => refused,
    onDidChangeBookmarks: listeners.on,
    dispose() {
      disposed = true;
      notifyFeature?.();
      for (const d of disposers) d();
    },
  };
}
