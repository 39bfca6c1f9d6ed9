import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, StoreError } from './database';
import { createAccountStore } from './im-store';
import { environmentKeyProtector } from './key-protector';

const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'bastion-store-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const key = (): string => randomBytes(32).toString('hex');
const msg = (id: string, body = `body ${id}`) => ({ peer: 'bob@example.test', direction: 'in' as const, msgId: id, sender: 'bob@example.test/x', type: 'chat', body, ts: Date.now(), state: 'received' as const });

describe('local store', () => {
  it('is encrypted on disk: neither a message body nor the database key appears in any file', () => {
    const dir = tmp();
    const keys = environmentKeyProtector(key());
    const db = openStore({ dir, keys });
    const s = createAccountStore(db, 'alice@example.test', { enabled: true });
    s.addMessage(msg('m1', 'TOP-SECRET-CANARY-7781'));
    s.enqueue({ msgId: 'o1', peer: 'bob@example.test', stanza: '<message><body>OUTBOX-CANARY-5521</body></message>', created: Date.now() });
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const rawKey = keys.unprotect(readFileSync(path.join(dir, 'store.key')));
    for (const f of readdirSync(dir)) {
      const bytes = readFileSync(path.join(dir, f));
      expect(bytes.includes('TOP-SECRET-CANARY'), f).toBe(false);
      expect(bytes.includes('OUTBOX-CANARY'), f).toBe(false);
      expect(bytes.includes(rawKey), f).toBe(false);
      expect(bytes.includes(rawKey.toString('hex')), f).toBe(false);
    }
    expect(statSync(path.join(dir, 'store.key')).mode & 0o077).toBe(0);
  });

  it('reopens with the same key and keeps history and outbox; a wrong wrapping key is refused and the file is left untouched', () => {
    const dir = tmp();
    const k = key();
    let db = openStore({ dir, keys: environmentKeyProtector(k) });
    let s = createAccountStore(db, 'alice@example.test', { enabled: true });
    s.addMessage(msg('m1'));
    s.enqueue({ msgId: 'o1', peer: 'bob@example.test', stanza: '<message/>', created: 1 });
    db.close();
    const before = readFileSync(path.join(dir, 'bastion.db'));
    expect(() => openStore({ dir, keys: environmentKeyProtector(key()) })).toThrow(StoreError);
    expect(readFileSync(path.join(dir, 'bastion.db')).equals(before)).toBe(true);
    db = openStore({ dir, keys: environmentKeyProtector(k) });
    s = createAccountStore(db, 'alice@example.test', { enabled: true });
    expect(s.history('bob@example.test', { limit: 10 }).map((m) => m.msgId)).toEqual(['m1']);
    expect(s.outbox().map((e) => e.msgId)).toEqual(['o1']);
    db.close();
  });

  it('de-duplicates by peer, direction and id, pages history oldest first, and applies retention', () => {
    const db = openStore({ dir: tmp(), keys: environmentKeyProtector(key()) });
    const s = createAccountStore(db, 'alice@example.test', { enabled: true, retentionDays: 30 });
    const now = Date.now();
    expect(s.addMessage({ ...msg('a'), ts: now - 40 * 86_400_000 })).toBe(true);
    expect(s.addMessage({ ...msg('b'), ts: now - 2000 })).toBe(true);
    expect(s.addMessage({ ...msg('c'), ts: now - 1000 })).toBe(true);
    expect(s.addMessage({ ...msg('c'), body: 'again', ts: now })).toBe(false);
    expect(s.history('bob@example.test', { limit: 2 }).map((m) => m.msgId)).toEqual(['b', 'c']);
    expect(s.history('bob@example.test', { limit: 5, beforeTs: now - 1500 }).map((m) => m.msgId)).toEqual(['a', 'b']);
    expect(s.applyRetention(now)).toBe(1);
    expect(s.correctMessage('bob@example.test', 'in', 'b', 'fixed', 'b2')).toBe(true);
    expect(s.history('bob@example.test', { limit: 5 })[0]).toMatchObject({ msgId: 'b', body: 'fixed', replacedBy: 'b2' });
    db.close();
  });

  it('pages back and forward again with (time, id) cursors, not skipping or repeating messages that share a millisecond', () => {
    const db = openStore({ dir: tmp(), keys: environmentKeyProtector(key()) });
    const s = createAccountStore(db, 'alice@example.test', { enabled: true });
    const t0 = Date.now() - 60_000;
    // Ten messages, three of them in one millisecond (a burst from the archive).
    const times = [0, 1, 2, 2, 2, 3, 4, 5, 6, 7];
    times.forEach((dt, i) => s.addMessage({ ...msg(`m${i}`), ts: t0 + dt }));
    const ids = (q: Parameters<typeof s.history>[1]) => s.history('bob@example.test', q).map((m) => m.msgId);
    const at = (i: number) => t0 + (times[i] ?? 0);
    expect(ids({ limit: 3 })).toEqual(['m7', 'm8', 'm9']);
    expect(ids({ limit: 3, beforeTs: at(4), beforeId: 'm4' })).toEqual(['m1', 'm2', 'm3']);
    // Forward from the middle of the burst: the rest of it comes first, oldest first.
    expect(ids({ limit: 3, afterTs: at(3), afterId: 'm3' })).toEqual(['m4', 'm5', 'm6']);
    expect(ids({ limit: 3, afterTs: at(6), afterId: 'm6' })).toEqual(['m7', 'm8', 'm9']);
    expect(ids({ limit: 3, afterTs: at(9), afterId: 'm9' })).toEqual([]);
    // Walking the whole history forward page by page gives every message once.
    const seen: string[] = ['m0'];
    for (let cur = s.history('bob@example.test', { limit: 1, afterTs: at(0), afterId: 'm0' }); cur.length > 0; ) {
      const last = cur[cur.length - 1]!;
      seen.push(...cur.map((m) => m.msgId));
      cur = s.history('bob@example.test', { limit: 2, afterTs: last.ts, afterId: last.msgId });
    }
    expect(seen).toEqual(times.map((_, i) => `m${i}`));
    db.close();
  });

  it('with history turned off by policy keeps no messages but still keeps the outbox', () => {
    const db = openStore({ dir: tmp(), keys: environmentKeyProtector(key()) });
    const s = createAccountStore(db, 'alice@example.test', { enabled: false });
    s.addMessage(msg('m1'));
    s.enqueue({ msgId: 'o1', peer: 'bob@example.test', stanza: '<message/>', created: 1 });
    expect(s.history('bob@example.test', { limit: 10 })).toEqual([]);
    expect(s.outbox()).toHaveLength(1);
    db.close();
  });
});
