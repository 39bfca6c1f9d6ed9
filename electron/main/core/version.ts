// Replaced at bundle time by scripts/build-electron.mjs (esbuild `define`); tests run the source.
declare const __BASTION_VERSION__: string | undefined;

export const BASTION_VERSION: string =
  typeof __BASTION_VERSION__ === 'string' ? __BASTION_VERSION__ : '0.0.0-dev';
