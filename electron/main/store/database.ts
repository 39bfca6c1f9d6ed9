/**
 * The local store: one SQLite database per profile, encrypted as a whole (SQLCipher 4 format,
 * AES-256 with HMAC-SHA512 pages, through better-sqlite3-multiple-ciphers) with a random key that
 * exists on disk only wrapped by the OS keystore (KeyProtector). Schema changes go through
 * numbered migrations in one transaction each; a database this build does not understand, or one
 * that the key does not open, is refused with a clear error and left untouched (never
 * re-created over the user's history).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3-multiple-ciphers';
import type { KeyProtector } from './key-protector';
import { MIGRATIONS } from './schema';

export type Db = Database.Database;

export class StoreError extends Error {
  constructor(
    readonly code: 'key-unavailable' | 'wrong-key' | 'newer-schema' | 'corrupt' | 'io',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreError';
  }
}

export interface OpenStoreOptions {
  readonly dir: string;
  readonly keys: KeyProtector;
  /** Default 'bastion.db'. */
  readonly file?: string;
}

function loadOrCreateKey(dir: string, keys: KeyProtector): Buffer {
  const keyFile = path.join(dir, 'store.key');
  if (existsSync(keyFile)) {
    try {
      return keys.unprotect(readFileSync(keyFile));
    } catch (e: unknown) {
      throw new StoreError('key-unavailable', `the history database key cannot be unwrapped by ${keys.detail}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }
  const key = randomBytes(32);
  // Written to a temporary name first: a crash never leaves a half-written key file.
  const tmp = `${keyFile}.${process.pid}.tmp`;
  writeFileSync(tmp, keys.protect(key), { mode: 0o600 });
  renameSync(tmp, keyFile);
  return key;
}

export function openStore(opts: OpenStoreOptions): Db {
  mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  const file = path.join(opts.dir, opts.file ?? 'bastion.db');
  const key = loadOrCreateKey(opts.dir, opts.keys);
  let db: Db;
  try {
    db = new Database(file);
  } catch (e: unknown) {
    throw new StoreError('io', `the history database cannot be opened: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  try {
    db.pragma(`cipher='sqlcipher'`);
    db.pragma('legacy=4');
    db.pragma(`hexkey='${key.toString('hex')}'`);
    key.fill(0);
    // The first read proves the key: a wrong key reads as "file is not a database".
    db.pragma('user_version');
  } catch (e: unknown) {
    db.close();
    throw new StoreError('wrong-key', 'the history database cannot be decrypted with this profile\'s key (it was left untouched)', { cause: e });
  }
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL'); // the outbox must survive a power cut, not just a crash
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

/**
 * A store that lives only in memory (no OS keystore available, or policy keeps no history on
 * disk): everything works for this run and nothing touches the disk.
 */
export function openMemoryStore(): Db {
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

function migrate(db: Db): void {
  const current = Number(db.pragma('user_version', { simple: true }));
  if (current > MIGRATIONS.length) {
    db.close();
    throw new StoreError('newer-schema', `the history database was written by a newer Bastion (schema ${current}); this version understands up to ${MIGRATIONS.length}`);
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    const step = MIGRATIONS[v];
    if (step === undefined) break;
    db.transaction(() => {
      db.exec(step);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
