import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPolicy, machinePolicyFile, type PolicyLoadOptions } from './load';
import { GPO_KEY, parseRegQuery, type RegistryPort } from './registry';

const MACHINE = '/etc/bastion/policy.json';

/** A file system of named files (text or an error code) for the loader's read port. */
function files(entries: Record<string, string | { code: string } | { text: string; mode: number }>): Pick<PolicyLoadOptions, 'readFile' | 'fileMode'> {
  return {
    readFile: (f) => {
      const e = entries[f];
      if (e === undefined) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      if (typeof e === 'string') return Buffer.from(e);
      if ('code' in e) throw Object.assign(new Error(e.code), { code: e.code });
      return Buffer.from(e.text);
    },
    fileMode: (f) => {
      const e = entries[f];
      return e && typeof e === 'object' && 'mode' in e ? e.mode : 0o100644;
    },
  };
}
const linux = (entries: Parameters<typeof files>[0], env: NodeJS.ProcessEnv = {}) => loadPolicy({ platform: 'linux', env, ...files(entries) });

describe('where the machine policy lives', () => {
  it('per OS', () => {
    expect(machinePolicyFile('linux', {})).toBe('/etc/bastion/policy.json');
    expect(machinePolicyFile('darwin', {})).toBe('/Library/Application Support/Bastion/policy.json');
    expect(machinePolicyFile('win32', { ProgramData: 'D:\\ProgramData' })).toBe('D:\\ProgramData\\Bastion\\policy.json');
  });

  it('a %ProgramData% that points somewhere unusual (a user can set it) does not move the machine policy', () => {
    expect(machinePolicyFile('win32', { ProgramData: 'C:\\Users\\me\\fake' })).toBe('C:\\ProgramData\\Bastion\\policy.json');
    expect(machinePolicyFile('win32', {})).toBe('C:\\ProgramData\\Bastion\\policy.json');
  });
});

describe('loading the policy file [UCR-G3]', () => {
  it('no file: defaults, nothing enforced', () => {
    expect(linux({})).toEqual({ status: 'none', file: MACHINE, sources: [], policy: {}, notes: [] });
  });

  it('a valid file is loaded', () => {
    const r = linux({ [MACHINE]: JSON.stringify({ minTlsVersion: '1.3', authMethods: ['card'] }) });
    expect(r).toMatchObject({ status: 'loaded', sources: [MACHINE], policy: { minTlsVersion: '1.3', authMethods: ['card'] } });
  });

  it('a byte-order mark (Notepad) is accepted', () => {
    expect(linux({ [MACHINE]: `\uFEFF${JSON.stringify({ revocation: 'hard' })}` })).toMatchObject({ status: 'loaded', policy: { revocation: 'hard' } });
  });

  it('malformed JSON is broken, with the file and the line and column — never the defaults', () => {
    const r = linux({ [MACHINE]: '{\n  "minTlsVersion": "1.3",\n  "revocation": "hard"\n  "cardRemoval": "keep"\n}' });
    expect(r.status).toBe('broken');
    expect(r.status === 'broken' && r.error).toMatch(/^admin policy \/etc\/bastion\/policy\.json: not valid JSON at line 4, column 3/);
  });

  it('an unreadable file is broken and says why', () => {
    const r = linux({ [MACHINE]: { code: 'EACCES' } });
    expect(r).toMatchObject({ status: 'broken', error: expect.stringMatching(/\/etc\/bastion\/policy\.json: cannot be read \(permission denied/) });
    expect(linux({ [MACHINE]: { code: 'EISDIR' } })).toMatchObject({ status: 'broken', error: expect.stringContaining('cannot be read (EISDIR)') });
  });

  it('a schema error is broken, naming the JSON path', () => {
    const r = linux({ [MACHINE]: JSON.stringify({ history: { enabled: true, retentionDays: -1 } }) });
    expect(r).toMatchObject({ status: 'broken', error: expect.stringMatching(/^admin policy \/etc\/bastion\/policy\.json: \$\.history\.retentionDays: /) });
  });

  it('an unknown key is refused', () => {
    const r = linux({ [MACHINE]: JSON.stringify({ allowedDomain: ['example.mil'] }) });
    expect(r).toMatchObject({ status: 'broken', error: expect.stringContaining('$.allowedDomain: unknown key') });
  });

  it('a JSON value that is not an object is refused', () => {
    expect(linux({ [MACHINE]: '["card"]' })).toMatchObject({ status: 'broken', error: expect.stringContaining('$: must be a JSON object') });
    expect(linux({ [MACHINE]: 'null' })).toMatchObject({ status: 'broken' });
  });

  it('a world-writable policy file enforces nothing: broken', () => {
    const r = linux({ [MACHINE]: { text: '{}', mode: 0o100666 } });
    expect(r).toMatchObject({ status: 'broken', error: expect.stringContaining('writable by every user (mode 666)') });
  });

  // Root reads anything, so this one only runs as a normal user; the fake read port above covers EACCES everywhere.
  it.skipIf(process.getuid?.() === 0)('a real file on disk that the user cannot read (mode 000) is broken', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bastion-policy-'));
    try {
      const f = path.join(dir, 'policy.json');
      writeFileSync(f, '{}');
      chmodSync(f, 0o000);
      // The machine file is made absent whatever this computer has, so the override applies.
      const readFile = (p: string): Buffer => (p === MACHINE ? files({}).readFile!(p) : readFileSync(p));
      expect(loadPolicy({ platform: 'linux', env: { BASTION_POLICY_FILE: f }, readFile })).toMatchObject({ status: 'broken', error: `admin policy ${f}: cannot be read (permission denied: the app runs as the user, so the file must be readable by every user)` });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('BASTION_POLICY_FILE (tests, development, trying a policy out)', () => {
  const OTHER = '/tmp/try/policy.json';
  it('applies where no machine policy exists', () => {
    expect(linux({ [OTHER]: '{"compression":"allowed"}' }, { BASTION_POLICY_FILE: OTHER })).toMatchObject({ status: 'loaded', sources: [OTHER], policy: { compression: 'allowed' } });
  });

  it('is ignored where a machine policy exists: a user cannot step out of the enforced settings', () => {
    const r = linux({ [MACHINE]: '{"authMethods":["card"]}', [OTHER]: '{}' }, { BASTION_POLICY_FILE: OTHER });
    expect(r).toMatchObject({ status: 'loaded', sources: [MACHINE], policy: { authMethods: ['card'] } });
    expect(r.notes).toEqual([expect.stringContaining('BASTION_POLICY_FILE=/tmp/try/policy.json is ignored')]);
  });

  it('naming a file that does not exist is an error, not the defaults', () => {
    expect(linux({}, { BASTION_POLICY_FILE: OTHER })).toMatchObject({ status: 'broken', error: `admin policy ${OTHER}: does not exist (named by BASTION_POLICY_FILE)` });
  });

  it('a broken override is broken', () => {
    expect(linux({ [OTHER]: '{"x":1}' }, { BASTION_POLICY_FILE: OTHER })).toMatchObject({ status: 'broken', error: expect.stringContaining('$.x: unknown key') });
  });
});

describe('Windows Group Policy (HKLM\\Software\\Policies\\Bastion) through the reg query port', () => {
  const WIN_FILE = 'C:\\ProgramData\\Bastion\\policy.json';
  // Recorded shape of `reg query HKLM\Software\Policies\Bastion /s` (Windows 10/11).
  const OUTPUT = [
    '',
    'HKEY_LOCAL_MACHINE\\Software\\Policies\\Bastion',
    '    allowedDomains    REG_MULTI_SZ    chat.example.mil\\0conference.example.mil',
    '    authMethods    REG_SZ    card',
    '    MinTlsVersion    REG_SZ    1.3',
    '    trustAnchors    REG_EXPAND_SZ    %ProgramData%\\Bastion\\dod-roots.pem',
    '    consentBanner    REG_MULTI_SZ    Line one\\0Line two',
    '',
    'HKEY_LOCAL_MACHINE\\Software\\Policies\\Bastion\\history',
    '    enabled    REG_DWORD    0x0',
    '    retentionDays    REG_DWORD    0x1e',
    '',
  ].join('\r\n');
  const reg = (out: string | undefined | Error): RegistryPort => ({
    query: (key) => {
      expect(key).toBe(GPO_KEY);
      if (out instanceof Error) throw out;
      return out;
    },
  });
  const win = (registry: RegistryPort, entries: Parameters<typeof files>[0] = {}) =>
    loadPolicy({ platform: 'win32', env: { ProgramData: 'C:\\ProgramData' }, registry, ...files(entries) });

  it('parses values, subkeys, multi-strings, DWORDs and expands %VARS%', () => {
    const r = parseRegQuery(OUTPUT, GPO_KEY, { PROGRAMDATA: 'C:\\ProgramData' });
    expect(r).toEqual({
      ok: true,
      count: 7,
      value: {
        allowedDomains: ['chat.example.mil', 'conference.example.mil'],
        authMethods: ['card'],
        minTlsVersion: '1.3',
        trustAnchors: 'C:\\ProgramData\\Bastion\\dod-roots.pem',
        consentBanner: 'Line one\nLine two',
        history: { enabled: false, retentionDays: 30 },
      },
    });
  });

  it('GPO values win over the file key by key; both are sources', () => {
    const r = win(reg(OUTPUT), { [WIN_FILE]: '{"minTlsVersion":"1.2","compression":"allowed"}' });
    expect(r).toMatchObject({ status: 'loaded', sources: [WIN_FILE, GPO_KEY], policy: { minTlsVersion: '1.3', compression: 'allowed', authMethods: ['card'] } });
  });

  it('no key: the file alone (or nothing)', () => {
    expect(win(reg(undefined))).toMatchObject({ status: 'none' });
    expect(win(reg(undefined), { [WIN_FILE]: '{"revocation":"hard"}' })).toMatchObject({ status: 'loaded', sources: [WIN_FILE] });
  });

  it('an unknown value, a wrong registry type or a bad value is broken, naming the key', () => {
    expect(win(reg('HKEY_LOCAL_MACHINE\\Software\\Policies\\Bastion\r\n    minTls    REG_SZ    1.3\r\n'))).toMatchObject({
      status: 'broken',
      error: 'admin policy HKLM\\Software\\Policies\\Bastion: value "minTls" is not a policy setting',
    });
    expect(win(reg('HKEY_LOCAL_MACHINE\\Software\\Policies\\Bastion\\history\r\n    enabled    REG_SZ    no\r\n'))).toMatchObject({
      status: 'broken',
      error: 'admin policy HKLM\\Software\\Policies\\Bastion\\history: value "enabled" is REG_SZ; expected REG_DWORD 0 or 1',
    });
    expect(win(reg('HKEY_LOCAL_MACHINE\\Software\\Policies\\Bastion\r\n    revocation    REG_SZ    strict\r\n'))).toMatchObject({
      status: 'broken',
      error: 'admin policy HKLM\\Software\\Policies\\Bastion: $.revocation: must be one of "hard", "soft", "off"',
    });
  });

  it('a registry that cannot be read is broken, not the defaults', () => {
    expect(win(reg(new Error('access denied')))).toMatchObject({ status: 'broken', error: expect.stringContaining('cannot be read (access denied)') });
  });

  it('the registry is never consulted on Linux or macOS', () => {
    const never: RegistryPort = { query: () => expect.unreachable('registry read on POSIX') };
    expect(loadPolicy({ platform: 'linux', env: {}, registry: never, ...files({}) }).status).toBe('none');
  });
});
