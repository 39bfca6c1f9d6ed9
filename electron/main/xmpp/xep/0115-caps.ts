/**
 * XEP-0115 Entity Capabilities [UCR-G1: conditional]: every presence we send carries
 * `<c hash node ver/>`, the hash of what our disco#info says (§5.1, built from the same registry
 * the disco answer comes from), and we answer disco#info at `node#ver`. Others' `<c/>` is turned
 * into their features with as few queries as possible: one disco#info per verification string,
 * however many contacts share it, remembered in a CapsCache (persistent in the app).
 *
 * Cache poisoning (§5.4, §9): an answer is cached only when it is well formed and hashes to the
 * claimed ver; otherwise it is believed for the JID that sent it alone and the next entity
 * advertising the same ver (another account) is asked. Legacy `<c/>` without 'hash', with
 * 'ext', or with a hash we do not implement: a per-JID query whose answer is never cached.
 */
import { ownString } from '../../../../shared/util/own-string';
import { createHash } from 'node:crypto';
import type { Element } from '@xmpp/xml';
import xml from '@xmpp/xml';
import { createEmitter, type Disposer } from '../../../../shared/util/disposable';
import { bareOf, parseJid } from '../../../../shared/xmpp/jid';
import type { XmppClient } from '../client/client';
import { NS_DATA_FORMS, parseExtensionForm, type DiscoForm } from '../client/disco-registry';
import type { PresenceModule } from '../im/presence';
import { NS_DISCO_INFO, type DiscoModule } from './0030-disco';

export const NS_CAPS = 'http://jabber.org/protocol/caps';

export interface CapsIdentity {
  readonly category: string;
  readonly type: string;
  readonly lang?: string;
  readonly name?: string;
}

/** What a verification string stands for: JSON-safe, so a cache can store it as it is. */
export interface CapsInfo {
  readonly identities: readonly CapsIdentity[];
  readonly features: readonly string[];
  readonly forms: readonly DiscoForm[];
}

/** Hash names (IANA "Hash Function Textual Names") we verify; md5/md2 are not trusted. */
const HASHES = { 'sha-1': 'sha1', 'sha-224': 'sha224', 'sha-256': 'sha256', 'sha-384': 'sha384', 'sha-512': 'sha512' } as const;
export type CapsHashName = keyof typeof HASHES;
export const isCapsHash = (h: string): h is CapsHashName => Object.hasOwn(HASHES, h);

/** Persistent memory of verified ver → info (the app backs it with SQLite). */
export interface CapsCache {
  get(hash: CapsHashName, ver: string): Promise<CapsInfo | undefined>;
  put(hash: CapsHashName, ver: string, info: CapsInfo): Promise<void>;
}

/** §5.1 sorts with "i;octet" (RFC 4790 §9.3): by UTF-8 bytes, not UTF-16 code units. */
const octets = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
const byOctets = <T>(key: (t: T) => readonly string[]) => (x: T, y: T): number => {
  const kx = key(x);
  const ky = key(y);
  for (let i = 0; i < kx.length; i += 1) {
    const c = octets(kx[i] ?? '', ky[i] ?? '');
    if (c !== 0) return c;
  }
  return 0;
};

/** The string S of §5.1 (exported for tests and diagnostics). */
export function verificationString(info: CapsInfo): string {
  let s = '';
  for (const i of [...info.identities].sort(byOctets((i) => [i.category, i.type, i.lang ?? '', i.name ?? '']))) {
    s += `${i.category}/${i.type}/${i.lang ?? ''}/${i.name ?? ''}<`;
  }
  for (const f of [...info.features].sort(octets)) s += `${f}<`;
  for (const form of [...info.forms].sort(byOctets((f) => [f.formType]))) {
    s += `${form.formType}<`;
    for (const field of [...form.fields].filter((f) => f.var !== 'FORM_TYPE').sort(byOctets((f) => [f.var]))) {
      s += `${field.var}<`;
      for (const v of [...field.values].sort(octets)) s += `${v}<`;
    }
  }
  return s;
}

/** The verification string 'ver' of §5.1 steps 8–9. */
export function capsVer(info: CapsInfo, hash: CapsHashName = 'sha-1'): string {
  return createHash(HASHES[hash]).update(verificationString(info), 'utf8').digest('base64');
}

// Bounds on what we hash for someone else; a real client is far below them.
const MAX_ITEMS = 1024;

/** Reads someone's disco#info `<query/>` with the §5.4 step 3 checks. */
export function parseCapsInfo(query: Element | undefined): { readonly ok: true; readonly info: CapsInfo } | { readonly ok: false; readonly reason: string } {
  if (!query) return { ok: false, reason: 'no disco#info query in the answer' };
  const identities: CapsIdentity[] = [];
  const seen = new Set<string>();
  for (const el of query.getChildren('identity')) {
    const { category, type, name } = el.attrs as Record<string, unknown>;
    const lang = el.attrs['xml:lang'] as unknown;
    if (typeof category !== 'string' || typeof type !== 'string' || category === '' || type === '') return { ok: false, reason: 'an identity without category or type' };
    const id: CapsIdentity = { category, type, ...(typeof lang === 'string' && lang ? { lang } : {}), ...(typeof name === 'string' ? { name } : {}) };
    const key = `${category}/${type}/${id.lang ?? ''}/${id.name ?? ''}`;
    if (seen.has(key)) return { ok: false, reason: `identity ${key} appears twice` };
    seen.add(key);
    identities.push(id);
  }
  const features: string[] = [];
  for (const el of query.getChildren('feature')) {
    const v = el.attrs.var;
    if (typeof v !== 'string' || v === '') continue;
    if (features.includes(v)) return { ok: false, reason: `feature ${v} appears twice` };
    features.push(v);
  }
  const forms: DiscoForm[] = [];
  for (const x of query.getChildren('x', NS_DATA_FORMS)) {
    const p = parseExtensionForm(x);
    if (p.kind === 'ill-formed') return { ok: false, reason: p.reason };
    if (p.kind === 'ignored') continue;
    if (forms.some((f) => f.formType === p.form.formType)) return { ok: false, reason: `two forms with FORM_TYPE ${p.form.formType}` };
    forms.push(p.form);
  }
  const size = identities.length + features.length + forms.reduce((n, f) => n + 1 + f.fields.reduce((m, fl) => m + 1 + fl.values.length, 0), 0);
  if (size > MAX_ITEMS) return { ok: false, reason: `the answer has more than ${MAX_ITEMS} items` };
  return { ok: true, info: { identities, features, forms } };
}

/** An in-memory CapsCache, least recently used first out. */
export function createMemoryCapsCache(max = 1000): CapsCache {
  const map = new Map<string, CapsInfo>();
  return {
    get(hash, ver) {
      const key = `${hash} ${ver}`;
      const hit = map.get(key);
      if (hit) {
        map.delete(key);
        map.set(key, hit);
      }
      return Promise.resolve(hit);
    },
    put(hash, ver, info) {
      map.delete(`${hash} ${ver}`);
      map.set(`${hash} ${ver}`, info);
      while (map.size > max) map.delete(map.keys().next().value as string);
      return Promise.resolve();
    },
  };
}

export interface CapsOptions {
  readonly presence: PresenceModule;
  /** Our disco#info answers `node#ver` like a node-less query (§6.2). */
  readonly disco: Pick<DiscoModule, 'addAliasNode'>;
  /** Our software's URI (§4 recommends an HTTP URL where people can learn about it). */
  readonly node: string;
  /** Default: in memory for this session. */
  readonly cache?: CapsCache;
  readonly queryTimeoutMs?: number;
  /** disco#info queries in flight at once; the rest wait in line. */
  readonly maxConcurrentQueries?: number;
}

export interface CapsResolved {
  readonly jid: string;
  readonly info: CapsInfo;
  /** 'session': known from another JID this session; 'cache': the CapsCache; 'query': asked now. */
  readonly source: 'session' | 'cache' | 'query';
  /** False for legacy or unverifiable caps: believed for this JID only, never cached. */
  readonly verified: boolean;
}

export interface CapsModule {
  /** What we announce now. */
  own(): { readonly node: string; readonly hash: 'sha-1'; readonly ver: string; readonly info: CapsInfo };
  /** What an entity (normally a full JID) can do, once known; undefined while unknown. */
  infoOf(jid: string): CapsInfo | undefined;
  featuresOf(jid: string): readonly string[] | undefined;
  onDidResolve(cb: (e: CapsResolved) => void): Disposer;
  /** disco#info queries sent, cache and session hits, answers refused (for diagnostics and tests). */
  stats(): { readonly queries: number; readonly hits: number; readonly rejected: number };
  dispose(): void;
}

// §9: ask at most five different accounts about one ver before giving up on it.
const MAX_TRIES = 5;
const MAX_ENTITIES = 20_000;
const MAX_WAITING = 2_000;

interface Entity {
  /** `hash ver` for hashed caps; a per-JID key for legacy ones. */
  readonly key: string;
  readonly node: string;
  info?: CapsInfo;
}
interface Job {
  readonly hash: CapsHashName;
  readonly ver: string;
  readonly candidates: string[];
  readonly tried: Set<string>;
}

function normalise(jid: string): string | undefined {
  const p = parseJid(jid);
  if (!p.ok) return undefined;
  return p.jid.resource === undefined ? bareOf(p.jid) : `${bareOf(p.jid)}/${p.jid.resource}`;
}
/** §9: "truly different" entities differ in their user@host. */
const accountOf = (jid: string): string => {
  const p = parseJid(jid);
  return p.ok ? bareOf(p.jid) : jid;
};

export function registerCaps(client: XmppClient, opts: CapsOptions): CapsModule {
  const cache = opts.cache ?? createMemoryCapsCache();
  const timeoutMs = opts.queryTimeoutMs ?? 20_000;
  const maxActive = Math.max(1, opts.maxConcurrentQueries ?? 4);
  const entities = new Map<string, Entity>();
  const known = new Map<string, CapsInfo>();
  const jobs = new Map<string, Job>();
  const resolved = createEmitter<CapsResolved>();
  const counts = { queries: 0, hits: 0, rejected: 0 };
  let disposed = false;

  // Our side (§6.1): the hash of what the registry advertises, recomputed when it changes.
  let dirty = true;
  let current = { ver: '', info: { identities: [], features: [], forms: [] } as CapsInfo };
  const ours = (): typeof current => {
    if (dirty) {
      const info: CapsInfo = { identities: client.disco.identities(), features: client.disco.features(), forms: client.disco.extensionForms() };
      current = { ver: capsVer(info), info };
      dirty = false;
    }
    return current;
  };
  let alias: { ver: string; dispose: Disposer } | undefined;
  const syncAlias = (): void => {
    const { ver } = ours();
    if (alias?.ver === ver) return;
    alias?.dispose();
    alias = { ver, dispose: opts.disco.addAliasNode(`${opts.node}#${ver}`) };
  };
  let announced: string | undefined;
  let scheduled = false;

  // Theirs: one disco#info at a time per ver, a bounded number in flight overall.
  let active = 0;
  const waiting: (() => void)[] = [];
  async function query(jid: string, node: string | undefined): Promise<Element | undefined> {
    if (active >= maxActive) {
      if (waiting.length >= MAX_WAITING) return undefined;
      await new Promise<void>((resolve) => waiting.push(resolve));
    } else {
      active += 1;
    }
    try {
      if (disposed) return undefined;
      counts.queries += 1;
      const r = await client.request('get', jid, xml('query', { xmlns: NS_DISCO_INFO, ...(node ? { node } : {}) }), timeoutMs);
      return r.getChild('query', NS_DISCO_INFO);
    } catch {
      return undefined; // error or timeout: this entity cannot tell us
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active -= 1;
    }
  }

  function assign(jid: string, key: string, info: CapsInfo, source: CapsResolved['source'], verified: boolean): void {
    const e = entities.get(jid);
    if (!e || e.key !== key) return; // went offline or changed ver meanwhile
    e.info = info;
    resolved.emit({ jid, info, source, verified });
  }

  function settle(key: string, info: CapsInfo, source: CapsResolved['source']): void {
    known.delete(key);
    known.set(key, info);
    while (known.size > 1000) known.delete(known.keys().next().value as string);
    for (const [jid, e] of entities) if (e.key === key && !e.info) assign(jid, key, info, source, true);
  }

  async function runJob(key: string, job: Job): Promise<void> {
    try {
      const stored = await cache.get(job.hash, job.ver).catch(() => undefined);
      if (disposed) return;
      // A stored entry must still hash to its key: storage is not trusted more than the wire.
      if (stored && capsVer(stored, job.hash) === job.ver) {
        counts.hits += 1;
        settle(key, stored, 'cache');
        return;
      }
      while (job.tried.size < MAX_TRIES) {
        const jid = job.candidates.find((j) => entities.get(j)?.key === key && !job.tried.has(accountOf(j)));
        const entity = jid ? entities.get(jid) : undefined;
        if (!jid || !entity) return;
        job.tried.add(accountOf(jid));
        const answer = await query(jid, `${entity.node}#${job.ver}`);
        if (disposed) return;
        if (!answer) continue;
        const parsed = parseCapsInfo(answer);
        if (parsed.ok && capsVer(parsed.info, job.hash) === job.ver) {
          await cache.put(job.hash, job.ver, parsed.info).catch(() => undefined);
          settle(key, parsed.info, 'query');
          return;
        }
        // Ill-formed or not matching its ver: a poisoning attempt or a buggy client (§5.4 3.9).
        counts.rejected += 1;
        if (parsed.ok) assign(jid, key, parsed.info, 'query', false);
      }
    } finally {
      jobs.delete(key);
    }
  }

  async function perJid(jid: string, key: string): Promise<void> {
    // Legacy caps name no verifiable hash: ask this entity what it does now (no node: the
    // node-less answer includes every 'ext' bundle) and keep the answer for it alone.
    const answer = await query(jid, undefined);
    const parsed = answer ? parseCapsInfo(answer) : undefined;
    if (parsed?.ok) assign(jid, key, parsed.info, 'query', false);
    else if (answer) counts.rejected += 1;
  }

  function onCaps(jid: string, c: Element): void {
    const { node, ver, hash, ext } = c.attrs as Record<string, unknown>;
    if (typeof node !== 'string' || typeof ver !== 'string' || node === '' || ver === '' || node.length > 1024 || ver.length > 256) return;
    const hashed = typeof hash === 'string' && isCapsHash(hash) && ext === undefined;
    const key = hashed ? `${hash} ${ver}` : `legacy ${jid} ${String(hash)} ${node} ${ver} ${String(ext)}`;
    if (entities.get(jid)?.key === key) return; // nothing new (presence is re-sent often)
    entities.delete(jid);
    // Own copies: the attribute values are slices of a whole socket read (see ownString).
    entities.set(ownString(jid), { key: ownString(key), node: ownString(node) });
    while (entities.size > MAX_ENTITIES) entities.delete(entities.keys().next().value as string);
    if (!hashed) {
      void perJid(jid, key);
      return;
    }
    const hit = known.get(key);
    if (hit) {
      counts.hits += 1;
      assign(jid, key, hit, 'session', true);
      return;
    }
    const job = jobs.get(key);
    if (job) {
      job.candidates.push(jid);
      return;
    }
    const fresh: Job = { hash, ver, candidates: [jid], tried: new Set() };
    jobs.set(key, fresh);
    void runJob(key, fresh);
  }

  const disposers: Disposer[] = [
    client.disco.onDidChange(() => {
      dirty = true;
      if (scheduled) return;
      scheduled = true;
      // Coalesce a burst of module registrations into one re-announcement (§6.1: MUST
      // recompute, SHOULD send a new presence).
      queueMicrotask(() => {
        scheduled = false;
        if (disposed) return;
        syncAlias();
        if (announced !== undefined && ours().ver !== announced) opts.presence.rebroadcast();
      });
    }),
    client.disco.addFeature(NS_CAPS),
    opts.presence.addExtension((to) => {
      syncAlias();
      const { ver } = ours();
      if (to === undefined) announced = ver;
      return xml('c', { xmlns: NS_CAPS, hash: 'sha-1', node: opts.node, ver });
    }),
    client.onPresence((el) => {
      const jid = normalise(String(el.attrs.from ?? ''));
      if (!jid || jid === client.jid) return;
      const type = (el.attrs.type as string | undefined) ?? 'available';
      if (type === 'unavailable') entities.delete(jid);
      if (type !== 'available') return;
      const c = el.getChild('c', NS_CAPS);
      if (c) onCaps(jid, c);
    }),
  ];
  syncAlias();

  return {
    own: () => ({ node: opts.node, hash: 'sha-1', ...ours() }),
    infoOf: (jid) => entities.get(normalise(jid) ?? jid)?.info,
    featuresOf: (jid) => entities.get(normalise(jid) ?? jid)?.info?.features,
    onDidResolve: resolved.on,
    stats: () => ({ ...counts }),
    dispose() {
      disposed = true;
      for (const d of disposers) d();
      alias?.dispose();
      for (const w of waiting.splice(0)) w();
    },
  };
}
