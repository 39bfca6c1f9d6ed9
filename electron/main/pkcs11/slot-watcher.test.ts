// The polling logic with an injected slot scan: what a reader does on removal (slot gone, slot
// empty, CKR_TOKEN_NOT_PRESENT, another card) cannot be produced with SoftHSM2, so it is
// driven here directly. The SoftHSM2 case itself is in test/integration/pkcs11.test.ts.
import { describe, expect, it } from 'vitest';
import { SlotWatcher, type ScanEntry, type WatchEvent } from './worker/slot-watcher';

const alice = { label: 'CAC', serial: 'A1' };

function harness(first: ScanEntry[]) {
  let current: ScanEntry[] | Error = first;
  const events: WatchEvent[] = [];
  const w = new SlotWatcher({
    scan: () => {
      if (current instanceof Error) throw current;
      return current;
    },
    onEvent: (e) => events.push(e),
    intervalMs: 100,
  });
  return { w, events, set: (s: ScanEntry[] | Error) => (current = s) };
}

describe('pkcs11: slot watcher', () => {
  it('pkcs11: the first scan is the baseline; later tokens are reported as inserted', () => {
    const h = harness([{ slot: '1', token: alice }]);
    h.w.tick();
    expect(h.events).toEqual([]);
    h.set([{ slot: '1', token: alice }, { slot: '2', token: { label: 'B', serial: 'B1' } }]);
    h.w.tick();
    expect(h.events).toEqual([{ type: 'token-inserted', slot: '2', label: 'B', serial: 'B1' }]);
  });

  it('pkcs11: a slot that disappears from C_GetSlotList(tokenPresent) is a removal', () => {
    const h = harness([{ slot: '1', token: alice }]);
    h.w.tick();
    h.set([]);
    h.w.tick();
    expect(h.events).toEqual([{ type: 'token-removed', slot: '1', ...alice, reason: 'the slot no longer lists a token' }]);
    h.w.tick();
    expect(h.events).toHaveLength(1); // reported once
  });

  it('pkcs11: a slot still listed but without a readable token is a removal, with the reason', () => {
    const h = harness([{ slot: '1', token: alice }]);
    h.w.tick();
    h.set([{ slot: '1', unreadable: 'C_GetTokenInfo failed with CKR_TOKEN_NOT_PRESENT' }]);
    h.w.tick();
    expect(h.events).toEqual([
      { type: 'token-removed', slot: '1', ...alice, reason: 'C_GetTokenInfo failed with CKR_TOKEN_NOT_PRESENT' },
    ]);
  });

  it('pkcs11: another card in the same reader between two scans is a removal and an insertion', () => {
    const h = harness([{ slot: '1', token: alice }]);
    h.w.tick();
    h.set([{ slot: '1', token: { label: 'CAC', serial: 'Z9' } }]);
    h.w.tick();
    expect(h.events.map((e) => `${e.type} ${e.serial}`)).toEqual(['token-removed A1', 'token-inserted Z9']);
  });

  it('pkcs11: a failing scan reports nothing (not "every card removed")', () => {
    const h = harness([{ slot: '1', token: alice }]);
    h.w.tick();
    h.set(new Error('CKR_GENERAL_ERROR'));
    h.w.tick();
    expect(h.events).toEqual([]);
    h.set([{ slot: '1', token: alice }]);
    h.w.tick();
    expect(h.events).toEqual([]);
  });

  it('pkcs11: with the timer running, a removal is reported well within 2 s', async () => {
    const h = harness([{ slot: '1', token: alice }]);
    h.w.start();
    try {
      const removedAt = Date.now();
      h.set([]);
      while (h.events.length === 0 && Date.now() - removedAt < 2_000) await new Promise((r) => setTimeout(r, 10));
      expect(h.events).toHaveLength(1);
      expect(Date.now() - removedAt).toBeLessThan(2_000);
    } finally {
      h.w.stop();
    }
  });
});
