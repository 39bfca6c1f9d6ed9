// Development and tests only: lets a worker_threads Worker run the TypeScript card worker
// (worker/entry.ts) straight from source by registering tsx in the worker thread first.
// Shipped builds start the bundled dist/electron/pkcs11-worker.cjs instead (see README.md).
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
