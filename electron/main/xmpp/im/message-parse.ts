/**
 * Incoming `<message/>` → typed, readonly plain data, once, at the edge. Everything the chat
 * XEPs put on a message is read here: XEP-0359 ids, XEP-0203 delay, XEP-0308 correction,
 * XEP-0085 chat state, XEP-0184 receipts, XEP-0333 markers, threads. Malformed parts are
 * dropped (a bad timestamp is ignored, not guessed); a message with no usable sender is refused.
 */
import type { Element } from '@xmpp/xml';
import { parseDateTime } from '../../../../shared/xmpp/datetime';
import { bareOf, parseJid, type BareJid } from '../../../../shared/xmpp/jid';
import { parseXhtmlIm, type XhtmlContent } from '../xep/0071-xhtml-im';

export const NS = {
  sid: 'urn:xmpp:sid:0',
  delay: 'urn:xmpp:delay',
  correct: 'urn:xmpp:message-correct:0',
  chatStates: 'http://jabber.org/protocol/chatstates',
  receipts: 'urn:xmpp:receipts',
  markers: 'urn:xmpp:chat-markers:0',
  xhtml: 'http://jabber.org/protocol/xhtml-im',
} as const;

export const MESSAGE_TYPES = ['chat', 'normal', 'headline', 'groupchat', 'error'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];
export const CHAT_STATES = ['active', 'composing', 'paused', 'inactive', 'gone'] as const;
export type ChatState = (typeof CHAT_STATES)[number];

/** Bodies longer than this are refused: no chat message needs it, and it protects the UI. */
export const MAX_BODY_CHARS = 64 * 1024;

export interface ParsedMessage {
  readonly type: MessageType;
  readonly from: string;
  readonly fromBare: BareJid;
  readonly to: string | undefined;
  /** The stanza 'id' (may be absent or reused by old clients). */
  readonly id: string | undefined;
  /** XEP-0359 origin-id: the sender's stable id, used to de-duplicate. */
  readonly originId: string | undefined;
  /** XEP-0359 stanza-ids by the entity that assigned them (our server: MAM id). */
  readonly stanzaIds: ReadonlyMap<string, string>;
  readonly body: string | undefined;
  readonly subject: string | undefined;
  readonly thread: string | undefined;
  /** XEP-0203: when it was originally sent, if the server or sender said. */
  readonly delayedAt: Date | undefined;
  /** XEP-0308: the id of the message this one corrects. */
  readonly replaces: string | undefined;
  readonly chatState: ChatState | undefined;
  readonly receiptRequested: boolean;
  /** XEP-0184: the id of our message this acknowledges. */
  readonly receiptFor: string | undefined;
  readonly markable: boolean;
  /** XEP-0333 markers: the id of our message that was displayed / received / acknowledged. */
  readonly marker: { readonly kind: 'received' | 'displayed' | 'acknowledged'; readonly id: string } | undefined;
  readonly error: { readonly condition: string; readonly text: string | undefined } | undefined;
  /** XEP-0071: the sanitised XHTML-IM tree (xep/0071-xhtml-im.ts); `body` stays the text equivalent. */
  readonly xhtml: XhtmlContent | undefined;
}

export type MessageParse = { readonly ok: true; readonly message: ParsedMessage } | { readonly ok: false; readonly reason: string };

function childId(el: Element, name: string, ns: string, attr = 'id'): string | undefined {
  const v = el.getChild(name, ns)?.attrs[attr];
  return typeof v === 'string' && v.length > 0 && v.length <= 256 ? v : undefined;
}

export function parseMessage(el: Element): MessageParse {
  const fromParsed = parseJid(String(el.attrs.from ?? ''));
  if (!fromParsed.ok) return { ok: false, reason: 'message without a valid sender' };
  const typeAttr = String(el.attrs.type ?? 'normal');
  const type = (MESSAGE_TYPES as readonly string[]).includes(typeAttr) ? (typeAttr as MessageType) : 'normal';
  const body = el.getChildText('body') ?? undefined;
  if (body !== undefined && body.length > MAX_BODY_CHARS) return { ok: false, reason: `message body longer than ${MAX_BODY_CHARS} characters` };

  const stanzaIds = new Map<string, string>();
  for (const s of el.getChildren('stanza-id', NS.sid)) {
    if (typeof s.attrs.by === 'string' && typeof s.attrs.id === 'string') stanzaIds.set(s.attrs.by, s.attrs.id);
  }
  const stamp = el.getChild('delay', NS.delay)?.attrs.stamp;
  const state = el.children.find((c): c is Element => typeof c !== 'string' && c.attrs.xmlns === NS.chatStates);
  const markerEl = el.children.find((c): c is Element => typeof c !== 'string' && c.attrs.xmlns === NS.markers && c.name !== 'markable');
  const markerId = typeof markerEl?.attrs.id === 'string' ? markerEl.attrs.id : undefined;
  const errorEl = type === 'error' ? el.getChild('error') : undefined;
  const errorCondition = errorEl?.children.find((c): c is Element => typeof c !== 'string' && c.name !== 'text');

  return {
    ok: true,
    message: {
      type,
      from: String(el.attrs.from),
      fromBare: bareOf(fromParsed.jid),
      to: typeof el.attrs.to === 'string' ? el.attrs.to : undefined,
      id: typeof el.attrs.id === 'string' ? el.attrs.id : undefined,
      originId: childId(el, 'origin-id', NS.sid),
      stanzaIds,
      body,
      subject: el.getChildText('subject') ?? undefined,
      thread: el.getChildText('thread') ?? undefined,
      delayedAt: typeof stamp === 'string' ? parseDateTime(stamp) : undefined,
      replaces: childId(el, 'replace', NS.correct),
      chatState: state && (CHAT_STATES as readonly string[]).includes(state.name) ? (state.name as ChatState) : undefined,
      receiptRequested: el.getChild('request', NS.receipts) !== undefined,
      receiptFor: childId(el, 'received', NS.receipts),
      markable: el.getChild('markable', NS.markers) !== undefined,
      marker:
        markerEl && markerId && ['received', 'displayed', 'acknowledged'].includes(markerEl.name)
          ? { kind: markerEl.name as 'received' | 'displayed' | 'acknowledged', id: markerId }
          : undefined,
      error: errorCondition ? { condition: errorCondition.name, text: errorEl?.getChildText('text') ?? undefined } : undefined,
      xhtml: parseXhtmlIm(el.getChild('html', NS.xhtml)),
    },
  };
}

export const NS_CARBONS = 'urn:xmpp:carbons:2';
export const NS_FORWARD = 'urn:xmpp:forward:0';
const MAM_PREFIX = 'urn:xmpp:mam:';

/**
 * True for a XEP-0280 carbon (`<sent/>`/`<received/>`) or a XEP-0313 archive `<result/>`: both
 * wrap another message in a XEP-0297 `<forwarded/>` and are unwrapped and checked by their own
 * modules (xep/0280-carbons.ts, xep/0313-mam.ts). The ordinary message path skips them, so a
 * carbon is not delivered twice and a spoofed wrapper never reaches a chat as a plain message.
 */
export function isForwardingWrapper(el: Element): boolean {
  return el.children.some(
    (c) =>
      typeof c !== 'string' &&
      ((c.attrs.xmlns === NS_CARBONS && (c.name === 'sent' || c.name === 'received')) ||
        (c.name === 'result' && typeof c.attrs.xmlns === 'string' && c.attrs.xmlns.startsWith(MAM_PREFIX))),
  );
}

/** Why a XEP-0297 wrapper was refused: not exactly one forwarded message, one that wraps another, or an unparsable one. */
export type UnwrapRefusal = { readonly why: 'not-one' } | { readonly why: 'nested' } | { readonly why: 'unparsable'; readonly reason: string };

/**
 * The one message forwarded (XEP-0297) under `parent` — a carbon's `<sent/>`/`<received/>` or an
 * archive `<result/>` — parsed, with its `<forwarded/>` (which carries the delay stamp). Exactly
 * one `<forwarded/>` holding exactly one `<message/>`; a forwarding wrapper inside is no genuine
 * copy of a message and is refused.
 */
export function unwrapForwarded(parent: Element): { readonly ok: true; readonly message: ParsedMessage; readonly forwarded: Element } | ({ readonly ok: false } & UnwrapRefusal) {
  const forwarded = parent.getChildren('forwarded', NS_FORWARD);
  const inner = forwarded.length === 1 ? forwarded[0]?.getChildren('message') : undefined;
  const innerEl = inner?.length === 1 ? inner[0] : undefined;
  if (!forwarded[0] || !innerEl) return { ok: false, why: 'not-one' };
  if (isForwardingWrapper(innerEl)) return { ok: false, why: 'nested' };
  const parsed = parseMessage(innerEl);
  return parsed.ok ? { ok: true, message: parsed.message, forwarded: forwarded[0] } : { ok: false, why: 'unparsable', reason: parsed.reason };
}
