/**
 * Where a Node-hosted core (Electron main, browser host, CLI) gets its session settings until
 * the admin policy file arrives (issue 8): trust anchors from BASTION_TRUST_ANCHORS (a PEM file)
 * or /etc/bastion/trust-anchors.pem, DNS servers from BASTION_DNS_SERVERS, PKCS#11 modules from
 * BASTION_PKCS11_MODULE, card-removal behaviour from BASTION_CARD_REMOVAL, and the remembered
 * server certificates under the state directory.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createFileCertificateMemory } from '../xmpp/session/certificate-memory';
import { DEFAULT_SESSION_POLICY } from '../xmpp/session/policy';
import type { CardEnvironment } from './card-manager';
import type { SessionEnvironment } from './session-manager';
import { createStorage, lazyStorage } from '../store/storage';
import { environmentKeyProtector, type KeyProtector } from '../store/key-protector';
import { BASTION_VERSION } from './version';

export const DEFAULT_TRUST_ANCHORS = '/etc/bastion/trust-anchors.pem';

export function nodeSessionEnvironment(opts: {
  readonly stateDir: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Where the PKCS#11 worker bundle is, for hosts whose bundle is not next to it. */
  readonly cardWorker?: CardEnvironment['worker'];
  /** The OS keystore wrapping the history key (Electron safeStorage); else BASTION_STORE_KEY; else memory only. */
  readonly keys?: KeyProtector;
}): SessionEnvironment {
  const env = opts.env ?? process.env;
  const anchorsFile = env.BASTION_TRUST_ANCHORS ?? DEFAULT_TRUST_ANCHORS;
  const dnsServers = (env.BASTION_DNS_SERVERS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return {
    loadTrustAnchors: async () => {
      const pem = await readFile(anchorsFile, 'utf8').catch((e: unknown) => {
        throw new Error(`cannot read ${anchorsFile} (${(e as { code?: string }).code ?? String(e)}); install the DoD PKI roots there or set BASTION_TRUST_ANCHORS`);
      });
      if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`${anchorsFile} holds no PEM certificate`);
      return pem;
    },
    policy: { ...DEFAULT_SESSION_POLICY, dnsServers },
    certificateMemory: createFileCertificateMemory(path.join(opts.stateDir, 'server-certificates.json')),
    cards: {
      // BASTION_PKCS11_MODULE: absolute module paths, comma-separated, tried before the defaults.
      modulePaths: (env.BASTION_PKCS11_MODULE ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0),
      worker: opts.cardWorker ?? {},
    },
    onCardRemoval: env.BASTION_CARD_REMOVAL === 'keep' ? 'keep' : 'terminate',
    storage: lazyStorage(() => {
      const keys = opts.keys ?? (env.BASTION_STORE_KEY ? environmentKeyProtector(env.BASTION_STORE_KEY) : undefined);
      return createStorage({ dir: path.join(opts.stateDir, 'store'), keys });
    }),
    history: {
      enabled: env.BASTION_HISTORY !== 'off',
      ...(env.BASTION_HISTORY_DAYS && /^\d{1,5}$/.test(env.BASTION_HISTORY_DAYS) ? { retentionDays: Number(env.BASTION_HISTORY_DAYS) } : {}),
    },
    appVersion: BASTION_VERSION,
  };
}
