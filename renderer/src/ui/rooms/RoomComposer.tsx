import { useId, useState } from 'react';
import { t } from '../../i18n/en';
import { getBastion } from '../../ipc/bastion';
import { useIsOnline } from '../../state/im-selectors';
import { requestVoice, sendGroupMessage } from '../../state/rooms-actions';
import { canSpeak, useRoomJoined, useSelf } from '../../state/rooms-selectors';

/**
 * The room's message box: Enter sends to everyone, Shift+Enter adds a line. A visitor of a
 * moderated room cannot send (XEP-0045 §7.4) and is offered to ask for voice (§8.6) instead; a
 * failed send keeps the text.
 */
export function RoomComposer({ room, name }: { readonly room: string; readonly name: string }): React.JSX.Element {
  const online = useIsOnline();
  const joined = useRoomJoined(room);
  const self = useSelf(room);
  const [text, setText] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [note, setNote] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const id = useId();
  const voiced = canSpeak(self);
  const usable = online && joined && voiced;

  const submit = async (): Promise<void> => {
    const body = text.replace(/\s+$/u, '');
    if (busy || !usable || body.trim() === '') return;
    setBusy(true);
    setError(undefined);
    setText('');
    const failure = await sendGroupMessage(getBastion(), room, body);
    setBusy(false);
    if (failure) {
      setText((typed) => (typed === '' ? body : `${body}\n${typed}`));
      setError(t('chat.sendFailed', { message: failure.message }));
    }
  };

  const askVoice = async (): Promise<void> => {
    setNote(undefined);
    const failure = await requestVoice(getBastion(), room);
    setNote(failure ? t('rooms.voiceRequestFailed', { message: failure.message }) : t('rooms.voiceRequested'));
  };

  const hintId = `${id}-hint`;
  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      {!online && <p className="composer-note">{t('rooms.offline')}</p>}
      {online && !joined && <p className="composer-note">{t('rooms.composerNotJoined')}</p>}
      {online && joined && self && !voiced && (
        <p className="composer-note">
          {t('rooms.noVoice')}{' '}
          <button type="button" className="button-small" onClick={() => void askVoice()}>
            {t('rooms.requestVoice')}
          </button>
        </p>
      )}
      {note && (
        <p role="status" className="composer-note">
          {note}
        </p>
      )}
      {error && (
        <p role="alert" className="field-error" data-testid="room-composer-error">
          {error}
        </p>
      )}
      <div className="composer-row">
        <label htmlFor={`${id}-text`} className="visually-hidden">
          {t('rooms.composer', { name })}
        </label>
        <textarea
          id={`${id}-text`}
          rows={2}
          value={text}
          maxLength={65_536}
          readOnly={!usable}
          aria-disabled={!usable || undefined}
          placeholder={t('rooms.composer', { name })}
          aria-describedby={hintId}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.nativeEvent.isComposing) return;
            if (e.key === 'Enter' && !e.shiftKey) {
              e.preventDefault();
              void submit();
            }
          }}
          data-testid="room-composer"
        />
        <button type="submit" className="button-primary" aria-disabled={busy || !usable || undefined}>
          {t('chat.send')}
        </button>
      </div>
      <p id={hintId} className="composer-hint">
        {t('rooms.composerHint')}
      </p>
    </form>
  );
}
