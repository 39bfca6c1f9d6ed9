import { useEffect, useId, useRef, useState } from 'react';
import { t } from '../../i18n/en';
import { getBastion } from '../../ipc/bastion';
import { correctMessage, sendMessage } from '../../state/im-actions';
import { useIsOnline } from '../../state/im-selectors';
import { messageKey } from '../../state/slices/chats';
import { useStore } from '../../state/store';
import { chatStates } from './chat-states';

interface Editing {
  readonly id: string;
  readonly original: string;
}

interface Sent {
  readonly id: string;
  readonly body: string;
}

/**
 * Our last message in the conversation (XEP-0308 allows correcting only that one). The one this
 * composer sent last may not be in the store yet (it is committed at the next frame): it is the
 * newest then.
 */
function lastOwnMessage(peer: string, sentHere: Sent | undefined): Sent | undefined {
  const c = useStore.getState().chats.conversations[peer];
  if (sentHere && !c?.byKey[messageKey('out', sentHere.id)]) return sentHere;
  if (!c) return undefined;
  for (let i = c.order.length - 1; i >= 0; i--) {
    const m = c.byKey[c.order[i] ?? ''];
    if (m?.direction === 'out') return m.state === 'failed' ? undefined : { id: m.id, body: m.body };
  }
  return undefined;
}

/**
 * The message box: Enter sends, Shift+Enter adds a line, Up in an empty box edits our last
 * message (XEP-0308), Escape cancels the edit. Typing sends throttled chat states (XEP-0085).
 * A failed send keeps the text so nothing the user wrote is lost.
 */
export function Composer({ peer, peerName }: { readonly peer: string; readonly peerName: string }): React.JSX.Element {
  const online = useIsOnline();
  const [text, setText] = useState('');
  const [editing, setEditing] = useState<Editing | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const ref = useRef<HTMLTextAreaElement>(null);
  const sentHere = useRef<Sent | undefined>(undefined);
  const id = useId();

  // Leaving the conversation while typing tells the peer we stopped.
  useEffect(() => () => chatStates().left(peer), [peer]);

  const cancelEdit = (): void => {
    setEditing(undefined);
    setText('');
    setError(undefined);
  };

  const submit = async (): Promise<void> => {
    const draft = text;
    const body = draft.replace(/\s+$/u, '');
    if (busy || body.trim() === '') return;
    const edit = editing;
    if (edit && body === edit.original) {
      cancelEdit();
      return;
    }
    // Cleared at once, so the next message can be typed; put back if the command fails.
    setBusy(true);
    setError(undefined);
    setText('');
    setEditing(undefined);
    let failure;
    if (edit) {
      failure = await correctMessage(getBastion(), peer, edit.id, body);
      if (!failure && sentHere.current?.id === edit.id) sentHere.current = { id: edit.id, body };
    } else {
      const r = await sendMessage(getBastion(), peer, body);
      if (r.ok) sentHere.current = { id: r.value.id, body };
      else failure = r.error;
    }
    setBusy(false);
    if (failure) {
      setText((typed) => (typed === '' ? draft : `${draft}\n${typed}`));
      if (edit) setEditing(edit);
      setError(t('chat.sendFailed', { message: failure.message }));
      return;
    }
    chatStates().sent(peer);
  };

  const onKeyDown = (e: React.KeyboardEvent<HTMLTextAreaElement>): void => {
    if (e.nativeEvent.isComposing) return; // an IME is composing: Enter picks the candidate
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      void submit();
    } else if (e.key === 'ArrowUp' && text === '' && !editing && !busy) {
      const last = lastOwnMessage(peer, sentHere.current);
      if (!last) return;
      e.preventDefault();
      setEditing({ id: last.id, original: last.body });
      setText(last.body);
    } else if (e.key === 'Escape' && editing) {
      e.preventDefault();
      e.stopPropagation();
      cancelEdit();
    }
  };

  const hintId = `${id}-hint`;
  const stateId = `${id}-state`;
  return (
    <form
      className={editing ? 'composer composer-editing' : 'composer'}
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      {!online && <p className="composer-note">{t('chat.offline')}</p>}
      {editing && (
        <p id={stateId} className="composer-note composer-editing-note" data-testid="composer-editing">
          {t('chat.editing')}
        </p>
      )}
      {error && (
        <p role="alert" className="field-error" data-testid="composer-error">
          {error}
        </p>
      )}
      <div className="composer-row">
        <label htmlFor={`${id}-text`} className="visually-hidden">
          {t('chat.composer', { name: peerName })}
        </label>
        <textarea
          id={`${id}-text`}
          ref={ref}
          rows={2}
          value={text}
          maxLength={65_536}
          placeholder={t('chat.composer', { name: peerName })}
          aria-describedby={editing ? `${stateId} ${hintId}` : hintId}
          onChange={(e) => {
            setText(e.target.value);
            if (!editing) chatStates().typed(peer, e.target.value);
          }}
          onKeyDown={onKeyDown}
          data-testid="composer"
        />
        {editing && (
          <button type="button" className="button-small" onClick={cancelEdit}>
            {t('chat.cancelEdit')}
          </button>
        )}
        <button type="submit" className="button-primary" aria-disabled={busy || undefined}>
          {editing ? t('chat.save') : t('chat.send')}
        </button>
      </div>
      <p id={hintId} className="composer-hint">
        {t('chat.composerHint')}
      </p>
    </form>
  );
}
