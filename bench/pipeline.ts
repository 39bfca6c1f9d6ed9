// Benchmark: stanza pipeline throughput. A realistic mixed stream (chat messages with bodies and
// the XEP-0359/0184/0333/0085 children clients send, receipts, standalone chat states, presence)
// goes as TLS-record-sized chunks through Bastion's receive path without a network: the real
// XmlStream (framing.ts) → XmppClient routing → the edge parsers (im/message-parse.ts through
// im/messages.ts, im/presence.ts) → the frame batcher (ipc/batcher.ts). Baseline in the same run:
// the same chunks into ltx alone. Reported as stanzas per second and the ratio to ltx (goal
// ≥ 0.3). Not a test: it prints numbers and never fails on them. Usage in bench/README.md.
//
//   npx tsx bench/pipeline.ts [--runs 5] [--stanzas 20000]
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createFrameBatcher } from '../electron/main/ipc/batcher';
import type { ParsedMessage } from '../electron/main/xmpp/im/message-parse';
import { registerMessages } from '../electron/main/xmpp/im/messages';
import { registerPresence, type PresenceEvent } from '../electron/main/xmpp/im/presence';
import { benchClient, chunked, contact, escapeText, ltxBaseline, ME, ME_FULL, presenceStanza, rng, sentence, tick } from './lib/stanza-bench';
import { fmt, median, printTable } from './lib/stats';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, stanzas: { type: 'string', default: '20000' } } });
const RUNS = Math.max(1, Number(values.runs));
const STANZAS = Math.max(10, Number(values.stanzas));
const RATIO_GOAL = 0.3;
const CONTACTS = 200;

interface Mix {
  readonly bytes: Buffer;
  readonly messages: number;
  readonly withBody: number;
  readonly receipts: number;
  readonly states: number;
  readonly presences: number;
}

/** 35 % chat messages (8 % of them delayed), 20 % receipts, 25 % standalone chat states, 20 % presence. */
function mixedStream(): Mix {
  const r = rng(42);
  const parts: string[] = [];
  let withBody = 0;
  let receipts = 0;
  let states = 0;
  let presences = 0;
  for (let i = 0; i < STANZAS; i++) {
    const from = `${contact(Math.floor(r() * CONTACTS))}/phone`;
    const x = r();
    const id = `m${i.toString(36)}-${Math.floor(r() * 1e9).toString(36)}`;
    if (x < 0.35) {
      withBody++;
      const delay = r() < 0.08 ? `<delay xmlns='urn:xmpp:delay' from='${ME.split('@')[1]}' stamp='2025-03-0${1 + (i % 9)}T12:${String(i % 60).padStart(2, '0')}:07.123Z'>Offline Storage</delay>` : '';
      parts.push(
        `<message from='${from}' to='${ME_FULL}' type='chat' id='${id}' xml:lang='en'>` +
          `<body>${escapeText(sentence(r, 2, 40))}</body>` +
          `<origin-id xmlns='urn:xmpp:sid:0' id='${id}'/><request xmlns='urn:xmpp:receipts'/><markable xmlns='urn:xmpp:chat-markers:0'/>` +
          `<active xmlns='http://jabber.org/protocol/chatstates'/>` +
          `<stanza-id xmlns='urn:xmpp:sid:0' by='${ME}' id='${Math.floor(r() * 1e12).toString(36)}'/>` +
          delay +
          `</message>`,
      );
    } else if (x < 0.55) {
      receipts++;
      parts.push(`<message from='${from}' to='${ME_FULL}' id='${id}'><received xmlns='urn:xmpp:receipts' id='r${Math.floor(r() * 1e9).toString(36)}'/></message>`);
    } else if (x < 0.8) {
      states++;
      const state = ['composing', 'paused', 'active', 'inactive'][Math.floor(r() * 4)] as string;
      parts.push(`<message from='${from}' to='${ME_FULL}' type='chat'><${state} xmlns='http://jabber.org/protocol/chatstates'/><no-store xmlns='urn:xmpp:hints'/></message>`);
    } else {
      presences++;
      parts.push(presenceStanza(r, from, i));
    }
  }
  return { bytes: Buffer.from(parts.join('')), messages: withBody + receipts + states, withBody, receipts, states, presences };
}

type Item = { readonly kind: 'message'; readonly m: ParsedMessage } | { readonly kind: 'presence'; readonly e: PresenceEvent };

function itemKey(i: Item): string | undefined {
  if (i.kind === 'message') {
    // A standalone chat state is superseded by the sender's next one; messages never are.
    return i.m.body === undefined && i.m.chatState && !i.m.receiptFor ? `state ${i.m.from}` : undefined;
  }
  const e = i.e;
  return e.kind === 'available' ? `presence ${e.resource.jid}` : e.kind === 'unavailable' ? `presence ${e.jid}` : undefined;
}

interface Sample {
  ms: number;
  stanzas: number;
  messages: number;
  presences: number;
  batches: number;
  items: number;
}

async function runBastion(chunks: readonly Buffer[]): Promise<Sample> {
  const { client, pipe } = benchClient();
  let messages = 0;
  let presences = 0;
  let batches = 0;
  let items = 0;
  const batcher = createFrameBatcher<Item>({
    key: itemKey,
    deliver: (b) => {
      batches++;
      items += b.length;
    },
  });
  const msgs = registerMessages(client, { sendReceipts: () => false });
  const presence = registerPresence(client);
  msgs.onDidReceiveMessage((m) => {
    messages++;
    batcher.push({ kind: 'message', m });
  });
  presence.onDidChangePresence((e) => {
    presences++;
    batcher.push({ kind: 'presence', e });
  });
  const t0 = performance.now();
  for (const c of chunks) {
    pipe.feed(c);
    // One socket read per turn of the event loop, as in the app (the batcher's timer can fire).
    await tick();
  }
  batcher.flush();
  const ms = performance.now() - t0;
  batcher.dispose();
  msgs.dispose();
  presence.dispose();
  return { ms, stanzas: messages + presences, messages, presences, batches, items };
}

async function runLtx(chunks: readonly Buffer[]): Promise<Sample> {
  const ltx = ltxBaseline();
  const t0 = performance.now();
  for (const c of chunks) {
    ltx.write(c);
    await tick();
  }
  const ms = performance.now() - t0;
  return { ms, stanzas: ltx.count(), messages: 0, presences: 0, batches: 0, items: 0 };
}

async function main(): Promise<void> {
  const mix = mixedStream();
  const chunks = chunked(mix.bytes);
  const loadBefore = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  console.log(
    `mixed stream: ${STANZAS} stanzas, ${fmt(mix.bytes.length / 1024)} KiB in ${chunks.length} chunks of ≤ 16 KiB: ${mix.withBody} chat messages with bodies, ` +
      `${mix.receipts} receipts, ${mix.states} standalone chat states, ${mix.presences} presences, from ${CONTACTS} contacts`,
  );
  // Warm-up (JIT) twice each, then RUNS measured runs, interleaved.
  for (let i = 0; i < 2; i++) {
    await runBastion(chunks);
    await runLtx(chunks);
  }
  const b: Sample[] = [];
  const l: Sample[] = [];
  for (let i = 0; i < RUNS; i++) {
    b.push(await runBastion(chunks));
    l.push(await runLtx(chunks));
  }
  const rate = (s: Sample): number => (STANZAS / s.ms) * 1000;
  const spread = (v: number[], d = 0): string => `${fmt(median(v), d)} [${fmt(Math.min(...v), d)}–${fmt(Math.max(...v), d)}]`;
  const ratio = median(b.map(rate)) / median(l.map(rate));
  console.log(`\nstanza pipeline throughput, N=${RUNS} (medians [range])\n`);
  printTable(
    ['path', 'ms', 'stanzas/s', 'MiB/s', 'ratio to ltx', 'batches', 'items delivered'],
    [
      [
        'bastion: framing → edge parsers → batcher',
        spread(b.map((s) => s.ms), 1),
        spread(b.map(rate)),
        fmt(median(b.map((s) => mix.bytes.length / 1048576 / (s.ms / 1000))), 1),
        fmt(ratio, 2),
        spread(b.map((s) => s.batches)),
        fmt(median(b.map((s) => s.items))),
      ],
      ['ltx alone (baseline)', spread(l.map((s) => s.ms), 1), spread(l.map(rate)), fmt(median(l.map((s) => mix.bytes.length / 1048576 / (s.ms / 1000))), 1), '1.00', '-', '-'],
    ],
  );
  const okCounts = b.every((s) => s.messages === mix.messages && s.presences === mix.presences) && l.every((s) => s.stanzas === STANZAS);
  console.log(`\ncheck: every run delivered ${mix.messages} messages and ${mix.presences} presence events to the batcher, ltx saw ${STANZAS} elements → ${okCounts ? 'yes' : 'NO (MISMATCH)'}`);
  console.log(`goal: ≥ ${RATIO_GOAL} × ltx's stanzas/s → ${ratio >= RATIO_GOAL ? 'met' : 'NOT met'} (${fmt(ratio, 2)}×)`);
  console.log(`noise: load average ${loadBefore} before, ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} after, ${os.availableParallelism()} CPUs`);
}

await main();
