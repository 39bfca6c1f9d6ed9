// Test-only: a scripted room on the fake stream for the XEP-0045 unit tests — answers the
// disco#info the MUC module asks, and builds the room's presence and messages inline.
import type { Element } from '@xmpp/xml';
import type { BareJid, FullJid } from '../../../../shared/xmpp/jid';
import { createXmppClient, type XmppClient } from '../client/client';
import { createFakeStream, type FakeStream } from '../client/testing/fake-stream';
import type { OccupantChange } from './0045-muc-occupants';
import type { GroupMessage, GroupMessageState, LeaveEvent, MucModule, MucOptions, MucStatusEvent, PrivateMessage, RoomConfigChange, SubjectChange } from './0045-muc-types';
import { registerMuc } from './0045-muc';

export const ME = 'alice@example.test/desk' as FullJid;
export const ROOM = 'coven@chat.example.test' as BareJid;
export const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface Harness {
  readonly stream: FakeStream;
  readonly client: XmppClient;
  readonly muc: MucModule;
  readonly changes: OccupantChange[];
  readonly batches: number[];
  readonly group: GroupMessage[];
  readonly privates: PrivateMessage[];
  readonly states: GroupMessageState[];
  readonly subjects: SubjectChange[];
  readonly leaves: LeaveEvent[];
  readonly statuses: MucStatusEvent[];
  readonly configs: RoomConfigChange[];
  readonly refused: string[];
  /** Waits for the next stanza the client sends that matches (searching after the last one found). */
  next(pred: (el: Element) => boolean): Promise<Element>;
  /** Answers the next disco#info the client sends to `to` with these features (or an error). */
  answerInfo(features: readonly string[] | 'item-not-found', to?: string): Promise<Element>;
  /** Answers the next IQ to `to` with a result (or an error condition). */
  answerIq(pred: (el: Element) => boolean, error?: string, payload?: string): Promise<Element>;
}

export function harness(opts: MucOptions = {}): Harness {
  const stream = createFakeStream();
  const client = createXmppClient({ jid: ME, account: 'alice@example.test' as BareJid, stream });
  const muc = registerMuc(client, { batchMs: 1, timeoutMs: 2_000, ...opts });
  const h = {
    stream,
    client,
    muc,
    changes: [] as OccupantChange[],
    batches: [] as number[],
    group: [] as GroupMessage[],
    privates: [] as PrivateMessage[],
    states: [] as GroupMessageState[],
    subjects: [] as SubjectChange[],
    leaves: [] as LeaveEvent[],
    statuses: [] as MucStatusEvent[],
    configs: [] as RoomConfigChange[],
    refused: [] as string[],
  };
  muc.onDidChangeOccupants((_room, c) => {
    h.changes.push(...c);
    h.batches.push(c.length);
  });
  muc.onDidReceiveGroupMessage((m) => h.group.push(m));
  muc.onDidReceivePrivateMessage((m) => h.privates.push(m));
  muc.onDidChangeMessageState((s) => h.states.push(s));
  muc.onDidChangeSubject((s) => h.subjects.push(s));
  muc.onDidLeave((e) => h.leaves.push(e));
  muc.onDidReceiveStatus((e) => h.statuses.push(e));
  muc.onDidChangeRoomConfig((c) => h.configs.push(c));
  muc.onDidRefuse((r) => h.refused.push(r));
  let seen = 0;
  async function next(pred: (el: Element) => boolean): Promise<Element> {
    for (let i = 0; i < 500; i++) {
      const idx = stream.sent.findIndex((el, j) => j >= seen && pred(el));
      const el = idx >= 0 ? stream.sent[idx] : undefined;
      if (el) {
        seen = idx + 1;
        return el;
      }
      await tick();
    }
    throw new Error(`nothing matching was sent; sent: ${stream.sent.map(String).join('\n')}`);
  }
  async function answerIq(pred: (el: Element) => boolean, error?: string, payload = ''): Promise<Element> {
    const iq = await next((el) => el.name === 'iq' && pred(el));
    const id = String(iq.attrs.id);
    const from = iq.attrs.to ? ` from='${String(iq.attrs.to)}'` : '';
    stream.receive(
      error
        ? `<iq type='error' id='${id}'${from}><error type='cancel'><${error} xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`
        : `<iq type='result' id='${id}'${from}>${payload}</iq>`,
    );
    return iq;
  }
  const answerInfo = (features: readonly string[] | 'item-not-found', to: string = ROOM): Promise<Element> =>
    answerIq(
      (el) => el.attrs.to === to && el.getChild('query', 'http://jabber.org/protocol/disco#info') !== undefined && el.getChild('query')?.attrs.node === undefined,
      features === 'item-not-found' ? 'item-not-found' : undefined,
      features === 'item-not-found'
        ? ''
        : `<query xmlns='http://jabber.org/protocol/disco#info'><identity category='conference' type='text' name='The Coven'/><feature var='http://jabber.org/protocol/muc'/>${features.map((f) => `<feature var='${f}'/>`).join('')}</query>`,
    );
  return { ...h, next, answerInfo, answerIq };
}

/** A room presence from `nick` (muc#user item and status codes). */
export function occupantPresence(
  nick: string,
  o: { affiliation?: string; role?: string; jid?: string; codes?: readonly number[]; type?: string; occupantId?: string; show?: string; status?: string; itemNick?: string; actor?: string; reason?: string; extra?: string; room?: string } = {},
): string {
  const item =
    `<item affiliation='${o.affiliation ?? 'member'}' role='${o.role ?? 'participant'}'${o.jid ? ` jid='${o.jid}'` : ''}${o.itemNick ? ` nick='${o.itemNick}'` : ''}>` +
    `${o.actor ? `<actor nick='${o.actor}'/>` : ''}${o.reason ? `<reason>${o.reason}</reason>` : ''}</item>`;
  return (
    `<presence from='${o.room ?? ROOM}/${nick}' to='${ME}'${o.type ? ` type='${o.type}'` : ''}>` +
    `${o.show ? `<show>${o.show}</show>` : ''}${o.status ? `<status>${o.status}</status>` : ''}` +
    `<x xmlns='http://jabber.org/protocol/muc#user'>${item}${(o.codes ?? []).map((c) => `<status code='${c}'/>`).join('')}${o.extra ?? ''}</x>` +
    `${o.occupantId ? `<occupant-id xmlns='urn:xmpp:occupant-id:0' id='${o.occupantId}'/>` : ''}</presence>`
  );
}

/** A group message from room/nick (or the room itself when nick is undefined). */
export function groupMessage(nick: string | undefined, body: string, o: { id?: string; originId?: string; stanzaId?: string; occupantId?: string; delay?: string; room?: string } = {}): string {
  const room = o.room ?? ROOM;
  return (
    `<message type='groupchat' from='${room}${nick === undefined ? '' : `/${nick}`}' to='${ME}'${o.id ? ` id='${o.id}'` : ''}><body>${body}</body>` +
    `${o.originId ? `<origin-id xmlns='urn:xmpp:sid:0' id='${o.originId}'/>` : ''}${o.stanzaId ? `<stanza-id xmlns='urn:xmpp:sid:0' by='${room}' id='${o.stanzaId}'/>` : ''}` +
    `${o.occupantId ? `<occupant-id xmlns='urn:xmpp:occupant-id:0' id='${o.occupantId}'/>` : ''}${o.delay ? `<delay xmlns='urn:xmpp:delay' from='${room}' stamp='${o.delay}'/>` : ''}</message>`
  );
}

/**
 * Joins ROOM as `nick` through the whole exchange: disco#info with `features`, the join
 * presence, `others` (presence strings) and our self-presence with `codes`.
 */
export async function joinAs(h: Harness, nick: string, o: { features?: readonly string[]; others?: readonly string[]; codes?: readonly number[]; occupantId?: string; history?: { afterId?: string; maxStanzas?: number } } = {}) {
  const joining = h.muc.join(ROOM, { nick, ...(o.history ? { history: o.history } : {}) });
  await h.answerInfo(o.features ?? []);
  const presence = await h.next((el) => el.name === 'presence' && el.attrs.to === `${ROOM}/${nick}`);
  for (const p of o.others ?? []) h.stream.receive(p);
  h.stream.receive(occupantPresence(nick, { affiliation: 'owner', role: 'moderator', jid: ME, codes: [110, ...(o.codes ?? [])], ...(o.occupantId ? { occupantId: o.occupantId } : {}) }));
  return { joining, presence };
}
