/**
 * Where a Node-hosted core (Electron main, browser host, CLI) gets its session settings: the
 * machine-wide admin policy (electron/main/policy: /etc/bastion/policy.json, %ProgramData% and
 * GPO, /Library/Application Support) and, for keys the policy does not set, the development
 * variables BASTION_TRUST_ANCHORS, BASTION_DNS_SERVERS, BASTION_PKCS11_MODULE,
 * BASTION_CARD_REMOVAL, BASTION_HISTORY(_DAYS); the remembered server certificates live under
 * the state directory. A policy key always wins over a variable.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createFileCertificateMemory } from '../xmpp/session/certificate-memory';
import { effectivePolicy, sessionPolicyFrom } from '../policy/effective';
import { loadPolicy, type LoadedPolicy } from '../policy/load';
import type { CardEnvironment } from './card-manager';
import type { SessionEnvironment } from './session-manager';
import { createStorage, lazyStorage } from '../store/storage';
import { environmentKeyProtector, type KeyProtector } from '../store/key-protector';
import { BASTION_VERSION } from './version';

export function nodeSessionEnvironment(opts: {
  readonly stateDir: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Where the PKCS#11 worker bundle is, for hosts whose bundle is not next to it. */
  readonly cardWorker?: CardEnvironment['worker'];
  /** The OS keystore wrapping the history key (Electron safeStorage); else BASTION_STORE_KEY; else memory only. */
  readonly keys?: KeyProtector;
  /** The admin policy, when the host loaded it already; else read now (loadPolicy with `env`). */
  readonly policy?: LoadedPolicy;
}): SessionEnvironment {
  const env = opts.env ?? process.env;
  const admin = effectivePolicy(opts.policy ?? loadPolicy({ env }), env);
  const settings = admin.effective;
  const anchorsFile = settings.trustAnchors;
  return {
    loadTrustAnchors: async () => {
      const pem = await readFile(anchorsFile, 'utf8').catch((e: unknown) => {
        throw new Error(`cannot read ${anchorsFile} (${(e as { code?: string }).code ?? String(e)}); install the DoD PKI roots there${admin.managed.includes('trustAnchors') ? ' (the path is set by the admin policy)' : ' or set BASTION_TRUST_ANCHORS'}`);
      });
      if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`${anchorsFile} holds no PEM certificate`);
      return pem;
    },
    policy: sessionPolicyFrom(settings),
    admin,
    certificateMemory: createFileCertificateMemory(path.join(opts.stateDir, 'server-certificates.json')),
    cards: {
      // Absolute module paths: from policy only these; from BASTION_PKCS11_MODULE tried before the defaults.
      modulePaths: settings.pkcs11Modules,
      ...(admin.managed.includes('pkcs11Modules') ? { modulesOnly: true } : {}),
      worker: opts.cardWorker ?? {},
    },
    onCardRemoval: settings.cardRemoval,
    storage: lazyStorage(() => {
      const keys = opts.keys ?? (env.BASTION_STORE_KEY ? environmentKeyProtector(env.BASTION_STORE_KEY) : undefined);
      return createStorage({ dir: path.join(opts.stateDir, 'store'), keys });
    }),
    history: { enabled: settings.history.enabled, ...(settings.history.retentionDays !== null ? { retentionDays: settings.history.retentionDays } : {}) },
    appVersion: BASTION_VERSION,
    xeps: settings.xeps,
  };
}
