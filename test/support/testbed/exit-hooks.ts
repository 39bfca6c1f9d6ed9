// Last-resort cleanup when the test run ends abnormally (a test throws past teardown, Ctrl-C,
// CI cancels the job): synchronous hooks run on 'exit', SIGINT, SIGTERM and SIGHUP so that no
// server outlives the run. Normal teardown goes through the async stop() functions instead.

type Hook = () => void;

const hooks = new Set<Hook>();
let installed = false;
const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function runHooks(): void {
  for (const hook of [...hooks]) {
    try {
      hook();
    } catch {
      // keep going: one failed cleanup must not stop the others
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  runHooks();
  // Adding a listener disables Node's default "die on signal". If nobody else (vitest) handles
  // the signal, restore the default and re-raise so the process still terminates as asked.
  if (process.listenerCount(signal) === 1) {
    process.removeListener(signal, onSignal);
    process.kill(process.pid, signal);
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', runHooks);
  for (const s of SIGNALS) process.on(s, onSignal);
}

/** Register a synchronous cleanup; returns a function that unregisters it. */
export function onAbnormalExit(hook: Hook): () => void {
  install();
  hooks.add(hook);
  return () => {
    hooks.delete(hook);
  };
}
