/**
 * XEP-0313 Message Archive Management (`urn:xmpp:mam:2`) with XEP-0059 paging: read our own
 * server-side archive (or a MUC room's) page by page, and catch up after a reconnect from the
 * last archive id we stored — every message exactly once, in archive order.
 *
 * SECURITY: archive results arrive as ordinary `<message/>` stanzas (§4.2), so anyone could send
 * one (unchecked result senders were CVE-2020-26547 in Monal). A result is accepted only from the
 * archive we asked (§4.2: our own archive answers from our bare JID or without a 'from'; a room
 * from its bare JID), only with the unguessable queryid of a query still in flight, and never
 * more results than the page size we asked for. Paging is bounded (`maxPages`) and stops when
 * the archive does not move forward, so a hostile archive cannot keep us paging forever.
 */
import { randomBytes } from 'node:crypto';
import type { Element } from '@xmpp/xml';
import xml from '@xmpp/xml';
import { assertNever } from '../../../../shared/util/assert-never';
import { createEmitter, type Disposer } from '../../../../shared/util/disposable';
import { formatDateTime, parseDateTime } from '../../../../shared/xmpp/datetime';
import { bareOf, parseJid, type BareJid } from '../../../../shared/xmpp/jid';
import type { XmppClient } from '../client/client';
import { unwrapForwarded, type ParsedMessage } from '../im/message-parse';
import { MAX_RSM_ID_CHARS, parseRsmResult, rsmRequest, type RsmResult } from './0059-rsm';

export const NS_MAM = 'urn:xmpp:mam:2';
const NS_DATA = 'jabber:x:data';
const NS_DELAY = 'urn:xmpp:delay';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 250;
export const DEFAULT_MAX_PAGES = 100;

export interface MamQuery {
  /** Whose archive: omitted = our own account's; a MUC room's bare JID for the room's (XEP-0313 §6). */
  readonly archive?: BareJid;
  /** §4.1.1: only messages to/from this JID (a bare JID matches all its resources). */
  readonly with?: string;
  readonly start?: Date;
  readonly end?: Date;
  /** XEP-0059 §2.2: messages after this archive id (paging forward). */
  readonly afterId?: string;
  /** XEP-0059 §2.3: messages before this archive id; `true` = the newest page (§2.5). */
  readonly beforeId?: string | true;
  /** Messages per page (default 50, at most 250). */
  readonly pageSize?: number;
}

export interface ArchivedMessage {
  /** The archive's id for it (`<result id>`, equal to the XEP-0359 stanza-id the archive assigned). */
  readonly archiveId: string;
  /** The archive it came from (our account, or a room). */
  readonly archive: BareJid;
  /** When the archive stored it (`<forwarded><delay stamp>`, XEP-0297 §3); undefined when missing or malformed. */
  readonly archivedAt: Date | undefined;
  /** The archived message, parsed by the same edge parser as live ones (origin-id, stanza-ids …). */
  readonly message: ParsedMessage;
}

export interface MamPage {
  /** In archive order (oldest first), also for a `beforeId` page. */
  readonly messages: readonly ArchivedMessage[];
  /** §4.3: the server says there is nothing more in the paging direction. */
  readonly complete: boolean;
  readonly rsm: RsmResult;
}

export interface MamRun {
  /** Every message of the run, in archive order, each archive id once. */
  readonly messages: readonly ArchivedMessage[];
  /** The archive position to persist and pass as `afterId` next time (the `afterId` given when nothing new came). */
  readonly lastId: string | undefined;
  /** true when the archive said `complete='true'`; false when we stopped early (see `stoppedBecause`). */
  readonly complete: boolean;
  readonly pages: number;
  readonly stoppedBecause: 'page-limit' | 'no-progress' | undefined;
}

export interface PageOptions {
  /** Upper bound on IQ round trips (default 100): a hostile archive cannot loop us forever. */
  readonly maxPages?: number;
  /** Called with each page's new messages before the next page is asked for (persist them here). */
  readonly onPage?: (messages: readonly ArchivedMessage[], lastId: string | undefined) => void | Promise<void>;
}

export type ArchiveDefault = 'always' | 'roster' | 'never';
export interface MamPreferences {
  readonly default: ArchiveDefault;
  readonly always: readonly string[];
  readonly never: readonly string[];
}

export interface MamModule {
  /** One page (one IQ). */
  queryPage(q: MamQuery): Promise<MamPage>;
  /** Pages forward from `afterId` (or the start) until the archive says complete, or a limit stops it. */
  queryAll(q: Omit<MamQuery, 'beforeId'>, opts?: PageOptions): Promise<MamRun>;
  /** After a reconnect: everything after the last archive id we stored (undefined = from `start`, or the whole archive). */
  catchUp(opts: { readonly afterId: string | undefined } & Omit<MamQuery, 'afterId' | 'beforeId'> & PageOptions): Promise<MamRun>;
  getPreferences(): Promise<MamPreferences>;
  setPreferences(p: MamPreferences): Promise<MamPreferences>;
  /** Results refused (wrong sender, unknown queryid, malformed, too many), with the reason. */
  onDidRefuseResult(cb: (reason: string) => void): Disposer;
  dispose(): void;
}

interface InFlight {
  readonly archive: BareJid;
  readonly own: boolean;
  readonly max: number;
  readonly results: ArchivedMessage[];
}

function field(name: string, value: string): Element {
  return xml('field', { var: name }, xml('value', {}, value));
}

/** Reads one `<result/>` wrapper of a query we made; the sender was checked by the caller. */
export function parseResult(result: Element, archive: BareJid): { ok: true; message: ArchivedMessage } | { ok: false; reason: string } {
  const archiveId = result.attrs.id;
  if (typeof archiveId !== 'string' || archiveId.length === 0 || archiveId.length > MAX_RSM_ID_CHARS) return { ok: false, reason: 'archive result without a usable id' };
  const parsed = unwrapForwarded(result);
  if (!parsed.ok) {
    switch (parsed.why) {
      case 'not-one':
        return { ok: false, reason: `archive result ${archiveId} without exactly one forwarded message` };
      case 'nested':
        return { ok: false, reason: `archive result ${archiveId} wraps another forwarded wrapper` };
      case 'unparsable':
        return { ok: false, reason: `archive result ${archiveId}: ${parsed.reason}` };
      default:
        return assertNever(parsed, 'unwrap refusal');
    }
  }
  const stamp = parsed.forwarded.getChild('delay', NS_DELAY)?.attrs.stamp;
  return { ok: true, message: { archiveId, archive, archivedAt: typeof stamp === 'string' ? parseDateTime(stamp) : undefined, message: parsed.message } };
}

function parsePrefs(el: Element | undefined): MamPreferences {
  const d = el?.attrs.default;
  const jids = (name: string) => (el?.getChild(name)?.getChildren('jid') ?? []).map((j) => j.getText()).filter((t) => parseJid(t).ok);
  return { default: d === 'always' || d === 'never' || d === 'roster' ? d : 'roster', always: jids('always'), never: jids('never') };
}

export function registerMam(client: XmppClient): MamModule {
  const inFlight = new Map<string, InFlight>();
  const refused = createEmitter<string>();
  const refuse = (reason: string): void => {
    refused.emit(reason);
  };

  const off = client.onMessage((el) => {
    const result = el.children.find((c): c is Element => typeof c !== 'string' && c.name === 'result' && c.attrs.xmlns === NS_MAM);
    if (!result) return;
    const queryid = result.attrs.queryid;
    const q = typeof queryid === 'string' ? inFlight.get(queryid) : undefined;
    const fromAttr = el.attrs.from as string | undefined;
    if (!q) {
      refuse(`archive result from ${fromAttr ?? '(no sender)'} for no query of ours refused`);
      return;
    }
    // §4.2: our own archive answers from our bare JID or with no 'from'; another archive from its bare JID.
    const from = fromAttr === undefined ? undefined : parseJid(fromAttr);
    const fromOk = from === undefined ? q.own : from.ok && from.jid.resource === undefined && bareOf(from.jid) === q.archive;
    if (!fromOk) {
      refuse(`archive result from ${fromAttr ?? '(no sender)'} refused: we asked ${q.archive}`);
      return;
    }
    if (q.results.length >= q.max) {
      refuse(`archive result beyond the page size of ${q.max} refused`);
      return;
    }
    const r = parseResult(result, q.archive);
    if (r.ok) q.results.push(r.message);
    else refuse(r.reason);
  });

  async function queryPage(query: MamQuery): Promise<MamPage> {
    const max = Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(query.pageSize ?? DEFAULT_PAGE_SIZE)));
    let withJid: string | undefined;
    if (query.with !== undefined) {
      const p = parseJid(query.with);
      if (!p.ok) throw new Error(`MAM 'with' is not a JID: ${p.reason}`);
      withJid = p.jid.resource === undefined ? bareOf(p.jid) : `${bareOf(p.jid)}/${p.jid.resource}`;
    }
    const archive = query.archive ?? client.account;
    const own = archive === client.account;
    const queryid = `q${randomBytes(12).toString('hex')}`;
    const flight: InFlight = { archive, own, max, results: [] };
    inFlight.set(queryid, flight);
    try {
      const form = xml(
        'x',
        { xmlns: NS_DATA, type: 'submit' },
        xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, NS_MAM)),
        ...(withJid !== undefined ? [field('with', withJid)] : []),
        ...(query.start ? [field('start', formatDateTime(query.start))] : []),
        ...(query.end ? [field('end', formatDateTime(query.end))] : []),
      );
      const rsm = rsmRequest({ max, ...(query.afterId !== undefined ? { after: query.afterId } : {}), ...(query.beforeId !== undefined ? { before: query.beforeId } : {}) });
      const answer = await client.request('set', own ? undefined : archive, xml('query', { xmlns: NS_MAM, queryid }, form, rsm));
      const fin = answer.getChild('fin', NS_MAM);
      if (!fin) throw new Error('MAM answer without <fin/> (XEP-0313 §4.3)');
      // Duplicates inside one page are dropped here; across pages by the pager.
      const seen = new Set<string>();
      const messages = flight.results.filter((m) => !seen.has(m.archiveId) && (seen.add(m.archiveId), true));
      return { messages, complete: fin.attrs.complete === 'true' || fin.attrs.complete === '1', rsm: parseRsmResult(fin) };
    } finally {
      // Late results for this query are refused from now on (unknown queryid).
      inFlight.delete(queryid);
    }
  }

  async function queryAll(q: Omit<MamQuery, 'beforeId'>, opts: PageOptions = {}): Promise<MamRun> {
    const maxPages = Math.max(1, Math.floor(opts.maxPages ?? DEFAULT_MAX_PAGES));
    const seen = new Set<string>(q.afterId !== undefined ? [q.afterId] : []);
    const all: ArchivedMessage[] = [];
    let cursor = q.afterId;
    for (let pages = 1; ; pages++) {
      const page = await queryPage({ ...q, ...(cursor !== undefined ? { afterId: cursor } : {}) });
      const fresh = page.messages.filter((m) => !seen.has(m.archiveId));
      for (const m of fresh) seen.add(m.archiveId);
      all.push(...fresh);
      // XEP-0059 §2.2: the next page starts after this page's <last/> (our last result if it said none).
      const next = page.rsm.last ?? page.messages.at(-1)?.archiveId;
      const moved = next !== undefined && next !== cursor;
      if (moved) cursor = next;
      await opts.onPage?.(fresh, cursor);
      if (page.complete) return { messages: all, lastId: cursor, complete: true, pages, stoppedBecause: undefined };
      if (!moved) return { messages: all, lastId: cursor, complete: false, pages, stoppedBecause: 'no-progress' };
      if (pages >= maxPages) return { messages: all, lastId: cursor, complete: false, pages, stoppedBecause: 'page-limit' };
    }
  }

  return {
    queryPage,
    queryAll,
    catchUp: ({ afterId, maxPages, onPage, ...q }) =>
      queryAll({ ...q, ...(afterId !== undefined ? { afterId } : {}) }, { ...(maxPages !== undefined ? { maxPages } : {}), ...(onPage ? { onPage } : {}) }),
    async getPreferences() {
      const r = await client.request('get', undefined, xml('prefs', { xmlns: NS_MAM }));
      return parsePrefs(r.getChild('prefs', NS_MAM));
    },
    async setPreferences(p) {
      const list = (name: string, jids: readonly string[]) => xml(name, {}, ...jids.map((j) => xml('jid', {}, j)));
      const r = await client.request('set', undefined, xml('prefs', { xmlns: NS_MAM, default: p.default }, list('always', p.always), list('never', p.never)));
      // §7.2: the server answers with the stored preferences; an empty result means it took ours as given.
      const stored = r.getChild('prefs', NS_MAM);
      return stored ? parsePrefs(stored) : p;
    },
    onDidRefuseResult: refused.on,
    dispose: off,
  };
}
