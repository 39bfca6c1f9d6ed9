// Packet capture for wire-level tests (tshark on the loopback interface), and what those tests
// need to read a capture: packets as fields, a TCP byte stream put back together, TLS records
// walked, and the local port of a connection this process holds.
//
// tshark runs in its own process group and is stopped by its pid (SIGINT, so that it flushes and
// closes the file), never by name. Packets are printed live as well (-P -l) so that a test can
// wait until the capture really sees traffic before it starts what it wants to capture.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import net from 'node:net';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

export interface LivePacket {
  srcPort: number;
  dstPort: number;
  syn: boolean;
  fin: boolean;
  rst: boolean;
  dscp: number;
}

export interface Capture {
  readonly pid: number;
  readonly file: string;
  /** Packets seen so far (printed by tshark while it writes the file). */
  readonly live: LivePacket[];
  stderr(): string;
  /** Resolves with the first live packet matching, or rejects after timeoutMs. */
  waitFor(what: string, match: (p: LivePacket) => boolean, timeoutMs: number): Promise<LivePacket>;
  /** SIGINT to tshark's pid, wait for it to exit (SIGKILL to its group after graceMs). */
  stop(graceMs?: number): Promise<void>;
}

export interface CaptureOptions {
  iface: string;
  /** BPF capture filter */
  filter: string;
  /** pcapng output */
  file: string;
  /**
   * Readiness: makes a connection the filter matches and returns its local port; repeated until
   * that connection's SYN is seen live. Without it, "Capturing on" is all there is to go by.
   */
  probe?: () => Promise<number>;
  readyTimeoutMs?: number;
}

const LIVE_FIELDS = ['tcp.srcport', 'tcp.dstport', 'tcp.flags.syn', 'tcp.flags.fin', 'tcp.flags.reset', 'ip.dsfield.dscp'];

function flag(v: string | undefined): boolean {
  return v === '1' || v === 'True' || v === 'true';
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts tshark and resolves once it captures: it reported "Capturing on …" and, with
 * `opts.probe`, a probe connection was seen. Rejects, with tshark's own words, when it cannot
 * capture (not root / no CAP_NET_RAW, no such interface, tshark missing).
 */
export async function startCapture(opts: CaptureOptions): Promise<Capture> {
  const child = spawn(
    'tshark',
    ['-i', opts.iface, '-f', opts.filter, '-w', opts.file, '-P', '-l', '-n', '-T', 'fields', '-E', 'separator=/t', ...LIVE_FIELDS.flatMap((f) => ['-e', f])],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let err = '';
  let out = '';
  const live: LivePacket[] = [];
  const listeners = new Set<() => void>();
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    err += d;
    for (const l of [...listeners]) l();
  });
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    const lines = out.split('\n');
    out = lines.pop() ?? '';
    for (const line of lines) {
      const f = line.split('\t');
      if (f.length < LIVE_FIELDS.length) continue;
      live.push({ srcPort: Number(f[0]), dstPort: Number(f[1]), syn: flag(f[2]), fin: flag(f[3]), rst: flag(f[4]), dscp: Number(f[5]) });
    }
    for (const l of [...listeners]) l();
  });
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const gone = exited(child);

  const capture: Capture = {
    get pid() {
      return child.pid ?? -1;
    },
    file: opts.file,
    live,
    stderr: () => err,
    waitFor: (what, match, timeoutMs) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const hit = live.find(match);
          if (hit) {
            done();
            resolve(hit);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            done();
            reject(new Error(`tshark exited while waiting for ${what}:\n${err}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`capture: no ${what} within ${timeoutMs} ms (tshark stderr:\n${err})`));
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      }),
    stop: async (graceMs = 10_000) => {
      const pid = child.pid;
      if (pid === undefined) return;
      if (child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(pid, 'SIGINT');
        } catch {
          // already gone
        }
      }
      const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), graceMs).unref());
      if ((await Promise.race([gone, timer])) === 'timeout') {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // already gone
        }
        await gone;
      }
      // dumpcap (tshark's child, same group) must be gone too.
      for (let i = 0; i < 50 && groupAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
      if (groupAlive(pid)) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    },
  };

  const readyMs = opts.readyTimeoutMs ?? 20_000;
  const deadline = Date.now() + readyMs;
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  const cannot = (): Error =>
    new Error(`tshark could not capture on ${opts.iface} (exit ${String(child.exitCode ?? child.signalCode)}); it said:\n${err.trim()}`);
  try {
    // 1. tshark says it started (it also says so right before failing on a bad interface) …
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (/Capturing on /.test(err)) {
          listeners.delete(check);
          resolve();
        }
      };
      listeners.add(check);
      void gone.then(() => reject(cannot()));
      void spawnError.then((e) => reject(new Error(`cannot run tshark: ${e.message}`)));
      setTimeout(() => reject(new Error(`tshark did not start capturing within ${readyMs} ms; stderr:\n${err}`)), readyMs).unref();
      check();
    });
    // 2. … and a probe connection really shows up in the live output.
    if (opts.probe) {
      let seen = false;
      while (!seen) {
        if (!running()) throw cannot();
        if (Date.now() > deadline) throw new Error(`capture: no probe connection seen within ${readyMs} ms; tshark stderr:\n${err}`);
        const port = await opts.probe();
        seen = await capture.waitFor(`the probe's SYN (port ${port})`, (x) => x.srcPort === port && x.syn, 1_000).then(
          () => true,
          () => false,
        );
      }
    }
  } catch (e) {
    // An exited tshark explains itself best; anything else (timeout, probe error) stands as is.
    const died = !running();
    await capture.stop(2_000);
    throw died && !(e instanceof Error && /could not capture|cannot run/.test(e.message)) ? cannot() : e;
  }
  return capture;
}

export interface Packet {
  frame: number;
  dscp: number;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  syn: boolean;
  fin: boolean;
  rst: boolean;
  /** relative sequence number */
  seq: number;
  len: number;
  payload: Buffer;
}

const READ_FIELDS = [
  'frame.number',
  'ip.dsfield.dscp',
  'ip.src',
  'ip.dst',
  'tcp.srcport',
  'tcp.dstport',
  'tcp.flags.syn',
  'tcp.flags.fin',
  'tcp.flags.reset',
  'tcp.seq',
  'tcp.len',
  'tcp.payload',
];

/** Every TCP packet of the capture matching a display filter, with its raw payload. */
export async function readPackets(file: string, displayFilter: string): Promise<Packet[]> {
  const { stdout } = await execFileP(
    'tshark',
    [
      '-r', file, '-n',
      // Per-segment view: no reassembly into XMPP/TLS PDUs, every segment keeps its own payload.
      '-o', 'tcp.desegment_tcp_streams:FALSE',
      '-Y', displayFilter,
      '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=f',
      ...READ_FIELDS.flatMap((f) => ['-e', f]),
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((line) => {
      const f = line.split('\t');
      const hex = (f[11] ?? '').replace(/:/g, '');
      return {
        frame: Number(f[0]),
        dscp: Number(f[1]),
        src: f[2] ?? '',
        dst: f[3] ?? '',
        srcPort: Number(f[4]),
        dstPort: Number(f[5]),
        syn: flag(f[6]),
        fin: flag(f[7]),
        rst: flag(f[8]),
        seq: Number(f[9]),
        len: Number(f[10]),
        payload: Buffer.from(hex, 'hex'),
      };
    });
}

/**
 * The bytes one side sent, in sequence order (retransmissions dropped). Throws if the capture
 * has a hole, or a segment's payload was not captured whole.
 */
export function tcpBytes(packets: readonly Packet[], from: { srcPort: number }): Buffer {
  const segs = packets.filter((p) => p.srcPort === from.srcPort && p.len > 0).sort((a, b) => a.seq - b.seq);
  const out: Buffer[] = [];
  let next = segs[0]?.seq ?? 0;
  for (const s of segs) {
    if (s.payload.length !== s.len) throw new Error(`frame ${s.frame}: payload ${s.payload.length} bytes captured of ${s.len}`);
    if (s.seq + s.len <= next) continue; // retransmission
    if (s.seq !== next) throw new Error(`frame ${s.frame}: capture hole before seq ${s.seq} (expected ${next})`);
    out.push(s.payload);
    next = s.seq + s.len;
  }
  return Buffer.concat(out);
}

export interface TlsRecordHeader {
  offset: number;
  type: number;
  version: number;
  length: number;
}

const TLS_CONTENT_TYPES = new Set([20, 21, 22, 23]); // change_cipher_spec, alert, handshake, application_data

/**
 * Walks TLS records (RFC 8446 §5.1 / RFC 5246 §6.2) over the whole buffer: every byte must belong
 * to a well-formed record. Throws at the first byte that does not.
 */
export function walkTlsRecords(buf: Buffer): TlsRecordHeader[] {
  const out: TlsRecordHeader[] = [];
  let off = 0;
  while (off < buf.length) {
    if (off + 5 > buf.length) throw new Error(`TLS: truncated record header at offset ${off}`);
    const type = buf[off] ?? 0;
    const version = buf.readUInt16BE(off + 1);
    const length = buf.readUInt16BE(off + 3);
    const show = buf.subarray(off, off + 24);
    if (!TLS_CONTENT_TYPES.has(type)) throw new Error(`TLS: not a record at offset ${off} (type ${type}): ${JSON.stringify(show.toString('latin1'))}`);
    if (version < 0x0301 || version > 0x0304) throw new Error(`TLS: bad record version 0x${version.toString(16)} at offset ${off}`);
    if (length === 0 || length > 16384 + 256) throw new Error(`TLS: bad record length ${length} at offset ${off}`);
    if (off + 5 + length > buf.length) throw new Error(`TLS: record at offset ${off} runs past the end of the stream (${length} > ${buf.length - off - 5})`);
    out.push({ offset: off, type, version, length });
    off += 5 + length;
  }
  return out;
}

function hexToIpv4(hex: string): string {
  // /proc/net/tcp prints the address in host byte order (little-endian on x86/arm64).
  const n = Number.parseInt(hex, 16);
  const b = [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) b.reverse();
  return b.join('.');
}

/** Local ports of this process's IPv4 TCP sockets connected to host:port (from /proc). */
export function localPortsTo(host: string, port: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m?.[1]) inodes.add(m[1]);
    } catch {
      // closed meanwhile
    }
  }
  const ports: number[] = [];
  for (const line of readFileSync('/proc/self/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const [local, remote, state, inode] = [f[1] ?? '', f[2] ?? '', f[3] ?? '', f[9] ?? ''];
    if (state !== '01' || !inodes.has(inode)) continue; // 01 = ESTABLISHED
    const [rAddr, rPort] = remote.split(':');
    if (hexToIpv4(rAddr ?? '') !== host || Number.parseInt(rPort ?? '', 16) !== port) continue;
    ports.push(Number.parseInt(local.split(':')[1] ?? '', 16));
  }
  return ports;
}

/** A plain TCP connection to host:port, closed at once; resolves with its local port. */
export function probeConnection(host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port }, () => {
      const p = s.localPort ?? 0;
      s.destroy();
      resolve(p);
    });
    s.once('error', reject);
  });
}

/**
 * The same, but with IP TOS 0xb8 (DSCP 46, EF) set on the socket: a positive control proving
 * that a capture shows a non-zero DSCP when there is one. Node cannot set TOS, so this uses perl
 * (perl-base is Essential in Debian). Resolves with its local port.
 */
export async function probeConnectionWithDscp46(host: string, port: number): Promise<number> {
  if (!net.isIPv4(host)) throw new Error(`probe: IPv4 only, not ${host}`);
  const script = [
    'use Socket;',
    'socket(my $s, PF_INET, SOCK_STREAM, 0) or die "socket: $!";',
    'setsockopt($s, IPPROTO_IP, IP_TOS, 0xb8) or die "IP_TOS: $!";',
    `connect($s, sockaddr_in(${port}, inet_aton("${host}"))) or die "connect: $!";`,
    'my ($p) = sockaddr_in(getsockname($s)); print "$p\\n"; close $s;',
  ].join(' ');
  const { stdout } = await execFileP('perl', ['-e', script]);
  const p = Number(stdout.trim());
  if (!Number.isInteger(p) || p <= 0) throw new Error(`probe: perl printed ${JSON.stringify(stdout)}`);
  return p;
}
