/**
 * XEP-0033 Extended Stanza Addressing: one message to several people. The multicast service is
 * found as §2.2 says (our server, else the services it lists); when there is one, a single
 * stanza with `<addresses/>` goes to it (§3), otherwise the client sends one copy per recipient
 * (§5 step 3), each with the to/cc header marked delivered so nobody re-delivers it. Received
 * headers are parsed; reply-to, reply-room, no-reply and ofrom are honoured only when the
 * stanza comes from our own server, its multicast service or our own account (§9: trust the
 * headers only as much as the sender) — from anyone else they are shown, never followed.
 */
import type { Element } from '@xmpp/xml';
import xml from '@xmpp/xml';
import { randomUUID } from 'node:crypto';
import { createEmitter, type Disposer } from '../../../../shared/util/disposable';
import { bareOf, parseJid } from '../../../../shared/xmpp/jid';
import type { XmppClient } from '../client/client';
import { NS, parseMessage, type ParsedMessage } from '../im/message-parse';
import { NS_DISCO_INFO, NS_DISCO_ITEMS, parseDiscoInfo } from './0030-disco';

export const NS_ADDRESS = 'http://jabber.org/protocol/address';
export const ADDRESS_TYPES = ['to', 'cc', 'bcc', 'replyto', 'replyroom', 'noreply', 'ofrom'] as const;
export type AddressType = (typeof ADDRESS_TYPES)[number];
/** §8: servers allow 20–100 addresses; we never ask for more than this. */
export const MAX_RECIPIENTS = 50;
/** §2.3: discovery results are not kept longer than 24 hours. */
const DISCOVERY_TTL_MS = 24 * 3600_000;

export interface Address {
  readonly type: AddressType;
  /** Normalised JID; addresses with only a 'uri' are dropped (support is optional, §4.2). */
  readonly jid?: string;
  readonly node?: string;
  readonly desc?: string;
  readonly delivered: boolean;
}

export interface MulticastRecipients {
  readonly to: readonly string[];
  readonly cc?: readonly string[];
  readonly bcc?: readonly string[];
}

export interface OutgoingMulticast {
  readonly recipients: MulticastRecipients;
  readonly body: string;
  readonly type?: 'chat' | 'normal';
  readonly thread?: string;
  /** The origin-id base (XEP-0359); per-recipient copies get `${id}-${n}`. */
  readonly id?: string;
  /** More children for the message, e.g. the XEP-0071 `<html/>`. */
  readonly extensions?: readonly Element[];
}

export interface MulticastSent {
  readonly id: string;
  readonly via: 'service' | 'individual';
  readonly service?: string;
  /** What went out: one entry (the service) or one per recipient, with the origin-id used. */
  readonly stanzas: readonly { readonly to: string; readonly id: string }[];
}

export interface ReceivedAddresses {
  /** Whether the headers come from our server, its multicast service or our own account. */
  readonly trusted: boolean;
  /** Who the message was addressed to (to/cc, and our own bcc entry): as the sender states it. */
  readonly recipients: readonly Address[];
  /** Honoured headers: empty / false / undefined unless `trusted`. */
  readonly replyTo: readonly string[];
  readonly replyRoom: readonly string[];
  readonly noReply: boolean;
  readonly ofrom: string | undefined;
  /** reply-to / reply-room / no-reply / ofrom from an untrusted sender: show as a warning, never follow (§9). */
  readonly untrusted: readonly Address[];
}

export interface MulticastModule {
  /** The multicast service JID, or undefined when the server has none (cached, §2.3). */
  discover(force?: boolean): Promise<string | undefined>;
  send(m: OutgoingMulticast): Promise<MulticastSent>;
  /** Parses `<addresses/>` of a received stanza, judging trust by its sender. */
  addressesOf(el: Element): ReceivedAddresses | undefined;
  /** Messages that carry `<addresses/>`, with the parsed headers (the message also reaches the messages module). */
  onDidReceiveAddressed(cb: (m: ParsedMessage, addresses: ReceivedAddresses) => void): Disposer;
  /** The service refused a multicast (forbidden, too many recipients…): the copies were sent one by one. */
  onDidFallBack(cb: (e: { readonly id: string; readonly condition: string }) => void): Disposer;
  dispose(): void;
}

function normaliseJid(raw: string): string | undefined {
  const p = parseJid(raw);
  if (!p.ok) return undefined;
  return p.jid.resource === undefined ? bareOf(p.jid) : `${bareOf(p.jid)}/${p.jid.resource}`;
}

/** Parses an `<addresses/>` element; malformed entries are dropped, at most 100 kept. */
export function parseAddresses(el: Element | undefined): Address[] {
  const out: Address[] = [];
  for (const a of el?.getChildren('address') ?? []) {
    if (out.length >= 100) break;
    const type = String(a.attrs.type ?? '');
    if (!(ADDRESS_TYPES as readonly string[]).includes(type)) continue;
    const jid = typeof a.attrs.jid === 'string' ? normaliseJid(a.attrs.jid) : undefined;
    if (jid === undefined && type !== 'noreply') continue; // §4: a jid (or uri, unsupported) is required
    const desc = typeof a.attrs.desc === 'string' ? a.attrs.desc.slice(0, 256) : undefined;
    const node = typeof a.attrs.node === 'string' ? a.attrs.node.slice(0, 256) : undefined;
    out.push({ type: type as AddressType, ...(jid ? { jid } : {}), ...(node ? { node } : {}), ...(desc ? { desc } : {}), delivered: a.attrs.delivered === 'true' });
  }
  return out;
}

/** §7: whom "reply all" goes to — the original to/cc plus the sender, minus ourselves. */
export function replyAll(from: string, addresses: ReceivedAddresses, self: string): MulticastRecipients {
  const bare = (j: string) => j.split('/')[0] ?? j;
  const me = bare(self);
  const to = new Set<string>();
  const cc = new Set<string>();
  for (const a of addresses.recipients) if (a.jid && a.type === 'to') to.add(a.jid);
  for (const a of addresses.recipients) if (a.jid && a.type === 'cc' && !to.has(a.jid)) cc.add(a.jid);
  const sender = bare(from);
  if (![...to, ...cc].some((j) => bare(j) === sender)) to.add(sender);
  const notMe = (j: string) => bare(j) !== me;
  return { to: [...to].filter(notMe), cc: [...cc].filter(notMe) };
}

function addressesElement(list: readonly { readonly type: 'to' | 'cc' | 'bcc'; readonly jid: string }[], delivered: boolean): Element {
  return xml('addresses', { xmlns: NS_ADDRESS }, ...list.map((a) => xml('address', { type: a.type, jid: a.jid, ...(delivered ? { delivered: 'true' } : {}) })));
}

export function registerMulticast(client: XmppClient, opts: { readonly now?: () => number } = {}): MulticastModule {
  const now = opts.now ?? Date.now;
  let cached: { readonly service: string | undefined; readonly at: number } | undefined;
  let discovering: Promise<string | undefined> | undefined;
  /** Multicasts in flight, so a service error can turn into individual copies (bounded). */
  const inFlight = new Map<string, OutgoingMulticast>();
  const addressed = createEmitter<readonly [ParsedMessage, ReceivedAddresses]>();
  const fallbacks = createEmitter<{ readonly id: string; readonly condition: string }>();

  async function hasAddressing(jid: string): Promise<boolean> {
    const r = await client.request('get', jid, xml('query', { xmlns: NS_DISCO_INFO }), 10_000);
    return parseDiscoInfo(r.getChild('query', NS_DISCO_INFO)).features.includes(NS_ADDRESS);
  }

  async function find(): Promise<string | undefined> {
    // §2.2 step 1: the server itself.
    if (await hasAddressing(client.domain).catch(() => false)) return client.domain;
    // Steps 2–3: the services the server lists.
    const items = await client
      .request('get', client.domain, xml('query', { xmlns: NS_DISCO_ITEMS }), 10_000)
      .then((r) => (r.getChild('query', NS_DISCO_ITEMS)?.getChildren('item') ?? []).map((i) => String(i.attrs.jid ?? '')))
      .catch(() => [] as string[]);
    // Only services of our own server: the multicast service is trusted with our headers.
    const services = items.filter((j) => j === client.domain || j.endsWith(`.${client.domain}`)).slice(0, 20);
    const answers = await Promise.all(services.map((j) => hasAddressing(j).then((ok) => (ok ? j : undefined)).catch(() => undefined)));
    return answers.find((j) => j !== undefined);
  }

  function discover(force = false): Promise<string | undefined> {
    if (!force && cached && now() - cached.at < DISCOVERY_TTL_MS) return Promise.resolve(cached.service);
    discovering ??= find()
      .then((service) => {
        cached = { service, at: now() };
        return service;
      })
      .finally(() => {
        discovering = undefined;
      });
    return discovering;
  }

  function recipientList(r: MulticastRecipients): { readonly type: 'to' | 'cc' | 'bcc'; readonly jid: string }[] {
    const seen = new Set<string>();
    const out: { type: 'to' | 'cc' | 'bcc'; jid: string }[] = [];
    for (const type of ['to', 'cc', 'bcc'] as const) {
      for (const raw of r[type] ?? []) {
        const jid = normaliseJid(raw);
        if (jid === undefined) throw new Error(`not a valid JID: ${JSON.stringify(raw.slice(0, 100))}`);
        if (seen.has(jid)) continue;
        seen.add(jid);
        out.push({ type, jid });
      }
    }
    if (out.length === 0) throw new Error('a multicast needs at least one recipient');
    if (out.length > MAX_RECIPIENTS) throw new Error(`at most ${MAX_RECIPIENTS} recipients`);
    return out;
  }

  function message(to: string, m: OutgoingMulticast, id: string, addresses: Element): Element {
    return xml(
      'message',
      { to, type: m.type ?? 'chat', id },
      xml('body', {}, m.body),
      ...(m.thread ? [xml('thread', {}, m.thread)] : []),
      addresses,
      ...(m.extensions ?? []),
      xml('origin-id', { xmlns: NS.sid, id }),
      xml('markable', { xmlns: NS.markers }),
    );
  }

  function sendIndividually(m: OutgoingMulticast, base: string, list: ReturnType<typeof recipientList>): MulticastSent {
    const visible = list.filter((a) => a.type !== 'bcc');
    const stanzas = list.map((a, n) => {
      const id = `${base}-${n + 1}`;
      // A bcc recipient sees only the open list and their own bcc entry (§4.6.3).
      const header = addressesElement(a.type === 'bcc' ? [...visible, a] : visible, true);
      client.send(message(a.jid, m, id, header));
      return { to: a.jid, id };
    });
    return { id: base, via: 'individual', stanzas };
  }

  // We understand address headers on what we receive (§2.1: an entity advertises the feature).
  const offFeature = client.disco.addFeature(NS_ADDRESS);
  const off = client.onMessage((el) => {
    const id = typeof el.attrs.id === 'string' ? el.attrs.id : undefined;
    if (el.attrs.type === 'error' && id !== undefined && cached?.service !== undefined && el.attrs.from === cached.service) {
      const m = inFlight.get(id);
      if (!m) return;
      inFlight.delete(id);
      const cond = el.getChild('error')?.children.find((c): c is Element => typeof c !== 'string' && c.name !== 'text')?.name ?? 'undefined-condition';
      try {
        sendIndividually(m, id, recipientList(m.recipients));
      } catch {
        return; // the stream is gone
      }
      fallbacks.emit({ id, condition: cond });
      return;
    }
    if (!el.getChild('addresses', NS_ADDRESS)) return;
    const a = addressesOf(el);
    const parsed = parseMessage(el);
    if (!a || !parsed.ok) return;
    addressed.emit([parsed.message, a]);
  });

  function addressesOf(el: Element): ReceivedAddresses | undefined {
    const header = el.getChild('addresses', NS_ADDRESS);
    if (!header) return undefined;
    const from = normaliseJid(String(el.attrs.from ?? ''));
    const own = from !== undefined && (from === client.account || from.startsWith(`${client.account}/`));
    const trusted = from !== undefined && (own || from === client.domain || (cached?.service !== undefined && from === cached.service));
    const all = parseAddresses(header);
    const heads = all.filter((a) => a.type === 'replyto' || a.type === 'replyroom' || a.type === 'noreply' || a.type === 'ofrom');
    const jidsOf = (t: AddressType) => (trusted ? all.filter((a) => a.type === t && a.jid).map((a) => a.jid as string) : []);
    return {
      trusted,
      recipients: all.filter((a) => a.type === 'to' || a.type === 'cc' || a.type === 'bcc'),
      replyTo: jidsOf('replyto'),
      replyRoom: jidsOf('replyroom'),
      noReply: trusted && all.some((a) => a.type === 'noreply'),
      ofrom: jidsOf('ofrom')[0],
      untrusted: trusted ? [] : heads,
    };
  }

  return {
    discover,
    async send(m) {
      const list = recipientList(m.recipients);
      const base = m.id ?? randomUUID();
      const service = list.length > 1 ? await discover().catch(() => undefined) : undefined;
      if (service === undefined) return sendIndividually(m, base, list);
      // §3: the outer stanza goes to the service, which delivers and strips the bcc entries.
      client.send(message(service, m, base, addressesElement(list, false)));
      inFlight.set(base, m);
      if (inFlight.size > 50) inFlight.delete(inFlight.keys().next().value as string);
      return { id: base, via: 'service', service, stanzas: [{ to: service, id: base }] };
    },
    addressesOf,
    onDidReceiveAddressed: (cb) => addressed.on(([m, a]) => cb(m, a)),
    onDidFallBack: fallbacks.on,
    dispose: () => {
      off();
      offFeature();
    },
  };
}
