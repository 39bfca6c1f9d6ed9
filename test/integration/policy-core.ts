// The real main-process core as a Node host builds it (nodeCoreDeps: policy loaded by
// nodeSessionEnvironment, audit log file under the state directory), with an admin policy file
// of the test's making named by BASTION_POLICY_FILE (this machine has no /etc/bastion/policy.json,
// so the override applies), and the test bed's anchors, DNS and SoftHSM2 module as the
// development variables the policy may override. Driven through the dispatcher like the renderer.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EventName, EventPayload } from '../../shared/ipc';
import { AUDIT_FILE, type AuditLogOptions, createAuditLog } from '../../electron/main/audit/log';
import { createCore, type Core } from '../../electron/main/core/core';
import { nodeCoreDeps } from '../../electron/main/core/node-deps';
import { nodeSessionEnvironment } from '../../electron/main/core/session-env';
import type { SessionEnvironment } from '../../electron/main/core/session-manager';
import { createDispatcher } from '../../electron/main/ipc/dispatcher';
import { SOFTHSM_MODULE } from '../support/core-harness';
import { testbedEnv } from '../support/testbed/get-testbed.js';

const CARD_WORKER = path.resolve(import.meta.dirname, '../../dist/electron/pkcs11-worker.cjs');

export interface PolicyCore {
  readonly core: Core;
  readonly stateDir: string;
  readonly auditFile: string;
  readonly events: [EventName, unknown][];
  call(name: string, input?: unknown): Promise<{ ok: boolean; value?: unknown; error?: { code: string; message: string } }>;
  /** The audit log's events, parsed. */
  audit(): Record<string, unknown>[];
  close(): Promise<void>;
}

export interface PolicyCoreOptions {
  /** The policy file's content: an object (written as JSON) or raw text; undefined = no policy file. */
  readonly policy?: object | string;
  /** Development variables on top of the test bed's (BASTION_TRUST_ANCHORS, BASTION_DNS_SERVERS, BASTION_PKCS11_MODULE). */
  readonly env?: NodeJS.ProcessEnv;
  readonly session?: (env: SessionEnvironment) => SessionEnvironment;
  readonly audit?: Omit<AuditLogOptions, 'dir'>;
}

export function startPolicyCore(opts: PolicyCoreOptions = {}): PolicyCore {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'bastion-policy-core-'));
  const env: NodeJS.ProcessEnv = { ...testbedEnv(), BASTION_PKCS11_MODULE: SOFTHSM_MODULE, ...opts.env };
  if (opts.policy !== undefined) {
    const file = path.join(stateDir, 'policy.json');
    writeFileSync(file, typeof opts.policy === 'string' ? opts.policy : JSON.stringify(opts.policy, null, 2));
    env.BASTION_POLICY_FILE = file;
  }
  const session = nodeSessionEnvironment({ stateDir, env, cardWorker: { workerFile: CARD_WORKER } });
  const auditDir = path.join(stateDir, 'audit');
  const core = createCore(nodeCoreDeps('cli', stateDir, { session: (opts.session ?? ((e) => e))(session), audit: createAuditLog({ dir: auditDir, ...opts.audit }) }));
  const dispatcher = createDispatcher({ handlers: core.handlers, log: { error: (...a: unknown[]) => console.error('DISPATCH', ...a) } });
  const events: [EventName, unknown][] = [];
  core.events.subscribe(<K extends EventName>(name: K, payload: EventPayload<K>) => void events.push([name, payload]));
  const auditFile = path.join(auditDir, AUDIT_FILE);
  return {
    core,
    stateDir,
    auditFile,
    events,
    call: (name, input = {}) => dispatcher.dispatch(name, input, { sender: 'test' }) as ReturnType<PolicyCore['call']>,
    audit: () =>
      existsSync(auditFile)
        ? readFileSync(auditFile, 'utf8')
            .split('\n')
            .filter((l) => l.length > 0)
            .map((l) => JSON.parse(l) as Record<string, unknown>)
        : [],
    close: async () => {
      await core.dispose();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
