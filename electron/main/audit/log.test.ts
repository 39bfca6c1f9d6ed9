import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AUDIT_FILE, createAuditLog } from './log';
import { isSecretFieldName, scrubDetail } from './scrub';
import { auditFailure, type AuditSink } from './sink';

const root = mkdtempSync(path.join(os.tmpdir(), 'bastion-audit-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = (): string => path.join(root, `a${++n}`, 'audit');
const lines = (file: string): Record<string, unknown>[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const posix = process.platform !== 'win32';

describe('audit log file [UCR-G3]', () => {
  it('writes one JSON object per event with ISO time, sequence, type, outcome, account and detail', () => {
    const dir = freshDir();
    const log = createAuditLog({ dir, now: () => new Date('2025-01-02T03:04:05.678Z') });
    log.record({ type: 'login', outcome: 'success', account: 'alice@example.mil', detail: { method: 'card', tls: 'TLS1.3' } });
    log.record({ type: 'card-removed', outcome: 'info', detail: { slot: '1' } });
    log.close();
    expect(lines(path.join(dir, AUDIT_FILE))).toEqual([
      { time: '2025-01-02T03:04:05.678Z', seq: 1, type: 'login', outcome: 'success', account: 'alice@example.mil', detail: { method: 'card', tls: 'TLS1.3' }, host: os.hostname(), osUser: os.userInfo().username, pid: process.pid },
      expect.objectContaining({ seq: 2, type: 'card-removed', account: null, detail: { slot: '1' } }),
    ]);
  });

  it.runIf(posix)('the file is 0600 and its directory 0700, also when they existed with looser modes', () => {
    const dir = freshDir();
    const log = createAuditLog({ dir });
    log.record({ type: 'logout', outcome: 'success', account: 'a@b.mil' });
    expect(statSync(path.join(dir, AUDIT_FILE)).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    log.close();
    chmodSync(path.join(dir, AUDIT_FILE), 0o644);
    chmodSync(dir, 0o755);
    const again = createAuditLog({ dir });
    again.record({ type: 'logout', outcome: 'success', account: 'a@b.mil' });
    again.close();
    expect(statSync(path.join(dir, AUDIT_FILE)).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('rotates by size: audit.log, audit.log.1 … up to maxFiles, the oldest dropped, no line lost or split', () => {
    const dir = freshDir();
    const log = createAuditLog({ dir, maxBytes: 2048, maxFiles: 3 });
    for (let i = 0; i < 60; i++) log.record({ type: 'reconnect', outcome: 'info', account: 'alice@example.mil', detail: { attempt: i, reason: 'x'.repeat(100) } });
    log.close();
    expect(readdirSync(dir).sort()).toEqual(['audit.log', 'audit.log.1', 'audit.log.2']);
    const files = ['audit.log.2', 'audit.log.1', 'audit.log'].map((f) => path.join(dir, f));
    for (const f of files) {
      expect(statSync(f).size).toBeLessThanOrEqual(2048);
      if (posix) expect(statSync(f).mode & 0o777).toBe(0o600);
    }
    // Oldest to newest, the kept events are consecutive and end with the last one.
    const seqs = files.flatMap((f) => lines(f).map((l) => l.seq as number));
    expect(seqs.at(-1)).toBe(60);
    expect(seqs).toEqual(seqs.map((_, i) => (seqs[0] as number) + i));
    expect(seqs[0]).toBeGreaterThan(1); // the oldest file was dropped
  });

  it('a write that fails never throws into the core: it is reported, and the log recovers', () => {
    const base = path.join(root, `blocked${++n}`);
    writeFileSync(base, 'a file where the directory should be');
    const errors: string[] = [];
    const log = createAuditLog({ dir: path.join(base, 'audit'), onError: (e) => errors.push(e.message) });
    expect(() => log.record({ type: 'logout', outcome: 'success' })).not.toThrow();
    expect(log.failures()).toBe(1);
    expect(errors).toHaveLength(1);
    rmSync(base);
    log.record({ type: 'logout', outcome: 'success' });
    log.close();
    expect(log.failures()).toBe(1);
    expect(existsSync(path.join(base, 'audit', AUDIT_FILE))).toBe(true);
  });
});

describe('scrubber: no password, PIN, key material or message body ever reaches the log', () => {
  it.each(['password', 'newPassword', 'pin', 'PIN', 'userPin', 'so_pin', 'passphrase', 'secret', 'privateKey', 'key', 'body', 'xhtml', 'fileBase64', 'token', 'credentials', 'p12'])(
    'refuses a field named %s',
    (name) => {
      expect(isSecretFieldName(name)).toBe(true);
      const s = scrubDetail({ ok: 1, [name]: 'SECRET-VALUE', nested: { [name]: 'SECRET-VALUE' } });
      expect(JSON.stringify(s.detail)).not.toContain('SECRET-VALUE');
      expect(s.refused).toEqual([`detail.${name}`, `detail.nested.${name}`]);
    },
  );

  it.each(['method', 'stage', 'reason', 'slot', 'label', 'serial', 'spkiSha256', 'decision', 'wasLoggedIn', 'ping', 'spinner', 'keyboard'])('keeps the ordinary field %s', (name) => {
    expect(isSecretFieldName(name)).toBe(false);
  });

  it('refuses PEM private keys in any field, and binary values', () => {
    const s = scrubDetail({ reason: '-----BEGIN PRIVATE KEY-----\nMIIE…', blob: Buffer.from('k'), list: ['-----BEGIN EC PRIVATE KEY-----'] });
    expect(s.detail).toEqual({ list: [null] });
    expect(s.refused).toEqual(['detail.reason', 'detail.blob', 'detail.list[0]']);
  });

  it('the file shows what was refused (the attempt is itself worth auditing), never the value', () => {
    const dir = freshDir();
    const log = createAuditLog({ dir });
    log.record({ type: 'login-attempt', outcome: 'info', account: 'alice@example.mil', detail: { method: 'password', password: 'hunter2-oops' } as never });
    log.close();
    const text = readFileSync(path.join(dir, AUDIT_FILE), 'utf8');
    expect(text).not.toContain('hunter2-oops');
    expect(lines(path.join(dir, AUDIT_FILE))[0]).toMatchObject({ detail: { method: 'password' }, refused: ['detail.password'] });
  });

  it('a rejected PIN is recorded as a count only', () => {
    const events: unknown[] = [];
    const sink: AuditSink = { record: (e) => void events.push(e) };
    const pinFailure = Object.assign(new Error('the PIN is wrong. Only a few tries are left.'), { code: 'pin-rejected' });
    auditFailure(sink, 'login', 'alice@example.mil', pinFailure);
    auditFailure(sink, 'login', 'alice@example.mil', pinFailure);
    expect(events.filter((e) => (e as { type: string }).type === 'pin-rejected')).toEqual([
      { type: 'pin-rejected', outcome: 'failure', account: 'alice@example.mil', detail: { rejectedThisRun: 1 } },
      { type: 'pin-rejected', outcome: 'failure', account: 'alice@example.mil', detail: { rejectedThisRun: 2 } },
    ]);
  });

  it('a TLS-stage session failure is also a tls-failure event', () => {
    const events: { type: string }[] = [];
    const sink: AuditSink = { record: (e) => void events.push(e) };
    auditFailure(sink, 'login', 'a@b.mil', Object.assign(new Error('certificate expired'), { stage: 'tls' }));
    auditFailure(sink, 'login', 'a@b.mil', Object.assign(new Error('not-authorized'), { stage: 'sasl' }));
    expect(events.map((e) => e.type)).toEqual(['login', 'tls-failure', 'login']);
  });
});
