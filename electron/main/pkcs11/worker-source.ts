// Development and tests only: a WorkerFactory that runs the card worker from the TypeScript
// sources (through worker-shim.mjs + tsx). Not exported from index.ts, so the bundles never
// include it (import.meta is empty in the CommonJS main bundle).
import { Worker } from 'node:worker_threads';
import type { WorkerFactory } from './client';

export function sourceWorkerFactory(): WorkerFactory {
  const shim = new URL('./worker-shim.mjs', import.meta.url);
  const entry = new URL('./worker/entry.ts', import.meta.url).href;
  return () => new Worker(shim, { workerData: { entry } });
}
