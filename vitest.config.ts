import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

// One runner for every suite so that one JSON report feeds the conformance report
// (scripts/conformance.mjs) and one summary line closes `npm test`.
// The test bed (PKI, SoftHSM2 token, Prosody, ejabberd, DNS) is started once per run by
// test/support/global-setup.ts; `BASTION_TESTBED=off` skips it for unit-only runs.
export default defineConfig({
  // Same define as the esbuild bundles (scripts/build-electron.mjs), so tests see the real version.
  define: { __BASTION_VERSION__: JSON.stringify(pkg.version) },
  test: {
    include: [
      'shared/**/*.test.ts',
      'electron/**/*.test.ts',
      'renderer/**/*.test.{ts,tsx}',
      'scripts/**/*.test.ts',
      'test/**/*.test.ts',
      'e2e/**/*.test.ts',
    ],
    exclude: ['**/node_modules/**', 'dist/**', 'test/fixtures/**'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    // 2 cores: servers, Chromium and the tests share them.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
  },
});
