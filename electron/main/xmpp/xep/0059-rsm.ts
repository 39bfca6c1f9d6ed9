/**
 * XEP-0059 Result Set Management: the paging vocabulary MAM (and disco, MUC lists …) speak.
 * A request asks for at most `max` items after or before an item id (§2.2, §2.3; an empty
 * `<before/>` asks for the last page, §2.5); the answer names its first and last item and may
 * say how many there are in all (§2.1). Answers are read at the edge: ids are bounded strings,
 * numbers non-negative integers, anything else is dropped rather than guessed.
 */
import type { Element } from '@xmpp/xml';
import xml from '@xmpp/xml';

export const NS_RSM = 'http://jabber.org/protocol/rsm';

/** Ids longer than this are refused: servers use short opaque ids; this protects memory and the DB. */
export const MAX_RSM_ID_CHARS = 256;

export interface RsmRequest {
  /** Page size (§2.1). */
  readonly max?: number;
  /** Items after this id (§2.2, paging forward). */
  readonly after?: string;
  /** Items before this id (§2.3, paging backward); `true` = the last page (§2.5, empty `<before/>`). */
  readonly before?: string | true;
  /** Item index to start at (§2.6, out-of-order paging); rarely supported, avoid. */
  readonly index?: number;
}

export interface RsmResult {
  readonly first: string | undefined;
  /** §2.1: the index of the first item in the whole result set, if the server says. */
  readonly firstIndex: number | undefined;
  readonly last: string | undefined;
  /** §2.1: the number of items in the whole result set, if the server says (may be approximate). */
  readonly count: number | undefined;
}

export function rsmRequest(r: RsmRequest): Element {
  const children: Element[] = [];
  if (r.max !== undefined) children.push(xml('max', {}, String(Math.max(0, Math.floor(r.max)))));
  if (r.after !== undefined) children.push(xml('after', {}, r.after));
  if (r.before === true) children.push(xml('before'));
  else if (r.before !== undefined) children.push(xml('before', {}, r.before));
  if (r.index !== undefined) children.push(xml('index', {}, String(Math.max(0, Math.floor(r.index)))));
  return xml('set', { xmlns: NS_RSM }, ...children);
}

function id(s: string | null | undefined): string | undefined {
  return typeof s === 'string' && s.length > 0 && s.length <= MAX_RSM_ID_CHARS ? s : undefined;
}

function natural(s: unknown): number | undefined {
  if (typeof s !== 'string' || !/^\d{1,15}$/.test(s.trim())) return undefined;
  return Number(s.trim());
}

/** Reads the `<set/>` child of `parent` (the MAM `<fin/>`, a disco `<query/>` …); all undefined when absent. */
export function parseRsmResult(parent: Element | undefined): RsmResult {
  const set = parent?.getChild('set', NS_RSM);
  const first = set?.getChild('first');
  return {
    first: id(first?.getText()),
    firstIndex: natural(first?.attrs.index),
    last: id(set?.getChildText('last')),
    count: natural(set?.getChildText('count') ?? undefined),
  };
}
