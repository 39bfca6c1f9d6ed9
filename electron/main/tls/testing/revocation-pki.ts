// Test-only: a throwaway PKI for revocation checking [UCR-A5], made with `openssl ca` in a temp
// directory. Certificates carry AIA (OCSP) and CRL Distribution Points that point at
// http://127.0.0.1:<port>/..., so the ports are chosen before anything is issued.
//
//   root (trust anchor) ── root-ocsp        delegated OCSP responder (id-kp-OCSPSigning)
//        ├─ good, revoked                    AIA → root responder, CDP → /root.crl
//        ├─ ocspdown-good, ocspdown-revoked  AIA → a closed port, CDP → /root.crl
//        ├─ alldown                          AIA and CDP → a closed port
//        ├─ ocsphang                         AIA → a port that accepts and never answers
//        ├─ nourls                           neither AIA nor CDP
//        ├─ unindexed                        like good, but not in root's index (OCSP: "unknown")
//        ├─ int  (intermediate) ── leaf-int  AIA → int responder (int signs itself), CDP → /int.crl
//        └─ int2 (intermediate, REVOKED by root) ── leaf-int2   CDP → /int2.crl (PEM), no AIA
//   otherca (not trusted) ── otherca-ocsp    an OCSP signer of another CA (for forged responses)
//
// Revoked in root's index: revoked, ocspdown-revoked (keyCompromise), int2 (cACompromise).
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface RevocationPorts {
  /** OCSP responder for certificates issued by root (signed by root-ocsp). */
  ocspRoot: number;
  /** OCSP responder for certificates issued by int (signed by int itself). */
  ocspInt: number;
  /** HTTP server for /root.crl, /int.crl, /int2.crl. */
  crl: number;
  /** Nothing listens here: connection refused. */
  dead: number;
  /** Accepts connections and never answers. */
  hang: number;
}

export interface RevocationPki {
  dir: string;
  ports: RevocationPorts;
  /** PEM of root: the only trust anchor. */
  rootPem: string;
  file(name: string): string;
  /** DER of <name>.crt. */
  der(name: string): Buffer;
  /** DER of <ca>.crl (root, int, int2). */
  crl(ca: 'root' | 'int' | 'int2'): Buffer;
  /** The CRL as PEM text. */
  crlPem(ca: 'root' | 'int' | 'int2'): string;
  /**
   * A real OCSP response from `openssl ocsp` (responder mode on one request, -reqin/-respout),
   * for `cert` issued by `ca`, looked up in `index` (default: the CA's own), signed by `signer`.
   */
  ocspResponse(o: { ca: 'root' | 'int' | 'int2'; cert: string; signer: string; index?: string; validity?: string[] }): Buffer;
  cleanup(): void;
}

const CA_CNF = `
[ ca ]
default_ca = testca
[ testca ]
dir = .
database = index.txt
new_certs_dir = newcerts
serial = serial
crlnumber = crlnumber
default_md = sha256
default_crl_days = 7
policy = anything
unique_subject = no
copy_extensions = none
[ anything ]
commonName = supplied
[ server_aia_cdp ]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:example.test,IP:127.0.0.1
authorityInfoAccess = caIssuers;URI:http://127.0.0.1:1/issuer.crt,OCSP;URI:$ENV::OCSP_URL
crlDistributionPoints = URI:$ENV::CRL_URL
[ server_cdp ]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:example.test,IP:127.0.0.1
crlDistributionPoints = URI:$ENV::CRL_URL
[ server_plain ]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:example.test,IP:127.0.0.1
[ subca ]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign,digitalSignature
authorityInfoAccess = OCSP;URI:$ENV::OCSP_URL
crlDistributionPoints = URI:$ENV::CRL_URL
[ ocsp_signer ]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = OCSPSigning
noCheck = ignored
`;

// ca.cnf names $ENV::OCSP_URL and $ENV::CRL_URL, so every `openssl ca` run needs them set.
const URL_DEFAULTS = { OCSP_URL: 'http://127.0.0.1:1/', CRL_URL: 'http://127.0.0.1:1/none.crl' };

function run(cwd: string, args: string[], env: Record<string, string> = {}): Buffer {
  try {
    return execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...URL_DEFAULTS, ...env } });
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`openssl ${args.join(' ')} failed: ${stderr}`);
  }
}

// root and root-ocsp are RSA-2048 (der-forge.ts re-signs with them: fixed signature length);
// everything else is P-256, which is much quicker to generate.
function genKey(dir: string, name: string): void {
  const rsa = name === 'root' || name === 'root-ocsp';
  const opts = rsa ? ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'] : ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'];
  run(dir, ['genpkey', ...opts, '-out', `${name}.key`]);
}

function caDir(dir: string, name: string): void {
  const d = path.join(dir, name);
  fs.mkdirSync(path.join(d, 'newcerts'), { recursive: true });
  fs.writeFileSync(path.join(d, 'index.txt'), '');
  fs.writeFileSync(path.join(d, 'serial'), `${name === 'root' ? '10' : name === 'otherca' ? '20' : name === 'int' ? '30' : '40'}00\n`);
  fs.writeFileSync(path.join(d, 'crlnumber'), '01\n');
  fs.writeFileSync(path.join(d, 'ca.cnf'), CA_CNF);
}

function selfSigned(dir: string, name: string, cn: string): void {
  caDir(dir, name);
  genKey(dir, name);
  run(dir, [
    'req', '-x509', '-new', '-key', `${name}.key`, '-out', `${name}.crt`, '-days', '30', '-sha256', '-subj', `/CN=${cn}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
  ]);
}

interface Issue {
  name: string;
  ca: string;
  cn: string;
  ext: 'server_aia_cdp' | 'server_cdp' | 'server_plain' | 'subca' | 'ocsp_signer';
  ocspUrl?: string;
  crlUrl?: string;
}

function issue(dir: string, o: Issue): void {
  genKey(dir, o.name);
  run(dir, ['req', '-new', '-key', `${o.name}.key`, '-out', `${o.name}.csr`, '-subj', `/CN=${o.cn}`]);
  run(
    path.join(dir, o.ca),
    ['ca', '-batch', '-config', 'ca.cnf', '-cert', `../${o.ca}.crt`, '-keyfile', `../${o.ca}.key`, '-in', `../${o.name}.csr`,
      '-out', `../${o.name}.crt`, '-extensions', o.ext, '-notext', '-days', '30'],
    { ...(o.ocspUrl ? { OCSP_URL: o.ocspUrl } : {}), ...(o.crlUrl ? { CRL_URL: o.crlUrl } : {}) },
  );
  if (o.ext === 'subca') caDir(dir, o.name);
}

function revoke(dir: string, ca: string, name: string, reason: string): void {
  run(path.join(dir, ca), ['ca', '-batch', '-config', 'ca.cnf', '-cert', `../${ca}.crt`, '-keyfile', `../${ca}.key`,
    '-revoke', `../${name}.crt`, '-crl_reason', reason]);
}

function genCrl(dir: string, ca: string): void {
  run(path.join(dir, ca), ['ca', '-batch', '-config', 'ca.cnf', '-cert', `../${ca}.crt`, '-keyfile', `../${ca}.key`,
    '-gencrl', '-out', `../${ca}.crl.pem`]);
  run(dir, ['crl', '-in', `${ca}.crl.pem`, '-outform', 'DER', '-out', `${ca}.crl`]);
}

/** One `openssl ocsp` responder run over a request file; returns the DER response. */
export function opensslOcspRespond(o: {
  cwd: string;
  index: string;
  caCert: string;
  signerCert: string;
  signerKey: string;
  requestDer: Buffer;
  validity?: string[];
}): Buffer {
  const id = crypto.randomBytes(6).toString('hex');
  const reqFile = path.join(o.cwd, `req-${id}.der`);
  const respFile = path.join(o.cwd, `resp-${id}.der`);
  fs.writeFileSync(reqFile, o.requestDer);
  try {
    run(o.cwd, ['ocsp', '-index', o.index, '-CA', o.caCert, '-rsigner', o.signerCert, '-rkey', o.signerKey,
      '-reqin', reqFile, '-respout', respFile, ...(o.validity ?? [])]);
    return fs.readFileSync(respFile);
  } finally {
    fs.rmSync(reqFile, { force: true });
    fs.rmSync(respFile, { force: true });
  }
}

/** Builds the whole PKI (about 1-2 s: 2 RSA and 12 P-256 keys, ~40 openssl runs). */
export function makeRevocationPki(ports: RevocationPorts): RevocationPki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bastion-revocation-pki-'));
  const url = (port: number, p = '/') => `http://127.0.0.1:${port}${p}`;
  selfSigned(dir, 'root', 'Bastion Revocation Test Root');
  selfSigned(dir, 'otherca', 'Unrelated Test CA');
  const rootUrls = { ocspUrl: url(ports.ocspRoot), crlUrl: url(ports.crl, '/root.crl') };
  issue(dir, { name: 'root-ocsp', ca: 'root', cn: 'Bastion Revocation Test Root OCSP', ext: 'ocsp_signer' });
  issue(dir, { name: 'otherca-ocsp', ca: 'otherca', cn: 'Unrelated OCSP', ext: 'ocsp_signer' });
  issue(dir, { name: 'good', ca: 'root', cn: 'example.test', ext: 'server_aia_cdp', ...rootUrls });
  issue(dir, { name: 'revoked', ca: 'root', cn: 'example.test', ext: 'server_aia_cdp', ...rootUrls });
  const downUrls = { ocspUrl: url(ports.dead), crlUrl: url(ports.crl, '/root.crl') };
  issue(dir, { name: 'ocspdown-good', ca: 'root', cn: 'example.test', ext: 'server_aia_cdp', ...downUrls });
  issue(dir, { name: 'ocspdown-revoked', ca: 'root', cn: 'example.test', ext: 'server_aia_cdp', ...downUrls });
  issue(dir, { name: 'alldown', ca: 'root', cn: 'example.test', ext: 'server_aia_cdp', ocspUrl: url(ports.dead), crlUrl: url(ports.dead, '/root.crl') });
  issue(dir, { name: 'ocsphang', ca: 'root', cn: 'example.test', ext: 'server_aia_cdp', ocspUrl: url(ports.hang), crlUrl: url(ports.dead, '/root.crl') });
  issue(dir, { name: 'nourls', ca: 'root', cn: 'example.test', ext: 'server_plain' });
  issue(dir, { name: 'int', ca: 'root', cn: 'Bastion Revocation Test Intermediate', ext: 'subca', ...rootUrls });
  issue(dir, { name: 'int2', ca: 'root', cn: 'Bastion Revocation Test Intermediate 2', ext: 'subca', ...rootUrls });
  issue(dir, { name: 'leaf-int', ca: 'int', cn: 'example.test', ext: 'server_aia_cdp', ocspUrl: url(ports.ocspInt), crlUrl: url(ports.crl, '/int.crl') });
  issue(dir, { name: 'leaf-int2', ca: 'int2', cn: 'example.test', ext: 'server_cdp', crlUrl: url(ports.crl, '/int2.crl') });
  // Signed by root outside `openssl ca`: not in the index, so the responder answers "unknown".
  genKey(dir, 'unindexed');
  run(dir, ['req', '-new', '-key', 'unindexed.key', '-out', 'unindexed.csr', '-subj', '/CN=example.test']);
  run(dir, ['x509', '-req', '-in', 'unindexed.csr', '-CA', 'root.crt', '-CAkey', 'root.key', '-set_serial', '0x7777', '-days', '30',
    '-sha256', '-extfile', path.join('root', 'ca.cnf'), '-extensions', 'server_aia_cdp', '-out', 'unindexed.crt'],
    { OCSP_URL: rootUrls.ocspUrl, CRL_URL: rootUrls.crlUrl });
  // Before `revoked` is revoked: a "good" response for it from root's index, signed by another
  // CA's OCSP signer (a forgery a man in the middle could staple).
  fs.copyFileSync(path.join(dir, 'root', 'index.txt'), path.join(dir, 'root', 'index-before-revocation.txt'));
  fs.copyFileSync(path.join(dir, 'root', 'index.txt.attr'), path.join(dir, 'root', 'index-before-revocation.txt.attr'));
  revoke(dir, 'root', 'revoked', 'keyCompromise');
  revoke(dir, 'root', 'ocspdown-revoked', 'keyCompromise');
  revoke(dir, 'root', 'int2', 'CACompromise');
  genCrl(dir, 'root');
  genCrl(dir, 'int');
  genCrl(dir, 'int2');

  const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
  const ders = new Map<string, Buffer>();
  const der = (name: string) => {
    let d = ders.get(name);
    if (!d) ders.set(name, (d = run(dir, ['x509', '-in', `${name}.crt`, '-outform', 'DER'])));
    return Buffer.from(d);
  };
  return {
    dir,
    ports,
    rootPem: read('root.crt'),
    file: (name) => path.join(dir, name),
    der,
    crl: (ca) => fs.readFileSync(path.join(dir, `${ca}.crl`)),
    crlPem: (ca) => read(`${ca}.crl.pem`),
    ocspResponse: (o) => {
      const reqFile = path.join(dir, `req-${crypto.randomBytes(6).toString('hex')}.der`);
      run(dir, ['ocsp', '-issuer', `${o.ca}.crt`, '-cert', `${o.cert}.crt`, '-no_nonce', '-reqout', reqFile]);
      const requestDer = fs.readFileSync(reqFile);
      fs.rmSync(reqFile, { force: true });
      return opensslOcspRespond({
        cwd: path.join(dir, o.ca),
        index: o.index ?? 'index.txt',
        caCert: `../${o.ca}.crt`,
        signerCert: `../${o.signer}.crt`,
        signerKey: `../${o.signer}.key`,
        requestDer,
        validity: o.validity ?? ['-ndays', '1'],
      });
    },
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
