import type { Element } from '@xmpp/xml';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BareJid, FullJid } from '../../../../shared/xmpp/jid';
import { createXmppClient } from '../client/client';
import { createFakeStream } from '../client/testing/fake-stream';
import { registerPresence } from '../im/presence';
import { NS_IDLE, parseIdleSince, registerIdle, type AutoAwayState, type IdlePort } from './0319-idle';

const MIN = 60_000;
const T0 = Date.UTC(2025, 0, 15, 12, 0, 0);

/** The OS as tests see it: the last input is a point on the fake clock; the screen can lock. */
function fakeOs() {
  let lastInput = Date.now();
  const lock = new Set<() => void>();
  const unlock = new Set<() => void>();
  const sub = (set: Set<() => void>) => (cb: () => void) => {
    set.add(cb);
    return () => set.delete(cb) as unknown as void;
  };
  const port: IdlePort = { idleSeconds: () => Math.floor((Date.now() - lastInput) / 1000), onDidLock: sub(lock), onDidUnlock: sub(unlock) };
  return {
    port,
    input: () => {
      lastInput = Date.now();
    },
    lock: () => lock.forEach((cb) => cb()),
    unlock: () => unlock.forEach((cb) => cb()),
  };
}

function setup() {
  const stream = createFakeStream();
  const client = createXmppClient({ jid: 'alice@example.test/desk' as FullJid, account: 'alice@example.test' as BareJid, stream });
  const presence = registerPresence(client);
  const os = fakeOs();
  const idle = registerIdle(client, { presence, port: os.port, autoAway: { awayAfterMs: 5 * MIN, xaAfterMs: 30 * MIN, pollMs: 10_000 } });
  const states: AutoAwayState[] = [];
  idle.onDidChangeState((s) => states.push(s));
  const presences = () => stream.sent.filter((s) => s.name === 'presence');
  const show = (p: Element | undefined) => p?.getChildText('show') ?? 'online';
  return { stream, client, presence, os, idle, states, presences, show };
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

describe('XEP-0319 auto-away on the OS idle time (fake clock)', () => {
  it('online → away after N minutes with <idle since=last input/>, → xa after M, → back to the previous presence on input', () => {
    const { presence, os, idle, states, presences, show } = setup();
    presence.setOwn({ status: 'at my desk', priority: 5 });
    vi.advanceTimersByTime(4 * MIN);
    expect(idle.state()).toBe('active');
    expect(presences()).toHaveLength(1);

    vi.advanceTimersByTime(1 * MIN + 10_000);
    const away = presences().at(-1);
    expect(show(away)).toBe('away');
    expect(away?.getChildText('status')).toBe('at my desk');
    expect(away?.getChildText('priority')).toBe('5');
    expect(away?.getChild('idle', NS_IDLE)?.attrs.since).toBe('2025-01-15T12:00:00Z');

    vi.advanceTimersByTime(25 * MIN);
    const xa = presences().at(-1);
    expect(show(xa)).toBe('xa');
    expect(xa?.getChild('idle', NS_IDLE)?.attrs.since).toBe('2025-01-15T12:00:00Z');
    const count = presences().length;
    vi.advanceTimersByTime(10 * MIN);
    expect(presences()).toHaveLength(count); // nothing more while idle

    os.input();
    vi.advanceTimersByTime(10_000);
    const back = presences().at(-1);
    expect(show(back)).toBe('online');
    expect(back?.getChildText('status')).toBe('at my desk');
    expect(back?.getChild('idle', NS_IDLE)).toBeUndefined();
    expect(states).toEqual(['away', 'xa', 'active']);
  });

  it('leaves dnd and a manual away alone; a presence the user sets while auto-away wins and is not overwritten', () => {
    const { presence, os, idle, presences, show } = setup();
    presence.setOwn({ show: 'dnd' });
    vi.advanceTimersByTime(40 * MIN);
    expect(idle.state()).toBe('active');
    expect(presences()).toHaveLength(1);

    presence.setOwn({ show: 'chat' });
    os.input();
    vi.advanceTimersByTime(6 * MIN);
    expect(show(presences().at(-1))).toBe('away');
    presence.setOwn({ show: 'dnd', status: 'meeting' }); // the user, from the UI
    os.input();
    vi.advanceTimersByTime(10_000);
    expect(idle.state()).toBe('active');
    expect(show(presences().at(-1))).toBe('dnd');
    expect(presences().at(-1)?.getChildText('status')).toBe('meeting');
  });

  it('locking the screen goes away at once; unlocking comes back even if the idle clock was not reset', () => {
    const { presence, os, idle, presences, show } = setup();
    presence.setOwn({});
    vi.advanceTimersByTime(MIN);
    os.lock();
    expect(idle.state()).toBe('away');
    expect(presences().at(-1)?.getChild('idle', NS_IDLE)?.attrs.since).toBe('2025-01-15T12:00:00Z');
    vi.advanceTimersByTime(30 * MIN);
    expect(show(presences().at(-1))).toBe('xa');
    os.unlock();
    expect(idle.state()).toBe('active');
    expect(show(presences().at(-1))).toBe('online');
  });

  it('without a presence of our own (not yet online) nothing is sent', () => {
    const { idle, presences } = setup();
    vi.advanceTimersByTime(60 * MIN);
    expect(idle.state()).toBe('active');
    expect(presences()).toHaveLength(0);
  });
});

describe("XEP-0319 others' idle time", () => {
  it('reads <idle since/> per resource, drops it on the next presence without one and on unavailable', () => {
    const { stream, idle } = setup();
    const seen: (string | undefined)[] = [];
    idle.onDidChangeIdle((e) => seen.push(e.since?.toISOString()));
    stream.receive(`<presence from='bob@example.test/x'><show>away</show><idle xmlns='${NS_IDLE}' since='2025-01-15T11:50:00.123+01:00'/></presence>`);
    expect(idle.idleSince('bob@example.test/x')?.toISOString()).toBe('2025-01-15T10:50:00.123Z');
    stream.receive(`<presence from='bob@example.test/x'><idle xmlns='${NS_IDLE}' since='2025-01-15T11:50:00.123+01:00'/></presence>`);
    stream.receive("<presence from='bob@example.test/x'/>");
    expect(idle.idleSince('bob@example.test/x')).toBeUndefined();
    stream.receive(`<presence from='bob@example.test/y'><idle xmlns='${NS_IDLE}' since='2025-01-15T11:00:00Z'/></presence>`);
    stream.receive("<presence from='bob@example.test/y' type='unavailable'/>");
    expect(idle.idleSince('bob@example.test/y')).toBeUndefined();
    expect(seen).toEqual(['2025-01-15T10:50:00.123Z', undefined, '2025-01-15T11:00:00.000Z', undefined]);
  });

  it('refuses malformed dates and reads future ones as now', () => {
    const now = T0;
    expect(parseIdleSince('yesterday', now)).toBeUndefined();
    expect(parseIdleSince('2025-01-15 11:00:00', now)).toBeUndefined();
    expect(parseIdleSince('2025-13-45T99:00:00Z', now)).toBeUndefined();
    expect(parseIdleSince(undefined, now)).toBeUndefined();
    expect(parseIdleSince('2030-01-01T00:00:00Z', now)?.getTime()).toBe(now);
    const { stream, idle } = setup();
    stream.receive(`<presence from='bob@example.test/x'><idle xmlns='${NS_IDLE}' since='not a date'/></presence>`);
    expect(idle.idleSince('bob@example.test/x')).toBeUndefined();
  });
});
