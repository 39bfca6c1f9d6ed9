/**
 * Our chat states (XEP-0085) for the conversation being typed in, throttled: a state is sent only
 * when it changes (§5.2: no repeated notifications), 'composing' once when typing starts,
 * 'paused' after a few idle seconds (§5.3), 'active' when the draft is cleared, and 'inactive'
 * when the user leaves a conversation they were typing in. A sent message carries <active/>
 * itself, so sending needs no extra notification.
 */
import type { ChatStateName } from './slices/chats';

export interface ChatStateSenderOptions {
  readonly send: (peer: string, state: ChatStateName) => void;
  readonly setTimer: (cb: () => void, ms: number) => () => void;
  /** Idle typing time before 'paused' (XEP-0085 §5.3 suggests about 5 s; 30 s at most). */
  readonly pausedAfterMs?: number;
}

export interface ChatStateSender {
  /** The draft for `peer` changed to `text`. */
  typed(peer: string, text: string): void;
  /** A message went out to `peer` (it carried <active/>). */
  sent(peer: string): void;
  /** The user left the conversation with `peer`. */
  left(peer: string): void;
  dispose(): void;
}

export function createChatStateSender(opts: ChatStateSenderOptions): ChatStateSender {
  const pausedAfter = opts.pausedAfterMs ?? 5000;
  /** What `peer` last heard from us. */
  const last = new Map<string, ChatStateName>();
  let cancelPause: (() => void) | undefined;

  const set = (peer: string, state: ChatStateName): void => {
    if (last.get(peer) === state) return;
    last.set(peer, state);
    opts.send(peer, state);
  };
  const stopTimer = (): void => {
    cancelPause?.();
    cancelPause = undefined;
  };

  return {
    typed(peer, text) {
      stopTimer();
      if (text.trim() === '') {
        // Cleared without sending: only worth saying if they were told we were typing.
        const was = last.get(peer);
        if (was === 'composing' || was === 'paused') set(peer, 'active');
        return;
      }
      set(peer, 'composing');
      cancelPause = opts.setTimer(() => {
        cancelPause = undefined;
        set(peer, 'paused');
      }, pausedAfter);
    },
    sent(peer) {
      stopTimer();
      last.set(peer, 'active');
    },
    left(peer) {
      stopTimer();
      const was = last.get(peer);
      if (was === 'composing' || was === 'paused') set(peer, 'inactive');
    },
    dispose: stopTimer,
  };
}
