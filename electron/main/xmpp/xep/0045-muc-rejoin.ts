/**
 * After a NEW stream (not a XEP-0198 resumption, which keeps everything): XEP-0410 self-ping
 * decides per room. Still joined (the room kept our occupant, e.g. the same resource was bound
 * again) → keep the occupants we knew and read the archive after the stored id; out → a full
 * join whose history continues after the stored id; no answer → no decision (§3.2: try later).
 */
import { assertNever } from '../../../../shared/util/assert-never';
import { validNick } from './0045-muc-parse';
import { mamHistory } from './0045-muc-history';
import { createOccupantStore } from './0045-muc-occupants';
import { newRoom, type MucContext } from './0045-muc-room';
import { MucJoinError } from './0045-muc-status';
import type { MucModule, RejoinOutcome, RejoinSpec } from './0045-muc-types';
import type { MamModule } from './0313-mam';

export interface RejoinDeps {
  readonly ctx: MucContext;
  readonly muc: Pick<MucModule, 'checkJoined' | 'join'>;
  readonly mam: Pick<MamModule, 'catchUp' | 'queryPage'> | undefined;
  readonly maxOccupants: number;
  readonly occupantIdOf: (room: RejoinSpec['room'], archiveId: string) => string | undefined;
  readonly joined: (r: { readonly room: RejoinSpec['room']; readonly nick: string; readonly created: boolean }) => void;
}

export async function rejoinRoom(d: RejoinDeps, s: RejoinSpec): Promise<RejoinOutcome> {
  const { ctx } = d;
  const ping = await d.muc.checkJoined(s.room, s.nick);
  const existing = ctx.rooms.get(s.room);
  switch (ping.verdict) {
    case 'unknown':
      return { room: s.room, outcome: 'unknown', selfPing: ping };
    case 'joined': {
      if (existing) return { room: s.room, outcome: 'still-joined', selfPing: ping };
      const nick = validNick(s.nick);
      if (!nick) return { room: s.room, outcome: 'failed', selfPing: ping, error: new MucJoinError('invalid-request', 'invalid-request') };
      const room = newRoom(s.room, nick, s.password, createOccupantStore(d.maxOccupants));
      room.state = 'joined';
      room.subjectSeen = true; // no join-time subject comes: we never left
      room.lastArchiveId = s.lastArchiveId;
      room.catchingUp = true; // live messages wait for the archive, as on a join
      ctx.rooms.set(s.room, room);
      for (const o of s.occupants ?? []) {
        const r = room.occupants.upsert(o, o.occupantId);
        if (r?.occupant.self) room.self = r.occupant;
      }
      ctx.applyInfo(room, await ctx.fetchInfo(s.room));
      d.joined({ room: s.room, nick, created: false });
      if (!room.info?.mam || !d.mam) {
        room.catchingUp = false;
        for (const m of room.queued.splice(0)) ctx.emit.group(m);
        return { room: s.room, outcome: 'still-joined', selfPing: ping };
      }
      const history = mamHistory(ctx, room, d.mam, s.lastArchiveId !== undefined ? { afterId: s.lastArchiveId } : undefined, (id) => d.occupantIdOf(s.room, id));
      return { room: s.room, outcome: 'still-joined', selfPing: ping, history };
    }
    case 'not-joined': {
      if (existing) ctx.finish(existing, { reason: 'not-joined', text: ping.reason });
      try {
        const r = await d.muc.join(s.room, {
          nick: s.nick,
          ...(s.password !== undefined ? { password: s.password } : {}),
          ...(s.lastArchiveId !== undefined ? { history: { afterId: s.lastArchiveId } } : {}),
        });
        return { room: s.room, outcome: 'rejoined', selfPing: ping, history: r.history };
      } catch (e: unknown) {
        return { room: s.room, outcome: 'failed', selfPing: ping, error: e instanceof Error ? e : new Error(String(e)) };
      }
    }
    default:
      return assertNever(ping.verdict, 'self-ping verdict');
  }
}
