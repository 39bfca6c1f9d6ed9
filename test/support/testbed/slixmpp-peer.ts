// A second third-party XMPP peer, slixmpp (Python asyncio + ssl; Debian python3-slixmpp), beside
// go-sendxmpp (peers.ts). Unlike go-sendxmpp it stays online, answers receipt requests (its own
// XEP-0184 plugin), sends and reports chat states and delay stamps, so a test can drive a
// conversation: `slixmpp-peer.py` speaks one JSON object per line on stdin (commands) and stdout
// (events). It trusts only the test CA, requires STARTTLS and connects to the server's loopback
// address while the TLS name is the JID's domain, as Bastion does.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { closeSync, openSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { onAbnormalExit } from './exit-hooks.js';
import type { PeerAccount, PeerServer } from './peers.js';
import { randomToken } from './secret.js';

const SCRIPT = fileURLToPath(new URL('./slixmpp-peer.py', import.meta.url));
/** Debian's interpreter, where python3-slixmpp is installed (a pyenv python3 on PATH has no slixmpp). */
export const SLIXMPP_PYTHON = process.env.BASTION_SLIXMPP_PYTHON ?? '/usr/bin/python3';

export interface SlixMessage {
  readonly from: string;
  readonly to: string;
  readonly id: string | null;
  readonly type: string;
  readonly body: string | null;
  readonly chatState: string | null;
  readonly receiptRequested: boolean;
  /** XEP-0184 <received id=…/>: the id of the message this acknowledges. */
  readonly receiptFor: string | null;
  readonly originId: string | null;
  /** XEP-0203 delay stamp (as sent by the server), and who added it. */
  readonly delay: string | null;
  readonly delayFrom: string | null;
}

export type SlixEvent =
  | { readonly event: 'online'; readonly jid: string }
  | { readonly event: 'sent'; readonly id: string | null }
  | ({ readonly event: 'message' } & SlixMessage)
  | { readonly event: 'receipt'; readonly from: string; readonly id: string }
  | { readonly event: 'pong'; readonly id: string }
  | { readonly event: 'error'; readonly text: string }
  | { readonly event: 'closed' };

export interface SlixSend {
  readonly to: string;
  readonly body: string;
  readonly id?: string;
  readonly type?: 'chat' | 'normal';
  /** Ask for a XEP-0184 receipt. */
  readonly receipt?: boolean;
  /** XEP-0085 state carried with the body. */
  readonly state?: string;
  readonly originId?: string;
}

export interface SlixmppPeer {
  /** The full JID the server bound. */
  readonly jid: string;
  readonly events: readonly SlixEvent[];
  /** Incoming messages so far (every `<message/>`, with or without a body). */
  readonly messages: readonly SlixMessage[];
  /** Resolves with the stanza id once slixmpp has queued the message. */
  send(m: SlixSend): Promise<string>;
  /** A standalone XEP-0085 notification (no body). */
  sendChatState(to: string, state: 'active' | 'composing' | 'paused' | 'inactive' | 'gone'): Promise<void>;
  /** A XEP-0199 round trip to the server: everything sent before has been processed by it. */
  ping(): Promise<void>;
  waitForMessage(match: (m: SlixMessage) => boolean, timeoutMs?: number): Promise<SlixMessage>;
  /** Clean logout (`</stream:stream>`), then the process is gone; kills it if it hangs. */
  stop(): Promise<void>;
}

interface Waiter {
  match(e: SlixEvent): boolean;
  resolve(e: SlixEvent): void;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** Starts slixmpp logged in as `account`; resolves once it is online (presence sent, roster fetched). */
export async function startSlixmppPeer(server: PeerServer, account: PeerAccount, opts: { readonly startTimeoutMs?: number; readonly debug?: boolean } = {}): Promise<SlixmppPeer> {
  await mkdir(server.workDir, { recursive: true });
  const logFile = path.join(server.workDir, `slixmpp-${account.jid}-${randomToken(3)}.log`);
  const log = openSync(logFile, 'a');
  const env: NodeJS.ProcessEnv = { ...process.env, SLIXMPP_PEER_PASSWORD: account.password, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' };
  // Debian's python with Debian's modules only: nothing from a developer's virtualenv or pyenv.
  delete env.PYTHONPATH;
  delete env.PYTHONHOME;
  let child: ChildProcess;
  try {
    child = spawn(SLIXMPP_PYTHON, [SCRIPT, '--jid', account.jid, '--host', server.host, '--port', String(server.port), '--ca', server.caCert, ...(opts.debug ? ['--debug'] : [])], {
      env,
      detached: true, // own process group: stopped by pid, never by name
      stdio: ['pipe', 'pipe', log],
    });
  } finally {
    closeSync(log);
  }
  const unhook = onAbnormalExit(() => killGroup(child, 'SIGKILL'));
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => resolve(code));
    child.on('error', () => resolve(null));
  });
  child.stdin?.on('error', () => undefined);

  const events: SlixEvent[] = [];
  const messages: SlixMessage[] = [];
  const waiters = new Set<Waiter>();
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    let e: SlixEvent;
    try {
      e = JSON.parse(line) as SlixEvent;
    } catch {
      return; // not ours (a library printing to stdout): the protocol lines are JSON
    }
    events.push(e);
    if (e.event === 'message') messages.push(e);
    for (const w of [...waiters]) if (w.match(e)) w.resolve(e);
  });

  const describe = async (what: string): Promise<Error> => {
    const stderr = await readFile(logFile, 'utf8').catch(() => '');
    const errors = events.filter((e) => e.event === 'error').map((e) => (e as { text: string }).text);
    return new Error(`slixmpp ${account.jid}: ${what}${errors.length ? `; errors: ${errors.join(' | ')}` : ''}; log ${logFile}: ${stderr.slice(-2000)}`);
  };

  /** The first event (already seen or to come) that matches; rejects on timeout or exit. */
  const waitEvent = async (match: (e: SlixEvent) => boolean, timeoutMs: number, what: string): Promise<SlixEvent> => {
    const seen = events.find(match);
    if (seen) return seen;
    let waiter: Waiter | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        new Promise<SlixEvent>((resolve) => {
          waiter = { match, resolve };
          waiters.add(waiter);
        }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => void describe(`no ${what} within ${timeoutMs} ms`).then(reject), timeoutMs);
        }),
        exited.then(async (code) => Promise.reject(await describe(`exited (code ${String(code)}) while waiting for ${what}`))),
      ]);
    } finally {
      if (waiter) waiters.delete(waiter);
      clearTimeout(timer);
    }
  };

  const command = (c: Record<string, unknown>): void => {
    child.stdin?.write(`${JSON.stringify(c)}\n`);
  };
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        command({ cmd: 'quit' });
        child.stdin?.end();
        const t = setTimeout(() => killGroup(child, 'SIGTERM'), 8_000);
        const k = setTimeout(() => killGroup(child, 'SIGKILL'), 12_000);
        await exited;
        clearTimeout(t);
        clearTimeout(k);
      }
      // Children of the peer (none expected) go with the group.
      killGroup(child, 'SIGKILL');
      unhook();
    })());

  let online: SlixEvent;
  try {
    online = await waitEvent((e) => e.event === 'online' || e.event === 'error', opts.startTimeoutMs ?? 30_000, 'login');
  } catch (e) {
    await stop();
    throw e;
  }
  if (online.event !== 'online') {
    await stop();
    throw await describe('login failed');
  }

  let sends = 0;
  return {
    jid: online.jid,
    events,
    messages,
    async send(m) {
      const id = m.id ?? `slix-${randomToken(4)}-${++sends}`;
      command({ cmd: 'send', to: m.to, body: m.body, id, type: m.type ?? 'chat', receipt: m.receipt ?? false, state: m.state, originId: m.originId });
      await waitEvent((e) => e.event === 'sent' && e.id === id, 10_000, `send confirmation for ${id}`);
      return id;
    },
    async sendChatState(to, state) {
      const id = `slix-${randomToken(4)}-${++sends}`;
      command({ cmd: 'state', to, state, id });
      await waitEvent((e) => e.event === 'sent' && e.id === id, 10_000, `chat state ${state}`);
    },
    async ping() {
      const id = `ping-${++sends}`;
      command({ cmd: 'ping', id });
      await waitEvent((e) => e.event === 'pong' && e.id === id, 15_000, `pong ${id}`);
    },
    async waitForMessage(match, timeoutMs = 10_000) {
      const e = await waitEvent((x) => x.event === 'message' && match(x), timeoutMs, 'a matching message');
      return e as SlixMessage;
    },
    stop,
  };
}
