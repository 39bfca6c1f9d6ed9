import { describe, expect, it } from 'vitest';
import type { EventName } from '../../../shared/ipc';
import { testSessionEnvironment } from './testing/session-env';
import { createCore, type Notifier } from './core';

function core(notifier?: Notifier) {
  return createCore({
    runtime: 'cli',
    version: 't',
    platform: 'test',
    engineVersions: {},
    now: () => new Date(),
    validateEvents: true,
    ...(notifier ? { notifier } : {}),
    session: testSessionEnvironment(),
  });
}

describe('OS notifications', () => {
  it('are shown through the notifier port, and a click comes back as didClickNotification with the tag', async () => {
    const shown: { title: string; body: string }[] = [];
    let click: (() => void) | undefined;
    const c = core({
      show: (n, onClick) => {
        shown.push({ ...n });
        click = onClick;
        return true;
      },
    });
    const events: [EventName, unknown][] = [];
    c.events.subscribe((n, p) => void events.push([n, p]));
    expect(await c.handlers.showNotification({ title: 'bob', body: 'hi', tag: 'chat:bob@example.test' }, { sender: 't' })).toEqual({ shown: true });
    expect(shown).toEqual([{ title: 'bob', body: 'hi' }]);
    click?.();
    expect(events).toContainEqual(['didClickNotification', { tag: 'chat:bob@example.test' }]);
    await c.dispose();
  });

  it('say "not shown" where the host has no notifications', async () => {
    const c = core();
    expect(await c.handlers.showNotification({ title: 'x', body: '', tag: 't' }, { sender: 't' })).toEqual({ shown: false });
    await c.dispose();
  });
});
