/**
 * XEP-0421 Anonymous unique occupant identifiers for MUCs: a room that advertises
 * `urn:xmpp:occupant-id:0` stamps every presence and message it routes with an `<occupant-id/>`
 * that stays the same for one real user in that room across nick changes and rejoins.
 *
 * SECURITY (§4 and §6): the id is trustworthy only because the room strips any `<occupant-id/>`
 * the sender put on the stanza. A room that does not advertise the feature strips nothing, so an
 * occupant could forge anyone's id there: the id is read only when the room advertises it.
 */
import type { Element } from '@xmpp/xml';

export const NS_OCCUPANT_ID = 'urn:xmpp:occupant-id:0';

/** Ids are opaque (§3); real rooms use a base64 hash of ~44 characters. */
export const MAX_OCCUPANT_ID_CHARS = 256;
const CONTROL = /[\u0000-\u001f\u007f]/u;

/** Whether a room's disco#info features let us trust occupant ids (§4). */
export function occupantIdTrusted(roomFeatures: readonly string[] | ReadonlySet<string>): boolean {
  return 'has' in roomFeatures ? roomFeatures.has(NS_OCCUPANT_ID) : roomFeatures.includes(NS_OCCUPANT_ID);
}

/**
 * The occupant id on a presence or message routed by a room, validated; undefined when there is
 * none, when it is malformed, or when there is more than one (the room strips what senders add,
 * so two ids mean the room did not, and neither can be believed).
 */
export function readOccupantId(stanza: Element): string | undefined {
  let found: string | undefined;
  let count = 0;
  for (const c of stanza.children) {
    if (typeof c === 'string' || c.name !== 'occupant-id' || c.attrs.xmlns !== NS_OCCUPANT_ID) continue;
    count += 1;
    const id = c.attrs.id as unknown;
    if (typeof id === 'string') found = id;
  }
  if (count !== 1 || found === undefined) return undefined;
  if (found.length === 0 || found.length > MAX_OCCUPANT_ID_CHARS || CONTROL.test(found)) return undefined;
  return found;
}
