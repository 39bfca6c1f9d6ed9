import { memo } from 'react';
import { t } from '../../i18n/en';
import { useRoomEntry, useRoomSummary } from '../../state/rooms-selectors';
import type { EntryKey } from '../../state/slices/rooms';
import { formatInstant, formatMessageTime } from '../common/format';
import { StateIcon } from '../im/icons';
import { stateLabel } from '../im/MessageRow';
import { isWarning, systemText } from './room-text';

/** One line of a room's timeline; it selects itself, so a state change re-renders this row only. */
export const RoomEntryRow = memo(function RoomEntryRow({ room, entryKey }: { readonly room: string; readonly entryKey: EntryKey }): React.JSX.Element | null {
  const e = useRoomEntry(room, entryKey);
  const ownNick = useRoomSummary(room)?.nick;
  if (!e) return null;
  if (e.kind === 'system') {
    const text = systemText(e.event, ownNick);
    return (
      <p className={isWarning(e.event) ? 'system-line system-line-warning' : 'system-line'} data-testid="system-line" data-type={e.event.type}>
        <time dateTime={e.at} title={formatInstant(e.at)}>
          {formatMessageTime(e.at)}
        </time>{' '}
        <span>{text}</span>
      </p>
    );
  }
  const mine = e.kind === 'group' ? e.message.direction === 'out' : e.direction === 'out';
  const at = e.kind === 'group' ? e.message.at : e.at;
  const body = e.kind === 'group' ? e.message.body : e.body;
  const nick = e.kind === 'group' ? e.message.nick : e.nick;
  const sender = e.kind === 'private' ? (mine ? t('rooms.pmTo', { nick: e.nick }) : t('rooms.pmFrom', { nick: e.nick })) : mine ? t('chat.you') : (nick ?? t('rooms.theRoom'));
  const state = e.kind === 'group' && mine ? e.message.state : undefined;
  const classes = ['message', mine ? 'message-out' : 'message-in', e.kind === 'private' ? 'message-private' : ''].filter(Boolean).join(' ');
  return (
    <article
      className={classes}
      aria-label={t('chat.messageLabel', { sender, time: formatMessageTime(at) })}
      data-testid="room-message"
      data-kind={e.kind}
      data-nick={nick ?? ''}
      data-direction={mine ? 'out' : 'in'}
      data-state={state ?? ''}
      data-id={e.kind === 'group' ? e.message.id : e.id}
    >
      <p className="message-meta">
        <span className="message-sender">{sender}</span>{' '}
        <time dateTime={at} title={formatInstant(at)}>
          {formatMessageTime(at)}
        </time>
      </p>
      <p className="message-body" data-testid="message-body">
        {body}
      </p>
      {(state || (e.kind === 'group' && e.message.corrected)) && (
        <p className="message-foot">
          {e.kind === 'group' && e.message.corrected && <span className="message-edited">{t('chat.edited')}</span>}
          {state && (
            <span className={`message-state message-state-${state}`} data-testid="message-state" data-state={state}>
              <StateIcon state={state} />
              {stateLabel(state)}
            </span>
          )}
        </p>
      )}
    </article>
  );
});
