/** The few stanzas the CLI writes and reads. */
import { randomUUID } from 'node:crypto';
import type { Element } from '@xmpp/xml';
import { escapeXML, escapeXMLText } from '@xmpp/xml';

export const NS_SID = 'urn:xmpp:sid:0';
const NS_PING = 'urn:xmpp:ping';
const NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';

/** One chat message with a XEP-0359 origin-id (the same value as the stanza id). */
export function chatMessage(to: string, body: string, id: string = randomUUID()): { id: string; xml: string } {
  const xml =
    `<message type='chat' to='${escapeXML(to)}' id='${escapeXML(id)}'>` +
    `<body>${escapeXMLText(body)}</body><origin-id xmlns='${NS_SID}' id='${escapeXML(id)}'/></message>`;
  return { id, xml };
}

export interface ReceivedMessage {
  readonly from: string | null;
  readonly type: string;
  readonly id: string | null;
  readonly body: string;
  readonly receivedAt: string;
}

/** A `<message/>` with a body as the JSON line `listen` prints; anything else: undefined. */
export function receivedMessage(el: Element, at: Date): ReceivedMessage | undefined {
  if (el.name !== 'message') return undefined;
  const body = el.getChild('body');
  if (!body) return undefined;
  const attr = (name: string): string | null => (typeof el.attrs[name] === 'string' ? (el.attrs[name] as string) : null);
  return { from: attr('from'), type: attr('type') ?? 'normal', id: attr('id'), body: body.getText(), receivedAt: at.toISOString() };
}

/**
 * RFC 6120 §8.2.3: every IQ get/set gets an answer. XEP-0199 pings are answered, everything else
 * is service-unavailable (the CLI offers no services).
 */
export function iqAnswer(el: Element): string | undefined {
  if (el.name !== 'iq' || (el.attrs.type !== 'get' && el.attrs.type !== 'set')) return undefined;
  const id = escapeXML(String(el.attrs.id ?? ''));
  const to = typeof el.attrs.from === 'string' ? ` to='${escapeXML(el.attrs.from)}'` : '';
  if (el.attrs.type === 'get' && el.getChild('ping', NS_PING)) return `<iq type='result' id='${id}'${to}/>`;
  return `<iq type='error' id='${id}'${to}><error type='cancel'><service-unavailable xmlns='${NS_STANZAS}'/></error></iq>`;
}
