// The audit log [UCR-G3] written by the real core as Node hosts build it (nodeCoreDeps: JSON
// lines under <state dir>/audit), after real sign-ins on Prosody and ejabberd: an account
// created and a password sign-in, sign-out and password change; a certificate change the user
// rejects; a CAC sign-in with a wrong PIN first, then the right one, then the card pulled. Then
// every file the app wrote is searched for every password and PIN used: none may appear.
//
// The CAC is a PRIVATE SoftHSM2 token (own token directory, like cac-card-events.test.ts) with
// a long PIN no log line could contain by chance (the shared token's "1234" could turn up in a
// fingerprint or a port number), so a wrong PIN and a pulled card never touch the shared token.
// One core per file: the card service is one PKCS#11 owner per process.
import { execFile } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cards, CardToken } from '../../shared/ipc';
import { SOFTHSM_MODULE } from '../support/core-harness';
import { establishSession } from '../../electron/main/xmpp/session/establish';
import { account, waitFor } from '../support/clients';
import { startCutProxy } from '../support/cut-proxy';
import { freshAccount } from '../support/fresh-user';
import { dnsTo } from '../support/proxy-dns';
import { testAddress } from '../support/testbed/net.js';
import { getTestbed } from '../support/testbed/get-testbed.js';
import type { ServerKind } from '../support/testbed/info.js';
import { randomPassword, randomToken } from '../support/testbed/secret.js';
import { startPolicyCore, type PolicyCore } from './policy-core';

const run = promisify(execFile);
const PIN = 'Qx81-audit-PIN-Zv';
const WRONG_PIN = 'Qx81-wrong-PIN-Zv';
const LABEL = 'audit-cac';
/** Every secret this file hands to the core; none may be found in anything the app wrote. */
const secrets: string[] = [PIN, WRONG_PIN];
const BODY = `audit-body-${randomToken(8)}`;

let dir: string;
let conf: string;
let savedConf: string | undefined;
let c: PolicyCore;
let token: CardToken;

const hsmEnv = (): NodeJS.ProcessEnv => ({ ...process.env, SOFTHSM2_CONF: conf });
const events = (type: string): Record<string, unknown>[] => c.audit().filter((e) => e.type === type);

beforeAll(async () => {
  const tb = getTestbed();
  dir = await mkdtemp(path.join(tmpdir(), 'bastion-audit-cac-'));
  conf = path.join(dir, 'softhsm2.conf');
  await run('mkdir', [path.join(dir, 'tokens')]);
  await writeFile(conf, `directories.tokendir = ${path.join(dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  await run('softhsm2-util', ['--init-token', '--free', '--label', LABEL, '--pin', PIN, '--so-pin', '13579135'], { env: hsmEnv() });
  const alice = tb.pki.clients.alice;
  if (!alice) throw new Error('no alice');
  const pk8 = path.join(dir, 'alice.pk8');
  const der = path.join(dir, 'alice.der');
  await writeFile(pk8, createPrivateKey(await readFile(alice.key, 'utf8')).export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  await writeFile(der, new X509Certificate(await readFile(alice.cert)).raw);
  await run('softhsm2-util', ['--import', pk8, '--token', LABEL, '--label', 'k01', '--id', '01', '--pin', PIN], { env: hsmEnv() });
  await run('pkcs11-tool', ['--module', SOFTHSM_MODULE, '--token-label', LABEL, '--login', '--pin', PIN, '--write-object', der, '--type', 'cert', '--id', '01', '--label', 'c01'], { env: hsmEnv() });
  await rm(pk8);
  // The card worker reads SOFTHSM2_CONF when it starts: point it at the private token.
  savedConf = process.env.SOFTHSM2_CONF;
  process.env.SOFTHSM2_CONF = conf;
  c = startPolicyCore({ policy: { passwordSaving: 'never' }, env: { BASTION_PKCS11_MODULE: SOFTHSM_MODULE } });
  // What the app "remembers" for carol (read at the first sign-in): a key from another CA.
  const seen = new Date().toISOString();
  const carol = account('prosody', 'carol').jid;
  writeFileSync(
    path.join(c.stateDir, 'server-certificates.json'),
    JSON.stringify({ [carol]: { spkiSha256: 'AAAA', issuer: 'CN=Another CA', issuerSpkiSha256: 'BBBB', leafSha256: 'CC', firstSeen: seen, lastSeen: seen } }),
  );
  expect((await c.call('acknowledgeConsent')).ok).toBe(true);
  const cards = (await c.call('listCards')).value as Cards;
  const t = cards.tokens.find((x) => x.label === LABEL);
  if (!t) throw new Error(`private token not listed: ${JSON.stringify(cards)}`);
  token = t;
});

afterAll(async () => {
  await c?.close();
  if (savedConf === undefined) delete process.env.SOFTHSM2_CONF;
  else process.env.SOFTHSM2_CONF = savedConf;
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('audit log of security events [UCR-G3]', () => {
  it('[UCR-G3] records the policy load and the consent acknowledgement first', () => {
    const [policy, consent] = c.audit();
    expect(policy).toMatchObject({ seq: 1, type: 'policy-load', outcome: 'success', account: null, detail: { status: 'loaded', managed: ['passwordSaving'] } });
    expect(consent).toMatchObject({ type: 'consent-acknowledged', outcome: 'success', detail: { banner: 'dod-standard', textSha256: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    for (const e of c.audit()) expect(e.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  describe.each<ServerKind>(['prosody', 'ejabberd'])('%s', (kind) => {
    it('[UCR-G3] account created, password sign-in, a message, password changed, sign-out: each audited with time, account and outcome', async () => {
      const jid = `audit-${randomToken(5)}@${getTestbed().servers[kind].domain}`;
      const password = `pw-${randomPassword()}`;
      const newPassword = `pw2-${randomPassword()}`;
      secrets.push(password, newPassword);
      expect(await c.call('registerAccount', { account: jid, password })).toMatchObject({ ok: true });
      expect(await c.call('sendMessage', { to: account(kind, 'bob').jid, body: BODY })).toMatchObject({ ok: true });
      expect(await c.call('changePassword', { newPassword })).toMatchObject({ ok: true });
      await c.call('disconnect');
      expect(await c.call('connect', { account: jid, auth: { kind: 'password', password: newPassword } })).toMatchObject({ ok: true });
      await c.call('disconnect');
      const mine = c.audit().filter((e) => e.account === jid || (typeof e.account === 'string' && e.account.startsWith(`${jid}/`)));
      expect(mine.map((e) => `${String(e.type)}:${String(e.outcome)}`)).toEqual([
        'login-attempt:info',
        'login:success',
        'account-created:success',
        'password-changed:success',
        'logout:success',
        'login-attempt:info',
        'login:success',
        'logout:success',
      ]);
      expect(mine[0]).toMatchObject({ detail: { method: 'password', registering: true } });
      expect(mine[1]).toMatchObject({ detail: { method: 'password', tls: 'TLS1.3', sasl: expect.stringMatching(/^SCRAM-/), serverCertificateSha256: expect.any(String) } });
    });
  });

  it('[UCR-G3] a certificate change and the user’s decision (reject) are audited, and the sign-in failure with its stage', async () => {
    const a = account('prosody', 'carol'); // remembered with another CA's key (beforeAll): the real one is a change
    const pending = c.call('connect', { account: a.jid, auth: { kind: 'password', password: a.password } });
    const [, asked] = await waitFor(c.events, ([n]) => n === 'didDetectCertificateChange', 10_000);
    expect((await c.call('decideCertificateChange', { requestId: (asked as { requestId: string }).requestId, decision: 'reject' })).ok).toBe(true);
    expect(await pending).toMatchObject({ ok: false, error: { code: 'connection-failed' } });
    expect(events('certificate-change').at(-1)).toMatchObject({ account: a.jid, detail: { previous: { issuer: 'CN=Another CA' }, presented: { spkiSha256: expect.any(String) } } });
    expect(events('certificate-decision').at(-1)).toMatchObject({ detail: { decision: 'reject' } });
    expect(events('login').at(-1)).toMatchObject({ account: a.jid, outcome: 'failure', detail: { stage: 'certificate-change' } });
    secrets.push(a.password);
  });

  it('[UCR-G3] CAC: a wrong PIN is counted (never written), the right one signs in with the card certificate, pulling the card ends the session', async () => {
    const a = account('prosody', 'alice');
    const wrong = await c.call('connect', { account: a.jid, auth: { kind: 'card', slot: token.slot, certificateId: '01', pin: WRONG_PIN } });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'pin-rejected' } });
    expect(events('pin-rejected')).toEqual([expect.objectContaining({ account: a.jid, outcome: 'failure', detail: { rejectedThisRun: 1 } })]);
    const ok = await c.call('connect', { account: a.jid, auth: { kind: 'card', slot: token.slot, certificateId: '01', pin: PIN } });
    expect(ok).toMatchObject({ ok: true });
    expect(events('login').at(-1)).toMatchObject({
      outcome: 'success',
      account: a.jid,
      detail: { method: 'card', sasl: 'EXTERNAL', clientCertificate: { subject: expect.stringContaining('alice'), sha256: expect.any(String) } },
    });
    await run('softhsm2-util', ['--delete-token', '--token', LABEL], { env: hsmEnv() });
    await waitFor([0], () => events('session-ended').length > 0, 5_000);
    expect(events('card-removed')).toEqual([expect.objectContaining({ outcome: 'info', account: null, detail: expect.objectContaining({ label: LABEL, wasLoggedIn: true }) })]);
    expect(events('session-ended').at(-1)).toMatchObject({ account: a.jid, detail: { reason: 'the smart card was removed' } });
    await c.call('disconnect');
  });

  it('[UCR-G3] a lost link and the reconnect are audited (a loopback proxy cuts the link to the real Prosody)', async () => {
    const target = getTestbed().servers.prosody;
    const proxy = await startCutProxy({ host: testAddress(85), port: 5222 }, { host: target.host, port: target.port });
    const dns = dnsTo(target.domain, proxy.host);
    const r = startPolicyCore({ session: (env) => ({ ...env, backoff: { initialMs: 300, maxMs: 1500, factor: 2 }, establish: (o) => establishSession({ ...o, dns: dns.port }) }) });
    try {
      const user = await freshAccount('prosody', 'audit-r');
      await r.call('acknowledgeConsent');
      expect(await r.call('connect', { account: user.jid, auth: { kind: 'password', password: user.password } })).toMatchObject({ ok: true });
      proxy.cut();
      await waitFor([0], () => r.audit().some((e) => e.type === 'reconnect' && e.outcome === 'success'), 20_000);
      await r.call('disconnect');
      expect(r.audit().map((e) => `${String(e.type)}:${String(e.outcome)}`)).toEqual([
        'policy-load:success',
        'consent-acknowledged:success',
        'login-attempt:info',
        'login:success',
        'reconnect:info',
        'reconnect:success',
        'logout:success',
      ]);
      expect(r.audit()[4]).toMatchObject({ account: user.jid, detail: { reason: expect.any(String) } });
      expect(r.audit()[5]).toMatchObject({ account: user.jid, detail: { resumed: expect.any(Boolean), tls: 'TLS1.3' } });
      expect(readFileSync(r.auditFile, 'utf8')).not.toContain(user.password);
    } finally {
      await r.close();
      await proxy.close();
    }
  });

  it('[UCR-G3] nothing the app wrote holds a password, a PIN or a message body; the log files are 0600 in a 0700 directory', () => {
    expect(secrets.length).toBeGreaterThanOrEqual(7); // both PINs, 2 × 2 account passwords, carol's
    const files: string[] = [];
    const walk = (d: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true })) (e.isDirectory() ? walk : (f: string) => files.push(f))(path.join(d, e.name));
    };
    walk(c.stateDir);
    const auditFiles = files.filter((f) => path.basename(f).startsWith('audit.log'));
    expect(auditFiles.length).toBeGreaterThan(0);
    expect(c.audit().length).toBeGreaterThan(25);
    for (const f of files) {
      const content = readFileSync(f).toString('latin1');
      // The failure message names the secret by number: the report (reports/test-results.json) must not carry it.
      secrets.forEach((s, i) => expect(content.includes(s), `secret #${i} found in ${path.relative(c.stateDir, f)}`).toBe(false));
    }
    for (const f of auditFiles) {
      const content = readFileSync(f, 'utf8');
      expect(content.includes(BODY), `the message body found in ${path.basename(f)}`).toBe(false);
      expect(content).not.toMatch(/"(password|pin|newPassword)":/i); // as field names
      expect(statSync(f).mode & 0o777).toBe(0o600);
    }
    expect(statSync(path.dirname(c.auditFile)).mode & 0o777).toBe(0o700);
    expect(c.audit().some((e) => 'refused' in e)).toBe(false); // the core never even tried to log a secret field
  });
});
