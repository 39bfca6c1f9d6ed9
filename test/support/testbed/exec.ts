// Run a short-lived command to completion (openssl, softhsm2-util, prosodyctl, ejabberdctl, …).
// An argument vector, never a shell string: nothing a test passes in (JIDs, passwords, paths)
// can be interpreted by a shell.
import { spawn } from 'node:child_process';

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Kill the command after this many ms; a hung admin tool must not hang the test run. */
  timeoutMs?: number;
  /** Text written to the command's stdin (then closed). */
  input?: string;
  /** Run as this user/group (root only), e.g. ejabberdctl as user ejabberd. */
  uid?: number;
  gid?: number;
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

/** Error that carries everything needed to diagnose a failed helper command from a CI log. */
export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly args: readonly string[],
    readonly code: number | string | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(`${command} ${args.join(' ')} failed (${String(code)}):\n${stderr.trim() || stdout.trim()}`);
    this.name = 'CommandError';
  }
}

export function run(command: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    // Own process group: ejabberdctl is bash → su → erl; on timeout the whole chain must die,
    // not just the bash at the top.
    const child = spawn(command, args, {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(opts.uid !== undefined ? { uid: opts.uid } : {}),
      ...(opts.gid !== undefined ? { gid: opts.gid } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => {
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }, opts.timeoutMs ?? 30_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new CommandError(command, args, err.message, stdout, stderr));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve({ stdout, stderr });
      else reject(new CommandError(command, args, code ?? signal, stdout, stderr));
    });
    // Always close stdin: some tools (prosodyctl, ejabberdctl) prompt and would wait forever.
    child.stdin.on('error', () => undefined).end(opts.input ?? '');
  });
}
