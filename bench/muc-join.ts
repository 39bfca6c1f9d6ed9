// Benchmark: joining a big multi-user chat room (XEP-0045). A room with 2,000 occupants and 500
// messages of history is joined over a loopback TCP socket through Bastion's real receive path:
// socketPipe → XmlStream (framing.ts limits and restricted-XML scan) → XmppClient routing → the
// modules as electron/main/core/im-live.ts registers them (disco, presence, messages, MAM, caps,
// MUC with its occupant store and change batcher). The room is a scripted service in a child
// process (bench/lib/muc-room-server.ts) that sends the exact stanzas a XEP-0045 service sends on
// a join, answers disco#info, the archive (XEP-0313) and the occupants' caps queries. Baseline in
// the same run: the same bytes from the same service over the same socket, parsed by ltx alone.
// Not a test: it prints numbers and never fails on them. Usage and results in bench/README.md.
//
//   npx tsx bench/muc-join.ts [--runs 5] [--occupants 2000] [--history 500] [--scenario legacy|mam|both] [--verbose]
//   npx tsx bench/muc-join.ts --copy-strings [--no-caps]     (what-if diagnostics of the memory per occupant)
import net from 'node:net';
import os from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { StringDecoder } from 'node:string_decoder';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import xml, { Parser, type Element } from '@xmpp/xml';
import { createXmppClient } from '../electron/main/xmpp/client/client';
import { registerMessages } from '../electron/main/xmpp/im/messages';
import { registerPresence } from '../electron/main/xmpp/im/presence';
import { socketPipe } from '../electron/main/xmpp/stream/pipe';
import { createXmlStream, type XmlStream } from '../electron/main/xmpp/stream/xml-stream';
import { registerDisco } from '../electron/main/xmpp/xep/0030-disco';
import { registerMuc } from '../electron/main/xmpp/xep/0045-muc';
import { registerCaps } from '../electron/main/xmpp/xep/0115-caps';
import { registerMam } from '../electron/main/xmpp/xep/0313-mam';
import { NICK, NS_MAM, NS_MUC, roomJid, selfJid, startRoomServer, type RoomServer, type RoomSpec } from './lib/muc-room';
import { ME, ME_FULL, sleep } from './lib/stanza-bench';
import { fmt, median, printTable } from './lib/stats';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    occupants: { type: 'string', default: '2000' },
    history: { type: 'string', default: '500' },
    scenario: { type: 'string', default: 'both' },
    verbose: { type: 'boolean', default: false },
    // What-if diagnostics (not the app's behaviour): see bench/README.md.
    'copy-strings': { type: 'boolean', default: false },
    'no-caps': { type: 'boolean', default: false },
  },
});
const RUNS = Math.max(1, Number(values.runs));
const OCCUPANTS = Math.max(1, Number(values.occupants));
const HISTORY = Math.max(0, Math.min(1000, Number(values.history)));
const GOAL_FULL_MS = 1000;
const GOAL_BYTES_PER_OCCUPANT = 2048;
const GOAL_TASK_MS = 50;
/** An idle window that stalls this long means the machine, not Bastion, held the CPU. */
const NOISY_IDLE_MS = 25;

// Memory per occupant needs a full GC before each reading: node --expose-gc, or the same flag set at run time.
const gc: () => void =
  (globalThis as { gc?: () => void }).gc ??
  (() => {
    v8.setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  })();
function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

type Kind = 'bastion' | 'ltx';

interface Sample {
  /** Join presence written → join promise resolved (ltx: the self-presence parsed). */
  usableMs: number;
  /** Self-presence parsed → join promise resolved. */
  selfToUsableMs: number;
  /** join() called → resolved, including the room's disco#info round trip before the join presence (Bastion only). */
  callMs: number;
  /** Join presence written → every occupant delivered to onDidChangeOccupants (ltx: all occupant presences parsed). */
  fullMs: number;
  /** Join presence written → history complete (legacy: subject; MAM: the last page). */
  historyMs: number;
  /** Requests the client sent between the self-presence and the join's resolution. */
  requestsAfterSelf: number;
  batchesAtFull: number;
  batches: number;
  changes: number;
  /** Heap growth (after a full GC) from before the join to after history and caps settled, per occupant. */
  bytesPerOccupant: number;
  /** Heap freed by leaving the room, per occupant. */
  freedPerOccupant: number;
  /** Longest synchronous handling of one socket read (all 'data' listeners). */
  longestReadMs: number;
  reads: number;
  /** Longest uninterrupted stretch that began with a socket read (see timeReads). */
  longestTurnMs: number;
  readsInLongestTurn: number;
  stallMs: number;
  idleStallMs: number;
  occupantsSeen: number;
  historySeen: number;
  capsQueries: number;
}

const connect = (port: number): Promise<net.Socket> =>
  new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => {
      s.setNoDelay(true);
      s.removeListener('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });

async function until(pred: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!pred()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(1);
  }
}

/** Waits until `sig()` has not changed for `quietMs` (caps answers and the batches they cause). */
async function settle(sig: () => string, quietMs = 200, maxMs = 5_000): Promise<void> {
  const end = performance.now() + maxMs;
  let last = sig();
  let since = performance.now();
  while (performance.now() < end) {
    await sleep(10);
    const now = sig();
    if (now !== last) {
      last = now;
      since = performance.now();
    } else if (performance.now() - since >= quietMs) return;
  }
}

/**
 * Times socket reads. A read is one 'data' callback (first listener → last listener). libuv
 * hands a readable socket up to 32 reads of 64 KiB in one go (uv__read), and Node runs them back
 * to back without a timer or an immediate in between, so the longest uninterrupted stretch is a
 * "turn": from the first read of a poll phase to the check phase after it (a setImmediate armed
 * by that read), microtasks (promise continuations) included.
 */
function timeReads(socket: net.Socket): { longest(): number; reads(): number; longestTurn(): number; readsInLongestTurn(): number; stop(): void } {
  let on = true;
  let start = 0;
  let longest = 0;
  let reads = 0;
  let turnStart = Number.NaN;
  let turnReads = 0;
  let longestTurn = 0;
  let readsInLongestTurn = 0;
  const endTurn = (): void => {
    const ms = performance.now() - turnStart;
    if (on && ms > longestTurn) {
      longestTurn = ms;
      readsInLongestTurn = turnReads;
    }
    turnStart = Number.NaN;
  };
  socket.prependListener('data', () => {
    start = performance.now();
    if (!on || !Number.isNaN(turnStart)) return;
    turnStart = start;
    turnReads = 0;
    setImmediate(endTurn);
  });
  socket.on('data', () => {
    if (!on) return;
    reads++;
    turnReads++;
    longest = Math.max(longest, performance.now() - start);
  });
  return {
    longest: () => longest,
    reads: () => reads,
    longestTurn: () => longestTurn,
    readsInLongestTurn: () => readsInLongestTurn,
    // Before the benchmark's own work (GC for the heap readings, leaving) runs in a read's microtasks.
    stop: () => {
      if (!Number.isNaN(turnStart)) endTurn();
      on = false;
    },
  };
}

async function idleStall(ms: number): Promise<number> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  await sleep(ms);
  h.disable();
  return h.max / 1e6;
}

/**
 * What-if (--copy-strings): every element handed to the client is a deep copy whose strings are
 * fresh, as if the edge parsers copied what they keep. ltx's attribute values and texts are V8
 * slices of the decoded socket chunk (up to 64 KiB of text), so one kept nick keeps its chunk.
 */
function copyAtTheEdge(stream: XmlStream): void {
  const flat = (v: string): string => (v.length < 13 ? v : Buffer.from(v, 'utf8').toString('utf8'));
  const copy = (el: Element): Element => {
    const attrs: Record<string, string> = {};
    for (const [k, v] of Object.entries(el.attrs)) attrs[k] = typeof v === 'string' ? flat(v) : (v as string);
    return xml(el.name, attrs, ...el.children.map((c) => (typeof c === 'string' ? flat(c) : copy(c))));
  };
  const onElement = stream.onElement.bind(stream);
  (stream as { onElement: XmlStream['onElement'] }).onElement = (cb) => onElement((el) => cb(copy(el)));
}

async function runBastion(port: number, spec: RoomSpec, monitor: boolean): Promise<Sample> {
  const room = roomJid(spec);
  const self = selfJid(spec);
  const socket = await connect(port);
  const stream = createXmlStream(socketPipe(socket));
  if (values['copy-strings']) copyAtTheEdge(stream);
  // After the framing's listener, so that the read timer's last listener runs after Bastion's work.
  const reads = timeReads(socket);
  const client = createXmppClient({ jid: ME_FULL, account: ME, stream });
  // The modules and their order as electron/main/core/im-live.ts registers them for rooms.
  const disco = registerDisco(client, { name: 'Bastion' });
  const presence = registerPresence(client);
  const messages = registerMessages(client, { sendReceipts: () => false });
  const mam = registerMam(client);
  const caps = values['no-caps'] ? undefined : registerCaps(client, { presence, disco, node: 'https://bastion.invalid/caps' });
  const muc = registerMuc(client, { presence, messages, mam, ...(caps ? { caps } : {}) });

  let t0 = Number.NaN;
  let tSelf = Number.NaN;
  let tUsable = Number.NaN;
  let tFull = Number.NaN;
  /** Requests to the room itself other than its archive (disco#info, muc#owner): what a join could wait for. */
  let requestsAfterSelf = 0;
  let present = 0;
  let batches = 0;
  let batchesAtFull = 0;
  let changes = 0;
  let history = 0;
  client.onDidSendStanza((el) => {
    if (el.name === 'presence' && el.attrs.to === self && Number.isNaN(t0) && el.getChild('x', NS_MUC)) t0 = performance.now();
    if (el.name === 'iq' && el.attrs.to === room && !el.getChild('query', NS_MAM) && !Number.isNaN(tSelf) && Number.isNaN(tUsable)) requestsAfterSelf++;
  });
  client.onWillHandleStanza((el) => {
    if (Number.isNaN(tSelf) && el.name === 'presence' && el.attrs.from === self && el.attrs.type === undefined) tSelf = performance.now();
  });
  muc.onDidChangeOccupants((_room, cs) => {
    batches++;
    changes += cs.length;
    for (const c of cs) present += c.kind === 'added' ? 1 : c.kind === 'removed' ? -1 : 0;
    if (Number.isNaN(tFull) && present >= spec.occupants + 1) {
      tFull = performance.now();
      batchesAtFull = batches;
    }
  });
  muc.onDidReceiveGroupMessage(() => void history++);

  await until(() => stream.serverAttrs !== undefined, 'the stream header');
  const h = monitorEventLoopDelay({ resolution: 1 });
  const heap0 = heapUsed();
  if (monitor) h.enable();
  const tCall = performance.now();
  const joined = await muc.join(room, { nick: NICK, history: spec.mam ? { since: new Date(Date.UTC(2024, 0, 1)) } : { maxStanzas: spec.history } });
  tUsable = performance.now();
  const outcome = await joined.history;
  const tHistory = performance.now();
  if (!outcome.complete || outcome.error) throw new Error(`history incomplete: ${JSON.stringify(outcome)}`);
  await settle(() => `${batches} ${caps?.stats().queries ?? 0} ${history}`);
  h.disable();
  reads.stop();
  const occupantsSeen = muc.occupants(room).length;
  const heap1 = heapUsed();
  await muc.leave(room);
  const heap2 = heapUsed();
  const idle = monitor ? await idleStall(300) : Number.NaN;
  const capsQueries = caps?.stats().queries ?? 0;
  await client.close();
  for (const m of [muc, mam, messages, presence, disco]) m.dispose();
  caps?.dispose();
  socket.destroy();
  const per = spec.occupants + 1;
  return {
    usableMs: tUsable - t0,
    selfToUsableMs: tUsable - tSelf,
    callMs: tUsable - tCall,
    fullMs: tFull - t0,
    historyMs: tHistory - t0,
    requestsAfterSelf,
    batchesAtFull,
    batches,
    changes,
    bytesPerOccupant: (heap1 - heap0) / per,
    freedPerOccupant: (heap1 - heap2) / per,
    longestReadMs: reads.longest(),
    reads: reads.reads(),
    longestTurnMs: reads.longestTurn(),
    readsInLongestTurn: reads.readsInLongestTurn(),
    stallMs: monitor ? h.max / 1e6 : Number.NaN,
    idleStallMs: idle,
    occupantsSeen,
    historySeen: history,
    capsQueries,
  };
}

/** Baseline: the same conversation with the same service, the client being ltx alone. */
async function runLtx(port: number, spec: RoomSpec, monitor: boolean): Promise<Sample> {
  const room = roomJid(spec);
  const self = selfJid(spec);
  const socket = await connect(port);
  const parser = new Parser();
  const decoder = new StringDecoder('utf8');
  // What ltx alone would keep of a room: each occupant's presence element.
  const occupants = new Map<string, Element>();
  let started = false;
  let t0 = Number.NaN;
  let tSelf = Number.NaN;
  let history = 0;
  let historyDone!: () => void;
  let left!: () => void;
  const historyOver = new Promise<void>((r) => (historyDone = r));
  const leftRoom = new Promise<void>((r) => (left = r));
  let q = 0;
  const query = (after?: string): void =>
    void socket.write(
      `<iq type='set' id='mam${++q}' to='${room}'><query xmlns='${NS_MAM}' queryid='lq${q}'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'><value>${NS_MAM}</value></field></x>` +
        `<set xmlns='http://jabber.org/protocol/rsm'><max>100</max>${after ? `<after>${after}</after>` : ''}</set></query></iq>`,
    );
  parser.on('start', () => void (started = true));
  parser.on('element', (el: Element) => {
    if (el.name === 'presence') {
      const from = String(el.attrs.from);
      if (from !== self) occupants.set(from, el);
      else if (el.attrs.type === 'unavailable') left();
      else tSelf = performance.now();
    } else if (el.name === 'message') {
      if (el.getChild('subject')) {
        if (spec.mam) query();
        else historyDone();
      } else history++;
    } else if (el.name === 'iq') {
      const fin = el.getChild('fin', NS_MAM);
      if (fin?.attrs.complete === 'true') historyDone();
      else query(fin?.getChild('set')?.getChildText('last') ?? undefined);
    }
  });
  socket.on('data', (c: Buffer) => parser.write(decoder.write(c)));
  const reads = timeReads(socket);
  await until(() => started, 'the stream header');
  const h = monitorEventLoopDelay({ resolution: 1 });
  const heap0 = heapUsed();
  if (monitor) h.enable();
  t0 = performance.now();
  socket.write(`<presence to='${self}'><x xmlns='${NS_MUC}'><history maxstanzas='${spec.mam ? 0 : spec.history}'/></x></presence>`);
  await historyOver;
  const tHistory = performance.now();
  h.disable();
  reads.stop();
  const occupantsSeen = occupants.size + 1;
  const heap1 = heapUsed();
  socket.write(`<presence to='${self}' type='unavailable'/>`);
  await leftRoom;
  occupants.clear();
  const heap2 = heapUsed();
  const idle = monitor ? await idleStall(300) : Number.NaN;
  socket.end('</stream:stream>');
  socket.destroy();
  const per = spec.occupants + 1;
  return {
    usableMs: tSelf - t0,
    selfToUsableMs: 0,
    callMs: Number.NaN,
    fullMs: tSelf - t0,
    historyMs: tHistory - t0,
    requestsAfterSelf: 0,
    batchesAtFull: Number.NaN,
    batches: Number.NaN,
    changes: Number.NaN,
    bytesPerOccupant: (heap1 - heap0) / per,
    freedPerOccupant: (heap1 - heap2) / per,
    longestReadMs: reads.longest(),
    reads: reads.reads(),
    longestTurnMs: reads.longestTurn(),
    readsInLongestTurn: reads.readsInLongestTurn(),
    stallMs: monitor ? h.max / 1e6 : Number.NaN,
    idleStallMs: idle,
    occupantsSeen,
    historySeen: history,
    capsQueries: 0,
  };
}

const RUNNERS: Record<Kind, (port: number, spec: RoomSpec, monitor: boolean) => Promise<Sample>> = { bastion: runBastion, ltx: runLtx };
const KINDS: readonly Kind[] = ['bastion', 'ltx'];

async function main(): Promise<void> {
  const specs: RoomSpec[] = [];
  if (values.scenario !== 'mam') specs.push({ name: 'legacy', occupants: OCCUPANTS, history: HISTORY, mam: false, seed: 45 });
  if (values.scenario !== 'legacy') specs.push({ name: 'archived', occupants: OCCUPANTS, history: HISTORY, mam: true, seed: 45 });
  const loadBefore = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  const server: RoomServer = await startRoomServer(specs);
  const label = (s: RoomSpec): string => (s.mam ? `MAM room (history by XEP-0313, ${Math.ceil(s.history / 100)} pages)` : 'legacy room (history in the join burst)');
  try {
    for (const r of server.rooms) {
      console.log(
        `${label(r.spec)}: ${r.spec.occupants} occupants + self, ${r.spec.history} history messages; join burst ${r.burstStanzas} stanzas, ${fmt(r.burstBytes / 1024)} KiB` +
          (r.spec.mam ? `; archive ${fmt(r.archiveBytes / 1024)} KiB` : ''),
      );
    }
    const whatIf = [values['copy-strings'] ? '--copy-strings (elements deep-copied with fresh strings before the client sees them)' : '', values['no-caps'] ? '--no-caps (no XEP-0115 module)' : ''].filter(Boolean);
    if (whatIf.length) console.log(`WHAT-IF RUN, not the app's behaviour: ${whatIf.join('; ')}`);
    console.log(`service: scripted XEP-0045 room in a child process on 127.0.0.1:${server.port} (loopback TCP, no TLS)`);
    // Warm-up (JIT), then RUNS measured runs, interleaved: each kind once without and once with the delay monitor.
    for (const s of specs) for (const k of KINDS) for (let i = 0; i < 2; i++) await RUNNERS[k](server.port, s, false);
    const samples = new Map<string, Sample[]>();
    const get = (s: RoomSpec, k: Kind): Sample[] => samples.get(`${s.name}|${k}`) ?? [];
    for (let i = 0; i < RUNS; i++) {
      for (const s of specs) {
        for (const k of KINDS) {
          const plain = await RUNNERS[k](server.port, s, false);
          const monitored = await RUNNERS[k](server.port, s, true);
          if (values.verbose) {
            for (const [m, x] of [['plain', plain], ['monitored', monitored]] as const) {
              console.log(`  ${s.name} ${k} ${m}: usable ${fmt(x.usableMs, 1)} full ${fmt(x.fullMs, 1)} history ${fmt(x.historyMs, 1)} read ${fmt(x.longestReadMs, 1)} turn ${fmt(x.longestTurnMs, 1)} (${x.readsInLongestTurn} reads of ${x.reads}) stall ${fmt(x.stallMs, 1)} B/occ ${fmt(x.bytesPerOccupant)}`);
            }
          }
          samples.set(`${s.name}|${k}`, [...get(s, k), { ...plain, stallMs: monitored.stallMs, idleStallMs: monitored.idleStallMs }]);
        }
      }
      process.stdout.write(`run ${i + 1}/${RUNS} done\n`);
    }
    report(specs, get);
    const counts = await server.counts();
    console.log(`\nservice saw: ${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  } finally {
    await server.stop();
  }
  console.log(`noise: load average ${loadBefore} before, ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} after, ${os.availableParallelism()} CPUs`);
}

function report(specs: readonly RoomSpec[], get: (s: RoomSpec, k: Kind) => Sample[]): void {
  const med = (xs: Sample[], f: (x: Sample) => number): number => median(xs.map(f));
  const spread = (xs: Sample[], f: (x: Sample) => number, d = 1): string => {
    const v = xs.map(f);
    return `${fmt(median(v), d)} [${fmt(Math.min(...v), d)}–${fmt(Math.max(...v), d)}]`;
  };
  console.log(
    `\nMUC join, N=${RUNS} runs per row (medians [range]). t0 = our join presence written. usable = join promise resolved (ltx: self-presence parsed); ` +
      `full = all ${OCCUPANTS + 1} occupants delivered (ltx: parsed); history = complete; B/occ = heap growth after a full GC ÷ occupants; ` +
      `read = longest synchronous handling of one socket read (64 KiB); turn = longest uninterrupted stretch starting with a read (libuv runs up to 32 reads back to back), ` +
      `with microtasks; stall = monitorEventLoopDelay max (1 ms resolution, included) in a second run\n`,
  );
  const rows: string[][] = [];
  for (const s of specs) {
    for (const k of KINDS) {
      const xs = get(s, k);
      const b = k === 'bastion';
      rows.push([
        s.mam ? 'MAM' : 'legacy',
        b ? 'bastion' : 'ltx alone',
        spread(xs, (x) => x.usableMs),
        b ? spread(xs, (x) => x.selfToUsableMs, 2) : '-',
        b ? spread(xs, (x) => x.callMs) : '-',
        spread(xs, (x) => x.fullMs),
        spread(xs, (x) => x.historyMs),
        b ? `${fmt(med(xs, (x) => x.batchesAtFull))} / ${fmt(med(xs, (x) => x.batches))}` : `(${OCCUPANTS + 1} stanzas)`,
        spread(xs, (x) => x.bytesPerOccupant, 0),
        spread(xs, (x) => x.freedPerOccupant, 0),
        spread(xs, (x) => x.longestReadMs),
        `${spread(xs, (x) => x.longestTurnMs)} (${fmt(med(xs, (x) => x.readsInLongestTurn))})`,
        spread(xs, (x) => x.stallMs),
      ]);
    }
  }
  printTable(['room', 'client', 'usable ms', 'self→usable', 'join() ms', 'full list ms', 'history ms', 'batches full/all', 'B/occ kept', 'B/occ freed', 'longest read ms', 'longest turn ms (reads)', 'stall ms'], rows);

  console.log('\nratios bastion ÷ ltx alone (medians):');
  const ratioRows: string[][] = [];
  for (const s of specs) {
    const b = get(s, 'bastion');
    const l = get(s, 'ltx');
    const r = (f: (x: Sample) => number): string => fmt(med(b, f) / med(l, f), 2);
    ratioRows.push([
      s.mam ? 'MAM' : 'legacy',
      r((x) => x.usableMs),
      r((x) => x.fullMs),
      r((x) => x.historyMs),
      r((x) => x.bytesPerOccupant),
      r((x) => x.longestReadMs),
      r((x) => x.longestTurnMs),
      r((x) => x.stallMs),
      fmt(med(b, (x) => x.batches) / (s.occupants + 1), 4),
    ]);
  }
  printTable(['room', 'usable', 'full list', 'history', 'B/occupant', 'longest read', 'longest turn', 'stall', 'UI events (batches ÷ presences)'], ratioRows);

  console.log('\nchecks:');
  for (const s of specs) {
    const b = get(s, 'bastion');
    const l = get(s, 'ltx');
    const bad = b.some((x) => x.occupantsSeen !== s.occupants + 1 || x.historySeen !== s.history) || l.some((x) => x.occupantsSeen !== s.occupants + 1);
    console.log(
      `  ${s.mam ? 'MAM' : 'legacy'}: occupants in the store ${[...new Set(b.map((x) => x.occupantsSeen))].join('/')} (ltx ${[...new Set(l.map((x) => x.occupantsSeen))].join('/')}) of ${s.occupants + 1}; ` +
        `history delivered ${[...new Set(b.map((x) => x.historySeen))].join('/')} of ${s.history}; changes delivered ${[...new Set(b.map((x) => x.changes))].join('/')}; ` +
        `caps queries ${[...new Set(b.map((x) => x.capsQueries))].join('/')}; socket reads ${fmt(med(b, (x) => x.reads))} (ltx ${fmt(med(l, (x) => x.reads))})${bad ? ' — MISMATCH' : ''}`,
    );
  }

  console.log('\ngoals:');
  for (const s of specs) {
    const b = get(s, 'bastion');
    const l = get(s, 'ltx');
    const name = s.mam ? 'MAM room' : 'legacy room';
    const reqs = Math.max(...b.map((x) => x.requestsAfterSelf));
    const full = Math.max(...b.map((x) => x.fullMs));
    const kb = med(b, (x) => x.bytesPerOccupant);
    const task = med(b, (x) => Math.max(x.stallMs, x.longestTurnMs));
    const worst = (xs: Sample[], f: (x: Sample) => number): string => fmt(Math.max(...xs.map(f)), 1);
    console.log(`  ${name}:`);
    console.log(
      `    usable within one round trip of the self-presence: ${reqs === 0 ? 'met' : 'NOT met'} (requests to the room between the self-presence and the join's resolution: ${reqs}; ` +
        `self-presence → resolved ${spread(b, (x) => x.selfToUsableMs, 2)} ms; join presence → usable ${fmt(med(b, (x) => x.usableMs), 1)} ms = ${fmt(med(b, (x) => x.usableMs) / med(l, (x) => x.usableMs), 2)}× ltx)`,
    );
    console.log(`    full occupant list within ${GOAL_FULL_MS} ms: ${full <= GOAL_FULL_MS ? 'met' : 'NOT met'} (worst ${fmt(full, 1)} ms, median ${fmt(med(b, (x) => x.fullMs), 1)} ms = ${fmt(med(b, (x) => x.fullMs) / med(l, (x) => x.fullMs), 2)}× ltx)`);
    console.log(
      `    ≤ ${GOAL_BYTES_PER_OCCUPANT / 1024} KB per occupant: ${kb <= GOAL_BYTES_PER_OCCUPANT ? 'met' : 'NOT met'} (median ${fmt(kb)} B kept, ${fmt(med(b, (x) => x.freedPerOccupant))} B freed on leave; ltx elements ${fmt(med(l, (x) => x.bytesPerOccupant))} B = ${fmt(kb / med(l, (x) => x.bytesPerOccupant), 2)}×)`,
    );
    console.log(
      `    no task over ${GOAL_TASK_MS} ms: ${task <= GOAL_TASK_MS ? 'met' : 'NOT met'} (median of each run's longest turn or stall ${fmt(task, 1)} ms; worst turn ${worst(b, (x) => x.longestTurnMs)} ms, ` +
        `stall ${worst(b, (x) => x.stallMs)} ms, single read ${worst(b, (x) => x.longestReadMs)} ms; ltx alone ${worst(l, (x) => x.longestTurnMs)} / ${worst(l, (x) => x.stallMs)} / ${worst(l, (x) => x.longestReadMs)} ms)`,
    );
    console.log(`    occupant-change batches: ${fmt(med(b, (x) => x.batchesAtFull))} until the list was complete, ${fmt(med(b, (x) => x.batches))} in all (caps answers re-deliver occupants as 'changed')`);
  }
  const idle = Math.max(...specs.flatMap((s) => KINDS.flatMap((k) => get(s, k).map((x) => x.idleStallMs))));
  const load = os.loadavg()[0] ?? 0;
  if (idle >= NOISY_IDLE_MS || load > os.availableParallelism())
    console.log(`  NOISY RUN: an idle 300 ms window stalled ${fmt(idle, 1)} ms, load average ${load.toFixed(2)} on ${os.availableParallelism()} CPUs: other work took the CPU; judge times and stalls on a quieter run (memory and batch counts hold)`);
  else console.log(`  longest stall in an idle 300 ms window after a run: ${fmt(idle, 1)} ms`);
}

await main();
