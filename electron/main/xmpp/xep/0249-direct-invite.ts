/**
 * XEP-0249 Direct MUC Invitations: the inviter tells the invitee about a room in a message sent
 * straight to them (`<x xmlns='jabber:x:conference' jid=…/>`), without the room relaying it —
 * so the invitation reaches people in members-only rooms' "invite-only" flows and across
 * servers whose rooms do not relay (§1). Received invitations are checked at the edge: one must
 * come from the inviter's own full JID (a real session, RFC 6120 §8.1.2.1: the server stamps
 * it), never from a bare JID (a room or server could pose as someone there) and never as a
 * groupchat or error message.
 */
import type { Element } from '@xmpp/xml';
import xml from '@xmpp/xml';
import { createEmitter, type Disposer } from '../../../../shared/util/disposable';
import { bareOf, parseFullJid, parseJid, type BareJid, type FullJid } from '../../../../shared/xmpp/jid';
import type { XmppClient } from '../client/client';
import { NS_MUC_USER } from './0045-muc-parse';

export const NS_CONFERENCE = 'jabber:x:conference';

/** Longest reason and password we accept (a hostile invitation could carry megabytes). */
export const MAX_INVITE_TEXT = 4096;

export interface DirectInvitation {
  readonly kind: 'direct';
  readonly room: BareJid;
  /** The inviter: the full JID the message came from. */
  readonly from: FullJid;
  readonly reason?: string;
  readonly password?: string;
  /** §2: the invitation continues a one-to-one chat (thread) in the room. */
  readonly continues: boolean;
  readonly thread?: string;
}

export interface DirectInviteOptions {
  readonly reason?: string;
  readonly password?: string;
  /** Continue this one-to-one thread in the room (§2 'continue' and 'thread'). */
  readonly continueThread?: string;
}

export type DirectInviteParse = { readonly ok: true; readonly invitation: DirectInvitation } | { readonly ok: false; readonly reason: string };

/** §2: the invitation element; `room` must be a room JID (room@service). */
export function buildDirectInvite(to: string, room: string, opts: DirectInviteOptions = {}): Element {
  const r = parseJid(room);
  if (!r.ok || r.jid.local === undefined || r.jid.resource !== undefined) throw new Error(`'${room}' is not a room address (room@service)`);
  return xml(
    'message',
    { to },
    xml('x', {
      xmlns: NS_CONFERENCE,
      jid: bareOf(r.jid),
      ...(opts.password ? { password: opts.password } : {}),
      ...(opts.reason ? { reason: opts.reason } : {}),
      ...(opts.continueThread ? { continue: 'true', thread: opts.continueThread } : {}),
    }),
  );
}

/** undefined: the message is no direct invitation; otherwise the invitation or why it is refused. */
export function parseDirectInvite(message: Element): DirectInviteParse | undefined {
  const x = message.getChild('x', NS_CONFERENCE);
  if (!x) return undefined;
  // A room relaying a XEP-0045 invitation may add this element for old clients (Prosody does):
  // such a message is a mediated invitation and is judged as one (0045-muc-invite.ts).
  if (message.getChild('x', NS_MUC_USER)?.getChild('invite')) return undefined;
  const type = String(message.attrs.type ?? 'normal');
  if (type === 'error' || type === 'groupchat') return { ok: false, reason: `a direct invitation in a ${type} message` };
  const fromAttr = String(message.attrs.from ?? '');
  const from = parseFullJid(fromAttr);
  if (!from) return { ok: false, reason: `a direct invitation from '${fromAttr}', not from a full JID of the inviter` };
  const room = parseJid(String(x.attrs.jid ?? ''));
  if (!room.ok || room.jid.local === undefined || room.jid.resource !== undefined) return { ok: false, reason: `a direct invitation to '${String(x.attrs.jid ?? '')}', not a room address` };
  const text = (name: string): string | undefined => {
    const v = x.attrs[name] as unknown;
    return typeof v === 'string' && v !== '' ? v : undefined;
  };
  const reason = text('reason');
  const password = text('password');
  const thread = text('thread');
  for (const [what, v] of [['reason', reason], ['password', password], ['thread', thread]] as const) {
    if (v !== undefined && v.length > MAX_INVITE_TEXT) return { ok: false, reason: `a direct invitation whose ${what} is longer than ${MAX_INVITE_TEXT} characters` };
  }
  const cont = text('continue');
  return {
    ok: true,
    invitation: {
      kind: 'direct',
      room: bareOf(room.jid),
      from,
      continues: cont === 'true' || cont === '1',
      ...(reason !== undefined ? { reason } : {}),
      ...(password !== undefined ? { password } : {}),
      ...(thread !== undefined ? { thread } : {}),
    },
  };
}

export interface DirectInviteModule {
  send(to: string, room: string, opts?: DirectInviteOptions): void;
  onDidReceive(cb: (invitation: DirectInvitation) => void): Disposer;
  /** Invitations refused at the edge, with the reason (logs, tests). */
  onDidRefuse(cb: (reason: string) => void): Disposer;
  dispose(): void;
}

export function registerDirectInvite(client: XmppClient): DirectInviteModule {
  const received = createEmitter<DirectInvitation>();
  const refused = createEmitter<string>();
  const disposers: Disposer[] = [
    // §4: support is advertised so inviters know a direct invitation will be understood.
    client.disco.addFeature(NS_CONFERENCE),
    client.onMessage((m) => {
      const r = parseDirectInvite(m);
      if (!r) return;
      // A listener's failure must not break stanza routing: the emitters isolate each one.
      if (r.ok) received.emit(r.invitation);
      else refused.emit(r.reason);
    }),
  ];
  return {
    send: (to, room, opts) => client.send(buildDirectInvite(to, room, opts)),
    onDidReceive: received.on,
    onDidRefuse: refused.on,
    dispose() {
      for (const d of disposers) d();
      received.clear();
      refused.clear();
    },
  };
}
