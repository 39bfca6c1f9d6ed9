/**
 * The store as the session manager sees it: one database per profile, one AccountStore per
 * account on it. Without an OS keystore (plain Node hosts with no BASTION_STORE_KEY) it runs in
 * memory and says so, rather than writing history the OS cannot protect.
 */
import type { BareJid } from '../../../shared/xmpp/jid';
import { openMemoryStore, openStore, type Db } from './database';
import { createAccountStore, createStoredCapsCache, type AccountStore, type HistoryPolicy } from './im-store';
import type { CapsCache } from '../xmpp/xep/0115-caps';
import type { KeyProtector } from './key-protector';

export interface Storage {
  /** 'disk' (encrypted file) or 'memory' (nothing survives the process). */
  readonly kind: 'disk' | 'memory';
  readonly db: Db;
  accountStore(account: BareJid, history: HistoryPolicy): AccountStore;
  readonly caps: CapsCache;
  close(): void;
}

export function createStorage(opts: { readonly dir: string; readonly keys: KeyProtector | undefined }): Storage {
  const db = opts.keys ? openStore({ dir: opts.dir, keys: opts.keys }) : openMemoryStore();
  const stores = new Map<string, AccountStore>();
  return {
    kind: opts.keys ? 'disk' : 'memory',
    db,
    accountStore(account, history) {
      let s = stores.get(account);
      if (!s) {
        s = createAccountStore(db, account, history);
        if (history.retentionDays !== undefined) s.applyRetention(Date.now());
        stores.set(account, s);
      }
      return s;
    },
    caps: createStoredCapsCache(db),
    close: () => db.close(),
  };
}

/**
 * Opens the store lazily on first use: a store that cannot be opened (wrong key, newer schema)
 * fails the first command that needs it with a clear message, instead of the whole app.
 */
export function lazyStorage(open: () => Storage): Pick<Storage, 'accountStore' | 'caps' | 'close'> {
  let s: Storage | undefined;
  const get = (): Storage => (s ??= open());
  return {
    accountStore: (account, history) => get().accountStore(account, history),
    caps: { get: (hash, ver) => get().caps.get(hash, ver), put: (hash, ver, info) => get().caps.put(hash, ver, info) },
    close: () => s?.close(),
  };
}
