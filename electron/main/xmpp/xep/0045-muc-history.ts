/**
 * Room history after a join. A room with an archive (`urn:xmpp:mam:2` on its disco#info) is
 * joined with `<history maxstanzas='0'/>` (XEP-0045 §7.2.14) and read with XEP-0313 (§6 of 0313:
 * a room's archive is queried at its bare JID), continuing after the last archive id the caller
 * stored — so nothing is missed and nothing comes twice: live messages that arrive during the
 * catch-up wait until it is done, and every message is keyed by the stanza-id the room assigned
 * (= its archive id). Rooms without an archive send their legacy history before the subject.
 */
import type { Element } from '@xmpp/xml';
import type { BareJid } from '../../../../shared/xmpp/jid';
import { IqError } from '../client/client';
import { roomAddress } from './0045-muc-parse';
import { deliverGroup, groupMessageOf, isReflection } from './0045-muc-messages';
import type { MucContext, Room } from './0045-muc-room';
import type { HistoryOutcome, JoinOptions } from './0045-muc-types';
import { NS_MAM, type ArchivedMessage, type MamModule } from './0313-mam';
import { readOccupantId } from './0421-occupant-id';

const PAGE_SIZE = 100;
const MAX_CAPTURED_IDS = 5_000;

/**
 * The archive module parses results into plain messages, which have no place for the XEP-0421
 * id; this records the id of each result from a room we are in, keyed by room and archive id,
 * so that history messages carry it too. The MAM module still decides which results are real
 * (queryid, sender); an id recorded here is only used for a result it accepted.
 */
export function createArchiveOccupantIds(): { observe(el: Element, isRoom: (room: BareJid) => boolean): void; take(room: BareJid, archiveId: string): string | undefined } {
  const ids = new Map<string, string>();
  return {
    observe(el, isRoom) {
      const result = el.getChild('result', NS_MAM);
      const addr = roomAddress(el.attrs.from);
      if (!result || !addr || addr.nick !== undefined || !isRoom(addr.room) || typeof result.attrs.id !== 'string') return;
      const inner = result.getChild('forwarded', 'urn:xmpp:forward:0')?.getChild('message');
      const id = inner ? readOccupantId(inner) : undefined;
      if (id === undefined) return;
      ids.set(`${addr.room} ${result.attrs.id}`, id);
      if (ids.size > MAX_CAPTURED_IDS) ids.delete(ids.keys().next().value as string);
    },
    take(room, archiveId) {
      const key = `${room} ${archiveId}`;
      const id = ids.get(key);
      ids.delete(key);
      return id;
    },
  };
}

function deliverArchived(ctx: MucContext, room: Room, page: readonly ArchivedMessage[], occupantIdOf: (archiveId: string) => string | undefined): number {
  let n = 0;
  for (const a of page) {
    const occupantId = occupantIdOf(a.archiveId);
    const addr = roomAddress(a.message.from);
    // An archived message of this room is from the room or one of its occupants.
    if (!addr || addr.room !== room.jid) {
      ctx.emit.refuse(`archived message ${a.archiveId} of ${room.jid} is from ${a.message.from}`);
      continue;
    }
    if (a.message.type !== 'groupchat') continue;
    // XEP-0313: a message's archive id is the XEP-0359 stanza-id the archive (the room) gave it.
    if (isReflection(ctx, room, a.message, addr.nick, a.archiveId)) continue;
    const gm = groupMessageOf(room, { ...a.message, delayedAt: a.message.delayedAt ?? a.archivedAt }, addr.nick, occupantId, 'history-mam', a.archiveId);
    if (gm && deliverGroup(ctx, room, gm)) n += 1;
  }
  return n;
}

/** Reads the room's archive after `afterId` (or since / the newest page) and then releases the live messages held meanwhile. */
export async function mamHistory(ctx: MucContext, room: Room, mam: Pick<MamModule, 'catchUp' | 'queryPage'>, h: JoinOptions['history'], occupantIdOf: (archiveId: string) => string | undefined): Promise<HistoryOutcome> {
  room.catchingUp = true;
  let delivered = 0;
  const onPage = (page: readonly ArchivedMessage[]): void => {
    if (ctx.rooms.get(room.jid) === room) delivered += deliverArchived(ctx, room, page, occupantIdOf);
  };
  const maxPages = Math.max(1, Math.ceil(ctx.maxHistory / PAGE_SIZE));
  const newest = async (): Promise<HistoryOutcome> => {
    const size = Math.max(1, Math.min(h?.maxStanzas ?? 50, ctx.maxHistory, 250));
    const page = await mam.queryPage({ archive: room.jid, beforeId: true, pageSize: size });
    onPage(page.messages);
    return { source: 'mam', delivered, lastId: page.messages.at(-1)?.archiveId ?? room.lastArchiveId, complete: true };
  };
  try {
    if (h?.afterId === undefined && h?.since === undefined) return await newest();
    try {
      const run = await mam.catchUp({ archive: room.jid, afterId: h.afterId, ...(h.afterId === undefined && h.since ? { start: h.since } : {}), pageSize: PAGE_SIZE, maxPages, onPage });
      return { source: 'mam', delivered, lastId: run.lastId, complete: run.complete };
    } catch (e: unknown) {
      // XEP-0313 §4.1.2 / XEP-0059: an archive id the room no longer has → item-not-found. Start over from the newest page.
      if (e instanceof IqError && e.condition === 'item-not-found' && h.afterId !== undefined) return await newest();
      throw e;
    }
  } catch (e: unknown) {
    return { source: 'mam', delivered, lastId: room.lastArchiveId, complete: false, error: e instanceof Error ? e.message : String(e) };
  } finally {
    room.catchingUp = false;
    const held = room.queued.splice(0);
    if (ctx.rooms.get(room.jid) === room) for (const m of held) deliverGroup(ctx, room, m);
  }
}

/** Legacy history (§7.2.14) is over when the subject arrives (§7.2.15); a room that sends none gets `waitMs`. */
export function legacyHistory(room: Room, waitMs: number): Promise<HistoryOutcome> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      room.onSubject = undefined;
      resolve({ source: 'legacy', delivered: Math.min(room.legacyHistory, Number.MAX_SAFE_INTEGER), lastId: room.lastArchiveId, complete: room.subjectSeen });
    };
    const timer = setTimeout(done, waitMs);
    timer.unref?.();
    if (room.subjectSeen) done();
    else room.onSubject = done;
  });
}
