import { useEffect, useState } from 'react';
import { t } from '../../i18n/en';
import { getBastion } from '../../ipc/bastion';
import { useLastLogin } from '../../state/selectors';
import { Field } from '../common/Field';

type Load<T> = { readonly status: 'loading' } | { readonly status: 'ready'; readonly value: T } | { readonly status: 'failed'; readonly message: string };

/**
 * The signed-in user's own controls: "only my contacts" (XEP-0016 preset), the XEP-0191 blocked
 * list, and — for password sign-ins — a new password (XEP-0077 §3.3).
 */
export function PrivacySettings(): React.JSX.Element {
  const last = useLastLogin();
  const [onlyContacts, setOnlyContacts] = useState<Load<boolean>>({ status: 'loading' });
  const [privacyBusy, setPrivacyBusy] = useState(false);
  const [privacyNote, setPrivacyNote] = useState<string | undefined>();
  const [privacyError, setPrivacyError] = useState<string | undefined>();
  const [blocked, setBlocked] = useState<Load<readonly string[]>>({ status: 'loading' });
  const [blockedError, setBlockedError] = useState<string | undefined>();

  useEffect(() => {
    let live = true;
    const api = getBastion();
    void api.invoke('getMessagePrivacy', {}).then((r) => {
      if (live) setOnlyContacts(r.ok ? { status: 'ready', value: r.value.onlyContacts } : { status: 'failed', message: r.error.message });
    });
    void api.invoke('getBlocked', {}).then((r) => {
      if (live) setBlocked(r.ok ? { status: 'ready', value: r.value.jids } : { status: 'failed', message: r.error.message });
    });
    return () => {
      live = false;
    };
  }, []);

  const toggle = async (next: boolean): Promise<void> => {
    if (privacyBusy) return;
    setPrivacyBusy(true);
    setPrivacyError(undefined);
    // The switch moves at once; the server's answer confirms or puts it back.
    setOnlyContacts({ status: 'ready', value: next });
    const r = await getBastion().invoke('setMessagePrivacy', { onlyContacts: next });
    setPrivacyBusy(false);
    if (r.ok) {
      setOnlyContacts({ status: 'ready', value: r.value.onlyContacts });
      setPrivacyNote(r.value.note);
    } else {
      setOnlyContacts({ status: 'ready', value: !next });
      setPrivacyError(t('settings.privacyFailed', { message: r.error.message }));
    }
  };

  const unblock = async (jid: string): Promise<void> => {
    setBlockedError(undefined);
    const r = await getBastion().invoke('setBlocked', { jid, blocked: false });
    if (!r.ok) return setBlockedError(t('settings.blockedFailed', { message: r.error.message }));
    setBlocked((b) => (b.status === 'ready' ? { status: 'ready', value: b.value.filter((x) => x !== jid) } : b));
  };

  return (
    <>
      <section aria-labelledby="settings-privacy-title" data-testid="settings-privacy">
        <h3 id="settings-privacy-title">{t('settings.privacyTitle')}</h3>
        {onlyContacts.status === 'loading' && <p>{t('settings.loading')}</p>}
        {onlyContacts.status === 'failed' && <p className="alert alert-error">{t('settings.privacyFailed', { message: onlyContacts.message })}</p>}
        {onlyContacts.status === 'ready' && (
          <div className="field">
            <label className="checkbox">
              <input
                type="checkbox"
                data-testid="only-contacts"
                checked={onlyContacts.value}
                aria-describedby="only-contacts-hint"
                aria-disabled={privacyBusy || undefined}
                onChange={(e) => void toggle(e.target.checked)}
              />
              {t('settings.onlyContacts')}
            </label>
            <p id="only-contacts-hint" className="field-hint">
              {t('settings.onlyContactsHint')}
            </p>
          </div>
        )}
        <div role="status" data-testid="privacy-note">
          {privacyNote && <p className="muted">{privacyNote}</p>}
        </div>
        {privacyError && (
          <p role="alert" className="alert alert-error">
            {privacyError}
          </p>
        )}
      </section>
      <section aria-labelledby="settings-blocked-title" data-testid="settings-blocked">
        <h3 id="settings-blocked-title">{t('settings.blockedTitle')}</h3>
        {blocked.status === 'loading' && <p>{t('settings.loading')}</p>}
        {blocked.status === 'failed' && <p className="alert alert-error">{t('settings.blockedFailed', { message: blocked.message })}</p>}
        {blocked.status === 'ready' && blocked.value.length === 0 && <p className="muted">{t('settings.blockedNone')}</p>}
        {blocked.status === 'ready' && blocked.value.length > 0 && (
          <ul className="blocked-list">
            {blocked.value.map((jid) => (
              <li key={jid}>
                <span>{jid}</span>{' '}
                <button type="button" aria-label={t('settings.unblockLabel', { jid })} onClick={() => void unblock(jid)}>
                  {t('settings.unblock')}
                </button>
              </li>
            ))}
          </ul>
        )}
        {blockedError && (
          <p role="alert" className="alert alert-error">
            {blockedError}
          </p>
        )}
      </section>
      {last?.method === 'password' && <ChangePassword />}
    </>
  );
}

function ChangePassword(): React.JSX.Element {
  const [pw, setPw] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

  const submit = async (e: React.FormEvent): Promise<void> => {
    e.preventDefault();
    if (busy) return;
    setDone(false);
    if (pw === '') return setError(t('settings.passwordRequired'));
    if (pw !== again) return setError(t('settings.passwordMismatch'));
    setError(undefined);
    setBusy(true);
    const secret = pw;
    setPw('');
    setAgain('');
    const r = await getBastion().invoke('changePassword', { newPassword: secret });
    setBusy(false);
    if (r.ok) setDone(true);
    else setError(t('settings.passwordFailed', { message: r.error.message }));
  };

  return (
    <section aria-labelledby="settings-password-title" data-testid="settings-password">
      <h3 id="settings-password-title">{t('settings.passwordTitle')}</h3>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <Field id="new-password" label={t('settings.newPassword')} type="password" autoComplete="new-password" value={pw} onChange={(e) => setPw(e.target.value)} />
        <Field
          id="confirm-password"
          label={t('settings.confirmPassword')}
          type="password"
          autoComplete="new-password"
          value={again}
          error={error}
          onChange={(e) => setAgain(e.target.value)}
        />
        <div className="actions">
          <button type="submit" aria-disabled={busy || undefined}>
            {t('settings.changePassword')}
          </button>
        </div>
        <div role="status">{done && <p className="muted">{t('settings.passwordChanged')}</p>}</div>
      </form>
    </section>
  );
}
