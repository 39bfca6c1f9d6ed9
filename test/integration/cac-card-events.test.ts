// Card events through the core, on PRIVATE SoftHSM2 tokens (their own token directory, so the
// shared test-bed token is never locked or removed): a wrong PIN, certificates that cannot log
// in (no clientAuth, expired) refused before any network use, and the card pulled out during a
// session. SoftHSM2 cannot physically remove a token; `softhsm2-util --delete-token` makes its
// slot fail like a pulled card (see electron/main/pkcs11/README.md).
import { execFile } from 'node:child_process';
import { generateKeyPairSync, createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cards, CardToken } from '../../shared/ipc';
import { buildCertificate, ext } from '../../electron/main/pkcs11/testing/cert-builder';
import { SOFTHSM_MODULE, startCore, type CoreHarness } from '../support/core-harness';
import { getTestbed } from '../support/testbed/get-testbed.js';

const run = promisify(execFile);
const PIN = '246810';
const LABELS = { pin: 'cac-pin', removal: 'cac-removal', bad: 'cac-bad' } as const;
let dir: string;
let conf: string;
let savedConf: string | undefined;
let h: CoreHarness;
let cards: Cards;

const env = (): NodeJS.ProcessEnv => ({ ...process.env, SOFTHSM2_CONF: conf });
const token = (label: string): CardToken => {
  const t = cards.tokens.find((x) => x.label === label);
  if (!t) throw new Error(`token ${label} not listed`);
  return t;
};

async function importKeyAndCert(label: string, id: string, keyPem: string, certDer: Buffer): Promise<void> {
  const pk8 = path.join(dir, `${label}-${id}.pk8`);
  const der = path.join(dir, `${label}-${id}.der`);
  await writeFile(pk8, createPrivateKey(keyPem).export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  await writeFile(der, certDer);
  await run('softhsm2-util', ['--import', pk8, '--token', label, '--label', `k${id}`, '--id', id, '--pin', PIN], { env: env() });
  await run('pkcs11-tool', ['--module', SOFTHSM_MODULE, '--token-label', label, '--login', '--pin', PIN, '--write-object', der, '--type', 'cert', '--id', id, '--label', `c${id}`], {
    env: env(),
  });
  await rm(pk8);
}

beforeAll(async () => {
  const tb = getTestbed();
  dir = await mkdtemp(path.join(tmpdir(), 'bastion-cac-'));
  conf = path.join(dir, 'softhsm2.conf');
  await run('mkdir', [path.join(dir, 'tokens')]);
  await writeFile(conf, `directories.tokendir = ${path.join(dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  for (const label of Object.values(LABELS)) {
    await run('softhsm2-util', ['--init-token', '--free', '--label', label, '--pin', PIN, '--so-pin', '13579135'], { env: env() });
  }
  const alice = tb.pki.clients.alice;
  if (!alice) throw new Error('no alice');
  const aliceKey = await readFile(alice.key, 'utf8');
  const aliceDer = new X509Certificate(await readFile(alice.cert)).raw;
  await importKeyAndCert(LABELS.pin, '01', aliceKey, aliceDer);
  await importKeyAndCert(LABELS.removal, '01', aliceKey, aliceDer);
  // Two certificates that must never be used to log in, issued by the test CA to keys on the card.
  const caKey = createPrivateKey(await readFile(tb.pki.caKey, 'utf8'));
  const issuer = 'XMPP Test CA';
  for (const [id, spec] of [
    ['0a', { eku: ext.eku('1.3.6.1.5.5.7.3.1'), notAfter: undefined }], // serverAuth only
    ['0b', { eku: ext.eku('1.3.6.1.5.5.7.3.2'), notAfter: new Date(Date.now() - 86_400_000) }], // expired yesterday
  ] as const) {
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const der = buildCertificate({
      subject: `alice-${id}`,
      issuer,
      publicKey: key.publicKey,
      signingKey: caKey,
      ...(spec.notAfter ? { notBefore: new Date(Date.now() - 30 * 86_400_000), notAfter: spec.notAfter } : {}),
      extensions: [ext.keyUsage(0), spec.eku, ext.san({ xmppAddr: ['alice@prosody.test'] })],
    });
    await importKeyAndCert(LABELS.bad, id, key.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, der);
  }
  // The card worker reads SOFTHSM2_CONF when it starts: point it at the private tokens.
  savedConf = process.env.SOFTHSM2_CONF;
  process.env.SOFTHSM2_CONF = conf;
  h = startCore();
  await h.call('acknowledgeConsent', {});
  cards = (await h.call('listCards', {})).value as Cards;
});

afterAll(async () => {
  await h?.close();
  if (savedConf === undefined) delete process.env.SOFTHSM2_CONF;
  else process.env.SOFTHSM2_CONF = savedConf;
  await rm(dir, { recursive: true, force: true });
});

describe('card events through the core (private SoftHSM2 tokens)', () => {
  it('[UCR-T5] a wrong PIN is a clear error with the card’s tries hint; nothing was sent to the server', async () => {
    const t = token(LABELS.pin);
    const r = await h.call('connect', { account: 'alice@prosody.test', auth: { kind: 'card', slot: t.slot, certificateId: '01', pin: '000000' } });
    expect(r).toMatchObject({ ok: false, error: { code: 'pin-rejected', message: expect.stringMatching(/PIN is incorrect/) } });
    expect((await h.call('getSecurityReport', {})).value).toBeNull();
    expect(h.states().at(-1)).toBe('failed');
  });

  it('refuses certificates that cannot authenticate — no clientAuth, expired — before the PIN and before any network use', async () => {
    const bad = token(LABELS.bad);
    const serverOnly = bad.certificates.find((c) => c.id === '0a');
    const expired = bad.certificates.find((c) => c.id === '0b');
    expect(serverOnly).toMatchObject({ usableForTls: false, reason: expect.stringMatching(/client ?auth/i) });
    expect(expired).toMatchObject({ usableForTls: false, reason: expect.stringMatching(/expired/i) });
    for (const id of ['0a', '0b']) {
      const r = await h.call('connect', { account: 'alice@prosody.test', auth: { kind: 'card', slot: bad.slot, certificateId: id, pin: PIN } });
      expect(r).toMatchObject({ ok: false, error: { code: 'card-unavailable', message: expect.stringMatching(/cannot be used to log in/) } });
    }
    expect((await h.call('getSecurityReport', {})).value).toBeNull();
  });

  it('[UCR-T5] pulling the card ends the session within 2 s and locks until the card and PIN are back', async () => {
    const t = token(LABELS.removal);
    const r = await h.call('connect', { account: 'alice@prosody.test', auth: { kind: 'card', slot: t.slot, certificateId: '01', pin: PIN } });
    expect(r).toMatchObject({ ok: true });
    const pulledAt = Date.now();
    await run('softhsm2-util', ['--delete-token', '--token', LABELS.removal], { env: env() });
    for (;;) {
      if (h.states().at(-1) === 'locked') break;
      if (Date.now() - pulledAt > 2_000) throw new Error(`not locked within 2 s: ${h.states().join(' → ')}`);
      await new Promise((res) => setTimeout(res, 25));
    }
    const locked = h.events.filter(([n]) => n === 'didChangeConnectionState').at(-1)?.[1];
    expect(locked).toMatchObject({ state: 'locked', error: { message: expect.stringMatching(/smart card was removed/) } });
    // The session is gone: a new connect is allowed (and would need the card and PIN again).
    expect((await h.call('disconnect', {})).ok).toBe(true);
  });
});
