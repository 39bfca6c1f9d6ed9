import { describe, expect, it, vi } from 'vitest';
import { createCore } from '../core/core';
import { createDispatcher } from './dispatcher';
import { CommandFailure, type CommandHandlers } from './handlers';
import { testSessionEnvironment } from '../core/testing/session-env';

const ctx = { sender: 'test' };
const fixedNow = new Date('2026-01-02T03:04:05.000Z');

function makeCore() {
  return createCore({
    runtime: 'cli',
    version: '1.2.3',
    platform: 'test',
    engineVersions: { node: '20' },
    now: () => fixedNow,
    validateEvents: true,
    session: testSessionEnvironment(),
  });
}

describe('dispatcher', () => {
  it('runs a valid command and returns its value', async () => {
    const core = makeCore();
    const d = createDispatcher({ handlers: core.handlers, log: { error: vi.fn() } });
    expect(await d.dispatch('getAppInfo', {}, ctx)).toEqual({
      ok: true,
      value: { name: 'Bastion', version: '1.2.3', runtime: 'cli', platform: 'test', versions: { node: '20' } },
    });
  });

  it('emits the event that goes with a command', async () => {
    const core = makeCore();
    const seen: unknown[] = [];
    const off = core.events.subscribe((name, payload) => seen.push([name, payload]));
    const d = createDispatcher({ handlers: core.handlers, log: { error: vi.fn() } });
    await d.dispatch('ping', { nonce: 'n1' }, ctx);
    off();
    await d.dispatch('ping', { nonce: 'n2' }, ctx);
    expect(seen).toEqual([['didReceivePing', { nonce: 'n1', receivedAt: fixedNow.toISOString() }]]);
  });

  it.each([undefined, null, 42, '__proto__', 'constructor', 'toString', 'nope'])('refuses unknown command %s', async (name) => {
    const d = createDispatcher({ handlers: makeCore().handlers, log: { error: vi.fn() } });
    const r = await d.dispatch(name, {}, ctx);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('unknown-command');
  });

  it.each([undefined, null, 'x', [], { nonce: '' }, { nonce: 'x'.repeat(129) }, { nonce: 1 }, { nonce: 'a', more: 1 }])(
    'refuses invalid input %j without echoing its values',
    async (input) => {
      const d = createDispatcher({ handlers: makeCore().handlers, log: { error: vi.fn() } });
      const r = await d.dispatch('ping', input, ctx);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('invalid-argument');
        expect(r.error.message).not.toContain('x'.repeat(129));
      }
    },
  );

  it('turns an expected failure into a value and a bug into a generic internal error', async () => {
    const log = { error: vi.fn() };
    const handlers: CommandHandlers = {
      ...makeCore().handlers,
      getAppInfo: () => {
        throw new CommandFailure('invalid-state', 'not connected');
      },
      ping: () => {
        throw new Error('secret detail: password=hunter2');
      },
    };
    const d = createDispatcher({ handlers, log });
    expect(await d.dispatch('getAppInfo', {}, ctx)).toEqual({ ok: false, error: { code: 'invalid-state', message: 'not connected' } });
    const r = await d.dispatch('ping', { nonce: 'a' }, ctx);
    expect(r).toEqual({ ok: false, error: { code: 'internal', message: expect.not.stringContaining('hunter2') } });
    expect(log.error).toHaveBeenCalledOnce();
  });
});
