import { useEffect, useId, useRef, useState } from 'react';
import { parseAccountJid } from '../../../../shared/xmpp/jid';
import { t } from '../../i18n/en';
import { getBastion } from '../../ipc/bastion';
import { useAccount } from '../../state/im-selectors';
import { browseRooms, createRoom, openRoom, type CreateRoomSettings } from '../../state/rooms-actions';
import { Field } from '../common/Field';
import { FormDialog } from '../common/FormDialog';
import { ModalDialog } from '../common/ModalDialog';
import { defaultNick } from './room-text';

interface Created {
  readonly room: string;
  readonly unsupported: readonly string[];
}

const SETTING_LABEL: Readonly<Record<string, Parameters<typeof t>[0]>> = {
  name: 'create.name',
  description: 'create.description',
  persistent: 'create.persistent',
  public: 'create.public',
  membersOnly: 'create.membersOnly',
  moderated: 'create.moderated',
  password: 'create.password',
};

/**
 * Creates a room on a conference service of our server, configured with the common settings
 * (createRoom: a reserved room, §10.1.3). Settings the service's form does not offer are
 * reported afterwards, so the user knows what did not apply.
 */
export function CreateRoomDialog({ onClose }: { readonly onClose: () => void }): React.JSX.Element {
  const id = useId();
  const account = useAccount();
  const [services, setServices] = useState<readonly string[]>([]);
  const [local, setLocal] = useState('');
  const [service, setService] = useState('');
  const [nick, setNick] = useState(defaultNick(account));
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [persistent, setPersistent] = useState(true);
  const [isPublic, setIsPublic] = useState(false);
  const [membersOnly, setMembersOnly] = useState(false);
  const [moderated, setModerated] = useState(false);
  const [password, setPassword] = useState('');
  const [roomError, setRoomError] = useState<string | undefined>();
  const [created, setCreated] = useState<Created | undefined>();
  const localRef = useRef<HTMLInputElement>(null);
  const openRef = useRef<HTMLButtonElement>(null);
  const result = useRef<Created | undefined>(undefined);

  useEffect(() => {
    void browseRooms(getBastion(), undefined, '').then((r) => {
      if (!r.ok) return;
      setServices(r.value.services);
      setService((s) => s || r.value.service || r.value.services[0] || '');
    });
  }, []);

  const address = (): string | undefined => {
    const typed = local.trim();
    // A full address typed into the name field wins over the service.
    const jid = typed.includes('@') ? typed : `${typed}@${service.trim()}`;
    const r = parseAccountJid(jid);
    if (typed === '') setRoomError(t('create.roomRequired'));
    else if (!r.ok || (service.trim() === '' && !typed.includes('@'))) setRoomError(t('create.roomInvalid', { reason: r.ok ? t('create.serviceRequired') : r.reason }));
    else {
      setRoomError(undefined);
      return r.jid;
    }
    localRef.current?.focus();
    return undefined;
  };

  if (created) {
    return (
      <ModalDialog labelledBy={`${id}-done`} onCancel={onClose} initialFocus={openRef} className="form-dialog">
        <h2 id={`${id}-done`}>{t('create.doneTitle')}</h2>
        <p>{t('create.done', { room: created.room })}</p>
        <div role="status" className="alert alert-warning" data-testid="create-unsupported">
          <p>{t('create.unsupported')}</p>
          <ul>
            {created.unsupported.map((u) => (
              <li key={u}>{SETTING_LABEL[u] ? t(SETTING_LABEL[u]) : u}</li>
            ))}
          </ul>
        </div>
        <div className="actions">
          <button type="button" onClick={onClose}>
            {t('create.close')}
          </button>
          <button
            ref={openRef}
            type="button"
            className="button-primary"
            onClick={() => {
              openRoom(getBastion(), created.room);
              onClose();
            }}
          >
            {t('create.open')}
          </button>
        </div>
      </ModalDialog>
    );
  }

  const validate = (): string | undefined => (!address() ? t('create.fix') : nick.trim() === '' ? t('browser.nickRequired') : undefined);
  const submit = async (): Promise<string | undefined> => {
    const room = address();
    if (!room) return t('create.fix');
    const settings: CreateRoomSettings = {
      persistent,
      public: isPublic,
      membersOnly,
      moderated,
      ...(name.trim() ? { name: name.trim() } : {}),
      ...(description.trim() ? { description: description.trim() } : {}),
      ...(password ? { password } : {}),
    };
    const r = await createRoom(getBastion(), room, nick.trim(), settings);
    if (!r.ok) return t('create.failed', { message: r.error.message });
    result.current = { room: r.value.room, unsupported: r.value.unsupported };
    return undefined;
  };

  return (
    <FormDialog
      title={t('create.title')}
      intro={t('create.intro')}
      submitLabel={t('create.submit')}
      busyLabel={t('create.creating')}
      cancelLabel={t('create.cancel')}
      failedText={(message) => t('create.failed', { message })}
      validate={validate}
      onSubmit={submit}
      onClose={onClose}
      onDone={() => {
        const r = result.current;
        if (!r) return onClose();
        if (r.unsupported.length > 0) setCreated(r);
        else {
          openRoom(getBastion(), r.room);
          onClose();
        }
      }}
      initialFocus={localRef}
      className="create-dialog"
      testId="create-room-form"
    >
      <div className="inline-fields">
        <Field
          id={`${id}-local`}
          inputRef={localRef}
          label={t('create.room')}
          hint={t('create.roomHint')}
          error={roomError}
          type="text"
          autoComplete="off"
          spellCheck={false}
          value={local}
          onChange={(e) => {
            setLocal(e.target.value);
            setRoomError(undefined);
          }}
        />
        {services.length > 0 ? (
          <div className="field">
            <label htmlFor={`${id}-service`}>{t('create.service')}</label>
            <select id={`${id}-service`} value={service} onChange={(e) => setService(e.target.value)}>
              {services.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </div>
        ) : (
          <Field id={`${id}-service`} label={t('create.service')} type="text" autoComplete="off" spellCheck={false} value={service} onChange={(e) => setService(e.target.value)} />
        )}
      </div>
      <Field id={`${id}-nick`} label={t('browser.nick')} type="text" autoComplete="off" maxLength={1023} value={nick} onChange={(e) => setNick(e.target.value)} />
      <fieldset>
        <legend>{t('create.settings')}</legend>
        <Field id={`${id}-name`} label={t('create.name')} type="text" autoComplete="off" maxLength={1024} value={name} onChange={(e) => setName(e.target.value)} />
        <Field id={`${id}-description`} label={t('create.description')} type="text" autoComplete="off" maxLength={4096} value={description} onChange={(e) => setDescription(e.target.value)} />
        <Check id={`${id}-persistent`} label={t('create.persistent')} hint={t('create.persistentHint')} checked={persistent} onChange={setPersistent} />
        <Check id={`${id}-public`} label={t('create.public')} hint={t('create.publicHint')} checked={isPublic} onChange={setIsPublic} />
        <Check id={`${id}-members`} label={t('create.membersOnly')} hint={t('create.membersOnlyHint')} checked={membersOnly} onChange={setMembersOnly} />
        <Check id={`${id}-moderated`} label={t('create.moderated')} hint={t('create.moderatedHint')} checked={moderated} onChange={setModerated} />
        <Field id={`${id}-password`} label={t('create.password')} hint={t('create.passwordHint')} type="password" autoComplete="new-password" maxLength={1024} value={password} onChange={(e) => setPassword(e.target.value)} />
      </fieldset>
    </FormDialog>
  );
}

function Check({ id, label, hint, checked, onChange }: { readonly id: string; readonly label: string; readonly hint: string; readonly checked: boolean; readonly onChange: (v: boolean) => void }): React.JSX.Element {
  return (
    <div className="field field-check">
      <input id={id} type="checkbox" checked={checked} aria-describedby={`${id}-hint`} onChange={(e) => onChange(e.target.checked)} />
      <label htmlFor={id}>{label}</label>
      <p id={`${id}-hint`} className="field-hint">
        {hint}
      </p>
    </div>
  );
}
