// Entry point of the card worker thread. The bundler emits it as its own file
// (dist/electron/pkcs11-worker.cjs, pkcs11js external); under vitest/tsx it is started from
// source through ../worker-shim.mjs. Only this thread ever loads pkcs11js.
import { parentPort } from 'node:worker_threads';
import { serveCardRequests } from './loop';

if (!parentPort) throw new Error('the PKCS#11 card worker must run in a worker thread');
serveCardRequests(parentPort);
