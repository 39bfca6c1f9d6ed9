// For test files: the run-wide test bed started by test/support/global-setup.ts.
// The type-only import brings global-setup's ProvidedContext augmentation into any program that
// includes this file.
import type {} from '../global-setup.js';
import { inject } from 'vitest';
import type { TestbedInfo } from './info.js';

export function getTestbed(): TestbedInfo {
  const info = inject('testbed');
  if (!info) throw new Error('test bed not started (BASTION_TESTBED=off?)');
  return info;
}

/** Where a Bastion core finds the test bed, as an admin would set it: its CA as the trust anchor, its DNS server. */
export function testbedEnv(): NodeJS.ProcessEnv {
  const tb = getTestbed();
  return { BASTION_TRUST_ANCHORS: tb.pki.caCert, BASTION_DNS_SERVERS: `${tb.dns.host}:${tb.dns.port}` };
}
