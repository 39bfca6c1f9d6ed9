/**
 * Never lose a message: every message the user sends is written to the outbox on disk (one
 * synchronous SQLite transaction) before it touches the network, and leaves the outbox only when
 * the server has confirmed it. After a crash, a kill or a lost link the outbox is replayed on
 * the next session with the same stanza and id, after asking the server's archive (XEP-0313)
 * which of them it already has — so a message whose confirmation was lost is not sent twice.
 *
 * "Confirmed" is either a XEP-0198 ack covering the stanza, or, without stream management, the
 * answer to an IQ sent after it: a server processes one stream's stanzas in order (RFC 6120
 * §10.1), so the answer proves everything before it was received.
 */
import type { AccountStore } from '../store/im-store';

export interface OutboxLink {
  /** Writes the stanza to the live stream. */
  transmit(stanza: string): void;
  /** Resolves when the server has received everything transmitted so far; rejects if the link died. */
  confirm(): Promise<void>;
  /** Of these outbox ids, the ones the server already archived (already sent); empty without MAM. */
  alreadySent(entries: readonly { readonly msgId: string; readonly peer: string; readonly created: number }[]): Promise<ReadonlySet<string>>;
}

export interface Outbox {
  /** Persists the stanza; sends it now when a link is attached. */
  submit(entry: { readonly msgId: string; readonly peer: string; readonly stanza: string }): void;
  /**
   * A session is up. `resumed`: the same link continues on a resumed stream (XEP-0198) — the SM
   * layer re-sends what the server did not ack; we only send what was queued meanwhile. Else a
   * new link: ask the archive what arrived, re-send the rest.
   */
  attach(link: OutboxLink, opts: { readonly resumed: boolean }): Promise<void>;
  detach(): void;
  pending(): number;
}

export interface OutboxEvents {
  /** The server has this message (state 'sent'). */
  readonly onSent: (peer: string, msgId: string) => void;
}

export function createOutbox(store: AccountStore, events: OutboxEvents, now: () => number = Date.now): Outbox {
  let link: OutboxLink | undefined;
  /** Transmitted on the current link and waiting for confirmation. */
  let unconfirmed: { msgId: string; peer: string }[] = [];
  /** The link a confirmation loop is running for (one loop per link). */
  let confirmingFor: OutboxLink | undefined;

  function settle(entries: readonly { msgId: string; peer: string }[]): void {
    for (const e of entries) {
      if (store.dequeue(e.msgId)) events.onSent(e.peer, e.msgId);
    }
  }

  /** Coalesces confirmations: one round trip covers every message sent before it. */
  function scheduleConfirm(l: OutboxLink): void {
    if (confirmingFor === l) return;
    confirmingFor = l;
    void Promise.resolve()
      .then(async () => {
        while (unconfirmed.length > 0 && link === l) {
          const batch = unconfirmed;
          unconfirmed = [];
          try {
            await l.confirm();
          } catch {
            // The link died: these stay in the outbox for the next session.
            return;
          }
          if (link !== l) return;
          settle(batch);
        }
      })
      .finally(() => {
        if (confirmingFor === l) confirmingFor = undefined;
        if (link === l && unconfirmed.length > 0) scheduleConfirm(l);
      });
  }

  /** What each link (one client; it survives a XEP-0198 resumption) has already written. */
  const sentOn = new WeakMap<OutboxLink, Set<string>>();

  function transmit(l: OutboxLink, e: { msgId: string; peer: string; stanza: string }): void {
    store.noteAttempt(e.msgId);
    l.transmit(e.stanza);
    let set = sentOn.get(l);
    if (!set) sentOn.set(l, (set = new Set()));
    set.add(e.msgId);
    unconfirmed.push({ msgId: e.msgId, peer: e.peer });
  }

  return {
    submit(entry) {
      store.enqueue({ ...entry, created: now() });
      if (link) {
        transmit(link, entry);
        scheduleConfirm(link);
      }
    },
    async attach(l, opts) {
      link = l;
      unconfirmed = [];
      const waiting = store.outbox();
      if (waiting.length === 0) return;
      let todo = waiting;
      if (opts.resumed) {
        // XEP-0198 §5: the server said which stanzas it had and the SM layer re-sent the rest
        // of what this link wrote; what was queued during the outage still has to go out.
        const written = sentOn.get(l) ?? new Set<string>();
        for (const w of waiting) {
          if (written.has(w.msgId)) unconfirmed.push({ msgId: w.msgId, peer: w.peer });
          else transmit(l, w);
        }
        scheduleConfirm(l);
        return;
      }
      try {
        const done = await l.alreadySent(waiting);
        if (link !== l) return;
        settle(waiting.filter((w) => done.has(w.msgId)));
        todo = waiting.filter((w) => !done.has(w.msgId));
      } catch {
        // No archive answer: re-send anyway. A duplicate at worst, never a loss; receivers
        // de-duplicate by origin-id (XEP-0359).
      }
      for (const e of todo) transmit(l, e);
      scheduleConfirm(l);
    },
    detach() {
      link = undefined;
      unconfirmed = [];
    },
    pending: () => store.outboxSize(),
  };
}
