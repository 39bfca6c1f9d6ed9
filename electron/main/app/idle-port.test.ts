import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createElectronIdlePort, type PowerMonitorLike } from './idle-port';

// No Electron binary here: a stand-in with powerMonitor's shape; the types are Electron's own.
function fakePowerMonitor(idle: { seconds: number }) {
  const emitter = new EventEmitter();
  const pm = Object.assign(emitter, { getSystemIdleTime: () => idle.seconds }) as unknown as PowerMonitorLike;
  return { pm, emitter };
}

describe('Electron idle port (powerMonitor)', () => {
  it('reads the system idle time and maps lock, unlock and resume; disposers unsubscribe', () => {
    const idle = { seconds: 42 };
    const { pm, emitter } = fakePowerMonitor(idle);
    const port = createElectronIdlePort(pm);
    expect(port.idleSeconds()).toBe(42);
    const seen: string[] = [];
    const offs = [port.onDidLock?.(() => seen.push('lock')), port.onDidUnlock?.(() => seen.push('unlock')), port.onDidResume?.(() => seen.push('resume'))];
    emitter.emit('lock-screen');
    emitter.emit('unlock-screen');
    emitter.emit('resume');
    expect(seen).toEqual(['lock', 'unlock', 'resume']);
    for (const off of offs) off?.();
    emitter.emit('lock-screen');
    expect(seen).toHaveLength(3);
    expect(emitter.listenerCount('lock-screen') + emitter.listenerCount('unlock-screen') + emitter.listenerCount('resume')).toBe(0);
  });
});
