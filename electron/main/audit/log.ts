/**
 * The audit log [UCR-G3]: security events as JSON lines in <state dir>/audit/audit.log, one
 * object per line:
 *   {"time":"2025-…Z","seq":3,"type":"login","outcome":"success","account":"alice@example.mil",
 *    "detail":{…},"host":"ws-042","osUser":"alice","pid":4242}
 * Each event is appended and fsync-ed before record() returns, so an event survives a crash
 * or a power cut right after it (security events are rare; the cost is a disk flush each).
 * Files are 0600 in a 0700 directory; rotated by size (default 5 MiB × 5 files: audit.log,
 * audit.log.1 … audit.log.4, the highest number the oldest). Details are scrubbed (scrub.ts).
 * A write that fails never throws into the core: it goes to onError and is retried next event.
 */
import { closeSync, existsSync, fchmodSync, fstatSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { scrubDetail } from './scrub';
import type { AuditEvent, AuditSink } from './sink';

export const AUDIT_FILE = 'audit.log';
export const DEFAULT_AUDIT_MAX_BYTES = 5 * 1024 * 1024;
export const DEFAULT_AUDIT_MAX_FILES = 5;

export interface AuditLogOptions {
  /** The directory (created 0700): <state dir>/audit. */
  readonly dir: string;
  /** Rotate before a write would take audit.log past this size. */
  readonly maxBytes?: number;
  /** Files kept, audit.log included (at least 1). */
  readonly maxFiles?: number;
  readonly now?: () => Date;
  readonly onError?: (e: Error) => void;
}

export interface AuditLog extends AuditSink {
  /** The current file (audit.log). */
  readonly file: string;
  /** Events that could not be written since the log was opened. */
  failures(): number;
  close(): void;
}

const posix = process.platform !== 'win32';

function whoAmI(): string | null {
  try {
    return os.userInfo().username;
  } catch {
    return null;
  }
}

/** A rename or a new file is only durable once its directory is flushed too (POSIX). */
function syncDir(dir: string): void {
  if (!posix) return;
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function createAuditLog(opts: AuditLogOptions): AuditLog {
  const file = path.join(opts.dir, AUDIT_FILE);
  const maxBytes = Math.max(1024, opts.maxBytes ?? DEFAULT_AUDIT_MAX_BYTES);
  const maxFiles = Math.max(1, Math.floor(opts.maxFiles ?? DEFAULT_AUDIT_MAX_FILES));
  const now = opts.now ?? (() => new Date());
  const onError = opts.onError ?? ((e: Error) => console.error(`audit log ${file}: ${e.message}`));
  const host = os.hostname();
  const osUser = whoAmI();
  let fd: number | undefined;
  let size = 0;
  let seq = 0;
  let failed = 0;

  function open(): number {
    mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
    if (posix) chmodSync(opts.dir, 0o700);
    const created = !existsSync(file);
    const f = openSync(file, 'a', 0o600);
    // The mode argument only applies to a new file: an older or copied-in file is tightened too.
    if (posix) fchmodSync(f, 0o600);
    size = fstatSync(f).size;
    if (created) syncDir(opts.dir);
    fd = f;
    return f;
  }

  function closeFile(): void {
    if (fd === undefined) return;
    const f = fd;
    fd = undefined;
    closeSync(f);
  }

  /** audit.log → .1 → .2 …; the oldest beyond maxFiles is deleted. */
  function rotate(): void {
    closeFile();
    const numbered = (i: number): string => `${file}.${i}`;
    if (maxFiles === 1) {
      rmSync(file, { force: true });
    } else {
      rmSync(numbered(maxFiles - 1), { force: true });
      for (let i = maxFiles - 2; i >= 1; i--) if (existsSync(numbered(i))) renameSync(numbered(i), numbered(i + 1));
      renameSync(file, numbered(1));
    }
    syncDir(opts.dir);
  }

  function write(line: string): void {
    const bytes = Buffer.from(line, 'utf8');
    let f = fd ?? open();
    if (size > 0 && size + bytes.length > maxBytes) {
      rotate();
      f = open();
    }
    let off = 0;
    while (off < bytes.length) off += writeSync(f, bytes, off, bytes.length - off);
    fsyncSync(f);
    size += bytes.length;
  }

  return {
    file,
    record(event: AuditEvent): void {
      try {
        const { detail, refused } = scrubDetail(event.detail ?? {});
        const rec = {
          time: now().toISOString(),
          seq: ++seq,
          type: event.type,
          outcome: event.outcome,
          account: event.account ?? null,
          detail,
          ...(refused.length > 0 ? { refused } : {}),
          host,
          osUser,
          pid: process.pid,
        };
        write(`${JSON.stringify(rec)}\n`);
      } catch (e: unknown) {
        failed++;
        try {
          closeFile();
        } catch {
          // the descriptor is gone already; the next event opens the file again
        }
        onError(e instanceof Error ? e : new Error(String(e)));
      }
    },
    failures: () => failed,
    close: () => {
      try {
        closeFile();
      } catch {
        // nothing left to flush: every event was fsync-ed when it was written
      }
    },
  };
}
