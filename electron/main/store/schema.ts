/**
 * The store's schema as numbered migrations (PRAGMA user_version = number applied). Append
 * only: a released migration is never edited.
 */
export const MIGRATIONS: readonly string[] = [
  `
  -- Conversations' messages. One row per message, whoever sent it. origin_id (XEP-0359) is the
  -- de-duplication key: a carbon, a MAM result and a live copy of one message are one row.
  CREATE TABLE messages (
    rowid_ INTEGER PRIMARY KEY,
    account TEXT NOT NULL,
    peer TEXT NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    msg_id TEXT NOT NULL,
    origin_id TEXT,
    archive_id TEXT,
    sender TEXT NOT NULL,
    type TEXT NOT NULL,
    body TEXT NOT NULL,
    thread TEXT,
    ts INTEGER NOT NULL,
    state TEXT NOT NULL,
    replaced_by TEXT,
    replaces TEXT
  );
  CREATE UNIQUE INDEX messages_dedupe ON messages (account, peer, direction, msg_id);
  CREATE INDEX messages_by_time ON messages (account, peer, ts);
  CREATE INDEX messages_by_archive ON messages (account, archive_id);

  -- Messages the user sent that the server has not yet confirmed: the exact stanza to re-send
  -- with the same id, so a re-send after a crash is recognisable as the same message.
  CREATE TABLE outbox (
    account TEXT NOT NULL,
    msg_id TEXT NOT NULL,
    peer TEXT NOT NULL,
    stanza TEXT NOT NULL,
    created INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account, msg_id)
  );

  -- RFC 6121 §2.6 roster versioning: the cached roster and its version.
  CREATE TABLE roster (
    account TEXT NOT NULL,
    jid TEXT NOT NULL,
    item TEXT NOT NULL,
    PRIMARY KEY (account, jid)
  );
  CREATE TABLE kv (
    account TEXT NOT NULL,
    k TEXT NOT NULL,
    v TEXT NOT NULL,
    PRIMARY KEY (account, k)
  );

  -- XEP-0115: verification string → disco#info, shared by every account (it is public data).
  CREATE TABLE caps (
    hash TEXT NOT NULL,
    ver TEXT NOT NULL,
    info TEXT NOT NULL,
    seen INTEGER NOT NULL,
    PRIMARY KEY (hash, ver)
  );
  `,
  `
  -- XEP-0071: the sanitised formatted version of a message (JSON tree), when there is one.
  ALTER TABLE messages ADD COLUMN xhtml TEXT;
  `,
];
