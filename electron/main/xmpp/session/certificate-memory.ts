/**
 * Certificate-change warning [R7590-HF4]: per account, remember the server's public key (SPKI)
 * and issuing CA. A later session that presents the same key, or a new key from the same CA
 * (routine renewal), gets a quiet note. Anything else waits for an explicit decision from the
 * user — accept once, accept always, reject — before a single credential is sent.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface KnownCertificate {
  readonly spkiSha256: string;
  readonly issuer: string;
  /** SPKI of the issuing CA; a CA re-keyed under the same name is a change too. */
  readonly issuerSpkiSha256: string;
  readonly leafSha256: string;
  readonly firstSeen: string;
  readonly lastSeen: string;
}

export type CertificateChangeKind = 'first-use' | 'same-key' | 'renewed-same-ca' | 'changed';
export type CertificateDecision = 'accept-once' | 'accept-always' | 'reject';

export interface CertificateChange {
  readonly account: string;
  readonly previous: KnownCertificate;
  readonly presented: KnownCertificate;
}

export interface CertificateMemory {
  get(account: string): Promise<KnownCertificate | undefined>;
  remember(account: string, cert: KnownCertificate): Promise<void>;
}

const spkiHash = (c: X509Certificate): string =>
  createHash('sha256').update(c.publicKey.export({ type: 'spki', format: 'der' })).digest('base64');

/** What we remember of a chain: the leaf (chain[0]) and its issuer (chain[1], or the anchor). */
export function describeChain(chainDer: readonly Buffer[], anchorDer: Buffer | undefined, now: Date): KnownCertificate {
  const leafDer = chainDer[0];
  if (!leafDer) throw new Error('empty certificate chain');
  const leaf = new X509Certificate(leafDer);
  const issuerDer = chainDer[1] ?? anchorDer;
  const issuer = issuerDer ? new X509Certificate(issuerDer) : undefined;
  return {
    spkiSha256: spkiHash(leaf),
    issuer: leaf.issuer.replace(/\n/g, ', '),
    issuerSpkiSha256: issuer ? spkiHash(issuer) : '',
    leafSha256: leaf.fingerprint256,
    firstSeen: now.toISOString(),
    lastSeen: now.toISOString(),
  };
}

export function classifyChange(previous: KnownCertificate | undefined, presented: KnownCertificate): CertificateChangeKind {
  if (!previous) return 'first-use';
  if (previous.spkiSha256 === presented.spkiSha256) return 'same-key';
  if (previous.issuer === presented.issuer && previous.issuerSpkiSha256 !== '' && previous.issuerSpkiSha256 === presented.issuerSpkiSha256) {
    return 'renewed-same-ca';
  }
  return 'changed';
}

/**
 * A JSON file, written atomically (temp file + rename) so a crash never leaves half a file.
 * An unreadable file is moved aside (kept for the admin), not silently overwritten, and the
 * caller is told so it can say it in the report.
 */
export function createFileCertificateMemory(file: string, onReset?: (movedTo: string, reason: string) => void): CertificateMemory {
  let cache: Record<string, KnownCertificate> | undefined;

  async function load(): Promise<Record<string, KnownCertificate>> {
    if (cache) return cache;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e: unknown) {
      if ((e as { code?: string }).code === 'ENOENT') return (cache = {});
      throw e;
    }
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
      cache = parsed as Record<string, KnownCertificate>;
    } catch (e: unknown) {
      const aside = `${file}.unreadable-${Date.now()}`;
      await rename(file, aside);
      onReset?.(aside, e instanceof Error ? e.message : String(e));
      cache = {};
    }
    return cache;
  }

  return {
    get: async (account) => (await load())[account],
    remember: async (account, cert) => {
      const all = { ...(await load()), [account]: cert };
      await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
      await rename(tmp, file);
      cache = all;
    },
  };
}

export function createMemoryCertificateMemory(): CertificateMemory {
  const map = new Map<string, KnownCertificate>();
  return {
    get: (account) => Promise.resolve(map.get(account)),
    remember: (account, cert) => {
      map.set(account, cert);
      return Promise.resolve();
    },
  };
}
