import { memo } from 'react';
import type { MessageStateName } from '../../../../shared/ipc/index';
import { t, type MessageKey as TextKey } from '../../i18n/en';
import { useMessage } from '../../state/im-selectors';
import type { MessageKey } from '../../state/slices/chats';
import { formatInstant, formatMessageTime } from '../common/format';
import { StateIcon } from './icons';

export const stateLabel = (state: MessageStateName): string => t(`chat.state.${state}` as TextKey);

/** Where our message is: icon and words (the words are what a screen reader and a colour-blind user get). */
function MessageStatus({ state }: { readonly state: MessageStateName }): React.JSX.Element {
  return (
    <span className={`message-state message-state-${state}`} data-testid="message-state" data-state={state}>
      <StateIcon state={state} />
      {stateLabel(state)}
    </span>
  );
}

/** One message; it selects itself, so a state or correction update re-renders this row only. */
export const MessageRow = memo(function MessageRow({ peer, msgKey, peerName }: { readonly peer: string; readonly msgKey: MessageKey; readonly peerName: string }): React.JSX.Element | null {
  const m = useMessage(peer, msgKey);
  if (!m) return null;
  const mine = m.direction === 'out';
  const sender = mine ? t('chat.you') : peerName;
  return (
    <article
      className={mine ? 'message message-out' : 'message message-in'}
      aria-label={t('chat.messageLabel', { sender, time: formatMessageTime(m.at) })}
      data-testid="message"
      data-id={m.id}
      data-direction={m.direction}
      data-state={m.state}
    >
      <p className="message-meta">
        <span className="message-sender">{sender}</span>{' '}
        <time dateTime={m.at} title={formatInstant(m.at)}>
          {formatMessageTime(m.at)}
        </time>
      </p>
      <p className="message-body" data-testid="message-body">
        {m.body}
      </p>
      {(m.corrected || mine) && (
        <p className="message-foot">
          {m.corrected && (
            <span className="message-edited" data-testid="message-edited">
              {t('chat.edited')}
            </span>
          )}
          {mine && <MessageStatus state={m.state} />}
        </p>
      )}
    </article>
  );
});
