/**
 * XEP-0410 MUC Self-Ping (Schrödinger's Chat): a client asks whether it is still in a room by
 * sending a XEP-0199 ping to its own occupant JID. The room answers for us (or routes the ping to
 * one of our clients) only while we are an occupant; otherwise it refuses. §3.2 says how to read
 * each answer; the MUC module (0045-muc.ts) uses it after a new stream and for a room that went
 * quiet, and rejoins only where the answer says we are out.
 */
import xml from '@xmpp/xml';
import { IqError, type XmppClient } from '../client/client';
import { NS_PING } from './0199-ping';

export type SelfPingVerdict = 'joined' | 'not-joined' | 'unknown';

export interface SelfPingResult {
  readonly verdict: SelfPingVerdict;
  /** The stanza error condition, 'timeout' or 'disconnected'; undefined for a result. */
  readonly condition: string | undefined;
  /** Why, in words (for logs and the UI). */
  readonly reason: string;
}

/** XEP-0410 §3.2: the meaning of each answer to a self-ping. */
export function classifySelfPing(condition: string | undefined): SelfPingResult {
  if (condition === undefined) return { verdict: 'joined', condition, reason: 'the room answered the ping: we are joined' };
  switch (condition) {
    // The ping reached one of our clients (or the room) that does not do XEP-0199: still joined.
    case 'service-unavailable':
    case 'feature-not-implemented':
      return { verdict: 'joined', condition, reason: `${condition}: joined; the ping was routed to a client without XEP-0199` };
    // Our nick was changed by another of our clients while the ping was on its way: still joined.
    case 'item-not-found':
      return { verdict: 'joined', condition, reason: 'item-not-found: joined; the nick is being changed' };
    // No decision is possible: the room's server is unreachable for now; try again later.
    case 'remote-server-not-found':
    case 'remote-server-timeout':
    case 'timeout':
    case 'disconnected':
      return { verdict: 'unknown', condition, reason: `${condition}: the room cannot be reached now; no decision` };
    // Any other error (normally not-acceptable: "you are not an occupant"): we are out.
    default:
      return { verdict: 'not-joined', condition, reason: `${condition}: not joined any more` };
  }
}

/** Pings `occupantJid` (room/our-nick) and classifies the answer; never rejects. */
export async function selfPing(client: XmppClient, occupantJid: string, timeoutMs = 30_000): Promise<SelfPingResult> {
  try {
    await client.request('get', occupantJid, xml('ping', { xmlns: NS_PING }), timeoutMs);
    return classifySelfPing(undefined);
  } catch (e: unknown) {
    return classifySelfPing(e instanceof IqError ? e.condition : 'disconnected');
  }
}
