// Long-lived children (servers, listening peers): each in its own process group, stopped by pid
// (never by name), and registered so that an interrupted run still kills them.
// A process group is not always the whole tree: Erlang's erl_child_setup and its port programs
// (memsup, inet_gethost, eimp) call setsid(). So a stop also follows parent links in /proc and
// waits for (or kills) every descendant it saw.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { onAbnormalExit } from './exit-hooks.js';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StartProcessOptions {
  /** Shown in errors. */
  name: string;
  command: string;
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Run as this user/group (root only): ejabberd must not run as root. */
  uid?: number;
  gid?: number;
  /** stdout and stderr are appended here (a file, not a pipe: nothing to drain, survives us). */
  logFile: string;
}

export interface ManagedProcess {
  readonly name: string;
  /** pid of the leader, which is also the process group id */
  readonly pid: number;
  /** Resolves when the leader exits. */
  readonly exited: Promise<ExitInfo>;
  /** null while the leader runs */
  exitInfo(): ExitInfo | null;
  /** SIGTERM to the group, SIGKILL after graceMs; resolves when neither the group nor any
   * descendant seen meanwhile is left. */
  stop(graceMs?: number): Promise<ExitInfo>;
}

const running = new Set<ManagedProcess>();
let unhook: (() => void) | null = null;

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already empty
  }
}

interface ProcStat {
  pid: number;
  state: string;
  ppid: number;
  pgrp: number;
}

function readStat(pid: string | number): ProcStat | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null; // exited while we were looking
  }
  // "pid (comm) state ppid pgrp …" — comm may contain spaces and parentheses.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { pid: Number(pid), state: f[0] ?? '?', ppid: Number(f[1]), pgrp: Number(f[2]) };
}

// Zombies count as gone: a grandchild re-parented to a PID 1 that never reaps would otherwise
// look alive forever.
function live(s: ProcStat | null): s is ProcStat {
  return s !== null && s.state !== 'Z' && s.state !== 'X';
}

function allProcesses(): ProcStat[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(readStat)
    .filter(live);
}

/** True if the pid exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  return live(readStat(pid));
}

/** The group's members and all their live descendants, whatever session those moved to. */
export function processTree(pgid: number): number[] {
  const procs = allProcesses();
  const children = new Map<number, number[]>();
  for (const p of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
  const seen = new Set<number>();
  const queue = procs.filter((p) => p.pgrp === pgid || p.pid === pgid).map((p) => p.pid);
  while (queue.length > 0) {
    const pid = queue.pop() as number;
    if (seen.has(pid)) continue;
    seen.add(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return [...seen];
}

function signalPids(pids: Iterable<number>, signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** Polls until the group and every tracked pid are gone; keeps adding newly seen descendants. */
async function waitTreeGone(pgid: number, tracked: Set<number>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const pid of processTree(pgid)) tracked.add(pid);
    for (const pid of tracked) if (!isAlive(pid)) tracked.delete(pid);
    if (tracked.size === 0) return true;
    if (Date.now() >= deadline) return false;
    await sleep(25);
  }
}

function killAllSync(): void {
  for (const p of running) {
    const tree = processTree(p.pid);
    signalGroup(p.pid, 'SIGKILL');
    signalPids(tree, 'SIGKILL');
  }
}

export function startProcess(opts: StartProcessOptions): ManagedProcess {
  const log = openSync(opts.logFile, 'a');
  let child;
  try {
    child = spawn(opts.command, opts.args, {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      detached: true, // setsid(): own session and process group, pgid = pid
      stdio: ['ignore', log, log],
      ...(opts.uid !== undefined ? { uid: opts.uid } : {}),
      ...(opts.gid !== undefined ? { gid: opts.gid } : {}),
    });
  } finally {
    closeSync(log); // the child holds its own copy
  }
  let info: ExitInfo | null = null;
  // Listeners first: a failed spawn (ENOENT) reports through 'error', which must not go unhandled.
  const exited = new Promise<ExitInfo>((resolve) => {
    child.on('exit', (code, signal) => {
      info = { code, signal };
      resolve(info);
    });
    child.on('error', () => {
      info = { code: null, signal: null };
      resolve(info);
    });
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${opts.name}: cannot start ${opts.command}`);
  // Do not keep the test runner alive just because a server runs; stop() or the exit hook ends it.
  child.unref();

  let stopping: Promise<ExitInfo> | null = null;
  const proc: ManagedProcess = {
    name: opts.name,
    pid,
    exited,
    exitInfo: () => info,
    stop(graceMs = 5_000) {
      stopping ??= (async () => {
        // Hold the event loop until the exit is reported (the child is unref'd while it runs).
        child.ref();
        // Snapshot the tree before signalling: once a parent dies its children are re-parented
        // and can no longer be found from the leader.
        const tracked = new Set(processTree(pid));
        signalGroup(pid, 'SIGTERM');
        if (!(await waitTreeGone(pid, tracked, graceMs))) {
          signalGroup(pid, 'SIGKILL');
          signalPids(tracked, 'SIGKILL');
          if (!(await waitTreeGone(pid, tracked, 5_000))) {
            throw new Error(`${opts.name}: processes survived SIGKILL: ${[...tracked].join(' ')}`);
          }
        }
        running.delete(proc);
        if (running.size === 0 && unhook) {
          unhook();
          unhook = null;
        }
        return exited;
      })();
      return stopping;
    },
  };
  running.add(proc);
  unhook ??= onAbnormalExit(killAllSync);
  return proc;
}

/** Stop every process started through startProcess (teardown of last resort, in parallel). */
export async function stopAllProcesses(graceMs?: number): Promise<void> {
  await Promise.all([...running].map((p) => p.stop(graceMs)));
}
