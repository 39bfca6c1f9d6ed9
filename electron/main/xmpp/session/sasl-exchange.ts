/**
 * The SASL negotiation on the wire, in both profiles:
 *  - RFC 6120 §6.4: `<auth/>` with the initial response, challenges and responses, then
 *    `<success/>` or `<failure/>`; the stream restarts afterwards;
 *  - XEP-0388 (SASL2): `<authenticate/>` with `<initial-response/>` and inline requests such as
 *    XEP-0386 Bind2; `<success/>` carries the bound JID and the stream goes on without restart.
 * A failure ends the session [UCR-A2]; it is never retried with another mechanism.
 */
import type { Element } from '@xmpp/xml';
import type { SaslMechanism } from '../sasl/mechanism';
import type { XmlStream } from '../stream/xml-stream';

export const NS_SASL = 'urn:ietf:params:xml:ns:xmpp-sasl';
export const NS_SASL2 = 'urn:xmpp:sasl:2';

/** RFC 6120 §6.4.2 / XEP-0388 §2.5: an empty response is "=", no response at all is empty. */
function encode(data: Buffer | undefined): string {
  if (data === undefined) return '';
  return data.length === 0 ? '=' : data.toString('base64');
}

function decode(text: string | null | undefined): Buffer | undefined {
  const t = (text ?? '').trim();
  if (t === '') return undefined;
  if (t === '=') return Buffer.alloc(0);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(t)) throw new Error('malformed base64 from the server');
  return Buffer.from(t, 'base64');
}

export type SaslOutcome = { readonly ok: true; readonly success: Element } | { readonly ok: false; readonly reason: string };

export interface SaslProfile {
  readonly ns: string;
  /** The opening element, with the mechanism's initial response. */
  open(mechanism: SaslMechanism): string;
  /** The additional data of `<success/>`. */
  successData(success: Element): Buffer | undefined;
}

export const SASL1: SaslProfile = {
  ns: NS_SASL,
  open: (m) => `<auth xmlns='${NS_SASL}' mechanism='${m.name}'>${encode(m.start())}</auth>`,
  successData: (el) => decode(el.getText()),
};

/** SASL2 with inline requests (e.g. Bind2) placed inside `<authenticate/>`. */
export function sasl2Profile(inline: string): SaslProfile {
  return {
    ns: NS_SASL2,
    open: (m) => {
      const initial = m.start();
      const ir = initial === undefined ? '' : `<initial-response>${encode(initial)}</initial-response>`;
      return `<authenticate xmlns='${NS_SASL2}' mechanism='${m.name}'>${ir}${inline}</authenticate>`;
    },
    successData: (el) => decode(el.getChildText('additional-data')),
  };
}

export async function runSasl(stream: XmlStream, mechanism: SaslMechanism, profile: SaslProfile, timeoutMs: number): Promise<SaslOutcome> {
  stream.send(profile.open(mechanism));
  for (let round = 0; round < 10; round++) {
    const el = await stream.next(timeoutMs);
    if (el.attrs.xmlns !== profile.ns) return { ok: false, reason: `unexpected <${el.name}/> during authentication` };
    try {
      switch (el.name) {
        case 'challenge':
          stream.send(`<response xmlns='${profile.ns}'>${encode(mechanism.challenge(decode(el.getText()) ?? Buffer.alloc(0)))}</response>`);
          continue;
        case 'success':
          mechanism.success(profile.successData(el));
          return { ok: true, success: el };
        case 'failure': {
          const condition = el.children.find((c) => typeof c !== 'string' && c.name !== 'text') as Element | undefined;
          const text = el.getChildText('text');
          return { ok: false, reason: `${condition?.name ?? 'failure'}${text ? `: ${text}` : ''}` };
        }
        default:
          // Includes SASL2 <continue/> (extra tasks such as 2FA), which we do not support.
          return { ok: false, reason: `unsupported <${el.name}/> during authentication` };
      }
    } catch (e: unknown) {
      // Our side refuses (bad challenge, server signature mismatch): abort per RFC 6120 §6.4.4.
      stream.send(`<abort xmlns='${profile.ns}'/>`);
      return { ok: false, reason: e instanceof Error ? e.message : String(e) };
    }
  }
  return { ok: false, reason: 'too many SASL round trips' };
}
