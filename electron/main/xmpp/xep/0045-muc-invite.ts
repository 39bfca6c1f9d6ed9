/**
 * Invitations to rooms, both kinds as one event: mediated (XEP-0045 §7.8.2, sent to the room,
 * which relays it and adds the password) and direct (XEP-0249, see 0249-direct-invite.ts), plus
 * declining a mediated one (§7.8.2 decline, relayed by the room to the inviter).
 *
 * Security: a mediated invitation is only believed from the room's own bare JID. The room puts
 * the inviter in `<invite from=…/>`; anyone else could write that attribute too, so an
 * invitation "relayed" by a full JID (a user, an occupant) is refused — it would let them pose
 * as a colleague inviting us. Direct invitations must come from the inviter's full JID.
 */
import type { Element } from '@xmpp/xml';
import xml from '@xmpp/xml';
import { createEmitter, type Disposer } from '../../../../shared/util/disposable';
import { bareOf, parseJid, type BareJid } from '../../../../shared/xmpp/jid';
import type { XmppClient } from '../client/client';
import { NS_MUC_USER, parseRoomJid } from './0045-muc-parse';
import { MAX_INVITE_TEXT, registerDirectInvite, type DirectInvitation, type DirectInviteOptions } from './0249-direct-invite';

export interface MediatedInvitation {
  readonly kind: 'mediated';
  /** The room, which relayed the invitation (the message came from it). */
  readonly room: BareJid;
  /**
   * The inviter as the room reports it (§7.8.2 `<invite from>`): their real JID, or in a
   * semi-anonymous room their occupant JID room/nick (Prosody masks it so). Declines go to it.
   */
  readonly from: string;
  readonly reason?: string;
  /** Added by the room when it is password-protected (§7.8.2). */
  readonly password?: string;
  /** §7.8.2 `<continue/>`: the invitation continues a one-to-one chat. */
  readonly continues: boolean;
  readonly thread?: string;
}
export type Invitation = MediatedInvitation | DirectInvitation;

/** §7.8.2: the invitee declined; relayed to us, the inviter, by the room. */
export interface InvitationDecline {
  readonly room: BareJid;
  /** The decliner as the room reports it. */
  readonly from: string;
  readonly reason?: string;
}

type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

/** The relayed `<invite/>` or `<decline/>` of a message from a room; undefined when it has none. */
export function parseMediated(message: Element): Parsed<MediatedInvitation | InvitationDecline> | undefined {
  const x = message.getChild('x', NS_MUC_USER);
  const invites = x?.getChildren('invite') ?? [];
  const declines = x?.getChildren('decline') ?? [];
  if (!x || (invites.length === 0 && declines.length === 0)) return undefined;
  const what = invites.length > 0 ? 'invitation' : 'decline';
  const type = String(message.attrs.type ?? 'normal');
  if (type === 'error' || type === 'groupchat') return { ok: false, reason: `a mediated ${what} in a ${type} message` };
  const fromAttr = String(message.attrs.from ?? '');
  const room = parseRoomJid(fromAttr);
  if (!room) return { ok: false, reason: `a mediated ${what} from '${fromAttr}': only the room itself (room@service) relays one (XEP-0045 §7.8.2)` };
  if (invites.length + declines.length > 1) return { ok: false, reason: `a relayed message from ${room} with ${invites.length + declines.length} invitations/declines (a room relays one)` };
  const el = invites[0] ?? declines[0];
  if (!el) return undefined;
  const who = parseJid(String(el.attrs.from ?? ''));
  if (!who.ok) return { ok: false, reason: `a mediated ${what} from ${room} that does not say who sent it` };
  const { resource } = who.jid;
  const sender = resource === undefined ? bareOf(who.jid) : `${bareOf(who.jid)}/${resource}`;
  const reason = el.getChildText('reason') ?? '';
  const password = invites.length > 0 ? (x.getChildText('password') ?? '') : '';
  const thread = el.getChild('continue')?.attrs.thread as unknown;
  for (const [name, v] of [['reason', reason], ['password', password], ['thread', typeof thread === 'string' ? thread : '']] as const) {
    if (v.length > MAX_INVITE_TEXT) return { ok: false, reason: `a mediated ${what} whose ${name} is longer than ${MAX_INVITE_TEXT} characters` };
  }
  const common = { room, from: sender, ...(reason !== '' ? { reason } : {}) };
  if (invites.length === 0) return { ok: true, value: common };
  return {
    ok: true,
    value: {
      kind: 'mediated',
      ...common,
      ...(password !== '' ? { password } : {}),
      continues: el.getChild('continue') !== undefined,
      ...(typeof thread === 'string' && thread !== '' ? { thread } : {}),
    },
  };
}

export interface InvitationsModule {
  /** §7.8.2: invite `to` through the room (one message per invitee: Prosody relays only the first `<invite/>`). */
  invite(room: string, to: string, opts?: { readonly reason?: string; readonly continueThread?: string }): void;
  /** XEP-0249: invite `to` directly. */
  inviteDirect(to: string, room: string, opts?: DirectInviteOptions): void;
  /** §7.8.2: decline a mediated invitation; the room tells the inviter. */
  decline(invitation: MediatedInvitation, reason?: string): void;
  onDidReceiveInvitation(cb: (invitation: Invitation) => void): Disposer;
  onDidReceiveDecline(cb: (decline: InvitationDecline) => void): Disposer;
  /** Invitations and declines refused at the edge, with the reason (logs, tests). */
  onDidRefuseInvitation(cb: (reason: string) => void): Disposer;
  dispose(): void;
}

export function registerInvitations(client: XmppClient): InvitationsModule {
  const invitations = createEmitter<Invitation>();
  const declines = createEmitter<InvitationDecline>();
  const refused = createEmitter<string>();
  const direct = registerDirectInvite(client);
  const room = (r: string): BareJid => {
    const j = parseRoomJid(r);
    if (!j) throw new Error(`'${r}' is not a room address (room@service)`);
    return j;
  };
  const disposers: Disposer[] = [
    direct.dispose,
    direct.onDidReceive((i) => invitations.emit(i)),
    direct.onDidRefuse((r) => refused.emit(r)),
    client.onMessage((m) => {
      const r = parseMediated(m);
      if (!r) return;
      if (!r.ok) refused.emit(r.reason);
      else if ('kind' in r.value) invitations.emit(r.value);
      else declines.emit(r.value);
    }),
  ];
  return {
    invite(r, to, opts = {}) {
      const invitee = parseJid(to);
      if (!invitee.ok) throw new Error(`'${to}' is not a JID: ${invitee.reason}`);
      const children = [...(opts.reason ? [xml('reason', {}, opts.reason)] : []), ...(opts.continueThread ? [xml('continue', { thread: opts.continueThread })] : [])];
      client.send(xml('message', { to: room(r) }, xml('x', { xmlns: NS_MUC_USER }, xml('invite', { to }, ...children))));
    },
    inviteDirect: (to, r, opts) => direct.send(to, r, opts),
    decline(invitation, reason) {
      // To the room, addressed to the inviter it named; the room relays it (§7.8.2 example 63).
      client.send(xml('message', { to: invitation.room }, xml('x', { xmlns: NS_MUC_USER }, xml('decline', { to: invitation.from }, ...(reason ? [xml('reason', {}, reason)] : [])))));
    },
    onDidReceiveInvitation: invitations.on,
    onDidReceiveDecline: declines.on,
    onDidRefuseInvitation: refused.on,
    dispose() {
      for (const d of disposers) d();
      invitations.clear();
      declines.clear();
      refused.clear();
    },
  };
}
