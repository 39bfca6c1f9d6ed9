// The loopback block a test run uses. UCR mode always dials port 5222, so every server and fake
// gets its own loopback address; picking a random 127.X.Y.0/24 block per run (in the global
// setup, inherited by the worker processes) lets several runs share one machine — a developer's
// run next to CI, or parallel sessions — without fighting over 127.0.0.1:5222.
import { randomInt } from 'node:crypto';

const ENV = 'BASTION_TESTBED_NET';

/** Called once by the global setup; keeps an explicitly set block (e.g. "127.0.0"). */
export function chooseTestNet(env: NodeJS.ProcessEnv = process.env): string {
  env[ENV] ??= `127.${randomInt(16, 250)}.${randomInt(1, 250)}`;
  return env[ENV];
}

/** Address `n` (1–254) of this run's block: 1 = Prosody, 2 = ejabberd, 3+ = fakes and private servers. */
export function testAddress(n: number, env: NodeJS.ProcessEnv = process.env): string {
  if (!Number.isInteger(n) || n < 1 || n > 254) throw new RangeError(`test address index ${n} out of range`);
  return `${env[ENV] ?? '127.0.0'}.${n}`;
}
