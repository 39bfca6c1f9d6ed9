/**
 * The app's view of smart cards: which PKCS#11 module, which tokens and certificates, and
 * insert/removal as events. The card service (one worker, the only PKCS#11 owner) starts on
 * first use, so a seat without a reader pays nothing.
 */
import { existsSync } from 'node:fs';
import type { CardToken, Cards } from '../../../shared/ipc';
import type { EventHub } from '../ipc/events';
import { NO_AUDIT, type AuditSink } from '../audit/sink';
import { createCardService, resolveModulePath, type CardService, type CardServiceOptions, type ResolvedModule, type TokenRemovedEvent } from '../pkcs11';

export interface CardEnvironment {
  /** Admin policy's module paths (absolute), tried before the per-OS defaults. */
  readonly modulePaths: readonly string[];
  /** The admin policy names the modules: use only those, never the per-OS defaults. */
  readonly modulesOnly?: boolean;
  /** How to start the worker (bundles pass the file; tests pass a source factory). */
  readonly worker: Pick<CardServiceOptions, 'workerFile' | 'workerFactory'>;
}

export interface CardManager {
  list(): Promise<Cards>;
  /** The running service (started if needed); throws with the reason when there is no module. */
  service(): Promise<CardService>;
  onDidRemoveToken(cb: (e: TokenRemovedEvent) => void): () => void;
  dispose(): Promise<void>;
}

function pinState(t: { flags: { pinLocked: boolean; pinFinalTry: boolean; pinCountLow: boolean } }): CardToken['pin'] {
  if (t.flags.pinLocked) return 'locked';
  if (t.flags.pinFinalTry) return 'final-try';
  if (t.flags.pinCountLow) return 'low';
  return 'ok';
}

export function createCardManager(env: CardEnvironment, events: EventHub, audit: AuditSink = NO_AUDIT): CardManager {
  let resolved: ResolvedModule | undefined;
  let started: Promise<CardService> | undefined;
  const removalListeners = new Set<(e: TokenRemovedEvent) => void>();

  async function list(): Promise<Cards> {
    let service: CardService;
    try {
      service = await start();
    } catch (e: unknown) {
      return { module: null, problem: e instanceof Error ? e.message : String(e), tokens: [] };
    }
    const tokens: CardToken[] = [];
    for (const t of await service.listTokens()) {
      const certs = await service.listCertificates(t.slot).catch(() => []);
      tokens.push({
        slot: t.slot,
        label: t.label,
        manufacturer: t.manufacturer,
        model: t.model,
        serial: t.serial,
        pin: pinState(t),
        minPinLength: t.minPinLength,
        maxPinLength: t.maxPinLength,
        certificates: certs
          .filter((c) => !c.isCa)
          .map((c) => ({
            id: c.id,
            label: c.label,
            subject: c.subject,
            issuer: c.issuer,
            notBefore: c.notBefore,
            notAfter: c.notAfter,
            fingerprint256: c.fingerprint256,
            keyType: c.keyType,
            bits: c.bits,
            usableForTls: c.usableForTls,
            ...(c.reason ? { reason: c.reason } : {}),
            warnings: c.warnings,
            xmppIdentity: c.xmppIdentity ? { jid: c.xmppIdentity.jid, source: c.xmppIdentity.source } : null,
          })),
      });
    }
    return { module: resolved ? { path: resolved.path, source: resolved.source } : null, tokens };
  }

  function start(): Promise<CardService> {
    started ??= (async () => {
      resolved = resolveModulePath({ policyPaths: [...env.modulePaths], ...(env.modulesOnly ? { exists: (p: string) => env.modulePaths.includes(p) && existsSync(p) } : {}) });
      const service = createCardService({ modulePath: resolved.path, ...env.worker });
      const announce = (): void => {
        void list().then((cards) => events.emit('didChangeCards', cards));
      };
      service.onDidInsertToken((e) => {
        audit.record({ type: 'card-inserted', outcome: 'info', detail: { slot: e.slot, label: e.label, serial: e.serial } });
        announce();
      });
      service.onDidRemoveToken((e) => {
        audit.record({ type: 'card-removed', outcome: 'info', detail: { slot: e.slot, label: e.label, serial: e.serial, wasLoggedIn: e.wasLoggedIn } });
        for (const cb of [...removalListeners]) cb(e);
        announce();
      });
      return service;
    })().catch((e: unknown) => {
      started = undefined; // a module installed later is picked up on the next try
      throw e;
    });
    return started;
  }

  return {
    list,
    service: start,
    onDidRemoveToken(cb) {
      removalListeners.add(cb);
      return () => {
        removalListeners.delete(cb);
      };
    },
    dispose: async () => {
      const s = await started?.catch(() => undefined);
      await s?.close();
    },
  };
}
