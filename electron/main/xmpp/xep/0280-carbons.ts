/**
 * XEP-0280 Message Carbons: every session of the account sees the whole conversation — what the
 * contact sent to another of our devices (`<received/>`) and what another of our devices sent
 * (`<sent/>`), each wrapped in a XEP-0297 `<forwarded/>` by our own server.
 *
 * SECURITY (XEP-0280 §11): a carbon is only genuine when the wrapper comes from our own bare
 * JID. Several clients accepted carbons from anyone in 2017 (CVE-2017-5589 and siblings), which
 * let a stranger put words in our mouth or in a contact's. Here a wrapper from anyone else — or
 * a malformed one — is refused with a reason and never reaches the chat. The ordinary message
 * path (`im/messages.ts`) skips every carbon wrapper (`isForwardingWrapper`), so a carbon is
 * delivered once, through this module only.
 */
import type { Element } from '@xmpp/xml';
import xml from '@xmpp/xml';
import { assertNever } from '../../../../shared/util/assert-never';
import { createEmitter, type Disposer } from '../../../../shared/util/disposable';
import { bareOf, parseJid } from '../../../../shared/xmpp/jid';
import type { XmppClient } from '../client/client';
import { NS_CARBONS, unwrapForwarded, type ParsedMessage } from '../im/message-parse';

export { NS_CARBONS };
export const NS_HINTS = 'urn:xmpp:hints';

export type CarbonDirection = 'sent' | 'received';

export interface Carbon {
  /** 'sent': another of our sessions sent it; 'received': a contact sent it to another of our sessions. */
  readonly direction: CarbonDirection;
  /** The forwarded message, parsed by the same edge parser as every other message. */
  readonly message: ParsedMessage;
}

export type CarbonParse = { readonly ok: true; readonly carbon: Carbon } | { readonly ok: false; readonly reason: string };

export interface CarbonsModule {
  /** XEP-0280 §4: ask the server for carbons in this session (rejects with IqError if unsupported). */
  enable(): Promise<void>;
  disable(): Promise<void>;
  /** Whether this session asked for carbons (and the server agreed). Per session: a new stream starts without. */
  enabled(): boolean;
  onDidReceiveCarbon(cb: (c: Carbon) => void): Disposer;
  /** Carbons refused (spoofed, malformed), with the reason — for logs and tests. */
  onDidRefuseCarbon(cb: (reason: string) => void): Disposer;
  dispose(): void;
}

/**
 * XEP-0280 §7: a message the sender wants kept off their other devices carries `<private/>`,
 * plus the XEP-0334 `<no-copy/>` hint for servers that honour hints rather than carbons' own.
 */
export function carbonsPrivateHints(): Element[] {
  return [xml('private', { xmlns: NS_CARBONS }), xml('no-copy', { xmlns: NS_HINTS })];
}

function elementChildren(el: Element): Element[] {
  return el.children.filter((c): c is Element => typeof c !== 'string');
}

/**
 * Unwraps and checks a carbon. `account` is our bare JID: the only entity allowed to send one
 * (§11). Returns undefined when `el` is not a carbon at all (an ordinary message).
 */
export function parseCarbon(el: Element, account: string): CarbonParse | undefined {
  const wrappers = elementChildren(el).filter((c) => c.attrs.xmlns === NS_CARBONS && (c.name === 'sent' || c.name === 'received'));
  if (wrappers.length === 0) return undefined;
  const from = parseJid(String(el.attrs.from ?? ''));
  // §11: only our own bare JID (not a full JID, not our server, not a missing from) may send carbons.
  if (!from.ok || from.jid.resource !== undefined || bareOf(from.jid) !== account) {
    return { ok: false, reason: `carbon from ${String(el.attrs.from ?? '(no sender)')} refused: carbons come only from our own account ${account}` };
  }
  const [wrapper] = wrappers;
  if (wrappers.length !== 1 || !wrapper) return { ok: false, reason: 'carbon with more than one sent/received wrapper refused' };
  const direction: CarbonDirection = wrapper.name === 'sent' ? 'sent' : 'received';
  const parsed = unwrapForwarded(wrapper);
  if (!parsed.ok) {
    switch (parsed.why) {
      case 'not-one':
        return { ok: false, reason: `${direction} carbon without exactly one forwarded message refused` };
      case 'nested':
        // A forwarded carbon or archive result inside a carbon is no genuine copy of a message.
        return { ok: false, reason: `${direction} carbon wrapping another forwarded wrapper refused` };
      case 'unparsable':
        return { ok: false, reason: `${direction} carbon: ${parsed.reason}` };
      default:
        return assertNever(parsed, 'unwrap refusal');
    }
  }
  const m = parsed.message;
  // §6: a sent carbon is a message from one of our resources; a received one is addressed to us.
  if (direction === 'sent' && m.fromBare !== account) return { ok: false, reason: `sent carbon of a message from ${m.from} refused: not ours` };
  if (direction === 'received') {
    const to = parseJid(m.to ?? '');
    if (!to.ok || bareOf(to.jid) !== account) return { ok: false, reason: `received carbon of a message to ${m.to ?? '(nobody)'} refused: not addressed to us` };
  }
  return { ok: true, carbon: { direction, message: m } };
}

export function registerCarbons(client: XmppClient): CarbonsModule {
  const received = createEmitter<Carbon>();
  const refused = createEmitter<string>();
  let on = false;
  const off = client.onMessage((el) => {
    const r = parseCarbon(el, client.account);
    if (r === undefined) return;
    if (!r.ok) refused.emit(r.reason);
    else received.emit(r.carbon);
  });

  return {
    async enable() {
      await client.request('set', undefined, xml('enable', { xmlns: NS_CARBONS }));
      on = true;
    },
    async disable() {
      await client.request('set', undefined, xml('disable', { xmlns: NS_CARBONS }));
      on = false;
    },
    enabled: () => on,
    onDidReceiveCarbon: received.on,
    onDidRefuseCarbon: refused.on,
    dispose: off,
  };
}
