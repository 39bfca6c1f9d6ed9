// What a session initiation really puts on the wire, from a packet capture (tshark on the
// loopback interface) of one password login against the real Prosody of the test bed:
//   [UCR-S3]  every packet from the client carries DSCP 0 (a DSCP-46 probe proves the capture
//             would show anything else);
//   [IMPP-P3] before the first TLS record the client sends exactly the stream header and
//             <starttls/>: no JID, no <auth/>, no presence or message; after it, every byte the
//             client sends is part of a well-formed TLS record (nothing in plaintext).
// Needs root (or CAP_NET_RAW for dumpcap), as CI has: without it the test FAILS, it never skips.
// The capture is kept as reports/capture/session-capture.pcapng.
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { establishSession } from '../../electron/main/xmpp/session/establish';
import { DEFAULT_SESSION_POLICY } from '../../electron/main/xmpp/session/policy';
import { streamHeader } from '../../electron/main/xmpp/stream/xml-stream';
import {
  type Capture,
  localPortsTo,
  probeConnection,
  probeConnectionWithDscp46,
  readPackets,
  startCapture,
  tcpBytes,
  walkTlsRecords,
} from '../support/capture';
import { getTestbed } from '../support/testbed/get-testbed.js';

const REPORT_DIR = fileURLToPath(new URL('../../reports/capture/', import.meta.url));
const STARTTLS = "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";

let capture: Capture | undefined;
let tmp: string | undefined;

afterAll(async () => {
  await capture?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

async function startCapturing(host: string, file: string): Promise<Capture> {
  try {
    // Ready once a probe connection to the server shows up in tshark's live output.
    return await startCapture({ iface: 'lo', filter: `host ${host} and tcp port 5222`, file, probe: () => probeConnection(host, 5222) });
  } catch (e) {
    const uid = process.getuid?.();
    throw new Error(
      `[UCR-S3][IMPP-P3] this test needs a packet capture on lo and could not start one ` +
        `(running as uid ${String(uid)}; run as root, as CI does, or give dumpcap CAP_NET_RAW): ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

it('[UCR-S3][IMPP-P3] on the wire: DSCP 0 from the client, only the stream header and <starttls/> in the clear, then TLS records only', { timeout: 120_000 }, async () => {
  const info = getTestbed();
  const alice = info.accounts.prosody.find((a) => a.username === 'alice');
  if (!alice) throw new Error('no alice on prosody');
  const { host, domain } = info.servers.prosody;
  tmp = await mkdtemp(path.join(os.tmpdir(), 'bastion-capture-'));
  const file = path.join(tmp, 'session.pcapng');

  capture = await startCapturing(host, file);
  // Positive control for the DSCP check: a connection that does set DSCP 46 (EF).
  const controlPort = await probeConnectionWithDscp46(host, 5222);
  await capture.waitFor('the DSCP-46 control probe', (x) => x.srcPort === controlPort, 10_000);

  const ca = await readFile(info.pki.caCert, 'utf8');
  const s = await establishSession({
    account: alice.jid,
    auth: { kind: 'password', password: alice.password },
    trustAnchorsPem: ca,
    policy: { ...DEFAULT_SESSION_POLICY, dnsServers: [`${info.dns.host}:${info.dns.port}`], stepTimeoutMs: 10_000 },
  });
  // Our one connection to the server (this worker holds no other).
  const ports = localPortsTo(host, 5222);
  expect(ports, 'exactly one connection of this process to the server').toHaveLength(1);
  const clientPort = ports[0] ?? 0;
  expect(s.report.connection).toMatchObject({ address: host, port: 5222 });
  await s.stream.close();
  // The connection is over once the client sent its FIN or either side reset it (Prosody closes
  // its socket right after its own close_notify + FIN, so the client's answering close_notify may
  // meet a RST before the client's FIN goes out).
  await capture.waitFor(
    `the end of the client's connection (port ${clientPort})`,
    (x) => (x.srcPort === clientPort && (x.fin || x.rst)) || (x.dstPort === clientPort && x.rst),
    15_000,
  );
  await new Promise((r) => setTimeout(r, 300)); // the server's last packets
  await capture.stop();
  capture = undefined;
  await mkdir(REPORT_DIR, { recursive: true });
  await copyFile(file, path.join(REPORT_DIR, 'session-capture.pcapng'));

  const packets = await readPackets(file, `tcp.port == ${clientPort}`);
  const toServer = packets.filter((p) => p.srcPort === clientPort && p.dstPort === 5222);
  const fromServer = packets.filter((p) => p.srcPort === 5222 && p.dstPort === clientPort);
  // The capture holds the whole connection, from the client's SYN on.
  expect(toServer[0]?.syn, 'the first captured client packet is the SYN').toBe(true);
  expect(packets.some((p) => p.fin || p.rst), 'the capture holds the end of the connection').toBe(true);
  expect(fromServer.length).toBeGreaterThan(0);

  // [UCR-S3] DSCP 000000 on every client-to-server packet …
  expect(toServer.length).toBeGreaterThan(5);
  expect(toServer.filter((p) => p.dscp !== 0).map((p) => `frame ${p.frame}: DSCP ${p.dscp}`)).toEqual([]);
  // … and the same reading does show DSCP 46 where it was set.
  const control = await readPackets(file, `tcp.srcport == ${controlPort} && tcp.dstport == 5222`);
  expect(control.length).toBeGreaterThan(0);
  expect(control.map((p) => p.dscp)).toEqual(control.map(() => 46));

  // [IMPP-P3][UCR-T1] The client's bytes: plaintext up to the first TLS record (0x16) …
  const client = tcpBytes(packets, { srcPort: clientPort });
  const firstRecord = client.indexOf(0x16);
  expect(firstRecord).toBeGreaterThan(0);
  const plaintext = client.subarray(0, firstRecord).toString('utf8');
  expect(plaintext).toBe(streamHeader({ to: domain }) + STARTTLS);
  expect(plaintext).not.toMatch(/alice|from=|<auth|<presence|<message|<iq/);
  // … which is a ClientHello (handshake record, handshake type 1) …
  expect(client[firstRecord + 5]).toBe(1);
  // … and every byte after it belongs to a well-formed TLS record: no plaintext XML at all.
  const records = walkTlsRecords(client.subarray(firstRecord));
  expect(records.length).toBeGreaterThan(2);
  expect(records.filter((r) => r.type === 23).length).toBeGreaterThan(0);
  expect(client.includes(Buffer.from(alice.password))).toBe(false);
  expect(client.subarray(firstRecord).includes(Buffer.from('<stream:stream'))).toBe(false);

  // The server's side agrees: it said <proceed/> in the clear, then only TLS.
  const server = tcpBytes(packets, { srcPort: 5222 });
  const serverFirstRecord = server.indexOf(0x16);
  expect(server.subarray(0, serverFirstRecord).toString('utf8')).toMatch(/<proceed xmlns=['"]urn:ietf:params:xml:ns:xmpp-tls['"]\s*\/>$/);
  expect(walkTlsRecords(server.subarray(serverFirstRecord)).length).toBeGreaterThan(0);
});
