// Card insertion/removal detection by polling, independent of pkcs11js so it can be tested
// with an injected scan. Why polling: C_WaitForSlotEvent is optional, often unsupported, and
// its blocking form would hold the worker's only thread (and can only be ended by C_Finalize).
// A scan every ≤ 500 ms reports a removal within 2 s even when a 900 ms signature delays a tick.
import type { SlotId } from '../protocol';

export interface ScanEntry {
  slot: SlotId;
  /** The token in the slot, when it is present and answers C_GetTokenInfo. */
  token?: { label: string; serial: string };
  /** Why the slot counts as empty although the module still lists it. */
  unreadable?: string;
}

export type WatchEvent =
  | { type: 'token-removed'; slot: SlotId; label: string; serial: string; reason: string }
  | { type: 'token-inserted'; slot: SlotId; label: string; serial: string };

export interface SlotWatcherOptions {
  /** One look at every slot; throwing means "no answer this time", not "everything removed". */
  scan: () => ScanEntry[];
  onEvent: (e: WatchEvent) => void;
  intervalMs: number;
}

export class SlotWatcher {
  private known = new Map<SlotId, { label: string; serial: string }>();
  private timer: NodeJS.Timeout | undefined;
  private primed = false;

  constructor(private readonly opts: SlotWatcherOptions) {}

  /** The first tick records what is there (no events); later ticks report the differences. */
  tick(): void {
    let entries: ScanEntry[];
    try {
      entries = this.opts.scan();
    } catch {
      return; // a transient module error must not look like every card being pulled
    }
    const now = new Map<SlotId, ScanEntry>(entries.map((e) => [e.slot, e]));
    const events: WatchEvent[] = [];
    for (const [slot, was] of this.known) {
      const cur = now.get(slot);
      if (!cur?.token) {
        const reason = cur?.unreadable ?? 'the slot no longer lists a token';
        events.push({ type: 'token-removed', slot, ...was, reason });
        this.known.delete(slot);
      } else if (cur.token.serial !== was.serial) {
        // Another card in the same reader between two ticks: the old one was removed.
        events.push({ type: 'token-removed', slot, ...was, reason: `a different card (serial ${cur.token.serial}) is in the slot` });
        this.known.delete(slot);
      }
    }
    for (const e of entries) {
      if (!e.token || this.known.has(e.slot)) continue;
      this.known.set(e.slot, e.token);
      if (this.primed) events.push({ type: 'token-inserted', slot: e.slot, ...e.token });
    }
    this.primed = true;
    for (const ev of events) this.opts.onEvent(ev);
  }

  start(): void {
    if (this.timer) return;
    this.tick();
    this.timer = setInterval(() => this.tick(), this.opts.intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
