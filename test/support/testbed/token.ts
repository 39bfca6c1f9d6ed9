// SoftHSM2 token standing in for a CAC/PIV card: the client keys live on it non-extractable,
// next to their certificates (same CKA_ID), so the client under test must sign through PKCS#11.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { run } from './exec.js';
import type { KeyType, PkiPaths } from './pki.js';

export const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so';

export interface TokenKey {
  label: string;
  /** CKA_ID as hex, e.g. "01" (key and certificate share it) */
  id: string;
  type: KeyType;
}

export interface TokenInfo {
  module: string;
  /** SOFTHSM2_CONF value: every process that loads the module needs it in its environment. */
  conf: string;
  label: string;
  pin: string;
  soPin: string;
  keys: TokenKey[];
}

export interface CreateTokenOptions {
  label?: string;
  pin?: string;
  soPin?: string;
  /** Which PKI clients go on the token, in id order (default: every client, alice = 01, bob = 02). */
  clients?: readonly string[];
}

/** Environment for any child process that touches the token. */
export function tokenEnv(token: Pick<TokenInfo, 'conf'>, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...base, SOFTHSM2_CONF: token.conf };
}

export async function createToken(dir: string, pki: PkiPaths, opts: CreateTokenOptions = {}): Promise<TokenInfo> {
  const label = opts.label ?? 'bastion-test';
  const pin = opts.pin ?? '1234';
  const soPin = opts.soPin ?? '87654321';
  const tokens = path.join(dir, 'tokens');
  await mkdir(tokens, { recursive: true });
  const conf = path.join(dir, 'softhsm2.conf');
  // A private token directory per run: without SOFTHSM2_CONF the module would use the
  // system-wide /var/lib/softhsm and tests would share (and pollute) one token.
  await writeFile(
    conf,
    [`directories.tokendir = ${tokens}`, 'objectstore.backend = file', 'log.level = ERROR', 'slots.removable = false', ''].join('\n'),
  );
  const env = tokenEnv({ conf });
  await run('softhsm2-util', ['--init-token', '--free', '--label', label, '--pin', pin, '--so-pin', soPin], { env });

  const names = opts.clients ?? Object.keys(pki.clients);
  const keys: TokenKey[] = [];
  // One after the other: several processes writing the same token's object files at once is
  // not something SoftHSM's file store promises to handle.
  for (const [i, name] of names.entries()) {
    const client = pki.clients[name];
    if (!client) throw new Error(`token: no client certificate named ${name}`);
    const id = (i + 1).toString(16).padStart(2, '0');
    const pk8 = path.join(dir, `${name}.pk8`);
    const der = path.join(dir, `${name}.crt.der`);
    // softhsm2-util --import wants unencrypted PKCS#8 PEM. It stores the private key with
    // CKA_SENSITIVE=true and CKA_EXTRACTABLE=false (checked by testbed.test.ts through pkcs11js),
    // which is what a smart card gives us.
    await run('openssl', ['pkcs8', '-topk8', '-nocrypt', '-in', client.key, '-out', pk8]);
    await run('softhsm2-util', ['--import', pk8, '--token', label, '--label', name, '--id', id, '--pin', pin], { env });
    await rm(pk8);
    await run('openssl', ['x509', '-in', client.cert, '-outform', 'DER', '-out', der]);
    await run(
      'pkcs11-tool',
      ['--module', SOFTHSM_MODULE, '--token-label', label, '--login', '--pin', pin,
        '--write-object', der, '--type', 'cert', '--id', id, '--label', name],
      { env },
    );
    keys.push({ label: name, id, type: client.keyType });
  }
  // Sanity check that the token is where we think it is (catches a lost SOFTHSM2_CONF early).
  const listing = await run('pkcs11-tool', ['--module', SOFTHSM_MODULE, '--token-label', label, '--login', '--pin', pin, '--list-objects'], { env });
  for (const k of keys) {
    if (!listing.stdout.includes(`label:      ${k.label}`)) {
      throw new Error(`token: ${k.label} missing after import:\n${listing.stdout}`);
    }
  }
  return { module: SOFTHSM_MODULE, conf, label, pin, soPin, keys };
}
