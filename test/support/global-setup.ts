// vitest globalSetup (see vitest.config.ts): one test bed for the whole run, started in the main
// process before any test file and stopped after the last. Tests read its description with
// getTestbed() (test/support/testbed/get-testbed.ts). BASTION_TESTBED=off skips it for unit runs.
import type { TestProject } from 'vitest/node';
import { startTestbed } from './testbed/index.js';
import { chooseTestNet } from './testbed/net.js';
import type { TestbedInfo } from './testbed/info.js';

declare module 'vitest' {
  export interface ProvidedContext {
    testbed: TestbedInfo | null;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  // Before anything reads an address: workers inherit the chosen block through the environment.
  const net = chooseTestNet();
  if (process.env.BASTION_TESTBED === 'off') {
    project.provide('testbed', null);
    return undefined;
  }
  const tb = await startTestbed();
  // Worker processes are forked from this one after global setup: give them the token's
  // SoftHSM2 config so that pkcs11js (or anything else loading the module) finds the test token.
  process.env.SOFTHSM2_CONF = tb.info.hsm.conf;
  const phases = Object.entries(tb.timings)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  console.log(`test bed up on ${net}.0/24 (ms: ${phases}) in ${tb.info.dir}`);
  project.provide('testbed', tb.info);
  return async () => {
    await tb.stop();
  };
}
