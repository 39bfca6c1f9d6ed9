// Test PKI: a throw-away CA, one server certificate per XMPP domain and client certificates
// for certificate (SASL EXTERNAL / CAC-style) login. Made with the openssl CLI so that what the
// servers and peers load is ordinary PEM/PKCS#12, exactly like a real deployment's files.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { run } from './exec.js';

export type KeyType = 'rsa' | 'ec';

export interface ServerCertPaths {
  domain: string;
  cert: string;
  key: string;
  /** leaf + CA, what the servers present */
  chain: string;
}

export interface ClientCertPaths {
  name: string;
  keyType: KeyType;
  key: string;
  cert: string;
  p12: string;
  p12Password: string;
  /** xmppAddr SAN values, one per domain */
  jids: string[];
}

export interface PkiPaths {
  dir: string;
  caCert: string;
  caKey: string;
  servers: Record<string, ServerCertPaths>;
  clients: Record<string, ClientCertPaths>;
}

export interface CreatePkiOptions {
  serverDomains?: readonly string[];
  /** Domains every client certificate carries an xmppAddr for. */
  clientDomains?: readonly string[];
  clients?: ReadonlyArray<{ name: string; keyType: KeyType }>;
}

/** The issuing CA's files (a promise while the CA is still being made). */
export interface Ca {
  caCert: string;
  caKey: string;
}

export const DEFAULT_DOMAINS = ['prosody.test', 'ejabberd.test'] as const;
export const P12_PASSWORD = 'test';
const DAYS = '825';

// Names end up in openssl config files; refuse anything that could break out of a value.
const SAFE_NAME = /^[a-z0-9][a-z0-9.-]*$/;
function checkName(kind: string, value: string): void {
  if (!SAFE_NAME.test(value)) throw new Error(`pki: unsafe ${kind} ${JSON.stringify(value)}`);
}

// Random serials instead of -CAcreateserial: certificates are issued in parallel and a shared
// serial file would race.
function serial(): string {
  const b = randomBytes(8);
  b[0] = (b[0] ?? 0) & 0x7f;
  return `0x${b.toString('hex')}`;
}

function newKeyArgs(keyType: KeyType): string[] {
  return keyType === 'ec'
    ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']
    : ['-newkey', 'rsa:2048'];
}

async function createCa(dir: string): Promise<Ca> {
  const cnf = path.join(dir, 'ca.cnf');
  const cert = path.join(dir, 'ca.pem');
  const key = path.join(dir, 'ca.key');
  // Own config file: the system openssl.cnf varies between machines and must not leak in.
  await writeFile(
    cnf,
    [
      '[req]',
      'distinguished_name = dn',
      'prompt = no',
      'x509_extensions = v3_ca',
      '[dn]',
      `CN = Bastion Test CA ${randomBytes(4).toString('hex')}`,
      '[v3_ca]',
      'basicConstraints = critical,CA:TRUE',
      'keyUsage = critical,keyCertSign,cRLSign',
      'subjectKeyIdentifier = hash',
      '',
    ].join('\n'),
  );
  await run('openssl', [
    'req', '-x509', '-config', cnf, '-newkey', 'rsa:2048', '-nodes',
    '-keyout', key, '-out', cert, '-days', '3650', '-sha256', '-set_serial', serial(),
  ]);
  return { caCert: cert, caKey: key };
}

interface LeafSpec {
  dir: string;
  base: string;
  keyType: KeyType;
  subject: Record<string, string>;
  extensions: string[];
}

// `ca` may still be in the making: the leaf key and CSR do not need it, so key generation for
// every certificate overlaps with the CA's.
async function issueLeaf(spec: LeafSpec, ca: Ca | Promise<Ca>): Promise<{ cert: string; key: string }> {
  const p = (ext: string): string => path.join(spec.dir, `${spec.base}.${ext}`);
  await writeFile(
    p('req.cnf'),
    [
      '[req]',
      'distinguished_name = dn',
      'prompt = no',
      '[dn]',
      ...Object.entries(spec.subject).map(([k, v]) => `${k} = ${v}`),
      '',
    ].join('\n'),
  );
  await writeFile(p('ext.cnf'), ['[v3]', ...spec.extensions, ''].join('\n'));
  await run('openssl', [
    'req', '-new', '-config', p('req.cnf'), ...newKeyArgs(spec.keyType), '-nodes',
    '-keyout', p('key'), '-out', p('csr'),
  ]);
  const { caCert, caKey } = await ca;
  await run('openssl', [
    'x509', '-req', '-in', p('csr'), '-CA', caCert, '-CAkey', caKey,
    '-set_serial', serial(), '-days', DAYS, '-sha256',
    '-extfile', p('ext.cnf'), '-extensions', 'v3', '-out', p('crt'),
  ]);
  // Test-only keys: ejabberd runs as user 'ejabberd' and must read its key.
  await chmod(p('key'), 0o644);
  return { cert: p('crt'), key: p('key') };
}

/** Server certificate for one XMPP domain, valid for the c2s SRV name and the MUC subdomain. */
export async function issueServerCert(
  dir: string,
  ca: Ca | Promise<Ca>,
  domain: string,
): Promise<ServerCertPaths> {
  checkName('domain', domain);
  const leaf = await issueLeaf({
    dir,
    base: domain,
    keyType: 'rsa',
    subject: { CN: domain },
    extensions: [
      'basicConstraints = critical,CA:FALSE',
      'keyUsage = critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage = serverAuth',
      'subjectKeyIdentifier = hash',
      'authorityKeyIdentifier = keyid',
      `subjectAltName = DNS:${domain}, DNS:conference.${domain}, DNS:*.${domain}, ` +
        `otherName:1.3.6.1.5.5.7.8.7;IA5STRING:_xmpp-client.${domain}, ` +
        `otherName:1.3.6.1.5.5.7.8.5;UTF8:${domain}`,
    ],
  }, ca);
  const chain = path.join(dir, `${domain}-chain.pem`);
  const { caCert } = await ca;
  await writeFile(chain, (await readFile(leaf.cert, 'utf8')) + (await readFile(caCert, 'utf8')));
  return { domain, cert: leaf.cert, key: leaf.key, chain };
}

/** Client certificate with an xmppAddr per domain (EKU clientAuth), plus a PKCS#12 bundle. */
export async function issueClientCert(
  dir: string,
  ca: Ca | Promise<Ca>,
  name: string,
  keyType: KeyType,
  domains: readonly string[],
): Promise<ClientCertPaths> {
  checkName('client name', name);
  domains.forEach((d) => checkName('domain', d));
  const jids = domains.map((d) => `${name}@${d}`);
  const san = [
    ...jids.map((j) => `otherName:1.3.6.1.5.5.7.8.5;UTF8:${j}`),
    ...jids.map((j) => `email:${j}`),
  ].join(', ');
  const leaf = await issueLeaf({
    dir,
    base: name,
    keyType,
    subject: { CN: name, ...(jids[0] ? { emailAddress: jids[0] } : {}) },
    extensions: [
      'basicConstraints = critical,CA:FALSE',
      'keyUsage = critical,digitalSignature',
      'extendedKeyUsage = clientAuth',
      'subjectKeyIdentifier = hash',
      'authorityKeyIdentifier = keyid',
      `subjectAltName = ${san}`,
    ],
  }, ca);
  const p12 = path.join(dir, `${name}.p12`);
  const { caCert } = await ca;
  await run('openssl', [
    'pkcs12', '-export', '-in', leaf.cert, '-inkey', leaf.key, '-certfile', caCert,
    '-name', name, '-out', p12, '-passout', `pass:${P12_PASSWORD}`,
  ]);
  return { name, keyType, key: leaf.key, cert: leaf.cert, p12, p12Password: P12_PASSWORD, jids };
}

export async function createPki(dir: string, opts: CreatePkiOptions = {}): Promise<PkiPaths> {
  const serverDomains = opts.serverDomains ?? DEFAULT_DOMAINS;
  const clientDomains = opts.clientDomains ?? serverDomains;
  const clients = opts.clients ?? [
    { name: 'alice', keyType: 'rsa' },
    { name: 'bob', keyType: 'ec' },
  ];
  await mkdir(dir, { recursive: true, mode: 0o755 });
  // Key generation dominates: every key (CA and leaves) is made in parallel.
  const ca = createCa(dir);
  const [caPaths, servers, clientCerts] = await Promise.all([
    ca,
    Promise.all(serverDomains.map((d) => issueServerCert(dir, ca, d))),
    Promise.all(clients.map((c) => issueClientCert(dir, ca, c.name, c.keyType, clientDomains))),
  ]);
  return {
    dir,
    ...caPaths,
    servers: Object.fromEntries(servers.map((s) => [s.domain, s])),
    clients: Object.fromEntries(clientCerts.map((c) => [c.name, c])),
  };
}
