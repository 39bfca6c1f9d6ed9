import path from 'node:path';
import { createAuditLog } from '../audit/log';
import type { CoreDeps } from './core';
import { nodeSessionEnvironment } from './session-env';
import { BASTION_VERSION } from './version';

/** CoreDeps for any Node-based host (Electron main, browser host, CLI). */
export function nodeCoreDeps(runtime: CoreDeps['runtime'], stateDir: string, extra?: Partial<CoreDeps>): CoreDeps {
  const engineVersions: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.versions)) {
    if (typeof v === 'string' && ['node', 'v8', 'electron', 'chrome', 'openssl', 'uv'].includes(k)) engineVersions[k] = v;
  }
  return {
    runtime,
    version: BASTION_VERSION,
    platform: `${process.platform}-${process.arch}`,
    engineVersions,
    now: () => new Date(),
    validateEvents: runtime !== 'electron',
    session: extra?.session ?? nodeSessionEnvironment({ stateDir }),
    // Security events, fsync-ed JSON lines under the state directory [UCR-G3].
    audit: extra?.audit ?? createAuditLog({ dir: path.join(stateDir, 'audit') }),
    ...extra,
  };
}
