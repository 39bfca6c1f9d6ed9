// Which PKCS#11 module to load: the admin policy's list first, then the per-OS defaults below;
// the first file that exists wins and the caller reports which one (and why).
import { existsSync } from 'node:fs';
import path from 'node:path';

export type ModuleSource = 'policy' | 'default';

export interface ModuleCandidate {
  path: string;
  /** Which middleware this is, for messages ("OpenSC", "ActivClient", …). */
  name: string;
}

const LINUX_TRIPLET: Readonly<Record<string, string>> = {
  x64: 'x86_64-linux-gnu',
  arm64: 'aarch64-linux-gnu',
  ia32: 'i386-linux-gnu',
  arm: 'arm-linux-gnueabihf',
};

/**
 * Defaults per OS, in order of preference. On Linux the p11-kit proxy comes first: it loads
 * every module the system registered (/usr/share/p11-kit/modules), so a site's OpenSC,
 * CoolKey or ActivClient all work without a path in our policy. Paths marked "vendor default"
 * follow the vendor's installer and have not been verified on every release: the admin policy
 * is the way to point at anything else.
 */
export function defaultModuleCandidates(platform: NodeJS.Platform = process.platform, arch: string = process.arch): ModuleCandidate[] {
  if (platform === 'linux') {
    const triplet = LINUX_TRIPLET[arch] ?? 'x86_64-linux-gnu';
    const libDirs = [`/usr/lib/${triplet}`, '/usr/lib64', '/usr/lib'];
    const inLibDirs = (file: string, name: string): ModuleCandidate[] => libDirs.map((d) => ({ path: `${d}/${file}`, name }));
    return [
      ...inLibDirs('p11-kit-proxy.so', 'p11-kit proxy'),
      ...inLibDirs('opensc-pkcs11.so', 'OpenSC'),
      ...inLibDirs('pkcs11/opensc-pkcs11.so', 'OpenSC'),
      ...inLibDirs('pkcs11/libcoolkeypk11.so', 'CoolKey'),
      ...inLibDirs('libcoolkeypk11.so', 'CoolKey'),
      // ActivClient for Linux (vendor default)
      { path: '/usr/lib64/libacpkcs211.so', name: 'ActivClient' },
      { path: '/usr/local/lib/libacpkcs211.so', name: 'ActivClient' },
    ];
  }
  if (platform === 'win32') {
    const sys = `${process.env.SystemRoot ?? 'C:\\Windows'}\\System32`;
    const pf = process.env.ProgramFiles ?? 'C:\\Program Files';
    return [
      { path: `${sys}\\opensc-pkcs11.dll`, name: 'OpenSC' },
      { path: `${pf}\\OpenSC Project\\OpenSC\\pkcs11\\opensc-pkcs11.dll`, name: 'OpenSC' },
      // ActivClient (vendor default)
      { path: `${sys}\\acpkcs211.dll`, name: 'ActivClient' },
    ];
  }
  if (platform === 'darwin') {
    return [
      { path: '/Library/OpenSC/lib/opensc-pkcs11.so', name: 'OpenSC' },
      { path: '/usr/local/lib/opensc-pkcs11.so', name: 'OpenSC' },
      { path: '/opt/homebrew/lib/opensc-pkcs11.so', name: 'OpenSC' },
      // ActivClient for macOS (vendor default)
      { path: '/usr/local/lib/pkcs11/libacpkcs211.dylib', name: 'ActivClient' },
    ];
  }
  return [];
}

export interface ResolvedModule {
  path: string;
  name: string;
  source: ModuleSource;
  /** Every path looked at, in order, up to and including the chosen one. */
  tried: string[];
}

export interface ResolveOptions {
  /** From admin policy; takes precedence over the defaults. */
  policyPaths?: readonly string[];
  platform?: NodeJS.Platform;
  arch?: string;
  exists?: (p: string) => boolean;
}

export class ModulePathError extends Error {
  constructor(
    message: string,
    readonly tried: readonly string[],
  ) {
    super(message);
    this.name = 'ModulePathError';
  }
}

export function resolveModulePath(opts: ResolveOptions = {}): ResolvedModule {
  const platform = opts.platform ?? process.platform;
  const exists = opts.exists ?? existsSync;
  const isAbsolute = platform === 'win32' ? path.win32.isAbsolute : path.posix.isAbsolute;
  const policy = opts.policyPaths ?? [];
  // A relative name would be searched on the library path (or the working directory on
  // Windows): whoever controls those directories would get code into our process.
  const relative = policy.filter((p) => !isAbsolute(p));
  if (relative.length > 0) throw new ModulePathError(`PKCS#11 module paths in policy must be absolute: ${relative.join(', ')}`, []);

  const candidates: Array<ModuleCandidate & { source: ModuleSource }> = [
    ...policy.map((p) => ({ path: p, name: path.basename(p), source: 'policy' as const })),
    ...defaultModuleCandidates(platform, opts.arch).map((c) => ({ ...c, source: 'default' as const })),
  ];
  const tried: string[] = [];
  for (const c of candidates) {
    if (tried.includes(c.path)) continue;
    tried.push(c.path);
    if (exists(c.path)) return { path: c.path, name: c.name, source: c.source, tried };
  }
  throw new ModulePathError(`no PKCS#11 module found (looked at ${tried.join(', ')})`, tried);
}
