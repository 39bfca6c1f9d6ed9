// Third-party XMPP peers driven by go-sendxmpp (Go TLS, go-xmpp): an independent client that the
// client under test talks to. It verifies the server certificate against the test CA only
// (SSL_CERT_FILE) and connects to the server's loopback address (-j) while the JID keeps the real
// domain, so the certificate must be valid for the XMPP domain, as it must be for Bastion.
// A second peer that stays online (receipts, chat states, delay stamps) is slixmpp-peer.ts.
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { run } from './exec.js';
import { type ManagedProcess, startProcess } from './process.js';
import { randomToken } from './secret.js';
import { retryUntil } from './wait.js';

export interface PeerServer {
  host: string;
  port: number;
  caCert: string;
  /** Scratch directory for go-sendxmpp's HOME and listener output. */
  workDir: string;
}

export interface PeerAccount {
  jid: string;
  password: string;
}

export interface ReceivedMessage {
  /** timestamp as printed by go-sendxmpp (RFC 3339) */
  time: string;
  /** bare JID of the sender (MUC: room/nick) */
  from: string;
  body: string;
}

function peerEnv(server: PeerServer): NodeJS.ProcessEnv {
  return {
    ...process.env,
    // Go reads roots from SSL_CERT_FILE plus every file in SSL_CERT_DIR. Point the directory at
    // nothing so that only the test CA is trusted (the CI image sets SSL_CERT_DIR=/etc/ssl/certs).
    SSL_CERT_FILE: server.caCert,
    SSL_CERT_DIR: path.join(server.workDir, 'no-extra-cas'),
    // No ~/.config/go-sendxmpp/sendxmpprc or OX key store of the developer leaks in.
    HOME: server.workDir,
    XDG_CONFIG_HOME: path.join(server.workDir, '.config'),
    XDG_DATA_HOME: path.join(server.workDir, '.local', 'share'),
  };
}

function baseArgs(server: PeerServer, account: PeerAccount): string[] {
  return ['-u', account.jid, '-p', account.password, '-j', `${server.host}:${server.port}`, '--tls-version', '12', '--timeout', '10'];
}

/** go-sendxmpp -u FROM -p PW -j HOST:PORT TO  (body on stdin); resolves once it exited 0. */
export async function sendMessage(server: PeerServer, from: PeerAccount, to: string, body: string): Promise<void> {
  await mkdir(server.workDir, { recursive: true });
  await run('go-sendxmpp', [...baseArgs(server, from), to], { env: peerEnv(server), input: `${body}\n`, timeoutMs: 20_000 });
}

export interface PeerListener {
  readonly process: ManagedProcess;
  /** Output file (go-sendxmpp -l prints one "TIME FROM: BODY" line per message). */
  readonly output: string;
  messages(): Promise<ReceivedMessage[]>;
  /** Resolves with the first message matching `match`; rejects after timeoutMs. */
  waitFor(match: (m: ReceivedMessage) => boolean, timeoutMs?: number): Promise<ReceivedMessage>;
  stop(): Promise<void>;
}

const LINE = /^(\S+) (\S+?): (.*)$/;

function parse(text: string): ReceivedMessage[] {
  const out: ReceivedMessage[] = [];
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (m?.[1] && m[2] && m[3] !== undefined) out.push({ time: m[1], from: m[2], body: m[3] });
  }
  return out;
}

/**
 * go-sendxmpp -l: stays online and prints incoming messages. Messages sent while the account was
 * offline are delivered from offline storage when it comes online, so "send, then listen" is
 * deterministic; there is no signal for "listener is online" to wait on otherwise.
 */
export async function listen(server: PeerServer, account: PeerAccount): Promise<PeerListener> {
  await mkdir(server.workDir, { recursive: true });
  const output = path.join(server.workDir, `listen-${account.jid}-${randomToken(3)}.out`);
  const proc = startProcess({
    name: `go-sendxmpp -l ${account.jid}`,
    command: 'go-sendxmpp',
    args: [...baseArgs(server, account), '-l'],
    env: peerEnv(server),
    logFile: output,
  });
  const messages = async (): Promise<ReceivedMessage[]> => parse(await readFile(output, 'utf8'));
  return {
    process: proc,
    output,
    messages,
    waitFor: (match, timeoutMs = 10_000) =>
      retryUntil(
        `message for ${account.jid}`,
        async () => {
          const found = (await messages()).find(match);
          if (!found) throw new Error(`not yet; output so far: ${JSON.stringify(await readFile(output, 'utf8'))}`);
          return found;
        },
        {
          timeoutMs,
          intervalMs: 50,
          abort: () => {
            const exit = proc.exitInfo();
            return exit ? `listener exited (code ${String(exit.code)}); see ${output}` : null;
          },
        },
      ),
    stop: async () => {
      await proc.stop(2_000);
    },
  };
}
