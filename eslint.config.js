// @ts-check
// Layer rules (VS Code's layer check, Signal's file suffixes): code is organised by where it
// runs, and an import across a forbidden boundary fails `npm run lint` and the test suite
// (test/static/layers.test.ts proves each rule fires).
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

// Built-ins are matched by exact name (a pattern "util" would also match "../util/x").
const nodeBuiltins = builtinModules.filter((m) => !m.startsWith('_'));

/**
 * @typedef {{ group?: string[], names?: string[], message: string }} Rule
 * @param {string} message @param {string[]} group @returns {Rule}
 */
const forbid = (message, group) => ({ group, message });

/** @type {Rule} */
const NO_NODE = { names: nodeBuiltins, group: ['node:*'], message: 'runs outside Node: no Node built-ins here' };
const NO_ELECTRON = forbid('only electron/main/app and electron/preload may import Electron', ['electron', 'electron/*']);
const NO_ELECTRON_DIR = forbid('renderer/ never imports electron/: talk to main through window.bastion (shared/ipc)', [
  '**/electron/**',
  '**/electron',
]);
const NO_RENDERER_DIR = forbid('only the renderer imports renderer/', ['**/renderer/**', '**/renderer']);
const NO_HOST = forbid('the browser host is dev/test only and is never imported by shipped code', ['**/host/**', '**/host']);
const NO_DOM_LIBS = forbid('shared/ must not depend on the DOM or React', ['react', 'react-dom', 'react-dom/*', 'zustand']);
const NO_NATIVE = forbid('shared/ must not load native or runtime-specific packages', [
  'pkcs11js',
  'ws',
  '@xmpp/*',
  'better-sqlite3',
]);

/** @param {...Rule} rules */
const restrict = (...rules) => ({
  'no-restricted-imports': [
    'error',
    {
      paths: rules.flatMap((r) => (r.names ?? []).map((name) => ({ name, message: r.message }))),
      patterns: rules.filter((r) => r.group).map((r) => ({ group: r.group ?? [], message: r.message })),
    },
  ],
});

const DOM_GLOBALS = ['window', 'document', 'navigator', 'localStorage', 'sessionStorage', 'location', 'fetch', 'XMLHttpRequest', 'WebSocket'].map(
  (name) => ({ name, message: 'shared/ is runtime-neutral: no DOM globals' }),
);
const NODE_GLOBALS = ['process', 'Buffer', 'require', '__dirname', '__filename', 'global', 'setImmediate'].map((name) => ({
  name,
  message: 'no Node globals here',
}));

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'reports/**', 'release/**', 'test/fixtures/**', '**/*.d.ts.map'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'always'],
      'no-console': 'off',
    },
  },
  {
    files: ['shared/**/*.ts'],
    ignores: ['shared/**/*.test.ts'],
    rules: {
      ...restrict(NO_NODE, NO_ELECTRON, NO_ELECTRON_DIR, NO_RENDERER_DIR, NO_DOM_LIBS, NO_NATIVE),
      'no-restricted-globals': ['error', ...DOM_GLOBALS, ...NODE_GLOBALS],
    },
  },
  {
    files: ['renderer/src/**/*.{ts,tsx}'],
    ignores: ['renderer/**/*.test.{ts,tsx}'],
    rules: {
      ...restrict(NO_NODE, NO_ELECTRON, NO_ELECTRON_DIR, NO_HOST),
      'no-restricted-globals': ['error', ...NODE_GLOBALS],
    },
  },
  {
    // The core runs under plain Node (browser host, CLI, tests): only the shell touches Electron.
    files: ['electron/main/**/*.ts'],
    ignores: ['electron/main/app/**', 'electron/**/*.test.ts'],
    rules: restrict(NO_ELECTRON, NO_RENDERER_DIR, NO_HOST),
  },
  {
    files: ['electron/main/app/**/*.ts'],
    rules: restrict(NO_RENDERER_DIR, NO_HOST),
  },
  {
    // Sandboxed preload: Electron's renderer-side modules and the contract's names only.
    files: ['electron/preload/**/*.ts'],
    rules: restrict(NO_NODE, NO_RENDERER_DIR, NO_HOST),
  },
  {
    files: ['electron/host/web/**/*.ts'],
    rules: restrict(NO_NODE, NO_ELECTRON),
  },
);
