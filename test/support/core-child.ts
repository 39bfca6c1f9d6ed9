// The main-process core in a child process, for tests that kill the app (SIGKILL, no cleanup)
// and start it again on the same profile. Config (JSON) in argv[2]; commands as JSON lines on
// stdin `{"call": name, "input": {...}}`; answers `{"result": …}` and events `{"event": …}` as
// JSON lines on stdout.
import { createInterface } from 'node:readline';
import { createCore } from '../../electron/main/core/core';
import { nodeCoreDeps } from '../../electron/main/core/node-deps';
import { nodeSessionEnvironment } from '../../electron/main/core/session-env';
import { createDispatcher } from '../../electron/main/ipc/dispatcher';
import { establishSession } from '../../electron/main/xmpp/session/establish';
import { dnsTo } from './proxy-dns';

const cfg = JSON.parse(process.argv[2] ?? '{}') as { stateDir: string; storeKey: string; caCert: string; domain: string; proxyHost: string };
const base = nodeSessionEnvironment({ stateDir: cfg.stateDir, env: { BASTION_TRUST_ANCHORS: cfg.caCert, BASTION_STORE_KEY: cfg.storeKey } });
const dns = dnsTo(cfg.domain, cfg.proxyHost);
const core = createCore(
  nodeCoreDeps('cli', cfg.stateDir, {
    session: {
      ...base,
      policy: { ...base.policy, dnsServers: [] },
      backoff: { initialMs: 200, maxMs: 1000, factor: 2 },
      establish: (o) => establishSession({ ...o, dns: dns.port }),
    },
  }),
);
const dispatcher = createDispatcher({ handlers: core.handlers, log: { error: () => {} } });
const out = (o: unknown): void => void process.stdout.write(`${JSON.stringify(o)}\n`);
core.events.subscribe((event, payload) => out({ event, payload }));
createInterface({ input: process.stdin }).on('line', (line) => {
  const { call, input } = JSON.parse(line) as { call: string; input: unknown };
  void dispatcher.dispatch(call, input, { sender: 'test' }).then((result) => out({ call, result }));
});
out({ ready: true });
