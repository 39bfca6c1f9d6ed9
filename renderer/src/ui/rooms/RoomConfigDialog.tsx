import { useEffect, useId, useRef, useState } from 'react';
import type { DataFormWire } from '../../../../shared/ipc/index';
import { t } from '../../i18n/en';
import { getBastion } from '../../ipc/bastion';
import { getRoomConfig, loadRooms, submitRoomConfig } from '../../state/rooms-actions';
import { DataFormFields, formAnswers, initialFormValues, missingRequired, type FormValue, type FormValues } from '../common/DataForm';
import { ModalDialog } from '../common/ModalDialog';

type Load = { readonly status: 'loading' } | { readonly status: 'ready'; readonly form: DataFormWire } | { readonly status: 'failed'; readonly message: string };

/**
 * The room's configuration form (XEP-0045 §10.2), drawn from the data form the room sends
 * whatever fields it has, and submitted back. Owners only (the room refuses others).
 */
export function RoomConfigDialog({ room, name, onClose }: { readonly room: string; readonly name: string; readonly onClose: () => void }): React.JSX.Element {
  const id = useId();
  const [load, setLoad] = useState<Load>({ status: 'loading' });
  const [values, setValues] = useState<FormValues>(new Map());
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | undefined>();
  const closeRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    let live = true;
    void getRoomConfig(getBastion(), room).then((r) => {
      if (!live) return;
      if (r.ok) {
        setValues(initialFormValues(r.value.form));
        setLoad({ status: 'ready', form: r.value.form });
      } else setLoad({ status: 'failed', message: r.error.message });
    });
    return () => {
      live = false;
    };
  }, [room]);

  const change = (name: string, value: FormValue): void =>
    setValues((v) => {
      const next = new Map(v);
      next.set(name, value);
      return next;
    });

  const submit = async (e: React.FormEvent): Promise<void> => {
    e.preventDefault();
    if (busy || load.status !== 'ready') return;
    const missing = missingRequired(load.form, values);
    if (missing.length > 0) {
      setFailure(t('config.missing', { fields: missing.join(', ') }));
      return;
    }
    setBusy(true);
    setFailure(undefined);
    const err = await submitRoomConfig(getBastion(), room, formAnswers(load.form, values));
    setBusy(false);
    if (err) {
      setFailure(t('config.failed', { message: err.message }));
      return;
    }
    // The room's name and flags as the room reports them now.
    void loadRooms(getBastion());
    onClose();
  };

  return (
    <ModalDialog labelledBy={`${id}-title`} describedBy={`${id}-intro`} onCancel={onClose} initialFocus={load.status === 'ready' ? undefined : closeRef} className="form-dialog config-dialog">
      <form onSubmit={(e) => void submit(e)} noValidate data-testid="room-config-form" aria-busy={load.status === 'loading' || undefined}>
        <h2 id={`${id}-title`}>{t('config.title', { name })}</h2>
        <p id={`${id}-intro`} className="muted">
          {load.status === 'ready' && load.form.title ? load.form.title : t('config.intro')}
        </p>
        {load.status === 'loading' && (
          <p className="progress" role="status">
            <span className="spinner" aria-hidden="true" />
            {t('config.loading')}
          </p>
        )}
        {load.status === 'failed' && (
          <p role="alert" className="alert alert-error">
            {t('config.loadFailed', { message: load.message })}
          </p>
        )}
        {failure && (
          <p role="alert" className="alert alert-error">
            {failure}
          </p>
        )}
        {load.status === 'ready' && <DataFormFields form={load.form} values={values} onChange={change} idPrefix={id} />}
        <div className="actions">
          <button ref={closeRef} type="button" onClick={onClose}>
            {t('moderation.cancel')}
          </button>
          {load.status === 'ready' && (
            <button type="submit" className="button-primary" aria-disabled={busy || undefined}>
              {busy ? t('config.saving') : t('config.save')}
            </button>
          )}
        </div>
      </form>
    </ModalDialog>
  );
}
