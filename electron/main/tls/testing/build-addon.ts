// Test-only: makes sure native/gnutls/build/Release/bastion_gnutls.node exists and is newer than
// its sources, building it with node-gyp against this Node's own headers if not. Test files run
// in parallel workers, so a lock directory serialises the build.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

function newestSource(dir: string): number {
  let newest = 0;
  for (const f of ['binding.gyp', ...fs.readdirSync(path.join(dir, 'src')).map((s) => path.join('src', s))]) {
    newest = Math.max(newest, fs.statSync(path.join(dir, f)).mtimeMs);
  }
  return newest;
}

function nodeGyp(): string[] {
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  const bundled = path.join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (fs.existsSync(bundled)) return [process.execPath, bundled];
  return ['npx', '--no-install', 'node-gyp'];
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Returns the path of an up-to-date addon; builds it when missing or stale. */
export function ensureAddonBuilt(repoRoot: string): string {
  const dir = path.join(repoRoot, 'native', 'gnutls');
  const out = path.join(dir, 'build', 'Release', 'bastion_gnutls.node');
  const fresh = () => fs.existsSync(out) && fs.statSync(out).mtimeMs >= newestSource(dir);
  if (fresh()) return out;
  const lock = path.join(dir, '.build-lock');
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
      sleep(200);
      if (fresh()) return out;
    }
  }
  try {
    if (!fresh()) {
      const [cmd, ...args] = nodeGyp();
      const prefix = path.resolve(path.dirname(process.execPath), '..');
      const nodedir = fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
      execFileSync(cmd ?? 'npx', [...args, 'rebuild', ...nodedir], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    }
  } finally {
    fs.rmdirSync(lock);
  }
  return out;
}
