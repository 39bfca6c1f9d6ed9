// The test bed itself: every later integration test trusts these facts, so they are checked
// against the real servers, token and DNS rather than assumed.
import { X509Certificate, createHash, createPublicKey, randomBytes, verify } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { Resolver } from 'node:dns/promises';
import dns2 from 'dns2';
import pkcs11js from 'pkcs11js';
import { describe, expect, it } from 'vitest';
import { readQueryLog } from '../support/testbed/dns.js';
import { startEjabberd } from '../support/testbed/ejabberd.js';
import { getTestbed } from '../support/testbed/get-testbed.js';
import { startTestbed } from '../support/testbed/index.js';
import type { Account, ServerKind, TestbedInfo } from '../support/testbed/info.js';
import { listen, sendMessage, type PeerServer } from '../support/testbed/peers.js';
import { issueServerCert } from '../support/testbed/pki.js';
import { isAlive, processTree } from '../support/testbed/process.js';
import { startProsody } from '../support/testbed/prosody.js';
import { testAddress } from '../support/testbed/net.js';
import { makeRunDir } from '../support/testbed/run-dir.js';
import type { XmppServer } from '../support/testbed/server.js';
import { readZoneFileSync, writeZoneFile } from '../support/testbed/zone.js';
import { LoginError, xmppLogin } from '../support/testbed/xmpp-login.js';
import { freshAccount } from '../support/fresh-user';

const KINDS: readonly ServerKind[] = ['prosody', 'ejabberd'];

function account(info: TestbedInfo, kind: ServerKind, username: string): Account {
  const a = info.accounts[kind].find((x) => x.username === username);
  if (!a) throw new Error(`no account ${username} on ${kind}`);
  return a;
}

function peerServer(info: TestbedInfo, kind: ServerKind, caCert = info.pki.caCert): PeerServer {
  const s = info.servers[kind];
  return { host: s.host, port: s.port, caCert, workDir: info.peersDir };
}

async function login(info: TestbedInfo, kind: ServerKind, username: string, password: string): Promise<void> {
  const s = info.servers[kind];
  await xmppLogin({
    host: s.host,
    port: s.port,
    domain: s.domain,
    username,
    password,
    ca: await readFile(info.pki.caCert, 'utf8'),
  });
}

function portClosed(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    sock.once('connect', () => {
      sock.destroy();
      resolve(false);
    });
    sock.once('error', () => resolve(true));
  });
}

describe('testbed: servers', () => {
  for (const kind of KINDS) {
    it(`testbed: ${kind} accepts a password login for alice, bob and carol and refuses a wrong password`, async () => {
      const info = getTestbed();
      expect(info.accounts[kind].map((a) => a.username).sort()).toEqual(['alice', 'bob', 'carol']);
      for (const a of info.accounts[kind]) {
        expect(a.jid).toBe(`${a.username}@${info.servers[kind].domain}`);
        await login(info, kind, a.username, a.password);
      }
      const alice = account(info, kind, 'alice');
      const refused = await login(info, kind, 'alice', `${alice.password}-wrong`).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(LoginError);
      expect((refused as LoginError).condition).toBe('not-authorized');
    });

    it(`testbed: go-sendxmpp sends a message from alice to bob through ${kind}`, async () => {
      const info = getTestbed();
      const alice = account(info, kind, 'alice');
      // A fresh recipient: the shared bob may be online in another test file (then the server
      // delivers to that session instead of storing the message offline).
      const bob = await freshAccount(kind, 'tb-bob');
      const body = `testbed hello ${randomBytes(6).toString('hex')}`;
      // Bob is offline while alice sends: the server stores the message and delivers it when
      // bob's listener comes online. No race with "is the listener online yet".
      await sendMessage(peerServer(info, kind), alice, bob.jid, body);
      const listener = await listen(peerServer(info, kind), bob);
      try {
        const got = await listener.waitFor((m) => m.body === body, 15_000);
        expect(got.from).toBe(alice.jid);
      } finally {
        await listener.stop();
      }
      expect(isAlive(listener.process.pid)).toBe(false);
    });

    it(`testbed: go-sendxmpp only trusts the test CA when talking to ${kind}`, async () => {
      const info = getTestbed();
      const alice = account(info, kind, 'alice');
      // The system CA bundle does not contain the test CA: verification must fail.
      const untrusted = peerServer(info, kind, '/etc/ssl/certs/ca-certificates.crt');
      await expect(sendMessage(untrusted, alice, account(info, kind, 'carol').jid, 'must not arrive')).rejects.toThrow(
        /certificate signed by unknown authority/,
      );
    });
  }
});

describe('testbed: SoftHSM2 token', () => {
  it('testbed: the token holds alice (RSA) and bob (EC) as non-extractable keys next to their certificates', async () => {
    const info = getTestbed();
    // global-setup exports SOFTHSM2_CONF to the workers; without it the module would open the
    // system token directory and find nothing.
    expect(process.env.SOFTHSM2_CONF).toBe(info.hsm.conf);
    expect(info.hsm.keys).toEqual([
      { label: 'alice', id: '01', type: 'rsa' },
      { label: 'bob', id: '02', type: 'ec' },
    ]);

    const p11 = new pkcs11js.PKCS11();
    p11.load(info.hsm.module);
    p11.C_Initialize();
    try {
      const slot = p11
        .C_GetSlotList(true)
        .find((s) => p11.C_GetTokenInfo(s).label.trim() === info.hsm.label);
      expect(slot, `token ${info.hsm.label}`).toBeDefined();
      const session = p11.C_OpenSession(slot as Buffer, pkcs11js.CKF_SERIAL_SESSION);
      p11.C_Login(session, pkcs11js.CKU_USER, info.hsm.pin);

      const find = (cls: number, id: string): Buffer[] => {
        p11.C_FindObjectsInit(session, [
          { type: pkcs11js.CKA_CLASS, value: cls },
          { type: pkcs11js.CKA_ID, value: Buffer.from(id, 'hex') },
        ]);
        const found = p11.C_FindObjects(session, 10);
        p11.C_FindObjectsFinal(session);
        return found;
      };
      const attrs = (obj: Buffer, types: number[]): Buffer[] =>
        p11.C_GetAttributeValue(session, obj, types.map((type) => ({ type }))).map((a) => a.value);
      const bool = (b: Buffer | undefined): boolean => b?.[0] === 1;

      for (const key of info.hsm.keys) {
        const [priv, ...morePriv] = find(pkcs11js.CKO_PRIVATE_KEY, key.id);
        expect(priv, `${key.label} private key`).toBeDefined();
        expect(morePriv).toHaveLength(0);
        const [keyType, extractable, sensitive, isPrivate, label] = attrs(priv as Buffer, [
          pkcs11js.CKA_KEY_TYPE,
          pkcs11js.CKA_EXTRACTABLE,
          pkcs11js.CKA_SENSITIVE,
          pkcs11js.CKA_PRIVATE,
          pkcs11js.CKA_LABEL,
        ]);
        expect(label?.toString()).toBe(key.label);
        expect(keyType?.readUInt32LE(0)).toBe(key.type === 'rsa' ? pkcs11js.CKK_RSA : pkcs11js.CKK_EC);
        expect(bool(extractable), `${key.label} CKA_EXTRACTABLE`).toBe(false);
        expect(bool(sensitive), `${key.label} CKA_SENSITIVE`).toBe(true);
        expect(bool(isPrivate), `${key.label} CKA_PRIVATE`).toBe(true);
        // The private value cannot be read out.
        expect(() => attrs(priv as Buffer, [key.type === 'rsa' ? pkcs11js.CKA_PRIVATE_EXPONENT : pkcs11js.CKA_VALUE])).toThrow(
          /CKR_ATTRIBUTE_SENSITIVE/,
        );

        const [cert] = find(pkcs11js.CKO_CERTIFICATE, key.id);
        expect(cert, `${key.label} certificate`).toBeDefined();
        const [der] = attrs(cert as Buffer, [pkcs11js.CKA_VALUE]);
        const client = info.pki.clients[key.label];
        expect(client).toBeDefined();
        const pem = new X509Certificate(await readFile(client?.cert ?? '', 'utf8'));
        expect(der?.equals(pem.raw)).toBe(true);

        // The token key is the certificate's key: a token signature verifies with the cert.
        const data = Buffer.from(`testbed ${key.label}`);
        let sig: Buffer;
        if (key.type === 'rsa') {
          p11.C_SignInit(session, { mechanism: pkcs11js.CKM_SHA256_RSA_PKCS }, priv as Buffer);
          sig = p11.C_Sign(session, data, Buffer.alloc(256));
        } else {
          // SoftHSM 2.6 has no CKM_ECDSA_SHA256: sign the hash; the result is raw r‖s.
          p11.C_SignInit(session, { mechanism: pkcs11js.CKM_ECDSA }, priv as Buffer);
          sig = p11.C_Sign(session, createHash('sha256').update(data).digest(), Buffer.alloc(64));
        }
        const pub = createPublicKey(pem.publicKey.export({ format: 'pem', type: 'spki' }));
        expect(verify('sha256', data, key.type === 'ec' ? { key: pub, dsaEncoding: 'ieee-p1363' } : pub, sig)).toBe(true);
      }
      p11.C_Logout(session);
      p11.C_CloseSession(session);
    } finally {
      p11.C_Finalize();
    }
  });
});

describe('testbed: DNS', () => {
  it('testbed: the DNS server answers the SRV and A records of both servers and logs the queries', async () => {
    const info = getTestbed();
    const resolver = new Resolver({ timeout: 2_000, tries: 1 });
    resolver.setServers([`${info.dns.host}:${info.dns.port}`]);
    const expected: Record<ServerKind, string> = { prosody: testAddress(1), ejabberd: testAddress(2) };
    const since = Date.now();
    for (const kind of KINDS) {
      const d = info.servers[kind].domain;
      expect(info.servers[kind].host).toBe(expected[kind]);
      expect(await resolver.resolveSrv(`_xmpp-client._tcp.${d}`)).toEqual([
        { name: `xmpp.${d}`, port: 5222, priority: 0, weight: 5 },
      ]);
      for (const name of [`xmpp.${d}`, d, `conference.${d}`]) {
        expect(await resolver.resolve4(name)).toEqual([expected[kind]]);
      }
    }
    await expect(resolver.resolve4('no-such-host.prosody.test')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(resolver.resolve6('prosody.test')).rejects.toMatchObject({ code: 'ENODATA' });

    // Same answers over TCP.
    const tcp = dns2.TCPClient({ dns: info.dns.host, port: info.dns.port });
    const res = await tcp('xmpp.ejabberd.test', 'A');
    expect(res.answers.map((a) => a.address)).toEqual([testAddress(2)]);

    const log = readQueryLog(info.dns.queryLog).filter((q) => q.t >= since);
    expect(log).toContainEqual(expect.objectContaining({ name: '_xmpp-client._tcp.prosody.test', type: 'SRV' }));
    expect(log).toContainEqual(expect.objectContaining({ name: 'conference.ejabberd.test', type: 'A' }));
    expect(log).toContainEqual(expect.objectContaining({ name: 'no-such-host.prosody.test', type: 'A' }));
  });

  it('testbed: a test can change an answer by rewriting the zone file', async () => {
    const info = getTestbed();
    const resolver = new Resolver({ timeout: 2_000, tries: 1 });
    resolver.setServers([`${info.dns.host}:${info.dns.port}`]);
    // A name of our own, so tests running in parallel never see the change.
    const name = `flip-${randomBytes(4).toString('hex')}.prosody.test`;
    try {
      await writeZoneFile(info.dns.zoneFile, { ...readZoneFileSync(info.dns.zoneFile), [name]: { A: [testAddress(1)] } });
      expect(await resolver.resolve4(name)).toEqual([testAddress(1)]);
      await writeZoneFile(info.dns.zoneFile, { ...readZoneFileSync(info.dns.zoneFile), [name]: { A: [testAddress(3)] } });
      expect(await resolver.resolve4(name)).toEqual([testAddress(3)]);
    } finally {
      const zone = readZoneFileSync(info.dns.zoneFile);
      delete zone[name];
      await writeZoneFile(info.dns.zoneFile, zone);
    }
    await expect(resolver.resolve4(name)).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });
});

describe('testbed: lifecycle', () => {
  it('testbed: stop removes the run directory, keeps the logs and ends every process', async () => {
    const logs = await makeRunDir('bastion-testbed-logs-');
    const logsDir = logs.path;
    try {
      const tb = await startTestbed({
        servers: {
          prosody: { domain: 'prosody.stop.test', address: testAddress(9) },
          ejabberd: { domain: 'ejabberd.stop.test', address: testAddress(10) },
        },
        users: ['dave'],
        keep: false,
        logsDir,
      });
      const { info } = tb;
      expect(existsSync(info.dir)).toBe(true);
      const pids = KINDS.flatMap((k) => processTree(info.servers[k].pid));
      // bash + beam + erl_child_setup + port programs for ejabberd, lua for prosody
      expect(pids.length).toBeGreaterThanOrEqual(4);
      for (const kind of KINDS) {
        await login(info, kind, 'dave', account(info, kind, 'dave').password);
      }

      await tb.stop();

      expect(existsSync(info.dir)).toBe(false);
      expect(pids.filter(isAlive)).toEqual([]);
      for (const kind of KINDS) {
        expect(await portClosed(info.servers[kind].host, info.servers[kind].port)).toBe(true);
      }
      expect(await portClosed(info.dns.host, info.dns.port)).toBe(true);
      expect(existsSync(path.join(logsDir, 'prosody', 'prosody.out'))).toBe(true);
      expect(existsSync(path.join(logsDir, 'ejabberd', 'ejabberd.log'))).toBe(true);
    } finally {
      await logs.remove();
    }
    // A whole second bed (≈ 6 s here on 2 cores): more than the default 30 s budget on a slow CI box.
  }, 90_000);

  it('testbed: a private server restarted on the same directory keeps its accounts', async () => {
    const info = getTestbed();
    const runDir = await makeRunDir('bastion-private-');
    const dir = runDir.path;
    const servers: XmppServer[] = [];
    const password = randomBytes(12).toString('hex');
    try {
      const ca = { caCert: info.pki.caCert, caKey: info.pki.caKey };
      const specs = [
        { start: startProsody, domain: 'restart-p.test', address: testAddress(11) },
        { start: startEjabberd, domain: 'restart-e.test', address: testAddress(12) },
      ];
      await Promise.all(
        specs.map(async (spec) => {
          const cert = await issueServerCert(dir, ca, spec.domain);
          const opts = { dir: path.join(dir, spec.domain), domain: spec.domain, address: spec.address, caCert: info.pki.caCert, cert };
          const first = await spec.start(opts);
          servers.push(first);
          await first.register('erin', password);
          await first.stop();
          expect(await portClosed(spec.address, 5222)).toBe(true);

          const second = await spec.start(opts);
          servers.push(second);
          expect(second.pid).not.toBe(first.pid);
          await xmppLogin({
            host: spec.address,
            port: 5222,
            domain: spec.domain,
            username: 'erin',
            password,
            ca: await readFile(info.pki.caCert, 'utf8'),
          });
        }),
      );
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
      await runDir.remove();
    }
    // Two starts and a stop of each server (≈ 7–10 s here).
  }, 90_000);
});
