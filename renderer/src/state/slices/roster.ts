import type { Contact, ContactPresence } from '../../../../shared/ipc/index';

/** What the user can set as their own presence (RFC 6121 §4.7.2.1 <show/>; 'online' = no <show/>). */
export type OwnShow = 'online' | 'away' | 'xa' | 'dnd';
export const OWN_SHOWS: readonly OwnShow[] = ['online', 'away', 'xa', 'dnd'];

/** Someone asked to see our presence and waits for the user's answer [IMPP-P1]. */
export interface SubscriptionRequest {
  readonly from: string;
  readonly status?: string | undefined;
}

/**
 * Contacts, their presence and the subscription requests, normalised by bare JID. Contacts and
 * presence are separate maps so that a presence flood leaves `contacts` (and everything that
 * selects from it, such as the grouping) untouched.
 */
export interface RosterSlice {
  /** The first getRoster snapshot of this session arrived. */
  readonly loaded: boolean;
  readonly contacts: Readonly<Record<string, Contact>>;
  readonly presence: Readonly<Record<string, ContactPresence>>;
  readonly requests: readonly SubscriptionRequest[];
  /** What this renderer last set (the contract has no query for it: a reload shows 'online'). */
  readonly own: { readonly show: OwnShow; readonly status: string };
}

export const initialRoster: RosterSlice = { loaded: false, contacts: {}, presence: {}, requests: [], own: { show: 'online', status: '' } };

/** getRoster's answer replaces everything it covers; request texts seen in events are kept. */
export function rosterSnapshot(
  s: RosterSlice,
  snap: {
    readonly contacts: readonly Contact[];
    readonly presence: readonly ContactPresence[];
    readonly requests: readonly string[];
    /** Our presence as main last sent it (absent in older snapshots): survives a reload. */
    readonly own?: { readonly show: OwnShow | 'chat'; readonly status?: string };
  },
): RosterSlice {
  const contacts: Record<string, Contact> = {};
  for (const c of snap.contacts) contacts[c.jid] = c;
  const presence: Record<string, ContactPresence> = {};
  for (const p of snap.presence) presence[p.jid] = p;
  const known = new Map(s.requests.map((r) => [r.from, r]));
  const requests = snap.requests.map((from) => known.get(from) ?? { from });
  // 'chat' (free for chat) is shown as available: the selector offers the four common states.
  const own = snap.own ? { show: snap.own.show === 'chat' ? 'online' : snap.own.show, status: snap.own.status ?? '' } : s.own;
  return { ...s, loaded: true, contacts, presence, requests, own };
}

/** The link is down: nobody's presence is known any more (the next session reports it afresh). */
export function presenceUnknown(s: RosterSlice): RosterSlice {
  return Object.keys(s.presence).length === 0 ? s : { ...s, presence: {} };
}

export function ownPresenceSet(s: RosterSlice, show: OwnShow, status: string): RosterSlice {
  return { ...s, own: { show, status } };
}

/** A contact whose subscription already lets them see us has no open request any more. */
export const seesOurPresence = (c: Contact | undefined): boolean => c?.subscription === 'from' || c?.subscription === 'both';

/** Do we see their presence, or asked to? (An approved request is answered in kind unless so.) */
export const followsTheirPresence = (c: Contact | undefined): boolean => c !== undefined && (c.subscription === 'to' || c.subscription === 'both' || c.pendingOut);
