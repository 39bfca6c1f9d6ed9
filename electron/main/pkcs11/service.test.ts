// The main-thread client and service against scripted stand-in workers (no PKCS#11 module):
// timeouts, errors as values, a dying worker, restart, the PIN hand-over and the one-owner rule.
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { CardError } from './errors';
import { createCardService, type CardService } from './service';

// A stand-in card worker. Modes: 'ok' answers everything; 'silent' never answers sign;
// 'die-on-sign' exits while signing; 'fail' answers sign with a PKCS#11 error value.
const SCRIPT = `
const { parentPort, workerData } = require('node:worker_threads');
parentPort.on('message', (m) => {
  const reply = (result) => parentPort.postMessage({ kind: 'response', id: m.id, ok: true, result });
  switch (m.method) {
    case 'init':
      reply({ path: m.params.modulePath, manufacturer: 'stand-in', description: '', libraryVersion: '1.0', cryptokiVersion: '2.40', slotEvents: 'polling', tookOverInitializedModule: false });
      setTimeout(() => parentPort.postMessage({ kind: 'event', event: { type: 'token-removed', slot: '3', label: 'T', serial: 'S', wasLoggedIn: true, reason: 'test' } }), 20);
      break;
    case 'login': {
      const pin = Buffer.from(m.params.pin).toString('utf8');
      reply(pin === '123456' ? { ok: true } : { ok: false, code: 'pin-incorrect', message: 'The PIN is incorrect.' });
      break;
    }
    case 'sign':
      if (workerData.mode === 'silent') return;
      if (workerData.mode === 'die-on-sign') process.exit(3);
      if (workerData.mode === 'fail') return parentPort.postMessage({ kind: 'response', id: m.id, ok: false, error: { code: 'pkcs11', message: 'sign failed', ckr: 'CKR_FUNCTION_FAILED' } });
      reply(new Uint8Array([1, 2, 3]));
      break;
    default:
      reply(m.method === 'listTokens' ? [] : null);
  }
});`;

let starts = 0;
let modes: string[] = [];
const standIn = (mode: string) => {
  modes = [mode];
  return () => {
    starts++;
    return new Worker(SCRIPT, { eval: true, workerData: { mode: modes.shift() ?? 'ok' } });
  };
};

const HASH = new Uint8Array(32);
let service: CardService | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
  starts = 0;
});

describe('pkcs11: card service client', () => {
  it('pkcs11: calls are answered; worker errors arrive as CardError values with the CKR name', async () => {
    service = createCardService({ modulePath: '/x.so', workerFactory: standIn('fail') });
    expect(await service.moduleInfo()).toMatchObject({ path: '/x.so', manufacturer: 'stand-in' });
    expect(await service.listTokens()).toEqual([]);
    const err = await service.sign('3', '01', 'ECDSA-SECP256R1-SHA256', HASH).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CardError);
    expect(err).toMatchObject({ code: 'pkcs11', ckr: 'CKR_FUNCTION_FAILED' });
  });

  it('pkcs11: a request the card never answers times out', async () => {
    service = createCardService({ modulePath: '/x.so', workerFactory: standIn('silent'), requestTimeoutMs: 200 });
    await expect(service.sign('3', '01', 'ECDSA-SECP256R1-SHA256', HASH)).rejects.toMatchObject({ code: 'timeout' });
    // The worker itself is fine: other calls still work.
    expect(await service.listTokens()).toEqual([]);
  });

  it('pkcs11: a dying worker rejects pending calls with worker-died, and the next call restarts it', async () => {
    service = createCardService({ modulePath: '/x.so', workerFactory: standIn('die-on-sign') });
    const exits: CardError[] = [];
    service.onDidWorkerExit((e) => exits.push(e));
    await expect(service.sign('3', '01', 'ECDSA-SECP256R1-SHA256', HASH)).rejects.toMatchObject({
      code: 'worker-died',
      message: expect.stringMatching(/exit code 3.*logins are lost/),
    });
    expect(exits).toHaveLength(1);
    const sig = await service.sign('3', '01', 'ECDSA-SECP256R1-SHA256', HASH);
    expect(Buffer.isBuffer(sig)).toBe(true);
    expect([...sig]).toEqual([1, 2, 3]);
    expect(starts).toBe(2);
  });

  it('pkcs11: slot events reach the listeners; a disposed listener hears nothing', async () => {
    service = createCardService({ modulePath: '/x.so', workerFactory: standIn('ok') });
    const heard: string[] = [];
    const dispose = service.onDidRemoveToken((e) => heard.push(`a:${e.slot}:${e.wasLoggedIn}`));
    service.onDidRemoveToken((e) => heard.push(`b:${e.slot}`));
    dispose();
    await service.moduleInfo();
    await new Promise((r) => setTimeout(r, 100));
    expect(heard).toEqual(['b:3']);
  });

  it('pkcs11: the PIN goes to the worker as bytes; the caller\'s PIN buffer is zeroed', async () => {
    service = createCardService({ modulePath: '/x.so', workerFactory: standIn('ok') });
    const pin = new TextEncoder().encode('123456');
    expect(await service.login('3', pin)).toEqual({ ok: true });
    expect([...pin].every((b) => b === 0)).toBe(true);
    expect(await service.login('3', '000000')).toMatchObject({ ok: false, code: 'pin-incorrect' });
  });

  it('pkcs11: a worker that cannot start is a worker-died error, and the caller\'s PIN is still wiped', async () => {
    service = createCardService({
      modulePath: '/x.so',
      workerFactory: () => {
        throw new Error('no threads today');
      },
    });
    const pin = new TextEncoder().encode('123456');
    await expect(service.login('3', pin)).rejects.toMatchObject({ code: 'worker-died', message: expect.stringMatching(/no threads today/) });
    expect([...pin].every((b) => b === 0)).toBe(true);
  });

  it('pkcs11: one card service per process; after close the calls fail with closed', async () => {
    service = createCardService({ modulePath: '/x.so', workerFactory: standIn('ok') });
    expect(() => createCardService({ modulePath: '/x.so', workerFactory: standIn('ok') })).toThrow(/already open/);
    await service.listTokens();
    await service.close();
    await expect(service.listTokens()).rejects.toMatchObject({ code: 'closed' });
    service = createCardService({ modulePath: '/x.so', workerFactory: standIn('ok') });
    expect(await service.listTokens()).toEqual([]);
  });

  it('pkcs11: polling slower than 500 ms is refused (removal must be seen within 2 s)', () => {
    expect(() => createCardService({ modulePath: '/x.so', workerFactory: standIn('ok'), pollIntervalMs: 1_000 })).toThrow(/2 s/);
  });
});
