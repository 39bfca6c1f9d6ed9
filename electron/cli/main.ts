#!/usr/bin/env node
/** `bastion`: the headless CLI entry (bundled to dist/cli/bastion.mjs). */
import { nodeIo } from './io';
import { runCli } from './run';

const code = await runCli(process.argv.slice(2), nodeIo());
// Exit once what was written has left (stdout may be a pipe); nothing else should be pending.
process.stdout.write('', () => {
  process.stderr.write('', () => process.exit(code));
});
