/** The small dialogs of a room: moderation reason, invite, nick, private message, destroy. */
import { useId, useMemo, useRef, useState } from 'react';
import type { Occupant } from '../../../../shared/ipc/index';
import { parseAccountJid } from '../../../../shared/xmpp/jid';
import { t } from '../../i18n/en';
import { getBastion } from '../../ipc/bastion';
import { useContacts } from '../../state/im-selectors';
import { changeRoomNick, destroyRoom, inviteToRoom, sendRoomPrivateMessage, setOccupantRole, setRoomAffiliation, type AffiliationChange, type RoleChange } from '../../state/rooms-actions';
import type { ModerationAction } from '../../state/rooms-selectors';
import { Field } from '../common/Field';
import { FormDialog, TextAreaField } from '../common/FormDialog';
import { actionLabel, actionQuestion } from './room-text';

const ROLE_OF: Partial<Record<ModerationAction, RoleChange>> = {
  kick: 'none',
  'grant-voice': 'participant',
  'revoke-voice': 'visitor',
  'grant-moderator': 'moderator',
  'revoke-moderator': 'participant',
};
const AFFILIATION_OF: Partial<Record<ModerationAction, AffiliationChange>> = {
  ban: 'outcast',
  member: 'member',
  admin: 'admin',
  owner: 'owner',
  'remove-affiliation': 'none',
};
const DANGER: ReadonlySet<ModerationAction> = new Set(['kick', 'ban']);

/** A bare JID from an occupant's real JID (affiliations are per bare JID, §5.2). */
const bareOf = (jid: string): string => jid.split('/')[0] ?? jid;

/**
 * Asks for the reason of a moderation action (the room passes it to the occupant, §8.2) and
 * runs it: roles by nick (§8), affiliations by real JID (§9, §10).
 */
export function ReasonDialog({ room, target, action, onClose }: { readonly room: string; readonly target: Occupant; readonly action: ModerationAction; readonly onClose: () => void }): React.JSX.Element {
  const id = useId();
  const [reason, setReason] = useState('');
  const ref = useRef<HTMLTextAreaElement>(null);
  const submit = async () => {
    const role = ROLE_OF[action];
    if (role) return setOccupantRole(getBastion(), room, target.nick, role, reason);
    const affiliation = AFFILIATION_OF[action];
    if (affiliation && target.jid) return setRoomAffiliation(getBastion(), room, bareOf(target.jid), affiliation, reason);
    return t('moderation.noJid', { nick: target.nick });
  };
  return (
    <FormDialog
      title={actionQuestion(action, target.nick)}
      intro={t('moderation.intro', { nick: target.nick })}
      submitLabel={actionLabel(action)}
      busyLabel={t('moderation.working')}
      cancelLabel={t('moderation.cancel')}
      failedText={(message) => t('moderation.failed', { message })}
      onSubmit={submit}
      onClose={onClose}
      danger={DANGER.has(action)}
      initialFocus={ref}
      testId="reason-form"
    >
      <TextAreaField id={`${id}-reason`} inputRef={ref} label={t('moderation.reason')} value={reason} onChange={setReason} maxLength={1024} />
    </FormDialog>
  );
}

export function InviteDialog({ room, name, onClose }: { readonly room: string; readonly name: string; readonly onClose: () => void }): React.JSX.Element {
  const id = useId();
  const contacts = useContacts();
  const [jid, setJid] = useState('');
  const [reason, setReason] = useState('');
  const [jidError, setJidError] = useState<string | undefined>();
  const ref = useRef<HTMLInputElement>(null);
  const options = useMemo(() => Object.keys(contacts).sort(), [contacts]);
  const validate = (): string | undefined => {
    const r = parseAccountJid(jid.trim());
    const problem = jid.trim() === '' ? t('invite.jidRequired') : !r.ok ? t('addContact.jidInvalid', { reason: r.reason }) : undefined;
    setJidError(problem);
    if (problem) ref.current?.focus();
    return problem ? t('create.fix') : undefined;
  };
  return (
    <FormDialog
      title={t('invite.title', { name })}
      intro={t('invite.intro')}
      submitLabel={t('invite.submit')}
      busyLabel={t('invite.sending')}
      cancelLabel={t('moderation.cancel')}
      failedText={(message) => t('invite.failed', { message })}
      validate={validate}
      onSubmit={() => inviteToRoom(getBastion(), room, jid.trim(), reason)}
      onClose={onClose}
      initialFocus={ref}
    >
      <Field
        id={`${id}-jid`}
        inputRef={ref}
        label={t('invite.jid')}
        hint={t('invite.jidHint')}
        error={jidError}
        type="text"
        list={`${id}-contacts`}
        autoComplete="off"
        spellCheck={false}
        value={jid}
        onChange={(e) => {
          setJid(e.target.value);
          setJidError(undefined);
        }}
      />
      <datalist id={`${id}-contacts`}>
        {options.map((c) => (
          <option key={c} value={c} />
        ))}
      </datalist>
      <TextAreaField id={`${id}-reason`} label={t('invite.reason')} value={reason} onChange={setReason} maxLength={1024} rows={2} />
    </FormDialog>
  );
}

export function NickDialog({ room, current, onClose }: { readonly room: string; readonly current: string; readonly onClose: () => void }): React.JSX.Element {
  const id = useId();
  const [nick, setNick] = useState(current);
  const ref = useRef<HTMLInputElement>(null);
  return (
    <FormDialog
      title={t('nick.title')}
      submitLabel={t('nick.submit')}
      busyLabel={t('nick.changing')}
      cancelLabel={t('moderation.cancel')}
      failedText={(message) => t('nick.failed', { message })}
      validate={() => (nick.trim() === '' ? t('browser.nickRequired') : undefined)}
      onSubmit={() => changeRoomNick(getBastion(), room, nick.trim())}
      onClose={onClose}
      initialFocus={ref}
    >
      <Field id={`${id}-nick`} inputRef={ref} label={t('browser.nick')} type="text" autoComplete="off" maxLength={1023} value={nick} onChange={(e) => setNick(e.target.value)} />
    </FormDialog>
  );
}

export function PrivateMessageDialog({ room, nick, onClose }: { readonly room: string; readonly nick: string; readonly onClose: () => void }): React.JSX.Element {
  const id = useId();
  const [body, setBody] = useState('');
  const ref = useRef<HTMLTextAreaElement>(null);
  return (
    <FormDialog
      title={t('pm.title', { nick })}
      intro={t('pm.intro', { nick })}
      submitLabel={t('chat.send')}
      busyLabel={t('pm.sending')}
      cancelLabel={t('moderation.cancel')}
      failedText={(message) => t('chat.sendFailed', { message })}
      validate={() => (body.trim() === '' ? t('pm.empty') : undefined)}
      onSubmit={() => sendRoomPrivateMessage(getBastion(), room, nick, body.replace(/\s+$/u, ''))}
      onClose={onClose}
      initialFocus={ref}
    >
      <TextAreaField id={`${id}-body`} inputRef={ref} label={t('pm.body', { nick })} value={body} onChange={setBody} maxLength={65_536} />
    </FormDialog>
  );
}

export function DestroyDialog({ room, name, onClose }: { readonly room: string; readonly name: string; readonly onClose: () => void }): React.JSX.Element {
  const id = useId();
  const [reason, setReason] = useState('');
  const ref = useRef<HTMLTextAreaElement>(null);
  return (
    <FormDialog
      title={t('destroy.title', { name })}
      intro={t('destroy.intro', { room })}
      submitLabel={t('destroy.submit')}
      busyLabel={t('destroy.destroying')}
      cancelLabel={t('moderation.cancel')}
      failedText={(message) => t('destroy.failed', { message })}
      onSubmit={() => destroyRoom(getBastion(), room, reason)}
      onClose={onClose}
      danger
      initialFocus={ref}
      testId="destroy-form"
    >
      <TextAreaField id={`${id}-reason`} inputRef={ref} label={t('moderation.reason')} value={reason} onChange={setReason} maxLength={1024} rows={2} />
    </FormDialog>
  );
}
