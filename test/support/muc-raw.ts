// Minimal raw XEP-0045 occupant for tests that must not depend on the MUC core module: joins
// with a bare §7.2 presence, waits for the self-presence (status 110) or the error, and records
// every presence and message from the room so a test can wait for kicks (307), bans (301),
// destroys, relayed invitations and voice changes.
import type { Element } from '@xmpp/xml';
import xml from '@xmpp/xml';
import type { XmppClient } from '../../electron/main/xmpp/client/client';
import { errorCondition } from '../../electron/main/xmpp/client/iq-tracker';
import { NS_MUC, NS_MUC_USER } from '../../electron/main/xmpp/xep/0045-muc-parse';


export class RawJoinError extends Error {
  constructor(
    readonly condition: string,
    readonly presence: Element,
  ) {
    super(`join refused: ${condition}`);
    this.name = 'RawJoinError';
  }
}

export interface RawOccupant {
  readonly room: string;
  readonly nick: string;
  /** The self-presence that completed the join. */
  readonly self: Element;
  /** Every presence and message from the room (bare or occupant JID) since the join began. */
  readonly presences: Element[];
  readonly messages: Element[];
  say(body: string): void;
  leave(): void;
  stop(): void;
}

export const statusCodes = (p: Element): string[] => (p.getChild('x', NS_MUC_USER)?.getChildren('status') ?? []).map((s) => String(s.attrs.code));
export const mucItem = (p: Element): Element | undefined => p.getChild('x', NS_MUC_USER)?.getChild('item');
const inRoom = (room: string, from: unknown): boolean => typeof from === 'string' && (from === room || from.startsWith(`${room}/`));

/** Joins `room` as `nick` (with a password if given); rejects with RawJoinError on an error presence. */
export function joinRaw(client: XmppClient, room: string, nick: string, opts: { readonly password?: string; readonly timeoutMs?: number } = {}): Promise<RawOccupant> {
  const presences: Element[] = [];
  const messages: Element[] = [];
  const offP = client.onPresence((p) => {
    if (inRoom(room, p.attrs.from)) presences.push(p);
  });
  const offM = client.onMessage((m) => {
    if (inRoom(room, m.attrs.from)) messages.push(m);
  });
  const stop = (): void => {
    offP();
    offM();
  };
  return new Promise<RawOccupant>((resolve, reject) => {
    const timer = setTimeout(() => {
      clearInterval(poll);
      stop();
      reject(new Error(`no self-presence from ${room} within ${opts.timeoutMs ?? 10_000} ms`));
    }, opts.timeoutMs ?? 10_000);
    const poll = setInterval(() => {
      const err = presences.find((p) => p.attrs.type === 'error');
      const self = presences.find((p) => p.attrs.type !== 'error' && p.attrs.type !== 'unavailable' && statusCodes(p).includes('110'));
      if (!err && !self) return;
      clearTimeout(timer);
      clearInterval(poll);
      if (err) {
        stop();
        reject(new RawJoinError(errorCondition(err).condition, err));
        return;
      }
      if (!self) return;
      const actualNick = String(self.attrs.from).slice(room.length + 1);
      resolve({
        room,
        nick: actualNick,
        self,
        presences,
        messages,
        say: (body) => client.send(xml('message', { to: room, type: 'groupchat' }, xml('body', {}, body))),
        leave: () => client.send(xml('presence', { to: `${room}/${actualNick}`, type: 'unavailable' })),
        stop,
      });
    }, 20);
    client.send(xml('presence', { to: `${room}/${nick}` }, xml('x', { xmlns: NS_MUC }, ...(opts.password !== undefined ? [xml('password', {}, opts.password)] : []))));
  });
}
