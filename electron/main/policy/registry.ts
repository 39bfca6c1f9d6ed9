/**
 * Windows Group Policy: the policy keys as registry values under HKLM\Software\Policies\Bastion
 * (the tree only administrators and GPO can write). Read through a port that runs
 * `reg query <key> /s /reg:64`, so the parser is tested here on any OS with recorded output and
 * the app needs no native registry module. Value names are the policy keys; the two object keys
 * are subkeys (`history`, `classificationBanner`). Types:
 *   lists   REG_MULTI_SZ (one item per line) or REG_SZ (comma-separated)
 *   text    REG_SZ or REG_EXPAND_SZ (%VAR% expanded); consentBanner also REG_MULTI_SZ (lines)
 *   history\enabled REG_DWORD 0/1, history\retentionDays REG_DWORD,
 *   xeps\privacyLists, xeps\multicast, xeps\xhtmlIm, xeps\entityCapabilities REG_DWORD 0/1
 */
import { execFileSync } from 'node:child_process';

export const GPO_KEY = 'HKLM\\Software\\Policies\\Bastion';

export interface RegistryPort {
  /** `reg query <key> /s` output, or undefined when the key does not exist. Throws when it cannot be read. */
  query(key: string): string | undefined;
}

/** The real port: reg.exe from System32, 64-bit view (where GPO writes for a 64-bit app). */
export function regExeRegistry(env: NodeJS.ProcessEnv = process.env): RegistryPort {
  const systemRoot = /^[A-Za-z]:\\Windows$/i.test(env.SystemRoot ?? '') ? (env.SystemRoot as string) : 'C:\\Windows';
  return {
    query(key) {
      try {
        return execFileSync(`${systemRoot}\\System32\\reg.exe`, ['query', key, '/s', '/reg:64'], { encoding: 'utf8', windowsHide: true, timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] });
      } catch (e: unknown) {
        // reg.exe exits 1 with "ERROR: The system was unable to find the specified registry key or value."
        const err = e as { status?: number | null; stderr?: string };
        if (err.status === 1 && /unable to find/i.test(err.stderr ?? '')) return undefined;
        throw new Error(`reg query ${key} failed: ${(err.stderr ?? String(e)).trim()}`);
      }
    },
  };
}

type Kind = 'string' | 'text' | 'list' | 'number' | 'boolean';
/** Lower-cased "subkey\value" → [policy path, kind]. */
const VALUES = new Map<string, readonly [readonly string[], Kind]>(
  (
    [
      [['allowedDomains'], 'list'],
      [['trustAnchors'], 'string'],
      [['pkcs11Modules'], 'list'],
      [['authMethods'], 'list'],
      [['minTlsVersion'], 'string'],
      [['revocation'], 'string'],
      [['cardRemoval'], 'string'],
      [['consentBanner'], 'text'],
      [['classificationBanner', 'text'], 'string'],
      [['classificationBanner', 'foreground'], 'string'],
      [['classificationBanner', 'background'], 'string'],
      [['history', 'enabled'], 'boolean'],
      [['history', 'retentionDays'], 'number'],
      [['compression'], 'string'],
      [['xeps', 'privacyLists'], 'boolean'],
      [['xeps', 'multicast'], 'boolean'],
      [['xeps', 'xhtmlIm'], 'boolean'],
      [['xeps', 'entityCapabilities'], 'boolean'],
      [['dnsServers'], 'list'],
      [['passwordSaving'], 'string'],
    ] as const
  ).map(([p, k]) => [p.join('\\').toLowerCase(), [p, k]] as const),
);

const expand = (s: string, env: NodeJS.ProcessEnv): string =>
  s.replace(/%([^%]+)%/g, (all, name: string) => {
    const hit = Object.keys(env).find((k) => k.toLowerCase() === name.toLowerCase());
    return hit !== undefined ? (env[hit] ?? all) : all;
  });

function convert(type: string, data: string, kind: Kind, env: NodeJS.ProcessEnv): { ok: true; value: unknown } | { ok: false; expected: string } {
  const multi = (): string[] => data.split('\\0').filter((s) => s.length > 0);
  switch (kind) {
    case 'string':
      if (type === 'REG_SZ') return { ok: true, value: data };
      if (type === 'REG_EXPAND_SZ') return { ok: true, value: expand(data, env) };
      return { ok: false, expected: 'REG_SZ or REG_EXPAND_SZ' };
    case 'text':
      if (type === 'REG_MULTI_SZ') return { ok: true, value: data.split('\\0').join('\n').replace(/\n+$/, '') };
      return convert(type, data, 'string', env);
    case 'list':
      if (type === 'REG_MULTI_SZ') return { ok: true, value: multi() };
      if (type === 'REG_SZ') return { ok: true, value: data.split(',').map((s) => s.trim()).filter((s) => s.length > 0) };
      return { ok: false, expected: 'REG_MULTI_SZ or a comma-separated REG_SZ' };
    case 'number':
      if (type === 'REG_DWORD' && /^0x[0-9a-f]+$/i.test(data)) return { ok: true, value: Number.parseInt(data.slice(2), 16) };
      return { ok: false, expected: 'REG_DWORD' };
    case 'boolean':
      if (type === 'REG_DWORD' && /^0x[01]$/i.test(data)) return { ok: true, value: data.endsWith('1') };
      return { ok: false, expected: 'REG_DWORD 0 or 1' };
  }
}

const HIVES: Record<string, string> = { HKLM: 'HKEY_LOCAL_MACHINE', HKCU: 'HKEY_CURRENT_USER' };
const fullName = (key: string): string => key.replace(/^([A-Z]+)(?=\\)/, (h) => HIVES[h] ?? h).toLowerCase();

/**
 * Turns `reg query <root> /s` output into a policy object (not yet schema-checked). Unknown
 * values, deeper subkeys and wrong registry types are refused, naming the key and the value.
 */
export function parseRegQuery(output: string, root: string, env: NodeJS.ProcessEnv = {}): { ok: true; value: Record<string, unknown>; count: number } | { ok: false; error: string } {
  const rootFull = fullName(root);
  const value: Record<string, unknown> = {};
  const errors: string[] = [];
  let sub: string | undefined;
  let count = 0;
  for (const raw of output.split(/\r?\n/)) {
    if (raw.trim() === '') continue;
    if (/^HKEY_/i.test(raw)) {
      const k = raw.trim().toLowerCase();
      if (k === rootFull) sub = '';
      else if (k.startsWith(`${rootFull}\\`)) sub = k.slice(rootFull.length + 1);
      else sub = undefined;
      if (sub !== undefined && sub.includes('\\')) errors.push(`${raw.trim()}: subkeys below ${sub.split('\\')[0] ?? ''} are not policy settings`);
      continue;
    }
    const m = /^ {4}(.+?) {4}(REG_[A-Z_]+)(?: {4}(.*))?$/.exec(raw);
    if (!m || sub === undefined || sub.includes('\\')) continue;
    const [, name = '', type = '', data = ''] = m;
    if (name === '(Default)') continue;
    const where = `${root}${sub ? `\\${sub}` : ''}`;
    const entry = VALUES.get(sub ? `${sub}\\${name.toLowerCase()}` : name.toLowerCase());
    if (!entry) {
      errors.push(`${where}: value "${name}" is not a policy setting`);
      continue;
    }
    const [path, kind] = entry;
    const c = convert(type, data, kind, env);
    if (!c.ok) {
      errors.push(`${where}: value "${name}" is ${type}; expected ${c.expected}`);
      continue;
    }
    count++;
    const [top = '', leaf] = path;
    if (leaf === undefined) value[top] = c.value;
    else value[top] = { ...((value[top] as Record<string, unknown> | undefined) ?? {}), [leaf]: c.value };
  }
  return errors.length > 0 ? { ok: false, error: errors.join('; ') } : { ok: true, value, count };
}
