// A synthetic XEP-0045 room for the MUC benchmark (bench/muc-join.ts): the exact stanzas a
// multi-user chat service sends when we join (§7.2: every occupant's presence with its muc#user
// item, our self-presence with status 110, the legacy history §7.2.14 and the subject §7.2.15),
// the room's disco#info, its XEP-0313 archive pages, and the occupants' XEP-0115 disco#info
// answers — and the scripted server logic that answers a client's stanzas with them. The
// stanzas are shaped like Prosody 0.12's (caps, vCard avatar hash, XEP-0421 occupant id,
// XEP-0359 stanza-id by the room, XEP-0203 delay) and come from a seeded generator, so every
// run sends the same bytes. The server side runs in its own process (muc-room-server.ts).
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Element } from '@xmpp/xml';
import type { BareJid, FullJid } from '../../shared/xmpp/jid';
import { capsVer, type CapsInfo } from '../../electron/main/xmpp/xep/0115-caps';
import { escapeText, ME_FULL, rng, sentence } from './stanza-bench';

export const MUC_SERVICE = 'conference.bench.test';
export const NICK = 'bench-me';
export const NS_MUC = 'http://jabber.org/protocol/muc';
export const NS_MUC_USER = 'http://jabber.org/protocol/muc#user';
export const NS_MAM = 'urn:xmpp:mam:2';
export const NS_DISCO_INFO = 'http://jabber.org/protocol/disco#info';
/** XEP-0313 page size the MUC module asks for (0045-muc-history.ts PAGE_SIZE). */
export const MAM_PAGE = 100;

export interface RoomSpec {
  /** Room localpart; the room is `${name}@conference.bench.test`. */
  readonly name: string;
  readonly occupants: number;
  readonly history: number;
  /** The room advertises urn:xmpp:mam:2: history comes from the archive, not with the join. */
  readonly mam: boolean;
  readonly seed: number;
}

export const roomJid = (spec: Pick<RoomSpec, 'name'>): BareJid => `${spec.name}@${MUC_SERVICE}` as BareJid;
export const selfJid = (spec: Pick<RoomSpec, 'name'>): FullJid => `${roomJid(spec)}/${NICK}` as FullJid;

export function escapeAttr(s: string): string {
  return escapeText(s).replace(/'/g, '&apos;').replace(/"/g, '&quot;');
}

/** Client software the occupants run: each a real XEP-0115 ver of its disco#info. */
interface ClientType {
  readonly node: string;
  readonly ver: string;
  readonly info: CapsInfo;
}

const COMMON = ['http://jabber.org/protocol/caps', 'http://jabber.org/protocol/disco#info', 'http://jabber.org/protocol/muc', 'urn:xmpp:ping', 'urn:xmpp:receipts', 'jabber:iq:version', 'urn:xmpp:time'];
const EXTRA = [
  'http://jabber.org/protocol/chatstates',
  'urn:xmpp:chat-markers:0',
  'urn:xmpp:message-correct:0',
  'http://jabber.org/protocol/xhtml-im',
  'urn:xmpp:avatar:metadata+notify',
  'urn:xmpp:bookmarks:1+notify',
  'urn:xmpp:jingle:1',
  'urn:xmpp:jingle:apps:rtp:audio',
  'urn:xmpp:jingle:apps:file-transfer:5',
  'urn:xmpp:omemo:2:devices+notify',
  'urn:xmpp:reactions:0',
  'urn:xmpp:sid:0',
  'http://jabber.org/protocol/nick+notify',
  'urn:xmpp:idle:1',
];

function clientTypes(): ClientType[] {
  const names = [
    ['https://conversations.im', 'Conversations'],
    ['https://gajim.org', 'Gajim'],
    ['https://dino.im', 'Dino'],
    ['https://bastion.invalid/caps', 'Bastion'],
    ['http://pidgin.im/', 'Pidgin'],
    ['https://swift.im', 'Swift'],
  ] as const;
  return names.map(([node, name], i) => {
    const info: CapsInfo = {
      identities: [{ category: 'client', type: i === 0 ? 'phone' : 'pc', name }],
      features: [...COMMON, ...EXTRA.filter((_, j) => (j + i) % 3 !== 0)],
      forms: [],
    };
    return { node, ver: capsVer(info), info };
  });
}

const FIRST = ['alex', 'Zoë', 'José', 'mike', 'Sam', 'Ngozi', 'chen.wei', 'Łukasz', 'ops', 'Dmitri', 'amélie', 'Kwame', 'SGT Ortiz', 'lt.kim'];

function nickOf(i: number): string {
  // Varied nicks (accents, spaces, dots) so the NFC and resourcepart checks see real input.
  return `${FIRST[i % FIRST.length] as string}-${i}`;
}

const roleAff = (r: () => number): { role: string; affiliation: string } => {
  const x = r();
  if (x < 0.02) return { role: 'moderator', affiliation: 'owner' };
  if (x < 0.05) return { role: 'moderator', affiliation: 'admin' };
  if (x < 0.6) return { role: 'participant', affiliation: 'member' };
  if (x < 0.95) return { role: 'participant', affiliation: 'none' };
  return { role: 'visitor', affiliation: 'none' };
};

const hexId = (i: number, salt: number, len: number): string => {
  let s = '';
  let x = (i + 1) * 2654435761 + salt * 40503;
  while (s.length < len) {
    x = Math.imul(x ^ (x >>> 13), 1597334677) >>> 0;
    s += x.toString(16).padStart(8, '0');
  }
  return s.slice(0, len);
};
const occupantId = (i: number): string => Buffer.from(hexId(i, 7, 32), 'hex').toString('base64');

/** One occupant's presence as the room relays it (§7.2.3: to every occupant, with the muc#user item). */
function occupantPresence(spec: RoomSpec, r: () => number, i: number, types: readonly ClientType[]): string {
  const room = roomJid(spec);
  const t = types[i % types.length] as ClientType;
  const shows = ['', '', '', 'away', 'xa', 'dnd', 'chat'];
  const show = shows[Math.floor(r() * shows.length)] as string;
  const status = r() < 0.3 ? `<status>${escapeText(sentence(r, 1, 8))}</status>` : '';
  const photo = r() < 0.5 ? `<x xmlns='vcard-temp:x:update'><photo>${hexId(i, 3, 40)}</photo></x>` : '';
  const { role, affiliation } = roleAff(r);
  return (
    `<presence from='${escapeAttr(`${room}/${nickOf(i)}`)}' to='${ME_FULL}'>` +
    (show ? `<show>${show}</show>` : '') +
    status +
    `<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='${t.node}' ver='${t.ver}'/>` +
    photo +
    `<occupant-id xmlns='urn:xmpp:occupant-id:0' id='${occupantId(i)}'/>` +
    // A non-anonymous room (§7.2.4): every occupant's real JID is shown.
    `<x xmlns='${NS_MUC_USER}'><item affiliation='${affiliation}' role='${role}' jid='user${i}@bench.test/${hexId(i, 5, 8)}'/></x>` +
    `</presence>`
  );
}

/** §7.2.2: our own presence, status 110 (self), 100 (non-anonymous), 170 (logged). */
function selfPresence(spec: RoomSpec, type?: 'unavailable'): string {
  const codes = type === 'unavailable' ? [110] : [100, 110, 170];
  return (
    `<presence from='${selfJid(spec)}' to='${ME_FULL}'${type ? ` type='${type}'` : ''}>` +
    `<occupant-id xmlns='urn:xmpp:occupant-id:0' id='${occupantId(spec.occupants + 1)}'/>` +
    `<x xmlns='${NS_MUC_USER}'><item affiliation='member' role='${type ? 'none' : 'participant'}' jid='${ME_FULL}'/>${codes.map((c) => `<status code='${c}'/>`).join('')}</x>` +
    `</presence>`
  );
}

const archiveId = (spec: RoomSpec, i: number): string => `${spec.name}-${hexId(i, 11, 16)}`;
const stamp = (i: number): string => new Date(Date.UTC(2024, 4, 1, 8, 0, 0) + i * 37_000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The inner group message of history entry i (a live copy, or the archive's). */
function groupMessage(spec: RoomSpec, r: () => number, i: number, where: 'legacy' | 'archive'): string {
  const room = roomJid(spec);
  const who = Math.floor(r() * spec.occupants);
  const id = hexId(i, 13, 24);
  const body = escapeText(sentence(r, 2, 40));
  const ns = where === 'archive' ? ` xmlns='jabber:client'` : '';
  return (
    `<message${ns} type='groupchat' from='${escapeAttr(`${room}/${nickOf(who)}`)}'${where === 'legacy' ? ` to='${ME_FULL}'` : ''} id='${id}'>` +
    `<body>${body}</body>` +
    `<origin-id xmlns='urn:xmpp:sid:0' id='${id}'/>` +
    (r() < 0.3 ? `<markable xmlns='urn:xmpp:chat-markers:0'/>` : '') +
    `<occupant-id xmlns='urn:xmpp:occupant-id:0' id='${occupantId(who)}'/>` +
    // §7.2.14: history carries the original time; the room's stanza-id is its archive id.
    (where === 'legacy' ? `<delay xmlns='urn:xmpp:delay' from='${room}' stamp='${stamp(i)}'/><stanza-id xmlns='urn:xmpp:sid:0' by='${room}' id='${archiveId(spec, i)}'/>` : '') +
    `</message>`
  );
}

function subjectMessage(spec: RoomSpec): string {
  return `<message type='groupchat' from='${escapeAttr(`${roomJid(spec)}/${nickOf(0)}`)}' to='${ME_FULL}' id='subject-1'><subject>Operations coordination — daily sync at 1400Z; see the pinned report</subject></message>`;
}

export function roomFeatures(spec: RoomSpec): string[] {
  return [NS_MUC, 'muc_nonanonymous', 'muc_persistent', 'muc_open', 'muc_unmoderated', 'muc_unsecured', 'urn:xmpp:sid:0', 'urn:xmpp:occupant-id:0', 'urn:xmpp:mucsid:0', ...(spec.mam ? [NS_MAM] : [])];
}

/** What the room sends on its own for one join, in §7.2's order, as one byte string. */
function joinBurst(spec: RoomSpec, types: readonly ClientType[]): { bytes: Buffer; stanzas: number } {
  const r = rng(spec.seed);
  const parts: string[] = [];
  for (let i = 0; i < spec.occupants; i++) parts.push(occupantPresence(spec, r, i, types));
  parts.push(selfPresence(spec));
  if (!spec.mam) {
    // §7.2.14–15: legacy history after the self-presence, then the subject ends it.
    const h = rng(spec.seed + 1);
    for (let i = 0; i < spec.history; i++) parts.push(groupMessage(spec, h, i, 'legacy'));
  }
  parts.push(subjectMessage(spec));
  return { bytes: Buffer.from(parts.join('')), stanzas: parts.length };
}

export interface PreparedRoom {
  readonly spec: RoomSpec;
  readonly burst: Buffer;
  readonly burstStanzas: number;
  /** Archive results with `\0Q\0` where the queryid goes. */
  readonly archive: readonly { readonly id: string; readonly template: string }[];
}

export function prepareRoom(spec: RoomSpec): PreparedRoom {
  const types = clientTypes();
  const { bytes, stanzas } = joinBurst(spec, types);
  const h = rng(spec.seed + 1);
  const room = roomJid(spec);
  const archive = spec.mam
    ? Array.from({ length: spec.history }, (_, i) => {
        const id = archiveId(spec, i);
        return {
          id,
          template:
            `<message from='${room}' to='${ME_FULL}'><result xmlns='${NS_MAM}' queryid='\0Q\0' id='${id}'>` +
            `<forwarded xmlns='urn:xmpp:forward:0'><delay xmlns='urn:xmpp:delay' stamp='${stamp(i)}'/>${groupMessage(spec, h, i, 'archive')}</forwarded></result></message>`,
        };
      })
    : [];
  return { spec, burst: bytes, burstStanzas: stanzas, archive };
}

/** The answers a client gets from the scripted service: room disco#info, join, archive, caps, leave. */
export function roomScript(prepared: readonly PreparedRoom[]): { answer(el: Element): (string | Buffer)[]; counts: Record<string, number> } {
  const rooms = new Map(prepared.map((p) => [roomJid(p.spec) as string, p]));
  const caps = new Map(clientTypes().map((t) => [`${t.node}#${t.ver}`, t.info]));
  const counts: Record<string, number> = { join: 0, leave: 0, disco: 0, caps: 0, mam: 0, other: 0 };
  const iqError = (el: Element, condition: string): string =>
    `<iq type='error' id='${escapeAttr(String(el.attrs.id))}'${el.attrs.to ? ` from='${escapeAttr(String(el.attrs.to))}'` : ''} to='${ME_FULL}'><error type='cancel'><${condition} xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`;

  function iq(el: Element): string | string[] {
    const to = String(el.attrs.to ?? '');
    const id = escapeAttr(String(el.attrs.id));
    const room = rooms.get(to.split('/')[0] as string);
    const q = el.getChild('query');
    if (el.attrs.type === 'get' && q?.attrs.xmlns === NS_DISCO_INFO) {
      const node = q.attrs.node as string | undefined;
      if (room && !to.includes('/') && node === undefined) {
        counts.disco = (counts.disco ?? 0) + 1;
        const features = roomFeatures(room.spec).map((f) => `<feature var='${f}'/>`).join('');
        return `<iq type='result' id='${id}' from='${to}' to='${ME_FULL}'><query xmlns='${NS_DISCO_INFO}'><identity category='conference' type='text' name='Operations ${room.spec.name}'/>${features}</query></iq>`;
      }
      const info = node ? caps.get(node) : undefined;
      if (room && to.includes('/') && info && node) {
        // The occupant's client answers through the room (§7.5: IQs to occupant JIDs are routed).
        counts.caps = (counts.caps ?? 0) + 1;
        const ids = info.identities.map((i) => `<identity category='${i.category}' type='${i.type}'${i.name ? ` name='${escapeAttr(i.name)}'` : ''}/>`).join('');
        return `<iq type='result' id='${id}' from='${escapeAttr(to)}' to='${ME_FULL}'><query xmlns='${NS_DISCO_INFO}' node='${escapeAttr(node)}'>${ids}${info.features.map((f) => `<feature var='${f}'/>`).join('')}</query></iq>`;
      }
    }
    if (room && !to.includes('/') && el.attrs.type === 'set' && q?.attrs.xmlns === NS_MAM && q.name === 'query') {
      // XEP-0313 §4 with XEP-0059 paging forward: results after <after/>, then <fin/>.
      counts.mam = (counts.mam ?? 0) + 1;
      const queryid = String(q.attrs.queryid ?? '');
      const set = q.getChild('set', 'http://jabber.org/protocol/rsm');
      const max = Math.max(1, Math.min(250, Number(set?.getChildText('max') ?? MAM_PAGE) || MAM_PAGE));
      const after = set?.getChildText('after') ?? undefined;
      const start = after === undefined ? 0 : room.archive.findIndex((a) => a.id === after) + 1;
      if (after !== undefined && start === 0) return iqError(el, 'item-not-found');
      const page = room.archive.slice(start, start + max);
      const complete = start + page.length >= room.archive.length;
      const out = page.map((a) => a.template.split('\0Q\0').join(escapeAttr(queryid)));
      const rsm = page.length ? `<first index='${start}'>${page[0]?.id}</first><last>${page.at(-1)?.id}</last>` : '';
      out.push(`<iq type='result' id='${id}' from='${to}' to='${ME_FULL}'><fin xmlns='${NS_MAM}' complete='${complete}'><set xmlns='http://jabber.org/protocol/rsm'>${rsm}<count>${room.archive.length}</count></set></fin></iq>`);
      return out;
    }
    counts.other = (counts.other ?? 0) + 1;
    return iqError(el, 'service-unavailable');
  }

  return {
    counts,
    answer(el) {
      if (el.name === 'iq' && (el.attrs.type === 'get' || el.attrs.type === 'set')) {
        const a = iq(el);
        return Array.isArray(a) ? [a.join('')] : [a];
      }
      if (el.name === 'presence') {
        const to = String(el.attrs.to ?? '');
        const room = rooms.get(to.split('/')[0] as string);
        if (!room || to !== selfJid(room.spec)) return [];
        if (el.attrs.type === 'unavailable') {
          counts.leave = (counts.leave ?? 0) + 1;
          return [selfPresence(room.spec, 'unavailable')];
        }
        if (el.getChild('x', NS_MUC)) {
          counts.join = (counts.join ?? 0) + 1;
          return [room.burst];
        }
      }
      return [];
    },
  };
}

export interface RoomServer {
  readonly port: number;
  readonly rooms: readonly { readonly spec: RoomSpec; readonly burstBytes: number; readonly burstStanzas: number; readonly archiveBytes: number }[];
  counts(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

/** Starts the scripted service in a child process (its CPU and heap are not the client's) on 127.0.0.1. */
export function startRoomServer(specs: readonly RoomSpec[]): Promise<RoomServer> {
  const entry = fileURLToPath(new URL('./muc-room-server.ts', import.meta.url));
  const repo = fileURLToPath(new URL('../..', import.meta.url));
  const child: ChildProcess = fork(entry, [], { cwd: repo, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    const fail = (e: Error): void => reject(e);
    child.once('error', fail);
    child.once('exit', (code) => reject(new Error(`room server exited (${code}) before it was ready`)));
    child.once('message', (m: { port: number; rooms: RoomServer['rooms'] }) => {
      child.removeAllListeners('exit');
      child.removeListener('error', fail);
      resolve({
        port: m.port,
        rooms: m.rooms,
        counts: () =>
          new Promise((res) => {
            child.once('message', (c: Record<string, number>) => res(c));
            child.send({ kind: 'counts' });
          }),
        stop: () =>
          new Promise((res) => {
            if (child.exitCode !== null) return res();
            child.once('exit', () => res());
            child.send({ kind: 'stop' });
            setTimeout(() => child.kill(), 2_000).unref();
          }),
      });
    });
    child.send({ kind: 'start', specs });
  });
}
