// "Never lose a message" when the app itself dies: the core runs in a child process that is
// killed with SIGKILL (no cleanup, no flush) while a message is in its outbox, then started
// again on the same profile (same encrypted store, same key). The message must arrive exactly
// once: re-sent when the server never got it, and NOT re-sent when the server got it but the
// confirmation was lost (the server's archive, XEP-0313, says so).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import type { ParsedMessage } from '../../electron/main/xmpp/im/message-parse';
import { registerMessages } from '../../electron/main/xmpp/im/messages';
import { registerPresence } from '../../electron/main/xmpp/im/presence';
import { waitFor } from '../support/clients';
import { startCutProxy, type CutProxy } from '../support/cut-proxy';
import { closeFreshSessions, freshAccount, freshSession } from '../support/fresh-user';
import { getTestbed } from '../support/testbed/get-testbed.js';
import type { Account, ServerKind } from '../support/testbed/info.js';
import { testAddress } from '../support/testbed/net.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const children: ChildProcessWithoutNullStreams[] = [];
const proxies: CutProxy[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  for (const p of proxies.splice(0)) await p.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  await closeFreshSessions();
});

interface Child {
  call(name: string, input: unknown): Promise<{ ok: boolean; value?: unknown; error?: unknown }>;
  readonly lines: Record<string, unknown>[];
  kill(): Promise<void>;
}

async function startChild(cfg: object): Promise<Child> {
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/support/core-child.ts'), JSON.stringify(cfg)], { cwd: ROOT, stdio: 'pipe' });
  children.push(proc);
  const lines: Record<string, unknown>[] = [];
  const waiting: { name: string; resolve: (r: never) => void }[] = [];
  createInterface({ input: proc.stdout }).on('line', (l) => {
    const o = JSON.parse(l) as Record<string, unknown>;
    lines.push(o);
    if (typeof o.call === 'string') {
      const i = waiting.findIndex((w) => w.name === o.call);
      if (i >= 0) waiting.splice(i, 1)[0]?.resolve(o.result as never);
    }
  });
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  await waitFor(lines, (o) => o.ready === true, 20_000).catch((e: unknown) => {
    throw new Error(`core child did not start: ${String(e)}\n${stderr}`);
  });
  return {
    lines,
    call: (name, input) =>
      new Promise((resolve) => {
        waiting.push({ name, resolve });
        proc.stdin.write(`${JSON.stringify({ call: name, input })}\n`);
      }),
    kill: () =>
      new Promise<void>((resolve) => {
        proc.once('exit', () => resolve());
        proc.kill('SIGKILL');
      }),
  };
}

async function peer(account: Account): Promise<ParsedMessage[]> {
  const client = await freshSession(account);
  const messages = registerMessages(client, { sendReceipts: () => true });
  registerPresence(client).setOwn({});
  const inbox: ParsedMessage[] = [];
  messages.onDidReceiveMessage((m) => inbox.push(m));
  return inbox;
}

const connectedCount = (c: Child): number =>
  c.lines.filter((o) => o.event === 'didChangeConnectionState' && (o.payload as { state: string }).state === 'connected').length;

describe.each(['prosody', 'ejabberd'] as ServerKind[])('outbox across an app kill on %s', (kind) => {
  async function setup(address: number) {
    const tb = getTestbed();
    const target = tb.servers[kind];
    const proxy = await startCutProxy({ host: testAddress(address), port: 5222 }, { host: target.host, port: target.port });
    proxies.push(proxy);
    const stateDir = mkdtempSync(path.join(os.tmpdir(), 'bastion-crash-'));
    dirs.push(stateDir);
    const cfg = { stateDir, storeKey: randomBytes(32).toString('hex'), caCert: tb.pki.caCert, domain: target.domain, proxyHost: proxy.host };
    const [alice, bob] = await Promise.all([freshAccount(kind, 'crash-a'), freshAccount(kind, 'crash-b')]);
    const inbox = await peer(bob);
    const signIn = async (c: Child): Promise<void> => {
      expect((await c.call('acknowledgeConsent', {})).ok).toBe(true);
      const r = await c.call('connect', { account: alice.jid, auth: { kind: 'password', password: alice.password } });
      expect(r, JSON.stringify(r.error)).toMatchObject({ ok: true });
    };
    return { proxy, cfg, alice, bob, inbox, signIn };
  }

  it('re-sends after a restart a message the server never received, exactly once', async () => {
    const { proxy, cfg, bob, inbox, signIn } = await setup(kind === 'prosody' ? 17 : 18);
    const first = await startChild(cfg);
    await signIn(first);
    // The link dies silently: nothing more reaches the server.
    proxy.blackhole('both');
    const body = `never-reached ${randomBytes(4).toString('hex')}`;
    expect(await first.call('sendMessage', { to: bob.jid, body })).toMatchObject({ ok: true, value: { state: 'queued' } });
    await first.kill();
    proxy.cut();
    expect(inbox.filter((m) => m.body === body)).toHaveLength(0);

    const second = await startChild(cfg);
    await signIn(second);
    await waitFor(inbox, (m) => m.body === body, 15_000);
    await waitFor([0], () => second.lines.some((o) => o.event === 'didChangeConnectionState' && (o.payload as { queued?: number }).queued === 0 && connectedCount(second) > 0), 10_000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(inbox.filter((m) => m.body === body)).toHaveLength(1);
    const history = await second.call('getHistory', { peer: bob.jid, limit: 10 });
    expect((history.value as { messages: { body: string; state: string }[] }).messages.find((m) => m.body === body)?.state).toMatch(/sent|delivered/);
  });

  it('does not send twice after a restart a message the server got but never confirmed (its archive is asked first)', async () => {
    const { proxy, cfg, bob, inbox, signIn } = await setup(kind === 'prosody' ? 19 : 20);
    const first = await startChild(cfg);
    await signIn(first);
    // The server still hears us but we never hear it again: the message arrives, its confirmation does not.
    proxy.blackhole('to-client');
    const body = `reached-unconfirmed ${randomBytes(4).toString('hex')}`;
    expect(await first.call('sendMessage', { to: bob.jid, body })).toMatchObject({ ok: true, value: { state: 'queued' } });
    await waitFor(inbox, (m) => m.body === body, 10_000);
    await first.kill();
    proxy.cut();

    const second = await startChild(cfg);
    await signIn(second);
    await waitFor([0], () => second.lines.some((o) => o.event === "didUpdateIm" && JSON.stringify(o.payload).includes(`"state":"sent"`)), 15_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${second.lines.map((l) => JSON.stringify(l).slice(0, 300)).join("\n")}`);
    });
    await new Promise((r) => setTimeout(r, 1500));
    expect(inbox.filter((m) => m.body === body)).toHaveLength(1);
  });
});
