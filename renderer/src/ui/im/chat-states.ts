import { getBastion } from '../../ipc/bastion';
import { createChatStateSender, type ChatStateSender } from '../../state/chat-state-sender';
import { useStore } from '../../state/store';

let sender: ChatStateSender | undefined;

/** The renderer's one chat-state sender; notifications are only sent while connected (they are not worth queueing). */
export function chatStates(): ChatStateSender {
  sender ??= createChatStateSender({
    send: (peer, state) => {
      if (useStore.getState().connection.current.state !== 'connected') return;
      void getBastion().invoke('sendChatState', { to: peer, state });
    },
    setTimer: (cb, ms) => {
      const id = setTimeout(cb, ms);
      return () => clearTimeout(id);
    },
  });
  return sender;
}
