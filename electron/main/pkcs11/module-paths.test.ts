import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultModuleCandidates, ModulePathError, resolveModulePath } from './module-paths';

describe('pkcs11: module paths', () => {
  it('pkcs11: Linux defaults start with the p11-kit proxy, then OpenSC, CoolKey and ActivClient', () => {
    const names = [...new Set(defaultModuleCandidates('linux', 'x64').map((c) => c.name))];
    expect(names).toEqual(['p11-kit proxy', 'OpenSC', 'CoolKey', 'ActivClient']);
    expect(defaultModuleCandidates('linux', 'x64')[0]?.path).toBe('/usr/lib/x86_64-linux-gnu/p11-kit-proxy.so');
    expect(defaultModuleCandidates('linux', 'arm64')[0]?.path).toBe('/usr/lib/aarch64-linux-gnu/p11-kit-proxy.so');
    expect(defaultModuleCandidates('linux').map((c) => c.path)).toContain('/usr/lib64/libacpkcs211.so');
  });

  it('pkcs11: Windows and macOS have OpenSC and ActivClient defaults', () => {
    expect(defaultModuleCandidates('win32').map((c) => c.path.split('\\').pop())).toEqual(['opensc-pkcs11.dll', 'opensc-pkcs11.dll', 'acpkcs211.dll']);
    expect(new Set(defaultModuleCandidates('darwin').map((c) => c.name))).toEqual(new Set(['OpenSC', 'ActivClient']));
  });

  it('pkcs11: the policy list comes first; the first existing file wins and the lookup is reported', () => {
    const exists = (p: string): boolean => p === '/opt/site/cac.so' || p === '/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so';
    expect(resolveModulePath({ policyPaths: ['/opt/missing.so', '/opt/site/cac.so'], platform: 'linux', arch: 'x64', exists })).toEqual({
      path: '/opt/site/cac.so',
      name: 'cac.so',
      source: 'policy',
      tried: ['/opt/missing.so', '/opt/site/cac.so'],
    });
    const d = resolveModulePath({ policyPaths: ['/opt/missing.so'], platform: 'linux', arch: 'x64', exists });
    expect(d).toMatchObject({ path: '/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so', name: 'OpenSC', source: 'default' });
    expect(d.tried[0]).toBe('/opt/missing.so');
  });

  it('pkcs11: relative policy paths are refused (library search path hijacking); nothing found is an error', () => {
    expect(() => resolveModulePath({ policyPaths: ['opensc-pkcs11.so'], platform: 'linux', exists: () => true })).toThrow(/must be absolute/);
    expect(() => resolveModulePath({ policyPaths: ['C:\\x\\a.dll'], platform: 'win32', exists: () => true })).not.toThrow();
    expect(() => resolveModulePath({ platform: 'linux', exists: () => false })).toThrow(ModulePathError);
  });

  const proxy = defaultModuleCandidates()[0]?.path ?? '';
  it.skipIf(process.platform !== 'linux' || !existsSync(proxy))('pkcs11: on this machine (p11-kit installed) the default is the p11-kit proxy', () => {
    expect(resolveModulePath()).toMatchObject({ name: 'p11-kit proxy', source: 'default' });
  });
});
