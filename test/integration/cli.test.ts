// The built CLI (dist/cli/bastion.mjs) as a child process against both servers of the test bed:
// doctor (text and JSON), a failing login, send + listen (online and offline delivery), usage
// errors. Every run's stdout and stderr are checked for the passwords: they never appear.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SecurityReport } from '../../shared/security/report';
import { freshAccount } from '../support/fresh-user';
import { getTestbed } from '../support/testbed/get-testbed.js';
import type { ServerKind, TestbedInfo } from '../support/testbed/info.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = path.join(ROOT, 'dist', 'cli', 'bastion.mjs');
const KINDS: readonly ServerKind[] = ['prosody', 'ejabberd'];
const PW_VAR = 'BASTION_TEST_PASSWORD';

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Every password of the run (and the wrong ones we type): none may ever be printed. */
const secrets = new Set<string>();

function expectNoSecrets(r: { stdout: string; stderr: string }): void {
  for (const s of secrets) {
    expect(r.stdout.includes(s), 'password on stdout').toBe(false);
    expect(r.stderr.includes(s), 'password on stderr').toBe(false);
  }
}

function user(info: TestbedInfo, kind: ServerKind, name: string) {
  const a = info.accounts[kind].find((x) => x.username === name);
  if (!a) throw new Error(`no ${name} on ${kind}`);
  secrets.add(a.password);
  return a;
}

/**
 * The recipient of the send/listen tests is a fresh account: the shared bob can be signed in
 * from another test file at the same moment, and then a message for him goes to that session
 * (RFC 6121 §8.5.2.1.1) instead of offline storage or the listener.
 */
async function freshUser(kind: ServerKind, prefix: string) {
  const a = await freshAccount(kind, prefix);
  secrets.add(a.password);
  return a;
}

function connFlags(info: TestbedInfo): string[] {
  return ['--password-env', PW_VAR, '--ca', info.pki.caCert, '--dns', `${info.dns.host}:${info.dns.port}`];
}

function start(args: readonly string[], password?: string) {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env[PW_VAR];
  if (password !== undefined) env[PW_VAR] = password;
  // stdin is not a TTY here (a pipe, closed at once).
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end();
  const out = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out.stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out.stderr += d));
  const exited = new Promise<RunResult>((resolve) => child.on('close', (code) => resolve({ code, ...out })));
  return { child, out, exited };
}

async function run(args: readonly string[], password?: string, timeoutMs = 20_000): Promise<RunResult> {
  const p = start(args, password);
  const timer = setTimeout(() => p.child.kill('SIGKILL'), timeoutMs);
  const r = await p.exited;
  clearTimeout(timer);
  expectNoSecrets(r);
  return r;
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

interface Listened {
  from: string;
  type: string;
  id: string;
  body: string;
  receivedAt: string;
}

/** `bastion listen`: online once it says so on stderr; stop() sends SIGTERM. */
async function startListen(info: TestbedInfo, jid: string, password: string) {
  const p = start(['listen', jid, ...connFlags(info)], password);
  const exitedEarly = p.exited.then((r) => `listen exited early (${String(r.code)}): ${r.stderr}`);
  let early: string | undefined;
  void exitedEarly.then((m) => (early = m));
  const fullJid = await until('listening as …', () => {
    if (early) throw new Error(early);
    return /^listening as (\S+)$/m.exec(p.out.stderr)?.[1];
  });
  const messages = (): Listened[] =>
    p.out.stdout
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Listened);
  return {
    fullJid,
    waitFor: (body: string) => until(`message "${body}"`, () => messages().find((m) => m.body === body)),
    stop: async (): Promise<RunResult> => {
      p.child.kill('SIGTERM');
      const r = await p.exited;
      expectNoSecrets(r);
      return r;
    },
  };
}

beforeAll(() => {
  if (existsSync(CLI)) return;
  const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('npm run build failed');
}, 300_000);

describe.each(KINDS)('bastion CLI on %s', (kind) => {
  it('[R7590-HF1][R7590-HF2][R7590-HF3] doctor prints TLS version, cipher, how it authenticated and the server chain with validity and fingerprints', async () => {
    const info = getTestbed();
    const alice = user(info, kind, 'alice');
    const domain = info.servers[kind].domain;
    const r = await run(['doctor', alice.jid, ...connFlags(info)], alice.password);
    expect(r.code, r.stderr).toBe(0);
    const t = r.stdout;
    expect(t).toMatch(/outcome:\s+ESTABLISHED/);
    // HF1: encrypted, version, cipher suite.
    expect(t).toMatch(/encrypted:\s+yes/);
    expect(t).toMatch(/version:\s+TLS1\.3/);
    expect(t).toMatch(/cipher suite:\s+TLS_(AES_(128|256)_GCM|CHACHA20_POLY1305)_SHA(256|384)/);
    expect(t).toMatch(/key exchange:\s+\S+/);
    // HF2: chain to a configured anchor, name match, SASL mechanism, client certificate.
    expect(t).toMatch(/trust anchor: \[\d\] CN=/);
    expect(t).toContain(`name match: DNS-ID "${domain}"`);
    expect(t).toMatch(/mechanism:\s+SCRAM-SHA-(1|256)(-PLUS)?/);
    expect(t).toMatch(/channel binding:\s+\S+/);
    expect(t).toContain('none sent (password authentication)');
    // HF3: the server chain: subject, issuer, validity, fingerprints.
    expect(t).toContain(`subject:      CN=${domain}`);
    expect(t).toMatch(/issuer:\s+CN=/);
    expect(t).toMatch(/validity:\s+\S+Z \.\. \S+Z \(valid now\)/);
    expect(t).toMatch(/SHA-256:\s+([0-9A-F]{2}:){31}[0-9A-F]{2}/);
    expect(t).toMatch(/SPKI SHA-256: \S+=/);
    // The rest of the report: DNS with timestamps, the connection, STARTTLS, revocation, the bound JID.
    expect(t).toMatch(new RegExp(`\\d{4}-\\d\\d-\\d\\dT\\S+Z\\s+SRV\\s+_xmpp-client\\._tcp\\.${domain.replace('.', '\\.')}`));
    expect(t).toContain(`address ${info.servers[kind].host}, port 5222`);
    expect(t).toMatch(/STARTTLS\n\s+advertised: yes\n\s+result:\s+proceed/);
    expect(t).toMatch(/Revocation\n\s+status: \S+/);
    // "bastion-<random>" with RFC 6120 bind, "bastion~<suffix>" with Bind2 (Prosody).
    expect(t).toMatch(new RegExp(`${alice.jid.replace(/\./g, "\\.")}/bastion[-~]`));
  });

  it('doctor --json is the same report as data, and agrees with the text', async () => {
    const info = getTestbed();
    const alice = user(info, kind, 'alice');
    const [text, json] = await Promise.all([
      run(['doctor', alice.jid, ...connFlags(info)], alice.password),
      run(['doctor', alice.jid, ...connFlags(info), '--json'], alice.password),
    ]);
    expect(json.code, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout) as SecurityReport;
    expect(report.outcome).toBe('established');
    expect(report.tls).toMatchObject({ encrypted: true, version: 'TLS1.3', nameMatch: { type: 'DNS-ID', reference: info.servers[kind].domain } });
    expect(report.connection).toMatchObject({ address: info.servers[kind].host, port: 5222 });
    expect(report.dns?.queries.map((q) => q.type)).toEqual(['SRV', 'A', 'AAAA']);
    expect(report.boundJid?.startsWith(`${alice.jid}/`)).toBe(true);
    for (const fact of [report.tls?.version, report.tls?.cipherSuite, report.tls?.peerChain[0]?.sha256, report.tls?.anchor?.sha256, report.sasl?.mechanism]) {
      expect(fact).toBeTruthy();
      expect(text.stdout).toContain(fact);
    }
  });

  it('doctor with a wrong password exits 1 and prints the failing stage with the report so far', async () => {
    const info = getTestbed();
    const alice = user(info, kind, 'alice');
    const wrong = `wrong-${randomBytes(6).toString('hex')}`;
    secrets.add(wrong);
    const r = await run(['doctor', alice.jid, ...connFlags(info)], wrong);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/outcome:\s+FAILED at stage sasl/);
    expect(r.stdout).toMatch(/FAILURE\n\s+stage:\s+sasl\n\s+reason: authentication failed.*not-authorized/);
    expect(r.stdout).toMatch(/version:\s+TLS1\.3/);
    expect(r.stderr).toContain('session failed at stage sasl');

    const j = await run(['doctor', alice.jid, ...connFlags(info), '--json'], wrong);
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stdout)).toMatchObject({ outcome: 'failed', failure: { stage: 'sasl' } });
  });

  it('send from alice reaches a running listen of bob', async () => {
    const info = getTestbed();
    const alice = user(info, kind, 'alice');
    const bob = await freshUser(kind, 'bob');
    const listener = await startListen(info, bob.jid, bob.password);
    try {
      expect(listener.fullJid.startsWith(`${bob.jid}/`)).toBe(true);
      const body = `online <&> ${randomBytes(4).toString('hex')} ✓`;
      const s = await run(['send', alice.jid, bob.jid, body, ...connFlags(info)], alice.password);
      expect(s.code, s.stderr).toBe(0);
      expect(s.stderr).not.toContain(body);
      const got = await listener.waitFor(body);
      expect(got.from.startsWith(`${alice.jid}/`)).toBe(true);
      expect(got.type).toBe('chat');
      expect(s.stderr).toContain(`sent message ${got.id}`);
      expect(Number.isNaN(Date.parse(got.receivedAt))).toBe(false);
    } finally {
      const r = await listener.stop();
      expect(r.code).toBe(0);
      expect(r.stderr).toContain('stream closed');
    }
  });

  it('send while bob is offline; bob gets it when listen comes online', async () => {
    const info = getTestbed();
    const alice = user(info, kind, 'alice');
    const bob = await freshUser(kind, 'bob');
    const body = `offline ${randomBytes(4).toString('hex')}`;
    const s = await run(['send', alice.jid, bob.jid, body, ...connFlags(info)], alice.password);
    expect(s.code, s.stderr).toBe(0);
    const listener = await startListen(info, bob.jid, bob.password);
    try {
      const got = await listener.waitFor(body);
      expect(got.from.startsWith(`${alice.jid}/`)).toBe(true);
    } finally {
      const r = await listener.stop();
      expect(r.code).toBe(0);
      expect(r.stderr).not.toContain(body);
    }
  });
});

describe('bastion CLI: usage', () => {
  it('--help of each command names the flags; --ca says the admin policy will provide it later', async () => {
    for (const cmd of ['doctor', 'send', 'listen']) {
      const r = await run([cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`bastion ${cmd}`);
      expect(r.stdout).toContain('--password-env VAR');
      expect(r.stdout).toMatch(/admin-policy file will provide/);
    }
  });

  it('usage errors exit 2: no --ca, no password without a TTY, a password on the command line', async () => {
    const info = getTestbed();
    const alice = user(info, 'prosody', 'alice');
    const noCa = await run(['doctor', alice.jid, '--password-env', PW_VAR], alice.password);
    expect(noCa.code).toBe(2);
    expect(noCa.stderr).toContain('--ca FILE is required');

    const noPw = await run(['doctor', alice.jid, '--ca', info.pki.caCert]);
    expect(noPw.code).toBe(2);
    expect(noPw.stderr).toMatch(/no password/);

    const unset = await run(['send', alice.jid, 'bob@prosody.test', 'x', ...connFlags(info)]);
    expect(unset.code).toBe(2);

    const argv = await run(['doctor', alice.jid, `--password=${alice.password}`, '--ca', info.pki.caCert]);
    expect(argv.code).toBe(2);
    expect(argv.stderr).toMatch(/never taken from the command line/);
  });
});
