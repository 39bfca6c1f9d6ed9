import { ESLint } from 'eslint';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// Lint-as-test: each layer rule of eslint.config.js must fire on a violation and stay quiet on
// allowed code. The virtual file paths put each snippet in the layer under test.
const root = path.resolve(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: root });

async function layerErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-globals')
    .map((m) => m.message);
}

describe('layer rules (eslint.config.js)', () => {
  it.each([
    ['shared/ipc/fixture.ts', 'node:fs', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;"],
    ['shared/ipc/fixture.ts', 'crypto (bare built-in)', "import { createHash } from 'crypto';\nexport const x = createHash;"],
    ['shared/fixture.ts', 'electron', "import { app } from 'electron';\nexport const x = app;"],
    ['shared/fixture.ts', 'react-dom', "import { createRoot } from 'react-dom/client';\nexport const x = createRoot;"],
    ['shared/fixture.ts', 'electron/ directory', "import { x } from '../electron/main/core/core';\nexport const y = x;"],
    ['shared/fixture.ts', 'renderer/ directory', "import { x } from '../renderer/src/main';\nexport const y = x;"],
    ['shared/fixture.ts', 'document global', 'export const t = document.title;'],
    ['shared/fixture.ts', 'process global', 'export const e = process.env.HOME;'],
    ['renderer/src/fixture.ts', 'electron/ directory', "import { createCore } from '../../electron/main/core/core';\nexport const x = createCore;"],
    ['renderer/src/fixture.ts', 'electron', "import { ipcRenderer } from 'electron';\nexport const x = ipcRenderer;"],
    ['renderer/src/fixture.ts', 'node:path', "import path from 'node:path';\nexport const x = path;"],
    ['renderer/src/fixture.tsx', 'process global', 'export const e = process.env.HOME;'],
    ['electron/main/core/fixture.ts', 'electron (core must run under plain Node)', "import { app } from 'electron';\nexport const x = app;"],
    ['electron/main/app/fixture.ts', 'the browser host', "import { startBrowserHost } from '../../host/host';\nexport const x = startBrowserHost;"],
    ['electron/preload/fixture.ts', 'node:fs', "import fs from 'node:fs';\nexport const x = fs;"],
  ])('%s: importing or using %s fails lint', async (file, _what, code) => {
    expect(await layerErrors(file, code)).not.toEqual([]);
  });

  it.each([
    ['shared/ipc/fixture.ts', "import { ok } from './result';\nimport { assertNever } from '../util/assert-never';\nexport const x = [ok, assertNever];"],
    ['renderer/src/fixture.ts', "import { commandNames } from '../../shared/ipc/names';\nexport const x = commandNames;"],
    ['electron/main/app/fixture.ts', "import { app } from 'electron';\nimport path from 'node:path';\nexport const x = [app, path];"],
    ['electron/main/core/fixture.ts', "import net from 'node:net';\nexport const x = net;"],
  ])('%s: allowed imports pass', async (file, code) => {
    expect(await layerErrors(file, code)).toEqual([]);
  });

  it('the whole repository lints clean (what `npm run lint` checks)', async () => {
    const results = await eslint.lintFiles(['.']);
    const problems = results.flatMap((r) =>
      r.messages.map((m) => `${path.relative(root, r.filePath)}:${m.line} ${m.ruleId ?? ''} ${m.message}`),
    );
    expect(problems).toEqual([]);
    // Typed lint of the whole tree: ≈ 20 s alone, more beside the rest of the suite on 2 cores.
  }, 180_000);
});
