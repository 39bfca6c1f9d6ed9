/**
 * Reads the machine-wide admin policy [UCR-G3]: the policy file of this OS and, on Windows, the
 * Group Policy registry key (which wins key by key). A policy that is present but cannot be
 * used — unreadable, not JSON, failing the schema, an unknown key, writable by every user —
 * is 'broken': the app then refuses to connect with this error. It never falls back to the
 * defaults; only the complete absence of a policy means defaults.
 *
 * BASTION_POLICY_FILE names a policy file for tests, development and admins trying a policy out.
 * It applies only where no machine policy exists: a user who sets the variable must not be able
 * to step out of what the administrator enforced.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { adminPolicySchema, describePolicyIssues, type AdminPolicy } from '../../../shared/policy/schema';
import { GPO_KEY, parseRegQuery, regExeRegistry, type RegistryPort } from './registry';

export const POLICY_FILE_ENV = 'BASTION_POLICY_FILE';
const MAX_BYTES = 1024 * 1024;

export type LoadedPolicy =
  | { readonly status: 'none'; readonly file: string; readonly sources: readonly []; readonly policy: AdminPolicy; readonly notes: readonly string[] }
  | { readonly status: 'loaded'; readonly file: string; readonly sources: readonly string[]; readonly policy: AdminPolicy; readonly notes: readonly string[] }
  | { readonly status: 'broken'; readonly file: string; readonly sources: readonly string[]; readonly error: string; readonly notes: readonly string[] };

export interface PolicyLoadOptions {
  readonly platform?: NodeJS.Platform;
  readonly env?: NodeJS.ProcessEnv;
  /** Reads a file as bytes; throws a Node error with `code` (ENOENT = absent). */
  readonly readFile?: (file: string) => Buffer;
  /** The file's mode bits, for the "writable by every user" check (POSIX only). */
  readonly fileMode?: (file: string) => number | undefined;
  /** Windows only; null = do not read the registry. Defaults to `reg query`. */
  readonly registry?: RegistryPort | null;
}

/** Where the machine-wide policy file of each OS is. */
export function machinePolicyFile(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  switch (platform) {
    case 'win32': {
      // %ProgramData% only in its usual form (a drive's \ProgramData): the variable is the
      // user's to set, and must not move the machine policy somewhere the user controls.
      const pd = env.ProgramData ?? env.PROGRAMDATA ?? '';
      return path.win32.join(/^[A-Za-z]:\\ProgramData$/i.test(pd) ? pd : 'C:\\ProgramData', 'Bastion', 'policy.json');
    }
    case 'darwin':
      return '/Library/Application Support/Bastion/policy.json';
    default:
      return '/etc/bastion/policy.json';
  }
}

/** "line 3, column 14" for a JSON.parse position, so the admin can find the typo. */
function jsonSyntaxError(text: string, e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const pos = /position (\d+)/.exec(msg);
  if (!pos?.[1]) return `not valid JSON: ${msg}`;
  const before = text.slice(0, Number(pos[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `not valid JSON at line ${line}, column ${column}: ${msg.replace(/\s*in JSON at position \d+.*$/s, '')}`;
}

type FileRead = { kind: 'absent' } | { kind: 'ok'; value: Record<string, unknown> } | { kind: 'error'; error: string };

function readPolicyFile(file: string, opts: PolicyLoadOptions): FileRead {
  const read = opts.readFile ?? ((f: string) => readFileSync(f));
  let bytes: Buffer;
  try {
    bytes = read(file);
  } catch (e: unknown) {
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT') return { kind: 'absent' };
    const why = code === 'EACCES' || code === 'EPERM' ? 'cannot be read (permission denied: the app runs as the user, so the file must be readable by every user)' : `cannot be read (${code ?? String(e)})`;
    return { kind: 'error', error: `admin policy ${file}: ${why}` };
  }
  const platform = opts.platform ?? process.platform;
  if (platform !== 'win32') {
    const mode = (opts.fileMode ?? ((f: string) => statSync(f).mode))(file);
    if (mode !== undefined && (mode & 0o002) !== 0) {
      return { kind: 'error', error: `admin policy ${file}: is writable by every user (mode ${(mode & 0o777).toString(8)}), so it enforces nothing; make it owned by root and not world-writable (chmod 644)` };
    }
  }
  if (bytes.length > MAX_BYTES) return { kind: 'error', error: `admin policy ${file}: is ${bytes.length} bytes; a policy file is at most ${MAX_BYTES}` };
  // Notepad writes a byte-order mark; JSON.parse would reject it.
  const text = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false }).decode(bytes);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e: unknown) {
    return { kind: 'error', error: `admin policy ${file}: ${jsonSyntaxError(text, e)}` };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { kind: 'error', error: `admin policy ${file}: $: must be a JSON object ({ "key": value, … })` };
  return { kind: 'ok', value: json as Record<string, unknown> };
}

function validate(where: string, value: Record<string, unknown>): { ok: true; policy: AdminPolicy } | { ok: false; error: string } {
  const r = adminPolicySchema.safeParse(value);
  return r.success ? { ok: true, policy: r.data } : { ok: false, error: `admin policy ${where}: ${describePolicyIssues(r.error.issues).join('; ')}` };
}

/** Loads the policy in force on this machine (never throws: a broken policy is a value). */
export function loadPolicy(opts: PolicyLoadOptions = {}): LoadedPolicy {
  const platform = opts.platform ?? process.platform;
  const env = opts.env ?? process.env;
  const file = machinePolicyFile(platform, env);
  const notes: string[] = [];
  const sources: string[] = [];
  let merged: AdminPolicy = {};

  const machine = readPolicyFile(file, opts);
  if (machine.kind === 'error') return { status: 'broken', file, sources: [file], error: machine.error, notes };
  if (machine.kind === 'ok') {
    const v = validate(file, machine.value);
    if (!v.ok) return { status: 'broken', file, sources: [file], error: v.error, notes };
    merged = v.policy;
    sources.push(file);
  }

  if (platform === 'win32' && opts.registry !== null) {
    const registry = opts.registry ?? regExeRegistry(env);
    let out: string | undefined;
    try {
      out = registry.query(GPO_KEY);
    } catch (e: unknown) {
      return { status: 'broken', file, sources: [...sources, GPO_KEY], error: `admin policy ${GPO_KEY}: cannot be read (${e instanceof Error ? e.message : String(e)})`, notes };
    }
    if (out !== undefined) {
      const parsed = parseRegQuery(out, GPO_KEY, env);
      if (!parsed.ok) return { status: 'broken', file, sources: [...sources, GPO_KEY], error: `admin policy ${parsed.error}`, notes };
      if (parsed.count > 0) {
        const v = validate(GPO_KEY, parsed.value);
        if (!v.ok) return { status: 'broken', file, sources: [...sources, GPO_KEY], error: v.error, notes };
        // Group Policy wins key by key: it is what the domain's administrators push.
        merged = { ...merged, ...v.policy };
        sources.push(GPO_KEY);
      }
    }
  }

  const override = env[POLICY_FILE_ENV];
  if (override) {
    if (sources.length > 0) {
      notes.push(`${POLICY_FILE_ENV}=${override} is ignored: the machine policy (${sources.join(', ')}) applies`);
    } else {
      const o = readPolicyFile(override, opts);
      if (o.kind === 'absent') return { status: 'broken', file, sources: [override], error: `admin policy ${override}: does not exist (named by ${POLICY_FILE_ENV})`, notes };
      if (o.kind === 'error') return { status: 'broken', file, sources: [override], error: o.error, notes };
      const v = validate(override, o.value);
      if (!v.ok) return { status: 'broken', file, sources: [override], error: v.error, notes };
      return { status: 'loaded', file, sources: [override], policy: v.policy, notes };
    }
  }
  return sources.length > 0 ? { status: 'loaded', file, sources, policy: merged, notes } : { status: 'none', file, sources: [], policy: {}, notes };
}
