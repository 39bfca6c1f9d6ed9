import { useCallback, useId, useRef, useState } from 'react';
import { t } from '../../i18n/en';
import { getBastion } from '../../ipc/bastion';
import { answerVoiceRequest, closeRoom, joinRoom, leaveRoom, setBookmark, setRoomSubject } from '../../state/rooms-actions';
import { canChangeSubject, isOwner, roomName, useBookmarks, useRoomExists, useRoomJoined, useRoomLeft, useRoomSummary, useSelf, useVoiceRequests } from '../../state/rooms-selectors';
import { Inbox, InboxItem, useInboxAnswer } from '../common/Inbox';
import { MenuButton, type MenuItem } from '../common/MenuButton';
import { OccupantList, type OccupantAction } from './OccupantList';
import { RoomComposer } from './RoomComposer';
import { RoomConfigDialog } from './RoomConfigDialog';
import { DestroyDialog, InviteDialog, NickDialog, PrivateMessageDialog, ReasonDialog } from './RoomDialogs';
import { RoomMessageList } from './RoomMessageList';
import { leftLabel, roleLabel } from './room-text';

type Dialog = OccupantAction | { readonly kind: 'invite' } | { readonly kind: 'nick' } | { readonly kind: 'config' } | { readonly kind: 'destroy' };

/** The open room (keyed by room: switching rooms starts with fresh scroll, draft and dialogs). */
export function RoomPane({ room }: { readonly room: string }): React.JSX.Element {
  return <RoomView key={room} room={room} />;
}

function RoomView({ room }: { readonly room: string }): React.JSX.Element {
  const exists = useRoomExists(room);
  const summary = useRoomSummary(room);
  const joined = useRoomJoined(room);
  const left = useRoomLeft(room);
  const self = useSelf(room);
  const bookmarks = useBookmarks();
  const [dialog, setDialog] = useState<Dialog | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [note, setNote] = useState<string | undefined>();
  const onAction = useCallback((a: OccupantAction) => setDialog(a), []);
  const close = useCallback(() => setDialog(undefined), []);
  const name = roomName(room, summary);

  if (!exists || !summary) {
    return (
      <section className="chat chat-none" aria-label={t('rooms.joining', { room })}>
        <p className="placeholder">{t('rooms.joining', { room })}</p>
      </section>
    );
  }

  const bookmarked = bookmarks.some((b) => b.room === room);
  const owner = isOwner(self);
  const run = async (f: () => Promise<{ readonly message: string } | undefined>, failed: (m: string) => string, done?: string): Promise<void> => {
    setError(undefined);
    setNote(undefined);
    const e = await f();
    if (e) setError(failed(e.message));
    else if (done) setNote(done);
  };

  const more: MenuItem[] = [];
  if (joined) more.push({ id: 'nick', label: t('rooms.changeNick'), onSelect: () => setDialog({ kind: 'nick' }) });
  if (!bookmarked)
    more.push({
      id: 'bookmark',
      label: t('rooms.bookmark'),
      onSelect: () => void run(() => setBookmark(getBastion(), { room, autojoin: true, nick: summary.nick, ...(summary.name ? { name: summary.name } : {}) }), (message) => t('bookmarks.failed', { message }), t('bookmarks.saved', { room })),
    });
  if (joined && owner) more.push({ id: 'config', label: t('rooms.configure'), onSelect: () => setDialog({ kind: 'config' }) });
  if (joined && owner) more.push({ id: 'destroy', label: t('rooms.destroy'), danger: true, onSelect: () => setDialog({ kind: 'destroy' }) });

  return (
    <section className="chat room" aria-labelledby="room-title" data-room={room} data-testid="room-view">
      <header className="chat-header room-header">
        <div className="chat-who">
          <h2 id="room-title" aria-label={t('rooms.region', { name })}>
            {name}
          </h2>
          <p className="chat-presence" data-testid="room-line">
            {joined && self ? t('rooms.youAre', { room, nick: self.nick, role: roleLabel(self.role) }) : room}
          </p>
          <SubjectLine room={room} subject={summary.subject ?? ''} editable={joined && canChangeSubject(self)} />
        </div>
        <div className="header-actions room-actions">
          {joined && (
            <button type="button" className="button-small" onClick={() => setDialog({ kind: 'invite' })}>
              {t('rooms.invite')}
            </button>
          )}
          {more.length > 0 && <MenuButton label={t('rooms.more')} items={more} className="button-small" testId="room-menu" />}
          {joined ? (
            <button type="button" className="button-small" onClick={() => void run(() => leaveRoom(getBastion(), room), (message) => t('rooms.leaveFailed', { message }))}>
              {t('rooms.leave')}
            </button>
          ) : (
            <>
              <button type="button" className="button-small" onClick={() => void run(async () => { const r = await joinRoom(getBastion(), room, summary.nick); return r.ok ? undefined : r.error; }, (message) => t('rooms.joinFailed', { message }))}>
                {t('rooms.rejoin')}
              </button>
              <button type="button" className="button-small" onClick={() => closeRoom(room)}>
                {t('rooms.close')}
              </button>
            </>
          )}
        </div>
      </header>
      {!joined && left && (
        <p className="alert alert-warning room-left" role="status" data-testid="room-left">
          {t('rooms.notInRoom', { what: leftLabel(left.reason) })}
        </p>
      )}
      {error && (
        <p role="alert" className="alert alert-error">
          {error}
        </p>
      )}
      {note && (
        <p role="status" className="alert alert-info">
          {note}
        </p>
      )}
      <VoiceRequests room={room} />
      <div className="room-body">
        <div className="room-timeline">
          <RoomMessageList room={room} name={name} />
          <RoomComposer room={room} name={name} />
        </div>
        <OccupantList room={room} onAction={onAction} />
      </div>
      {dialog?.kind === 'moderate' && <ReasonDialog room={room} target={dialog.target} action={dialog.action} onClose={close} />}
      {dialog?.kind === 'private' && <PrivateMessageDialog room={room} nick={dialog.nick} onClose={close} />}
      {dialog?.kind === 'invite' && <InviteDialog room={room} name={name} onClose={close} />}
      {dialog?.kind === 'nick' && <NickDialog room={room} current={summary.nick} onClose={close} />}
      {dialog?.kind === 'config' && <RoomConfigDialog room={room} name={name} onClose={close} />}
      {dialog?.kind === 'destroy' && <DestroyDialog room={room} name={name} onClose={close} />}
    </section>
  );
}

/** The subject (§8.1); those allowed edit it in place: Enter saves, Escape cancels. */
function SubjectLine({ room, subject, editable }: { readonly room: string; readonly subject: string; readonly editable: boolean }): React.JSX.Element {
  const id = useId();
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(subject);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const editRef = useRef<HTMLButtonElement>(null);

  const stop = (): void => {
    setEditing(false);
    setError(undefined);
    // Back to the Edit button (it is rendered again after this update).
    requestAnimationFrame(() => editRef.current?.focus());
  };
  const save = async (e: React.FormEvent): Promise<void> => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(undefined);
    const err = await setRoomSubject(getBastion(), room, text.trim());
    setBusy(false);
    if (err) setError(t('subject.failed', { message: err.message }));
    else stop();
  };

  if (editing) {
    return (
      <form className="subject-edit" onSubmit={(e) => void save(e)}>
        <label htmlFor={`${id}-subject`} className="visually-hidden">
          {t('subject.label')}
        </label>
        <input
          id={`${id}-subject`}
          type="text"
          value={text}
          maxLength={4096}
          autoComplete="off"
          // Focus moves into the field the user just asked for.
          autoFocus
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              e.preventDefault();
              e.stopPropagation();
              stop();
            }
          }}
          data-testid="subject-input"
        />
        <button type="submit" className="button-small button-primary" aria-disabled={busy || undefined}>
          {t('subject.save')}
        </button>
        <button type="button" className="button-small" onClick={stop}>
          {t('subject.cancel')}
        </button>
        {error && (
          <p role="alert" className="field-error">
            {error}
          </p>
        )}
      </form>
    );
  }
  return (
    <p className="room-subject" data-testid="room-subject">
      <span className="visually-hidden">{t('subject.label')}: </span>
      <span className={subject ? undefined : 'muted'}>{subject || t('subject.none')}</span>
      {editable && (
        <>
          {' '}
          <button
            ref={editRef}
            type="button"
            className="button-small button-quiet"
            onClick={() => {
              setText(subject);
              setEditing(true);
            }}
          >
            {t('subject.edit')}
          </button>
        </>
      )}
    </p>
  );
}

/** Visitors asking for voice (§8.6), for the room's moderators to allow or deny. */
function VoiceRequests({ room }: { readonly room: string }): React.JSX.Element | null {
  const requests = useVoiceRequests(room);
  const { error, answer } = useInboxAnswer();
  if (!requests || requests.length === 0) return null;
  const reply = (id: string, allow: boolean) => () => void answer(() => answerVoiceRequest(getBastion(), room, id, allow), (message) => t('voice.failed', { message }));
  return (
    <Inbox titleId={`voice-${room}`} title={t('voice.title')} count={requests.length} className="requests voice-requests" testId="voice-requests" error={error}>
      {requests.map((r) => {
        const who = r.nick ?? r.jid ?? '?';
        return (
          <InboxItem
            key={r.id}
            className="request request-inline"
            yes={{ text: t('voice.allow'), label: t('voice.allowLabel', { nick: who }), onClick: reply(r.id, true) }}
            no={{ text: t('voice.deny'), label: t('voice.denyLabel', { nick: who }), onClick: reply(r.id, false) }}
          >
            <span className="request-jid">{who}</span>
          </InboxItem>
        );
      })}
    </Inbox>
  );
}
