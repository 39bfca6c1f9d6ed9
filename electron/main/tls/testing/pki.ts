// Test-only: a throwaway PKI made with the openssl CLI in a temp directory (one per test file).
// `openssl ca` is used so that validity dates can lie in the past and an OCSP response can be
// produced from its index.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TestPki {
  dir: string;
  /** PEM of the test CA (the only trust anchor the tests pass). */
  caPem: string;
  /** PEM of a second CA that the client does not trust. */
  otherCaPem: string;
  /** Absolute file paths: <name>.crt / <name>.key for each certificate below. */
  file(name: string): string;
  /** DER of <name>.crt. */
  der(name: string): Buffer;
  keyPem(name: string): string;
  certPem(name: string): string;
  /**
   * PKCS#12 export of <name>.crt + <name>.key with the CA certificate (`openssl pkcs12 -export`,
   * password P12_PASSWORD), made on first use: 'aes' = OpenSSL 3's default (PBES2, PBKDF2 +
   * AES-256-CBC, HMAC-SHA256 MAC); '3des' = the legacy pbeWithSHAAnd3-KeyTripleDES-CBC for key and
   * certificates with a SHA-1 MAC (what older DoD tooling exports).
   */
  p12(name: string, variant?: P12Variant): Buffer;
  cleanup(): void;
}

export type P12Variant = 'aes' | '3des';
export const P12_PASSWORD = 'test';

const CA_CNF = `
[ ca ]
default_ca = testca
[ testca ]
dir = .
database = index.txt
new_certs_dir = newcerts
serial = serial
default_md = sha256
policy = anything
unique_subject = no
copy_extensions = none
[ anything ]
commonName = supplied
[ server ]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:example.test,DNS:*.example.test,IP:127.0.0.1
[ client ]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = email:$ENV::CLIENT_NAME@example.test
`;

type KeySpec = 'rsa2048' | 'rsa1024' | 'p256';

function openssl(dir: string, args: string[], env: Record<string, string> = {}): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
}

function genKey(dir: string, name: string, spec: KeySpec): void {
  const opts =
    spec === 'p256'
      ? ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']
      : ['-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${spec === 'rsa1024' ? 1024 : 2048}`];
  openssl(dir, ['genpkey', ...opts, '-out', `${name}.key`]);
}

function makeCa(dir: string, name: string, cn: string): void {
  fs.mkdirSync(path.join(dir, name, 'newcerts'), { recursive: true });
  fs.writeFileSync(path.join(dir, name, 'index.txt'), '');
  fs.writeFileSync(path.join(dir, name, 'serial'), '1000\n');
  fs.writeFileSync(path.join(dir, name, 'ca.cnf'), CA_CNF);
  genKey(dir, name, 'rsa2048');
  openssl(dir, [
    'req', '-x509', '-new', '-key', `${name}.key`, '-out', `${name}.crt`, '-days', '30', '-sha256', '-subj', `/CN=${cn}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
  ]);
}

interface Issue {
  name: string;
  ca: string;
  key: KeySpec;
  profile: 'server' | 'client';
  cn: string;
  dates?: { start: string; end: string };
}

function issue(dir: string, o: Issue): void {
  genKey(dir, o.name, o.key);
  openssl(dir, ['req', '-new', '-key', `${o.name}.key`, '-out', `${o.name}.csr`, '-subj', `/CN=${o.cn}`]);
  const caDir = path.join(dir, o.ca);
  const validity = o.dates ? ['-startdate', o.dates.start, '-enddate', o.dates.end] : ['-days', '30'];
  execFileSync(
    'openssl',
    ['ca', '-batch', '-config', 'ca.cnf', '-cert', `../${o.ca}.crt`, '-keyfile', `../${o.ca}.key`, '-in', `../${o.name}.csr`,
      '-out', `../${o.name}.crt`, '-extensions', o.profile, '-notext', ...validity],
    { cwd: caDir, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, CLIENT_NAME: o.cn } },
  );
}

/** Builds the whole PKI (about 1-2 s on 2 cores). */
export function makeTestPki(): TestPki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bastion-tls-pki-'));
  makeCa(dir, 'ca', 'Bastion Test CA');
  makeCa(dir, 'otherca', 'Unknown Test CA');
  issue(dir, { name: 'server', ca: 'ca', key: 'rsa2048', profile: 'server', cn: 'example.test' });
  issue(dir, { name: 'server-ec', ca: 'ca', key: 'p256', profile: 'server', cn: 'example.test' });
  issue(dir, {
    name: 'expired', ca: 'ca', key: 'rsa2048', profile: 'server', cn: 'example.test',
    dates: { start: '20200101000000Z', end: '20210101000000Z' },
  });
  issue(dir, { name: 'rogue', ca: 'otherca', key: 'rsa2048', profile: 'server', cn: 'example.test' });
  issue(dir, { name: 'weak', ca: 'ca', key: 'rsa1024', profile: 'server', cn: 'example.test' });
  issue(dir, { name: 'alice', ca: 'ca', key: 'rsa2048', profile: 'client', cn: 'alice' });
  issue(dir, { name: 'bob', ca: 'ca', key: 'p256', profile: 'client', cn: 'bob' });
  // Stapled OCSP response ("good") for server.crt, signed by the CA itself.
  execFileSync(
    'openssl',
    ['ocsp', '-index', 'index.txt', '-rsigner', '../ca.crt', '-rkey', '../ca.key', '-CA', '../ca.crt', '-issuer', '../ca.crt',
      '-cert', '../server.crt', '-respout', '../server.ocsp.der', '-ndays', '1'],
    { cwd: path.join(dir, 'ca'), stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
  const p12 = (name: string, variant: P12Variant = 'aes'): Buffer => {
    const out = path.join(dir, `${name}-${variant}.p12`);
    if (!fs.existsSync(out)) {
      const legacy = variant === '3des' ? ['-keypbe', 'PBE-SHA1-3DES', '-certpbe', 'PBE-SHA1-3DES', '-macalg', 'sha1'] : [];
      openssl(dir, [
        'pkcs12', '-export', '-in', `${name}.crt`, '-inkey', `${name}.key`, '-certfile', 'ca.crt', '-name', name,
        '-passout', `pass:${P12_PASSWORD}`, ...legacy, '-out', out,
      ]);
    }
    return fs.readFileSync(out);
  };
  return {
    p12,
    dir,
    caPem: read('ca.crt'),
    otherCaPem: read('otherca.crt'),
    file: (name) => path.join(dir, name),
    der: (name) => execFileSync('openssl', ['x509', '-in', path.join(dir, `${name}.crt`), '-outform', 'DER']),
    keyPem: (name) => read(`${name}.key`),
    certPem: (name) => read(`${name}.crt`),
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
