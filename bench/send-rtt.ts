// Benchmark: one message, login to logout, through a loopback link with 50 ms RTT.
// `bastion send` (in-process through runCli, the CLI's own code path, and as the built CLI child
// process when dist/cli/bastion.mjs exists) against go-sendxmpp, side by side in the same run.
// Measured at the proxy, from the TCP accept to the client's FIN: wall time and round trips.
// Not a test: it prints numbers and never fails on them. Usage in bench/README.md.
//
//   npx tsx bench/send-rtt.ts [--runs 5] [--trace]
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { CliIo } from '../electron/cli/io';
import { runCli } from '../electron/cli/run';
import { startDns, startTestbed, sendMessage, type Account } from '../test/support/testbed/index';
import { chooseTestNet, testAddress } from '../test/support/testbed/net';
import { analyse, flights, startDelayProxy, type ConnectionTrace, type DelayProxy } from './lib/delay-proxy';
import { fmt, median } from './lib/stats';

// A loopback block of its own (random 127.X.Y.0/24 unless BASTION_TESTBED_NET pins one), so this
// can run beside `npm test`: .1 Prosody, .2 the delaying proxy (UCR mode dials port 5222).
chooseTestNet();
const PROSODY_ADDR = testAddress(1);
const PROXY_ADDR = testAddress(2);
const ONE_WAY_MS = 25;
const DOMAIN = 'prosody.test';
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CLI = path.join(ROOT, 'dist', 'cli', 'bastion.mjs');
const PW_VAR = 'BASTION_BENCH_PASSWORD';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, trace: { type: 'boolean', default: false } } });
const RUNS = Math.max(1, Number(values.runs));

interface Sample {
  roundTrips: number;
  directionChanges: number;
  wallMs: number;
  bytesC2s: number;
  bytesS2c: number;
  trace: ConnectionTrace;
}

interface Client {
  name: string;
  send(body: string): Promise<void>;
}

function silentIo(env: Record<string, string>): CliIo & { output(): string } {
  let text = '';
  return {
    out: (s) => void (text += s),
    err: (s) => void (text += s),
    env,
    unsetEnv: () => undefined,
    interactive: false,
    readSecret: () => Promise.reject(new Error('no terminal')),
    stopRequested: () => new Promise<string>(() => undefined),
    output: () => text,
  };
}

function runChild(args: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`bastion exited ${String(code)}: ${err}`))));
  });
}

/** Runs one send and returns the proxy's trace of its (single) connection. */
async function measure(proxy: DelayProxy, client: Client, body: string): Promise<Sample> {
  const before = proxy.traces.length;
  await client.send(body);
  const traces = proxy.traces.slice(before);
  if (traces.length !== 1) throw new Error(`${client.name}: expected one connection through the proxy, saw ${traces.length}`);
  const trace = traces[0] as ConnectionTrace;
  await proxy.closed(trace);
  return { ...analyse(trace), trace };
}

async function main(): Promise<void> {
  console.log(`starting Prosody (${DOMAIN} on ${PROSODY_ADDR}) and a ${2 * ONE_WAY_MS} ms RTT proxy on ${PROXY_ADDR}:5222 …`);
  const tb = await startTestbed({ servers: { prosody: { domain: DOMAIN, address: PROSODY_ADDR } }, users: ['alice', 'bob'], logsDir: null });
  let proxy: DelayProxy | undefined;
  let dns: Awaited<ReturnType<typeof startDns>> | undefined;
  try {
    proxy = await startDelayProxy({ listenHost: PROXY_ADDR, listenPort: 5222, targetHost: PROSODY_ADDR, targetPort: 5222, oneWayDelayMs: ONE_WAY_MS });
    // A private zone that sends Bastion (UCR mode: SRV target, port 5222) to the proxy.
    const target = `xmpp.${DOMAIN}`;
    dns = await startDns({
      zone: { [`_xmpp-client._tcp.${DOMAIN}`]: { SRV: [{ priority: 0, weight: 5, port: 5222, target }] }, [target]: { A: [PROXY_ADDR] }, [DOMAIN]: { A: [PROXY_ADDR] } },
    });
    const find = (name: string): Account => {
      const a = tb.info.accounts.prosody.find((x) => x.username === name);
      if (!a) throw new Error(`no ${name}`);
      return a;
    };
    const alice = find('alice');
    const bob = find('bob');
    const cliArgs = (body: string): string[] => ['send', alice.jid, bob.jid, body, '--password-env', PW_VAR, '--ca', tb.info.pki.caCert, '--dns', (dns as { address: string }).address];

    const clients: Client[] = [
      {
        name: 'bastion send (in-process)',
        send: async (body) => {
          const io = silentIo({ [PW_VAR]: alice.password });
          const code = await runCli(cliArgs(body), io);
          if (code !== 0) throw new Error(`bastion send exited ${code}: ${io.output()}`);
        },
      },
      ...(existsSync(CLI)
        ? [{ name: 'bastion send (node dist/cli)', send: (body: string) => runChild(cliArgs(body), { ...process.env, [PW_VAR]: alice.password }) }]
        : []),
      {
        name: 'go-sendxmpp',
        send: (body) =>
          sendMessage({ host: PROXY_ADDR, port: 5222, caCert: tb.info.pki.caCert, workDir: path.join(tb.info.peersDir, 'go-sendxmpp') }, alice, bob.jid, body),
      },
    ];
    if (!existsSync(CLI)) console.log('(dist/cli/bastion.mjs not built: only the in-process bastion is measured; npm run build adds the child-process row)');

    // One warm-up each (JIT, addon load, Go's first TLS), then RUNS measured runs, interleaved.
    for (const c of clients) await measure(proxy, c, 'warm-up');
    const samples = new Map<string, Sample[]>(clients.map((c) => [c.name, []]));
    for (let i = 0; i < RUNS; i++) {
      for (const c of clients) samples.get(c.name)?.push(await measure(proxy, c, `bench message ${i + 1}`));
    }

    const baseline = samples.get('go-sendxmpp') ?? [];
    const baseRt = median(baseline.map((s) => s.roundTrips));
    const baseWall = median(baseline.map((s) => s.wallMs));
    console.log(`\nsend one message, TCP accept → client FIN, ${2 * ONE_WAY_MS} ms RTT, N=${RUNS} (medians; all runs in brackets)\n`);
    const header = ['client', 'round trips', 'dir. changes', 'wall ms', 'RT ratio', 'wall ratio', 'bytes c→s / s→c'];
    const rows = clients.map((c) => {
      const s = samples.get(c.name) ?? [];
      const rt = median(s.map((x) => x.roundTrips));
      const wall = median(s.map((x) => x.wallMs));
      return [
        c.name,
        `${fmt(rt)} [${s.map((x) => x.roundTrips).join(' ')}]`,
        fmt(median(s.map((x) => x.directionChanges))),
        `${fmt(wall)} [${s.map((x) => fmt(x.wallMs)).join(' ')}]`,
        fmt(rt / baseRt, 2),
        fmt(wall / baseWall, 2),
        `${fmt(median(s.map((x) => x.bytesC2s)))} / ${fmt(median(s.map((x) => x.bytesS2c)))}`,
      ];
    });
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
    const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
    console.log(line(header));
    console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    for (const r of rows) console.log(line(r));
    const ours = samples.get('bastion send (in-process)') ?? [];
    const rtRatio = median(ours.map((s) => s.roundTrips)) / baseRt;
    const wallRatio = median(ours.map((s) => s.wallMs)) / baseWall;
    console.log(
      `\ngoal: fewer round trips than go-sendxmpp and ≤ 0.75× its wall time → round trips ${rtRatio < 1 ? 'met' : 'NOT met'} (${fmt(rtRatio, 2)}×), wall time ${wallRatio <= 0.75 ? 'met' : 'NOT met'} (${fmt(wallRatio, 2)}×)`,
    );

    if (values.trace) {
      for (const c of clients) {
        const s = samples.get(c.name)?.[0];
        if (!s) continue;
        console.log(`\nflights of ${c.name}, first measured run (arrival at the proxy, before the delay):`);
        for (const l of flights(s.trace, ONE_WAY_MS)) console.log(`  ${l}`);
      }
    }
  } finally {
    await proxy?.close();
    await dns?.close();
    await tb.stop();
  }
}

await main();
