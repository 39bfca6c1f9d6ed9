import { useRef, useState } from 'react';
import { parseAccountJid } from '../../../../shared/xmpp/jid';
import { t } from '../../i18n/en';
import { getBastion } from '../../ipc/bastion';
import { addContact } from '../../state/im-actions';
import { useAccount, useContacts } from '../../state/im-selectors';
import { Field } from '../common/Field';
import { ModalDialog } from '../common/ModalDialog';

/** Adds a contact (roster set + subscription request; they must approve before we see their presence). */
export function AddContactDialog({ onClose }: { readonly onClose: () => void }): React.JSX.Element {
  const account = useAccount();
  const contacts = useContacts();
  const [jid, setJid] = useState('');
  const [name, setName] = useState('');
  const [group, setGroup] = useState('');
  const [jidError, setJidError] = useState<string | undefined>();
  const [failure, setFailure] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const jidRef = useRef<HTMLInputElement>(null);

  const submit = async (e: React.FormEvent): Promise<void> => {
    e.preventDefault();
    if (busy) return;
    const r = parseAccountJid(jid.trim());
    const problem =
      jid.trim() === ''
        ? t('addContact.jidRequired')
        : !r.ok
          ? t('addContact.jidInvalid', { reason: r.reason })
          : r.jid === account
            ? t('addContact.jidSelf')
            : contacts[r.jid]
              ? t('addContact.jidKnown')
              : undefined;
    if (problem || !r.ok) {
      setJidError(problem);
      jidRef.current?.focus();
      return;
    }
    setJidError(undefined);
    setFailure(undefined);
    setBusy(true);
    const error = await addContact(getBastion(), r.jid, name, group);
    setBusy(false);
    if (error) setFailure(t('addContact.failed', { message: error.message }));
    else onClose();
  };

  return (
    <ModalDialog labelledBy="add-contact-title" describedBy="add-contact-intro" onCancel={onClose} initialFocus={jidRef} className="form-dialog">
      <form onSubmit={(e) => void submit(e)} noValidate>
        <h2 id="add-contact-title">{t('addContact.title')}</h2>
        <p id="add-contact-intro" className="muted">
          {t('addContact.intro')}
        </p>
        {failure && (
          <p role="alert" className="alert alert-error">
            {failure}
          </p>
        )}
        <Field
          id="add-contact-jid"
          label={t('addContact.jid')}
          hint={t('addContact.jidHint')}
          error={jidError}
          inputRef={jidRef}
          type="text"
          autoComplete="off"
          spellCheck={false}
          value={jid}
          onChange={(e) => {
            setJid(e.target.value);
            setJidError(undefined);
          }}
        />
        <Field id="add-contact-name" label={t('addContact.name')} type="text" autoComplete="off" maxLength={1024} value={name} onChange={(e) => setName(e.target.value)} />
        <Field id="add-contact-group" label={t('addContact.group')} type="text" autoComplete="off" maxLength={1024} value={group} onChange={(e) => setGroup(e.target.value)} />
        <div className="actions">
          <button type="button" onClick={onClose}>
            {t('addContact.cancel')}
          </button>
          <button type="submit" className="button-primary" aria-disabled={busy || undefined}>
            {busy ? t('addContact.adding') : t('addContact.submit')}
          </button>
        </div>
      </form>
    </ModalDialog>
  );
}
