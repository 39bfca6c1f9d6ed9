/**
 * The SASL negotiation on the wire (RFC 6120 §6.4): `<auth/>` with the initial response,
 * challenges and responses, then `<success/>` or `<failure/>`. A failure ends the session
 * [UCR-A2]; it is never retried with another mechanism.
 */
import type { Element } from '@xmpp/xml';
import type { SaslMechanism } from '../sasl/mechanism';
import type { XmlStream } from '../stream/xml-stream';

export const NS_SASL = 'urn:ietf:params:xml:ns:xmpp-sasl';

/** RFC 6120 §6.4.2: an empty response is "=", no response at all is an empty element. */
function encode(data: Buffer | undefined): string {
  if (data === undefined) return '';
  return data.length === 0 ? '=' : data.toString('base64');
}

function decode(el: Element): Buffer {
  const text = el.getText().trim();
  if (text === '' || text === '=') return Buffer.alloc(0);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw new Error(`malformed base64 in <${el.name}/>`);
  return Buffer.from(text, 'base64');
}

export type SaslOutcome = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export async function runSasl(stream: XmlStream, mechanism: SaslMechanism, timeoutMs: number): Promise<SaslOutcome> {
  stream.send(`<auth xmlns='${NS_SASL}' mechanism='${mechanism.name}'>${encode(mechanism.start())}</auth>`);
  for (let round = 0; round < 10; round++) {
    const el = await stream.next(timeoutMs);
    if (el.attrs.xmlns !== NS_SASL) return { ok: false, reason: `unexpected <${el.name}/> during authentication` };
    try {
      switch (el.name) {
        case 'challenge':
          stream.send(`<response xmlns='${NS_SASL}'>${encode(mechanism.challenge(decode(el)))}</response>`);
          continue;
        case 'success':
          mechanism.success(el.getText().trim() === '' ? undefined : decode(el));
          return { ok: true };
        case 'failure': {
          const condition = el.children.find((c) => typeof c !== 'string' && c.name !== 'text') as Element | undefined;
          const text = el.getChildText('text');
          return { ok: false, reason: `${condition?.name ?? 'failure'}${text ? `: ${text}` : ''}` };
        }
        default:
          return { ok: false, reason: `unexpected <${el.name}/> during authentication` };
      }
    } catch (e: unknown) {
      // Our side refuses (bad challenge, server signature mismatch): abort per RFC 6120 §6.4.4.
      stream.send(`<abort xmlns='${NS_SASL}'/>`);
      return { ok: false, reason: e instanceof Error ? e.message : String(e) };
    }
  }
  return { ok: false, reason: 'too many SASL round trips' };
}
