import { describe, expect, it } from 'vitest';
import { commandChannel, commandNames, commandSchemas, eventChannel, eventNames, eventSchemas } from './index';

describe('IPC contract', () => {
  it('every command name has a schema and every schema a name', () => {
    expect(Object.keys(commandSchemas).sort()).toEqual([...commandNames].sort());
    expect(Object.keys(eventSchemas).sort()).toEqual([...eventNames].sort());
  });

  it('channel names are unique across commands and events', () => {
    const channels = [...commandNames.map(commandChannel), ...eventNames.map(eventChannel)];
    expect(new Set(channels).size).toBe(channels.length);
  });

  it('events are named for what happened (didX / willX)', () => {
    for (const name of eventNames) expect(name).toMatch(/^(did|will)[A-Z]/);
  });

  it('command inputs are strict: unknown keys are refused', () => {
    expect(commandSchemas.ping.input.safeParse({ nonce: 'a', extra: 1 }).success).toBe(false);
    expect(commandSchemas.getAppInfo.input.safeParse({ sneaky: true }).success).toBe(false);
  });

  it('a history page is before a message or after it, never both', () => {
    const h = commandSchemas.getHistory.input;
    const at = '2026-11-23T01:00:00.000Z';
    expect(h.safeParse({ peer: 'bob@example.mil', limit: 50, after: at, afterId: 'm1' }).success).toBe(true);
    expect(h.safeParse({ peer: 'bob@example.mil', limit: 50, before: at, beforeId: 'm1' }).success).toBe(true);
    expect(h.safeParse({ peer: 'bob@example.mil', limit: 50, before: at, after: at }).success).toBe(false);
    expect(h.safeParse({ peer: 'bob@example.mil', limit: 50, after: 'yesterday' }).success).toBe(false);
  });
});
