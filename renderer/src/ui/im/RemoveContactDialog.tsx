import { useRef, useState } from 'react';
import { t } from '../../i18n/en';
import { getBastion } from '../../ipc/bastion';
import { removeContact } from '../../state/im-actions';
import { ModalDialog } from '../common/ModalDialog';

/** Asks before removing a contact: removal also ends both presence subscriptions (RFC 6121 §2.5). */
export function RemoveContactDialog({ jid, name, onClose }: { readonly jid: string; readonly name: string; readonly onClose: () => void }): React.JSX.Element {
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | undefined>();
  const cancelRef = useRef<HTMLButtonElement>(null);

  const confirm = async (): Promise<void> => {
    if (busy) return;
    setBusy(true);
    const error = await removeContact(getBastion(), jid);
    setBusy(false);
    if (error) setFailure(t('removeContact.failed', { message: error.message }));
    else onClose();
  };

  return (
    <ModalDialog labelledBy="remove-contact-title" describedBy="remove-contact-body" onCancel={onClose} initialFocus={cancelRef} className="form-dialog">
      <h2 id="remove-contact-title">{t('removeContact.title', { name })}</h2>
      <p id="remove-contact-body">{t('removeContact.body', { jid })}</p>
      {failure && (
        <p role="alert" className="alert alert-error">
          {failure}
        </p>
      )}
      <div className="actions">
        <button ref={cancelRef} type="button" onClick={onClose}>
          {t('removeContact.cancel')}
        </button>
        <button type="button" className="button-danger" aria-disabled={busy || undefined} onClick={() => void confirm()}>
          {busy ? t('removeContact.removing') : t('removeContact.confirm')}
        </button>
      </div>
    </ModalDialog>
  );
}
