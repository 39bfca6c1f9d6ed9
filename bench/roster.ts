// Benchmark: a 5,000-contact roster on the test bed's Prosody. Initial fetch (time, bytes), then
// versioned reconnects (RFC 6121 §2.6) with no change and after 10 changes (goal: < 10 KB), and
// the client-side cost of the full result (the captured bytes replayed through framing → client
// → roster module) against ltx alone on the same bytes. Bytes are the TLS plaintext the server
// sent during roster.load() (a listener on the session's TLS channel). Not a test: it prints
// numbers and never fails on them. Usage and results in bench/README.md.
//
//   npx tsx bench/roster.ts [--runs 5] [--contacts 5000]
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { BareJid, FullJid } from '../shared/xmpp/jid';
import { createXmppClient, type XmppClient } from '../electron/main/xmpp/client/client';
import { registerRoster, type RosterItem, type RosterModule } from '../electron/main/xmpp/im/roster';
import { establishSession } from '../electron/main/xmpp/session/establish';
import { DEFAULT_SESSION_POLICY } from '../electron/main/xmpp/session/policy';
import { startTestbed } from '../test/support/testbed/index';
import { chooseTestNet, testAddress } from '../test/support/testbed/net';
import { benchClient, chunked, ltxBaseline, rng, tick } from './lib/stanza-bench';
import { fmt, median, printTable } from './lib/stats';

chooseTestNet();
const PROSODY_ADDR = testAddress(1);
const DOMAIN = 'prosody.test';
const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, contacts: { type: 'string', default: '5000' } } });
const RUNS = Math.max(1, Number(values.runs));
const CONTACTS = Math.max(1, Number(values.contacts));
const CHANGES = 10;
const GOAL_BYTES = 10 * 1024;

const SURNAMES = ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'García', 'Miller', 'Davis', 'Rodríguez', 'Martínez', 'Hernández', 'López', "O'Brien", 'Nguyen', 'Kim', 'Müller'];
const GIVEN = ['James', 'Mary', 'Robert', 'Patricia', 'John', 'Jennifer', 'Michael', 'Linda', 'David', 'Elizabeth', 'José', 'Zoë'];
const ORGS = ['USCYBERCOM', 'DISA', 'ARCYBER', 'NAVIFOR', 'AFCYBER', 'MARFORCYBER', 'J6', 'G6'];

/** Lua string literal as Prosody's serializer would accept it (UTF-8 bytes pass through). */
function lua(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/**
 * The roster as Prosody's internal storage keeps it (data/<host %-encoded>/roster/<user>.dat, a
 * Lua table: [false] = metadata with the version, then one entry per contact). Written while the
 * account has never been online, so Prosody reads it at the first roster request; the benchmark
 * checks that all items come back. Much faster than 5,000 roster-set IQs, each of which makes
 * Prosody rewrite the whole file.
 */
function prosodyRosterFile(n: number): string {
  const r = rng(7);
  const lines = ['return {', '\t[false] = {', '\t\t["version"] = 1;', '\t\t["pending"] = {};', '\t};'];
  for (let i = 0; i < n; i++) {
    const name = `${SURNAMES[Math.floor(r() * SURNAMES.length)]}, ${GIVEN[Math.floor(r() * GIVEN.length)]} ${String.fromCharCode(65 + Math.floor(r() * 26))}. CIV ${ORGS[i % ORGS.length]}`;
    const groups = [`${ORGS[Math.floor(r() * ORGS.length)]} Team ${1 + Math.floor(r() * 12)}`, ...(r() < 0.3 ? ['Watch floor'] : [])];
    const x = r();
    const sub = x < 0.85 ? 'both' : x < 0.92 ? 'to' : x < 0.97 ? 'from' : 'none';
    lines.push(`\t[${lua(`contact${i}.user@${DOMAIN}`)}] = {`);
    lines.push(`\t\t["subscription"] = ${lua(sub)};`);
    if (sub === 'none' || sub === 'from') if (r() < 0.5) lines.push('\t\t["ask"] = "subscribe";');
    lines.push(`\t\t["name"] = ${lua(name)};`);
    lines.push(`\t\t["groups"] = { ${groups.map((g) => `[${lua(g)}] = true;`).join(' ')} };`);
    lines.push('\t};');
  }
  lines.push('};', '');
  return lines.join('\n');
}

interface Load {
  ms: number;
  bytes: number;
  items: number;
  version: string | undefined;
  /** The plaintext the server sent while the roster loaded (the result IQ). */
  captured: Buffer;
}

interface Session {
  client: XmppClient;
  roster: RosterModule;
  load(cached?: { readonly version: string; readonly items: readonly RosterItem[] }): Promise<Load>;
  close(): Promise<void>;
}

async function main(): Promise<void> {
  const loadBefore = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  console.log(`starting Prosody (${DOMAIN} on ${PROSODY_ADDR}) …`);
  const tb = await startTestbed({ servers: { prosody: { domain: DOMAIN, address: PROSODY_ADDR } }, users: ['alice', 'bob'], logsDir: null });
  const stop = async (): Promise<void> => tb.stop();
  process.once('SIGINT', () => void stop().finally(() => process.exit(130)));
  try {
    const alice = tb.info.accounts.prosody.find((a) => a.username === 'alice');
    if (!alice) throw new Error('no alice');
    const ca = await readFile(tb.info.pki.caCert, 'utf8');
    const policy = { ...DEFAULT_SESSION_POLICY, dnsServers: [`${tb.info.dns.host}:${tb.info.dns.port}`] };

    const tw = performance.now();
    const file = path.join(tb.info.servers.prosody.dir, 'data', DOMAIN.replace(/\W/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`), 'roster', 'alice.dat');
    await mkdir(path.dirname(file), { recursive: true });
    const text = prosodyRosterFile(CONTACTS);
    await writeFile(file, text);
    console.log(`wrote ${CONTACTS} contacts into Prosody's roster store for alice (${fmt(text.length / 1024)} KiB Lua) in ${fmt(performance.now() - tw)} ms`);

    const open = async (): Promise<Session> => {
      const s = await establishSession({ account: alice.jid, auth: { kind: 'password', password: alice.password }, trustAnchorsPem: ca, policy });
      let counting = false;
      let chunks: Buffer[] = [];
      s.tls.onData((c) => {
        if (counting) chunks.push(Buffer.from(c));
      });
      const client = createXmppClient(s);
      const roster = registerRoster(client);
      return {
        client,
        roster,
        async load(cached) {
          chunks = [];
          counting = true;
          const t0 = performance.now();
          const r = await roster.load(cached);
          const ms = performance.now() - t0;
          // Anything still in flight for this answer (none expected: the result is one stanza).
          await tick();
          counting = false;
          const captured = Buffer.concat(chunks);
          return { ms, bytes: captured.length, items: r.items.length, version: r.version, captured };
        },
        close: () => client.close(),
      };
    };

    // Warm-up: the first session and full fetch (JIT, and Prosody reads the store into its cache).
    let s = await open();
    const versioning = s.client.features?.getChild('ver', 'urn:xmpp:features:rosterver') !== undefined;
    const warm = await s.load();
    await s.close();
    console.log(`warm-up: ${warm.items} items, ${fmt(warm.bytes / 1024, 1)} KiB, version ${warm.version ?? '-'}; server offers roster versioning: ${versioning ? 'yes' : 'NO'}`);

    const full: Load[] = [];
    const same: Load[] = [];
    const changed: Load[] = [];
    let mutations = 0;
    for (let run = 0; run < RUNS; run++) {
      // 1. Full fetch (a client with no cache: ver='').
      s = await open();
      const f = await s.load();
      full.push(f);
      if (!f.version) throw new Error('no roster version from the server');
      const cache = { version: f.version, items: s.roster.items() };
      await s.close();
      // 2. Reconnect with the cached version, nothing changed meanwhile.
      s = await open();
      same.push(await s.load(cache));
      // 3. Ten changes from this session (rename, regroup, add, remove), then log out …
      const base = run * CHANGES;
      for (let k = 0; k < CHANGES; k++) {
        const i = (base + k) * 37;
        const jid = `contact${i % CONTACTS}.user@${DOMAIN}` as BareJid;
        if (k < 4) await s.roster.set({ jid, name: `Renamed ${run}-${k}`, groups: ['Renamed'] });
        else if (k < 7) await s.roster.set({ jid: `new${run}-${k}@${DOMAIN}` as BareJid, name: `New ${run}-${k}`, groups: ['New'] });
        else await s.roster.remove(jid);
        mutations++;
      }
      await s.close();
      // … and reconnect with the version from before the changes.
      s = await open();
      changed.push(await s.load(cache));
      await s.close();
    }

    // Client-side cost of the full result: the captured bytes through framing → client → roster
    // (parse every item, update the map, emit the changes), against ltx alone on the same bytes.
    const capturedFull = full[full.length - 1]?.captured ?? Buffer.alloc(0);
    const capturedText = capturedFull.toString('utf8');
    const originalId = /^\s*<iq\b[^>]*\bid=(['"])(.*?)\1/.exec(capturedText)?.[2];
    const replay = async (): Promise<{ ms: number; items: number }> => {
      const { client, pipe } = benchClient({ jid: `${alice.jid}/bench` as FullJid, account: alice.jid as BareJid });
      const roster = registerRoster(client);
      const p = roster.load();
      const id = /\bid=(['"])(.*?)\1/.exec(pipe.written.last)?.[2];
      if (!originalId || !id) throw new Error('cannot match the captured result to the replayed request');
      const bytes = Buffer.from(capturedText.replace(`id='${originalId}'`, `id='${id}'`).replace(`id="${originalId}"`, `id="${id}"`));
      const t0 = performance.now();
      for (const c of chunked(bytes)) pipe.feed(c);
      const r = await p;
      return { ms: performance.now() - t0, items: r.items.length };
    };
    const ltxOnce = (): number => {
      const ltx = ltxBaseline();
      const t0 = performance.now();
      for (const c of chunked(capturedFull)) ltx.write(c);
      const ms = performance.now() - t0;
      if (ltx.count() !== 1) throw new Error(`ltx saw ${ltx.count()} elements in the captured result`);
      return ms;
    };
    for (let i = 0; i < 3; i++) {
      await replay();
      ltxOnce();
    }
    const rep: number[] = [];
    const raw: number[] = [];
    let repItems = 0;
    for (let i = 0; i < Math.max(RUNS, 20); i++) {
      const r = await replay();
      rep.push(r.ms);
      repItems = r.items;
      raw.push(ltxOnce());
    }

    const spread = (v: number[], d = 1): string => `${fmt(median(v), d)} [${fmt(Math.min(...v), d)}–${fmt(Math.max(...v), d)}]`;
    const kib = (v: number[]): string => `${fmt(median(v) / 1024, 2)} [${fmt(Math.min(...v) / 1024, 2)}–${fmt(Math.max(...v) / 1024, 2)}]`;
    const fullBytes = median(full.map((x) => x.bytes));
    const fullMs = median(full.map((x) => x.ms));
    console.log(`\nroster of ${CONTACTS} contacts on Prosody, N=${RUNS} (medians [range]); bytes = TLS plaintext from the server during roster.load()\n`);
    printTable(
      ['fetch', 'items', 'KiB received', 'ms', 'bytes ×full', 'ms ×full'],
      [
        ['full (no cache, ver="")', spread(full.map((x) => x.items), 0), kib(full.map((x) => x.bytes)), spread(full.map((x) => x.ms)), '1.00', '1.00'],
        ['versioned, no change', spread(same.map((x) => x.items), 0), kib(same.map((x) => x.bytes)), spread(same.map((x) => x.ms)), fmt(median(same.map((x) => x.bytes)) / fullBytes, 4), fmt(median(same.map((x) => x.ms)) / fullMs, 3)],
        [`versioned, after ${CHANGES} changes`, spread(changed.map((x) => x.items), 0), kib(changed.map((x) => x.bytes)), spread(changed.map((x) => x.ms)), fmt(median(changed.map((x) => x.bytes)) / fullBytes, 4), fmt(median(changed.map((x) => x.ms)) / fullMs, 3)],
      ],
    );
    console.log(`\nclient-side processing of the full result (${fmt(capturedFull.length / 1024)} KiB, replayed in 16 KiB chunks, N=${rep.length}):`);
    printTable(
      ['path', 'ms', 'ratio to ltx'],
      [
        [`bastion: framing → client → roster module (${repItems} items)`, spread(rep), fmt(median(rep) / median(raw), 2)],
        ['ltx alone (baseline)', spread(raw), '1.00'],
      ],
    );

    // Each round renames 4, adds 3 and removes 3 contacts: the count stays at CONTACTS.
    const all = (xs: Load[]): string => `${xs.map((x) => x.items).join(' ')}${xs.every((x) => x.items === CONTACTS) ? '' : ' — MISMATCH'}`;
    console.log('\nchecks:');
    console.log(`  items after a full fetch (expected ${CONTACTS}): ${all(full)}`);
    console.log(`  items after a no-change reconnect (the cache, kept): ${all(same)}`);
    console.log(`  items after a reconnect following ${CHANGES} changes: ${all(changed)}; versions ${changed.map((x) => x.version ?? '-').join(' ')}; ${mutations} changes made in all`);
    console.log('\ngoals:');
    const sameBytes = median(same.map((x) => x.bytes));
    const changedBytes = median(changed.map((x) => x.bytes));
    console.log(`  versioned reconnect, no change < ${GOAL_BYTES / 1024} KiB: ${sameBytes < GOAL_BYTES ? 'met' : 'NOT met'} (${fmt(sameBytes)} bytes)`);
    console.log(
      `  versioned reconnect after ${CHANGES} changes < ${GOAL_BYTES / 1024} KiB: ${changedBytes < GOAL_BYTES ? 'met' : 'NOT met'} (${fmt(changedBytes / 1024, 1)} KiB)` +
        (changedBytes >= GOAL_BYTES ? ': Prosody answers a stale version with the whole roster (RFC 6121 §2.6.3 lets it choose between that and one push per change); the client asked correctly' : ''),
    );
    console.log(`  noise: load average ${loadBefore} before, ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} after, ${os.availableParallelism()} CPUs`);
  } finally {
    await stop();
  }
}

await main();
