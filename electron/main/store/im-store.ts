/**
 * Typed access to one account's data in the store: history, outbox, roster cache, small state
 * (MAM position, roster version) and the shared caps cache. Every write is one statement or one
 * transaction, so a crash never leaves half a change.
 */
import type { Db } from './database';

export type MessageDirection = 'in' | 'out';
/** queued: in the outbox · sent: the server has it · delivered: XEP-0184 · displayed: XEP-0333 · failed: error from the network. */
export type MessageState = 'queued' | 'sent' | 'delivered' | 'displayed' | 'failed' | 'received';

export interface StoredMessage {
  readonly peer: string;
  readonly direction: MessageDirection;
  /** Our id for outgoing (= origin-id); for incoming the origin-id, else stanza id, else archive id. */
  readonly msgId: string;
  readonly originId?: string;
  readonly archiveId?: string;
  readonly sender: string;
  readonly type: string;
  readonly body: string;
  readonly thread?: string;
  /** ms since the epoch. */
  readonly ts: number;
  readonly state: MessageState;
  readonly replaces?: string;
  readonly replacedBy?: string;
  /** XEP-0071 sanitised tree, as JSON. */
  readonly xhtml?: string;
}

export interface OutboxEntry {
  readonly msgId: string;
  readonly peer: string;
  readonly stanza: string;
  readonly created: number;
  readonly attempts: number;
}

export interface HistoryPolicy {
  /** Policy may turn local history off (the outbox is still kept: it is not history). */
  readonly enabled: boolean;
  /** Messages older than this are deleted; undefined keeps them. */
  readonly retentionDays?: number;
}

export interface AccountStore {
  readonly account: string;
  /** Adds a message; false when it is already there (same peer, direction and id). */
  addMessage(m: StoredMessage): boolean;
  setMessageState(peer: string, direction: MessageDirection, msgId: string, state: MessageState): boolean;
  /** XEP-0308: the corrected text replaces the body; the old id keeps pointing at the row. */
  correctMessage(peer: string, direction: MessageDirection, msgId: string, body: string, by: string, xhtml?: string): boolean;
  hasMessage(peer: string, direction: MessageDirection, msgId: string): boolean;
  /**
   * At most `limit` messages, returned oldest first: the newest ones (before `beforeTs` when
   * given), or with `afterTs` the oldest ones after it (a view paging back towards the present).
   */
  history(peer: string, opts: HistoryQuery): readonly StoredMessage[];
  enqueue(e: Omit<OutboxEntry, 'attempts'>): void;
  outbox(): readonly OutboxEntry[];
  /** How many messages wait in the outbox (a count, without reading the stanzas). */
  outboxSize(): number;
  noteAttempt(msgId: string): void;
  dequeue(msgId: string): boolean;
  rosterCache(): { readonly version: string | undefined; readonly items: readonly unknown[] };
  saveRoster(version: string | undefined, items: readonly { readonly jid: string }[]): void;
  getState(k: string): string | undefined;
  setState(k: string, v: string): void;
  applyRetention(now: number): number;
}

/** A page of history: the newest, the one before a (time, id) cursor, or the one after it. */
export interface HistoryQuery {
  readonly limit: number;
  readonly beforeTs?: number;
  readonly beforeId?: string;
  readonly afterTs?: number;
  readonly afterId?: string;
}

export function createAccountStore(db: Db, account: string, history: HistoryPolicy): AccountStore {
  const q = {
    insert: db.prepare(
      `INSERT OR IGNORE INTO messages (account, peer, direction, msg_id, origin_id, archive_id, sender, type, body, thread, ts, state, replaces, xhtml)
       VALUES (@account, @peer, @direction, @msgId, @originId, @archiveId, @sender, @type, @body, @thread, @ts, @state, @replaces, @xhtml)`,
    ),
    // States only move forward (queued → sent → delivered → displayed): a receipt that arrives
    // after the read marker does not take "read" back. 'failed' is set only from queued/sent.
    setState: db.prepare(
      `UPDATE messages SET state = @state WHERE account = @account AND peer = @peer AND direction = @direction AND msg_id = @id
         AND (CASE state WHEN 'queued' THEN 0 WHEN 'sent' THEN 1 WHEN 'delivered' THEN 2 WHEN 'displayed' THEN 3 ELSE 9 END)
           < (CASE @state WHEN 'queued' THEN 0 WHEN 'sent' THEN 1 WHEN 'delivered' THEN 2 WHEN 'displayed' THEN 3 WHEN 'failed' THEN 2 ELSE -1 END)`,
    ),
    correct: db.prepare(`UPDATE messages SET body = ?, xhtml = ?, replaced_by = ? WHERE account = ? AND peer = ? AND direction = ? AND msg_id = ?`),
    has: db.prepare(`SELECT 1 FROM messages WHERE account = ? AND peer = ? AND direction = ? AND msg_id = ?`),
    history: db.prepare(`SELECT * FROM messages WHERE account = ? AND peer = ? AND ts < ? ORDER BY ts DESC, rowid_ DESC LIMIT ?`),
    // (ts, rowid) cursor: messages sharing the boundary's millisecond are not skipped.
    historyBefore: db.prepare(
      `SELECT * FROM messages WHERE account = @account AND peer = @peer
         AND (ts < @ts OR (ts = @ts AND rowid_ < (SELECT rowid_ FROM messages WHERE account = @account AND peer = @peer AND msg_id = @id AND ts = @ts LIMIT 1)))
       ORDER BY ts DESC, rowid_ DESC LIMIT @limit`,
    ),
    // The mirror image, oldest first: the rows after the newest message a view holds.
    historyAfter: db.prepare(
      `SELECT * FROM messages WHERE account = @account AND peer = @peer
         AND (ts > @ts OR (ts = @ts AND rowid_ > (SELECT rowid_ FROM messages WHERE account = @account AND peer = @peer AND msg_id = @id AND ts = @ts LIMIT 1)))
       ORDER BY ts ASC, rowid_ ASC LIMIT @limit`,
    ),
    enqueue: db.prepare(`INSERT OR IGNORE INTO outbox (account, msg_id, peer, stanza, created) VALUES (?, ?, ?, ?, ?)`),
    outbox: db.prepare(`SELECT msg_id, peer, stanza, created, attempts FROM outbox WHERE account = ? ORDER BY created, rowid`),
    outboxSize: db.prepare(`SELECT COUNT(*) AS n FROM outbox WHERE account = ?`),
    attempt: db.prepare(`UPDATE outbox SET attempts = attempts + 1 WHERE account = ? AND msg_id = ?`),
    dequeue: db.prepare(`DELETE FROM outbox WHERE account = ? AND msg_id = ?`),
    rosterAll: db.prepare(`SELECT item FROM roster WHERE account = ?`),
    rosterClear: db.prepare(`DELETE FROM roster WHERE account = ?`),
    rosterPut: db.prepare(`INSERT OR REPLACE INTO roster (account, jid, item) VALUES (?, ?, ?)`),
    get: db.prepare(`SELECT v FROM kv WHERE account = ? AND k = ?`),
    set: db.prepare(`INSERT OR REPLACE INTO kv (account, k, v) VALUES (?, ?, ?)`),
    del: db.prepare(`DELETE FROM kv WHERE account = ? AND k = ?`),
    expire: db.prepare(`DELETE FROM messages WHERE account = ? AND ts < ? AND state != 'queued'`),
  };
  type Row = { peer: string; direction: MessageDirection; msg_id: string; origin_id: string | null; archive_id: string | null; sender: string; type: string; body: string; thread: string | null; ts: number; state: MessageState; replaces: string | null; replaced_by: string | null; xhtml: string | null };
  const fromRow = (r: Row): StoredMessage => ({
    peer: r.peer,
    direction: r.direction,
    msgId: r.msg_id,
    ...(r.origin_id ? { originId: r.origin_id } : {}),
    ...(r.archive_id ? { archiveId: r.archive_id } : {}),
    sender: r.sender,
    type: r.type,
    body: r.body,
    ...(r.thread ? { thread: r.thread } : {}),
    ts: r.ts,
    state: r.state,
    ...(r.replaces ? { replaces: r.replaces } : {}),
    ...(r.replaced_by ? { replacedBy: r.replaced_by } : {}),
    ...(r.xhtml ? { xhtml: r.xhtml } : {}),
  });
  const saveRoster = db.transaction((version: string | undefined, items: readonly { readonly jid: string }[]) => {
    q.rosterClear.run(account);
    for (const item of items) q.rosterPut.run(account, item.jid, JSON.stringify(item));
    if (version === undefined) q.del.run(account, 'roster-version');
    else q.set.run(account, 'roster-version', version);
  });

  return {
    account,
    addMessage(m) {
      if (!history.enabled) return !q.has.get(account, m.peer, m.direction, m.msgId);
      const r = q.insert.run({
        account,
        peer: m.peer,
        direction: m.direction,
        msgId: m.msgId,
        originId: m.originId ?? null,
        archiveId: m.archiveId ?? null,
        sender: m.sender,
        type: m.type,
        body: m.body,
        thread: m.thread ?? null,
        ts: m.ts,
        state: m.state,
        replaces: m.replaces ?? null,
        xhtml: m.xhtml ?? null,
      });
      return r.changes === 1;
    },
    setMessageState: (peer, direction, msgId, state) => q.setState.run({ state, account, peer, direction, id: msgId }).changes === 1,
    correctMessage: (peer, direction, msgId, body, by, xhtml) => q.correct.run(body, xhtml ?? null, by, account, peer, direction, msgId).changes === 1,
    hasMessage: (peer, direction, msgId) => q.has.get(account, peer, direction, msgId) !== undefined,
    history(peer, opts) {
      if (opts.afterTs !== undefined) {
        // Without an id, nothing at the cursor's millisecond is repeated: the subquery finds no row.
        return (q.historyAfter.all({ account, peer, ts: opts.afterTs, id: opts.afterId ?? '', limit: opts.limit }) as Row[]).map(fromRow);
      }
      const rows = (
        opts.beforeTs !== undefined && opts.beforeId !== undefined
          ? q.historyBefore.all({ account, peer, ts: opts.beforeTs, id: opts.beforeId, limit: opts.limit })
          : q.history.all(account, peer, opts.beforeTs ?? Number.MAX_SAFE_INTEGER, opts.limit)
      ) as Row[];
      return rows.reverse().map(fromRow);
    },
    enqueue: (e) => {
      q.enqueue.run(account, e.msgId, e.peer, e.stanza, e.created);
    },
    outbox: () =>
      (q.outbox.all(account) as { msg_id: string; peer: string; stanza: string; created: number; attempts: number }[]).map((r) => ({
        msgId: r.msg_id,
        peer: r.peer,
        stanza: r.stanza,
        created: r.created,
        attempts: r.attempts,
      })),
    outboxSize: () => (q.outboxSize.get(account) as { n: number }).n,
    noteAttempt: (msgId) => {
      q.attempt.run(account, msgId);
    },
    dequeue: (msgId) => q.dequeue.run(account, msgId).changes === 1,
    rosterCache() {
      const version = (q.get.get(account, 'roster-version') as { v: string } | undefined)?.v;
      const items = (q.rosterAll.all(account) as { item: string }[]).map((r) => JSON.parse(r.item) as unknown);
      return { version, items };
    },
    saveRoster: (version, items) => saveRoster(version, items),
    getState: (k) => (q.get.get(account, k) as { v: string } | undefined)?.v,
    setState: (k, v) => {
      q.set.run(account, k, v);
    },
    applyRetention(now) {
      if (history.retentionDays === undefined) return 0;
      return q.expire.run(account, now - history.retentionDays * 86_400_000).changes;
    },
  };
}

/** XEP-0115 cache backed by the store (hash + ver → disco#info as JSON); shared by accounts, it is public data. */
export function createStoredCapsCache<T>(db: Db): { get(hash: string, ver: string): Promise<T | undefined>; put(hash: string, ver: string, info: T): Promise<void> } {
  const get = db.prepare(`SELECT info FROM caps WHERE hash = ? AND ver = ?`);
  const put = db.prepare(`INSERT OR REPLACE INTO caps (hash, ver, info, seen) VALUES (?, ?, ?, ?)`);
  return {
    // The caps module re-hashes what it reads back, so a tampered row is ignored, not trusted.
    get: (hash, ver) => {
      const r = get.get(hash, ver) as { info: string } | undefined;
      return Promise.resolve(r ? (JSON.parse(r.info) as T) : undefined);
    },
    put: (hash, ver, info) => {
      put.run(hash, ver, JSON.stringify(info), Date.now());
      return Promise.resolve();
    },
  };
}
