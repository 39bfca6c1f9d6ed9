import { useState } from 'react';
import { t } from '../../i18n/en';
import { displayName, useContact, useIsOnline, useOpenChat, usePeerChatState, usePresence } from '../../state/im-selectors';
import { Composer } from './Composer';
import { MessageList } from './MessageList';
import { PresenceDot, showLabel } from './presence';
import { RemoveContactDialog } from './RemoveContactDialog';

/** The open conversation, or a hint to pick one. */
export function ChatPane(): React.JSX.Element {
  const peer = useOpenChat();
  if (!peer) {
    return (
      <section className="chat chat-none" aria-label={t('chat.none')}>
        <p className="placeholder">{t('chat.none')}</p>
      </section>
    );
  }
  // Keyed by peer: switching conversations starts with fresh scroll, draft and edit state.
  return <Conversation key={peer} peer={peer} />;
}

function PeerPresence({ peer }: { readonly peer: string }): React.JSX.Element {
  const presence = usePresence(peer);
  const online = useIsOnline();
  const show = online ? (presence?.show ?? 'offline') : 'unknown';
  return (
    <p className="chat-presence" data-testid="chat-presence">
      <PresenceDot show={show} />
      <span>
        {t('chat.peerLine', { jid: peer, show: online && presence?.status ? t('roster.statusText', { show: showLabel(show), status: presence.status }) : showLabel(show) })}
      </span>
    </p>
  );
}

function TypingIndicator({ peer, peerName }: { readonly peer: string; readonly peerName: string }): React.JSX.Element {
  const state = usePeerChatState(peer);
  const text = state === 'composing' ? t('chat.typing', { name: peerName }) : state === 'paused' ? t('chat.paused', { name: peerName }) : state === 'gone' ? t('chat.gone', { name: peerName }) : '';
  return (
    <p className="typing" role="status" data-testid="typing" data-chat-state={state ?? ''}>
      {text}
    </p>
  );
}

function Conversation({ peer }: { readonly peer: string }): React.JSX.Element {
  const contact = useContact(peer);
  const name = displayName(peer, contact);
  const [removing, setRemoving] = useState(false);
  return (
    <section className="chat" aria-labelledby="chat-title" data-peer={peer}>
      <header className="chat-header">
        <div className="chat-who">
          <h2 id="chat-title" aria-label={t('chat.region', { name })}>
            {name}
          </h2>
          <PeerPresence peer={peer} />
        </div>
        {contact && (
          <button type="button" className="button-small" onClick={() => setRemoving(true)}>
            {t('removeContact.button')}
          </button>
        )}
      </header>
      <MessageList peer={peer} peerName={name} />
      <TypingIndicator peer={peer} peerName={name} />
      <Composer peer={peer} peerName={name} />
      {removing && <RemoveContactDialog jid={peer} name={name} onClose={() => setRemoving(false)} />}
    </section>
  );
}
