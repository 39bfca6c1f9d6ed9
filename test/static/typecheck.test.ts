import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

describe('type check', () => {
  // One project per place code runs (tsconfig.json references): shared/ compiles with neither
  // Node nor DOM types, renderer/ without Node types, and electron/ — including the Electron
  // shell, which cannot run here — against Electron's own type definitions.
  it('tsc -b passes for shared, electron, renderer and tools', async () => {
    const r = await promisify(execFile)(path.join(root, 'node_modules/.bin/tsc'), ['-b', '--pretty', 'false'], {
      cwd: root,
    }).then(
      () => ({ code: 0, out: '' }),
      (e: { code?: number; stdout?: string }) => ({ code: e.code ?? 1, out: e.stdout ?? '' }),
    );
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
  }, 120_000);
});
