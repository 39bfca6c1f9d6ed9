// Temporary directories for test-bed instances: fresh per run, reachable by the servers' own
// users, and removed even when the run is interrupted.
import { rmSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { onAbnormalExit } from './exit-hooks.js';

export interface RunDir {
  path: string;
  /** Remove it now (unless kept) and forget the exit hook. */
  remove(): Promise<void>;
}

export async function makeRunDir(prefix: string, keep = false): Promise<RunDir> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  // mkdtemp makes it 0700; ejabberd runs as user 'ejabberd' and must reach its files and the PKI.
  await chmod(dir, 0o755);
  const unhook = keep ? () => undefined : onAbnormalExit(() => rmSync(dir, { recursive: true, force: true }));
  return {
    path: dir,
    remove: async () => {
      if (!keep) await rm(dir, { recursive: true, force: true });
      unhook();
    },
  };
}
