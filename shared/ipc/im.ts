/**
 * The IM part of the IPC contract: roster, presence, one-to-one messages. Main sends changes as
 * `didUpdateIm` batches (at most one per animation frame under a flood, superseded presence and
 * chat-state updates coalesced); the renderer asks for snapshots and history with commands.
 */
import { z } from 'zod';

const jid = z.string().min(3).max(3071);
const bareJid = jid.regex(/^[^/\s]+$/, 'a bare JID (no resource)');

export const contactSchema = z
  .object({
    jid: z.string(),
    name: z.string().optional(),
    subscription: z.enum(['none', 'to', 'from', 'both']),
    /** We asked to see their presence and they have not answered. */
    pendingOut: z.boolean(),
    groups: z.array(z.string()).readonly(),
  })
  .readonly();

export const presenceShowSchema = z.enum(['online', 'chat', 'away', 'xa', 'dnd', 'offline']);

/** A contact's presence, aggregated over their resources (the highest-priority one wins). */
export const contactPresenceSchema = z
  .object({
    jid: z.string(),
    show: presenceShowSchema,
    status: z.string().optional(),
    resources: z.array(z.object({ resource: z.string(), show: presenceShowSchema, status: z.string().optional(), priority: z.number() }).readonly()).readonly(),
  })
  .readonly();

/**
 * XEP-0071 formatted text as a sanitised tree (main re-sanitises whatever crosses IPC): the
 * renderer builds React elements from it, never HTML strings.
 */
export type XhtmlNodeWire =
  | { readonly kind: 'text'; readonly text: string }
  | {
      readonly kind: 'element';
      readonly tag: 'p' | 'br' | 'span' | 'strong' | 'em' | 'cite' | 'code' | 'pre' | 'blockquote' | 'q' | 'ul' | 'ol' | 'li' | 'a';
      readonly href?: string;
      readonly style?: { readonly color?: string; readonly backgroundColor?: string; readonly fontWeight?: string; readonly fontStyle?: string; readonly textDecoration?: string };
      readonly children: readonly XhtmlNodeWire[];
    };
export const xhtmlNodeSchema: z.ZodType<XhtmlNodeWire> = z.lazy(() =>
  z.union([
    z.object({ kind: z.literal('text'), text: z.string().max(65_536) }).strict(),
    z
      .object({
        kind: z.literal('element'),
        tag: z.enum(['p', 'br', 'span', 'strong', 'em', 'cite', 'code', 'pre', 'blockquote', 'q', 'ul', 'ol', 'li', 'a']),
        href: z.string().max(2048).optional(),
        style: z
          .object({ color: z.string().max(64), backgroundColor: z.string().max(64), fontWeight: z.string().max(32), fontStyle: z.string().max(32), textDecoration: z.string().max(64) })
          .partial()
          .strict()
          .optional(),
        children: z.array(xhtmlNodeSchema).max(1000),
      })
      .strict(),
  ]),
);

export const messageStateSchema = z.enum(['queued', 'sent', 'delivered', 'displayed', 'failed', 'received']);

export const chatMessageSchema = z
  .object({
    peer: z.string(),
    direction: z.enum(['in', 'out']),
    id: z.string(),
    sender: z.string(),
    body: z.string(),
    /** ISO 8601 (XEP-0082): when it was sent (XEP-0203 delay when given). */
    at: z.iso.datetime(),
    state: messageStateSchema,
    /** XEP-0308: this message's text was corrected (the body is the corrected text). */
    corrected: z.boolean(),
    /** XEP-0071: the sanitised formatted version of `body`, when the sender sent one. */
    xhtml: z.array(xhtmlNodeSchema).readonly().optional(),
  })
  .readonly();

export const chatStateSchema = z.enum(['active', 'composing', 'paused', 'inactive', 'gone']);

export const imUpdateSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('contact'), contact: contactSchema }).readonly(),
  z.object({ kind: z.literal('contact-removed'), jid: z.string() }).readonly(),
  z.object({ kind: z.literal('presence'), presence: contactPresenceSchema }).readonly(),
  z.object({ kind: z.literal('subscription-request'), from: z.string(), status: z.string().optional() }).readonly(),
  z.object({ kind: z.literal('subscription-answered'), from: z.string() }).readonly(),
  z.object({ kind: z.literal('message'), message: chatMessageSchema }).readonly(),
  z.object({ kind: z.literal('message-state'), peer: z.string(), id: z.string(), state: messageStateSchema }).readonly(),
  z.object({ kind: z.literal('message-corrected'), peer: z.string(), direction: z.enum(['in', 'out']), id: z.string(), body: z.string() }).readonly(),
  z.object({ kind: z.literal('chat-state'), peer: z.string(), state: chatStateSchema }).readonly(),
]);

const empty = z.object({}).strict();

export const imCommandSchemas = {
  /** The roster, everyone's presence and the subscription requests waiting for the user. */
  getRoster: {
    input: empty,
    output: z
      .object({
        contacts: z.array(contactSchema).readonly(),
        presence: z.array(contactPresenceSchema).readonly(),
        requests: z.array(z.string()).readonly(),
        /** Our own presence as last set (what the selector shows after a reload). */
        own: z.object({ show: z.enum(['online', 'chat', 'away', 'xa', 'dnd']), status: z.string().optional() }).readonly(),
      })
      .readonly(),
  },
  /**
   * Stored history with one contact, oldest first: the newest page; page back with `before` (ISO
   * time), or forward again with `after` (a view that holds a bounded window of a long history).
   */
  getHistory: {
    input: z
      .object({
        peer: bareJid,
        before: z.iso.datetime().optional(),
        /** With `before`: the id of the oldest message shown, so messages sharing its millisecond are not skipped. */
        beforeId: z.string().max(256).optional(),
        after: z.iso.datetime().optional(),
        /** With `after`: the id of the newest message shown. */
        afterId: z.string().max(256).optional(),
        limit: z.number().int().min(1).max(500),
      })
      .strict()
      .refine((q) => q.before === undefined || q.after === undefined, { message: 'a page is either before or after a message, not both' }),
    output: z.object({ messages: z.array(chatMessageSchema).readonly() }).readonly(),
  },
  /**
   * Sends (or, offline, queues) a message. It is written to the outbox on disk before anything
   * else, so it is delivered exactly once even if the link or the app dies.
   */
  sendMessage: {
    input: z
      .object({
        to: bareJid,
        body: z.string().min(1).max(65_536),
        replaces: z.string().max(256).optional(),
        /** XEP-0071: formatted text; main sanitises it and derives the plain body (§8) from it. */
        xhtml: z.array(xhtmlNodeSchema).max(1000).optional(),
      })
      .strict(),
    output: z.object({ id: z.string(), state: messageStateSchema, at: z.iso.datetime() }).readonly(),
  },
  /** "Retry now" while reconnecting: the next attempt starts at once. */
  reconnectNow: { input: empty, output: empty.readonly() },
  sendChatState: { input: z.object({ to: bareJid, state: chatStateSchema }).strict(), output: empty.readonly() },
  markDisplayed: { input: z.object({ peer: bareJid, id: z.string().min(1).max(256) }).strict(), output: empty.readonly() },
  setPresence: {
    input: z.object({ show: z.enum(['online', 'chat', 'away', 'xa', 'dnd']), status: z.string().max(1024).optional() }).strict(),
    output: empty.readonly(),
  },
  addContact: {
    input: z.object({ jid: bareJid, name: z.string().max(1024).optional(), groups: z.array(z.string().min(1).max(1024)).max(64).optional() }).strict(),
    output: empty.readonly(),
  },
  removeContact: { input: z.object({ jid: bareJid }).strict(), output: empty.readonly() },
  /** Approve or deny a subscription request; deny on an approved contact revokes [IMPP-P1]. */
  answerSubscription: { input: z.object({ jid: bareJid, approve: z.boolean() }).strict(), output: empty.readonly() },
  /** XEP-0191: who is blocked (nothing from them reaches us) [IMPP-P2]. */
  getBlocked: { input: empty, output: z.object({ jids: z.array(z.string()).readonly() }).readonly() },
  setBlocked: { input: z.object({ jid: bareJid, blocked: z.boolean() }).strict(), output: empty.readonly() },
  /** XEP-0016 preset: only people with a presence subscription may message me [IMPP-P2]. */
  getMessagePrivacy: { input: empty, output: z.object({ onlyContacts: z.boolean() }).readonly() },
  setMessagePrivacy: {
    input: z.object({ onlyContacts: z.boolean() }).strict(),
    output: z.object({ onlyContacts: z.boolean(), note: z.string().optional() }).readonly(),
  },
  /**
   * An OS notification (the renderer decides when: window not focused, conversation not open).
   * `tag` comes back in didClickNotification so the renderer can open the conversation.
   */
  showNotification: {
    input: z.object({ title: z.string().min(1).max(128), body: z.string().max(512), tag: z.string().max(256) }).strict(),
    output: z.object({ shown: z.boolean() }).readonly(),
  },
  /** XEP-0077 §3.3; the new password crosses IPC once and is not kept. */
  changePassword: { input: z.object({ newPassword: z.string().min(1).max(1024) }).strict(), output: empty.readonly() },
} as const;

export const imEventSchemas = {
  didUpdateIm: z.object({ updates: z.array(imUpdateSchema).readonly() }).readonly(),
  /** The user clicked an OS notification (its tag); main has already brought the window forward. */
  didClickNotification: z.object({ tag: z.string() }).readonly(),
} as const;

export type Contact = z.output<typeof contactSchema>;
export type ContactPresence = z.output<typeof contactPresenceSchema>;
export type ChatMessage = z.output<typeof chatMessageSchema>;
export type ImUpdate = z.output<typeof imUpdateSchema>;
export type MessageStateName = z.output<typeof messageStateSchema>;
