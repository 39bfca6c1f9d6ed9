// Benchmark: a presence flood. 5,000 presence stanzas arrive within one second (TLS-record-sized
// chunks, evenly spaced) and go through Bastion's receive path without a network: the real
// XmlStream (framing.ts limits and restricted-XML scan) → XmppClient routing → the presence module
// (im/presence.ts) → the frame batcher (ipc/batcher.ts) that feeds the renderer. Baseline in the
// same run: the same chunks on the same schedule into ltx alone. Not a test: it prints numbers and
// never fails on them. Usage and results in bench/README.md.
//
//   npx tsx bench/presence-flood.ts [--runs 5] [--count 5000] [--window-ms 1000]
import os from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createFrameBatcher } from '../electron/main/ipc/batcher';
import { registerPresence, type PresenceEvent } from '../electron/main/xmpp/im/presence';
import { benchClient, chunked, contact, ltxBaseline, presenceStanza, rng, sleep, tick } from './lib/stanza-bench';
import { fmt, median, printTable } from './lib/stats';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, count: { type: 'string', default: '5000' }, 'window-ms': { type: 'string', default: '1000' } } });
const RUNS = Math.max(1, Number(values.runs));
const COUNT = Math.max(1, Number(values.count));
const WINDOW_MS = Math.max(1, Number(values['window-ms']));
const FRAME_MS = 16;
const CPU_GOAL_MS = 50;

interface Scenario {
  readonly name: string;
  readonly bytes: Buffer;
  readonly stanzas: number;
  /** Distinct full JIDs that end up online. */
  readonly online: number;
}

function scenario(name: string, contacts: number): Scenario {
  const r = rng(contacts);
  const parts: string[] = [];
  for (let i = 0; i < COUNT; i++) parts.push(presenceStanza(r, `${contact(i % contacts)}/phone`, i));
  return { name, bytes: Buffer.from(parts.join('')), stanzas: COUNT, online: Math.min(contacts, COUNT) };
}

interface Sample {
  cpuMs: number;
  /** Main-thread time inside the chunk handlers and the batch deliveries (performance.now). */
  busyMs: number;
  wallMs: number;
  stallMs: number;
  stanzas: number;
  batches: number;
  items: number;
  maxPerFrame: number;
  minGapMs: number;
  online: number;
}

type Kind = 'bastion' | 'ltx' | 'idle';

function presenceKey(e: PresenceEvent): string | undefined {
  // Supersede-able updates: the same resource's presence (or a contact going away) replaces the
  // one queued before it in the frame. Requests and errors are never coalesced.
  switch (e.kind) {
    case 'available':
      return e.resource.jid;
    case 'unavailable':
      return e.jid;
    default:
      return undefined;
  }
}

async function runOnce(kind: Kind, s: Scenario, monitor: boolean): Promise<Sample> {
  const chunks = chunked(s.bytes);
  const deliveries: { t: number; n: number }[] = [];
  let busy = 0;
  let feed: (c: Buffer) => void;
  let settled: () => boolean;
  let counted: () => number;
  let online = 0;
  let dispose = (): void => undefined;
  if (kind === 'bastion') {
    const { client, pipe } = benchClient();
    const presence = registerPresence(client);
    const batcher = createFrameBatcher<PresenceEvent>({
      key: presenceKey,
      deliver: (batch) => {
        const t = performance.now();
        deliveries.push({ t, n: batch.length });
        busy += performance.now() - t;
      },
    });
    let events = 0;
    presence.onDidChangePresence((e) => {
      events++;
      batcher.push(e);
    });
    feed = (c) => pipe.feed(c);
    settled = () => batcher.pending() === 0;
    counted = () => events;
    dispose = () => {
      const jids = new Set<string>();
      for (let i = 0; i < s.online; i++) for (const r of presence.resources(contact(i) as never)) jids.add(r.jid);
      online = jids.size;
      batcher.dispose();
      presence.dispose();
    };
  } else if (kind === 'idle') {
    // The pacing alone (timers, the loop waking up): subtracted from both to get the net cost.
    let n = 0;
    feed = () => void n++;
    settled = () => true;
    counted = () => n;
  } else {
    const ltx = ltxBaseline();
    feed = (c) => ltx.write(c);
    settled = () => true;
    counted = () => ltx.count();
  }

  const h = monitorEventLoopDelay({ resolution: 1 });
  await sleep(50);
  // The 1 ms delay monitor is itself 1,000 timer wake-ups a second: CPU is taken from runs
  // without it, the stall from runs with it.
  if (monitor) h.enable();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < chunks.length; i++) {
    // Evenly spread over the window, like records off a busy socket.
    const due = t0 + (i * WINDOW_MS) / chunks.length;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const a = performance.now();
    feed(chunks[i] as Buffer);
    busy += performance.now() - a;
  }
  while (!settled()) await tick();
  const cpu = process.cpuUsage(cpu0);
  const t1 = performance.now();
  h.disable();
  dispose();
  let maxPerFrame = 0;
  const perFrame = new Map<number, number>();
  for (const d of deliveries) {
    const f = Math.floor((d.t - t0) / FRAME_MS);
    const n = (perFrame.get(f) ?? 0) + 1;
    perFrame.set(f, n);
    maxPerFrame = Math.max(maxPerFrame, n);
  }
  let minGap = Infinity;
  for (let i = 1; i < deliveries.length; i++) minGap = Math.min(minGap, (deliveries[i] as { t: number }).t - (deliveries[i - 1] as { t: number }).t);
  return {
    cpuMs: (cpu.user + cpu.system) / 1000,
    busyMs: busy,
    wallMs: t1 - t0,
    stallMs: monitor ? h.max / 1e6 : Number.NaN,
    stanzas: counted(),
    batches: deliveries.length,
    items: deliveries.reduce((a, d) => a + d.n, 0),
    maxPerFrame,
    minGapMs: minGap,
    online,
  };
}

const KINDS: readonly Kind[] = ['bastion', 'ltx', 'idle'];

async function main(): Promise<void> {
  const few = Math.max(1, Math.floor(COUNT / 100));
  const scenarios = [scenario(`login: ${COUNT} contacts come online`, COUNT), scenario(`flapping: ${few} contacts × ${Math.round(COUNT / few)} updates`, few)];
  const loadBefore = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  for (const s of scenarios) console.log(`${s.name}: ${s.stanzas} stanzas, ${fmt(s.bytes.length / 1024)} KiB, ${chunked(s.bytes).length} chunks of ≤ 16 KiB over ${WINDOW_MS} ms`);
  // Warm-up (JIT), then RUNS measured runs, interleaved.
  for (const s of scenarios) for (const k of KINDS) await runOnce(k, s, false);
  const samples = new Map<string, Sample[]>();
  const get = (s: Scenario, k: Kind): Sample[] => samples.get(`${s.name}|${k}`) ?? [];
  for (let i = 0; i < RUNS; i++) {
    for (const s of scenarios) {
      for (const k of KINDS) {
        const plain = await runOnce(k, s, false);
        const monitored = await runOnce(k, s, true);
        samples.set(`${s.name}|${k}`, [...get(s, k), { ...plain, stallMs: monitored.stallMs, maxPerFrame: Math.max(plain.maxPerFrame, monitored.maxPerFrame), minGapMs: Math.min(plain.minGapMs, monitored.minGapMs) }]);
      }
    }
  }

  console.log(`\npresence flood, N=${RUNS} runs per row (medians [range]); CPU = process.cpuUsage (user + system, all threads) from the first chunk to the last batch, in runs without the delay monitor; net = minus the pacing alone (idle row); stall = monitorEventLoopDelay max (1 ms resolution, included) in a second run of each\n`);
  const spread = (v: number[], d = 1): string => `${fmt(median(v), d)} [${fmt(Math.min(...v), d)}–${fmt(Math.max(...v), d)}]`;
  const rows: string[][] = [];
  const LABEL: Record<Kind, string> = { bastion: 'bastion: framing → presence → batcher', ltx: 'ltx alone (baseline)', idle: 'pacing only (no parsing)' };
  for (const s of scenarios) {
    const idleCpu = median(get(s, 'idle').map((x) => x.cpuMs));
    const net = (k: Kind): number => median(get(s, k).map((x) => x.cpuMs)) - idleCpu;
    for (const k of KINDS) {
      const xs = get(s, k);
      const isB = k === 'bastion';
      rows.push([
        s.name,
        LABEL[k],
        spread(xs.map((x) => x.cpuMs)),
        k === 'idle' ? '-' : fmt(net(k), 1),
        k === 'idle' ? '-' : spread(xs.map((x) => x.busyMs)),
        isB ? fmt(net('bastion') / net('ltx'), 2) : k === 'ltx' ? '1.00' : '-',
        isB ? fmt(median(xs.map((x) => x.busyMs)) / median(get(s, 'ltx').map((x) => x.busyMs)), 2) : k === 'ltx' ? '1.00' : '-',
        spread(xs.map((x) => x.stallMs)),
        isB ? `${spread(xs.map((x) => x.batches), 0)}` : '-',
        isB ? `${fmt(median(xs.map((x) => x.items)))}` : '-',
        isB ? `${Math.max(...xs.map((x) => x.maxPerFrame))}` : '-',
        isB ? fmt(Math.min(...xs.map((x) => x.minGapMs)), 1) : '-',
      ]);
    }
  }
  printTable(['scenario', 'path', 'CPU ms', 'net CPU', 'busy ms', 'net CPU ×ltx', 'busy ×ltx', 'stall ms', 'batches', 'items', 'max/frame', 'min gap ms'], rows);

  console.log('\nchecks:');
  for (const s of scenarios) {
    const b = get(s, 'bastion');
    const wrong = b.filter((x) => x.stanzas !== s.stanzas || x.online !== s.online);
    console.log(
      `  ${s.name}: presence events ${[...new Set(b.map((x) => x.stanzas))].join('/')} of ${s.stanzas}, ltx elements ${[...new Set(get(s, 'ltx').map((x) => x.stanzas))].join('/')}, ` +
        `resources online at the end ${[...new Set(b.map((x) => x.online))].join('/')} of ${s.online}${wrong.length ? ' — MISMATCH' : ''}`,
    );
  }
  console.log('\ngoals:');
  for (const s of scenarios) {
    const b = get(s, 'bastion');
    const cpu = median(b.map((x) => x.cpuMs)) - median(get(s, 'idle').map((x) => x.cpuMs));
    const ltxCpu = median(get(s, 'ltx').map((x) => x.cpuMs)) - median(get(s, 'idle').map((x) => x.cpuMs));
    const perFrame = Math.max(...b.map((x) => x.maxPerFrame));
    const gap = Math.min(...b.map((x) => x.minGapMs));
    console.log(`  ${s.name}:`);
    console.log(`    main-process CPU ≤ ${CPU_GOAL_MS} ms: ${cpu <= CPU_GOAL_MS ? 'met' : 'NOT met'} (net median ${fmt(cpu, 1)} ms; ltx alone ${fmt(ltxCpu, 1)} ms; main-thread busy ${fmt(median(b.map((x) => x.busyMs)), 1)} ms)`);
    console.log(`    ≤ 1 batch per ${FRAME_MS} ms frame: ${perFrame <= 1 && gap >= FRAME_MS - 0.5 ? 'met' : 'NOT met'} (most in one ${FRAME_MS} ms frame: ${perFrame}; shortest gap between two batches ${fmt(gap, 1)} ms)`);
    console.log(`    longest event-loop stall ${fmt(Math.max(...b.map((x) => x.stallMs)), 1)} ms (ltx alone ${fmt(Math.max(...get(s, 'ltx').map((x) => x.stallMs)), 1)} ms, pacing only ${fmt(Math.max(...get(s, 'idle').map((x) => x.stallMs)), 1)} ms)`);
  }
  const idleStall = Math.max(...scenarios.flatMap((s) => get(s, 'idle').map((x) => x.stallMs)));
  if (idleStall >= 50) console.log(`  NOISY RUN: the pacing alone (no parsing) stalled ${fmt(idleStall, 1)} ms: the machine took the CPU away; judge the stalls on a quieter run`);
  console.log(`  noise: load average ${loadBefore} before, ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} after, ${os.availableParallelism()} CPUs`);
}

await main();
