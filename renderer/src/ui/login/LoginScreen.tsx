import { useEffect, useMemo, useRef, useState } from 'react';
import type { AuthInput, CardToken } from '../../../../shared/ipc/index';
import { t } from '../../i18n/en';
import { getBastion } from '../../ipc/bastion';
import { connect, refreshCards } from '../../state/actions';
import { usePolicyStore } from '../../state/policy';
import { useCards, useConnecting, useConnectionAlert, useConnectionState, useLastLogin } from '../../state/selectors';
import type { LoginMethod } from '../../state/slices/connection';
import { Field } from '../common/Field';
import { LockGlyph } from '../common/LockGlyph';
import { CardPicker, type CardCertificate, type CardChoice } from './CardPicker';
import { PinDialog } from './PinDialog';
import { Pkcs12Fields, type Pkcs12File } from './Pkcs12Fields';
import { validateAccount } from './validate';

const METHODS: readonly LoginMethod[] = ['password', 'card', 'pkcs12'];

interface FieldErrors {
  readonly account?: string | undefined;
  readonly password?: string | undefined;
  readonly card?: string | undefined;
  readonly file?: string | undefined;
}

/**
 * Sign-in: account JID and one of three methods. Secrets (password, PIN, file password) stay in
 * component state until the connect command takes them, and are cleared in the same step.
 */
export function LoginScreen(): React.JSX.Element {
  const last = useLastLogin();
  const connecting = useConnecting();
  const state = useConnectionState();
  const alert = useConnectionAlert();
  const cards = useCards();
  const policy = usePolicyStore();
  const view = policy.status === 'ready' ? policy.view : undefined;
  // A broken policy connects nothing (the core refuses too); say so to whoever can fix it.
  const broken = view?.status === 'broken';
  const methods = view ? METHODS.filter((m) => view.effective.authMethods.includes(m)) : METHODS;
  const methodsManaged = view?.managed.includes('authMethods') === true;

  const [account, setAccount] = useState(last?.account ?? '');
  const [chosenMethod, setMethod] = useState<LoginMethod>(last?.method ?? 'password');
  // Only what the policy allows is offered: a card-only seat shows the card option alone.
  const method: LoginMethod = methods.includes(chosenMethod) ? chosenMethod : (methods[0] ?? chosenMethod);
  const [password, setPassword] = useState('');
  const [cardChoice, setCardChoice] = useState<CardChoice | undefined>(last?.card);
  const [p12File, setP12File] = useState<Pkcs12File | undefined>();
  const [p12Password, setP12Password] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [pin, setPin] = useState<{ readonly open: boolean; readonly rejection?: string | undefined }>({ open: false });

  const accountRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  const connectRef = useRef<HTMLButtonElement>(null);
  useEffect(() => accountRef.current?.focus(), []);

  const chosen = useMemo(() => findCertificate(cards.cards?.tokens ?? [], cardChoice), [cards.cards, cardChoice]);
  // The chosen certificate went away (card removed): forget the choice and close the PIN dialog.
  useEffect(() => {
    if (cardChoice && cards.status === 'ready' && !chosen) {
      setCardChoice(undefined);
      setPin({ open: false });
    }
  }, [cardChoice, cards.status, chosen]);

  const busy = connecting || state.state === 'connecting' || state.state === 'awaiting-certificate-decision';
  const disabled = busy || broken;
  const accountCheck = validateAccount(account);
  const domain = accountCheck.ok ? accountCheck.domain : '';

  const start = async (auth: AuthInput): Promise<void> => {
    if (!accountCheck.ok) return;
    const error = await connect(getBastion(), accountCheck.jid, auth);
    if (error?.code === 'pin-rejected') {
      setPin({ open: true, rejection: error.message });
      void refreshCards(getBastion()); // the card's PIN counter changed
    } else if (error) {
      connectRef.current?.focus();
    }
  };

  const submit = (e: React.FormEvent): void => {
    e.preventDefault();
    if (disabled) return;
    const next: FieldErrors = {
      account: accountCheck.ok ? undefined : accountCheck.message,
      password: method === 'password' && password === '' ? t('login.passwordRequired') : undefined,
      card: method === 'card' && !chosen ? t('cards.chooseCertificate') : undefined,
      file: method === 'pkcs12' && !p12File ? t('pkcs12.fileRequired') : undefined,
    };
    setErrors(next);
    if (next.account) return accountRef.current?.focus();
    if (next.password) return passwordRef.current?.focus();
    if (next.card) return document.getElementById('cards-title')?.scrollIntoView();
    if (next.file) return document.getElementById('pkcs12-file')?.focus();

    if (method === 'password') {
      const secret = password;
      setPassword('');
      void start({ kind: 'password', password: secret });
    } else if (method === 'card') {
      setPin({ open: true });
    } else if (p12File) {
      const secret = p12Password;
      setP12Password('');
      void start({ kind: 'pkcs12', fileBase64: p12File.base64, password: secret });
    }
  };

  const onPin = (value: string): void => {
    setPin({ open: false });
    if (chosen) void start({ kind: 'card', slot: chosen.token.slot, certificateId: chosen.cert.id, pin: value });
  };

  const onCardSelect = (token: CardToken, cert: CardCertificate): void => {
    setCardChoice({ slot: token.slot, certificateId: cert.id });
    setErrors((x) => ({ ...x, card: undefined }));
    if (cert.xmppIdentity) {
      setAccount(cert.xmppIdentity.jid.split('/')[0] ?? cert.xmppIdentity.jid);
      setErrors((x) => ({ ...x, account: undefined }));
    }
  };

  const showAlert = alert && !(alert.code === 'pin-rejected' && pin.open);

  return (
    <div className="screen screen-login">
      <header className="screen-header">
        <h1>{t('login.title')}</h1>
      </header>
      <main className="screen-main">
        <form className="login-form" onSubmit={submit} noValidate>
          {broken && (
            <div role="alert" className="alert alert-error policy-broken" data-testid="policy-broken">
              <p>
                <strong>{t('policy.brokenTitle')}</strong>
              </p>
              <p>{t('policy.brokenFile', { file: view.sources[0] ?? view.file })}</p>
              <p className="policy-error">{t('policy.brokenError', { error: view.error ?? '' })}</p>
              <p>{t('policy.brokenHelp')}</p>
            </div>
          )}
          {policy.status === 'failed' && (
            <p className="alert alert-warning" data-testid="policy-unavailable">
              {t('policy.unavailable', { message: policy.message })}
            </p>
          )}
          <div role="alert" className="alert-slot" data-testid="login-alert">
            {showAlert && (
              <div className="alert alert-error">
                <strong>{t(alert.code === 'connection-lost' || alert.code === 'card-removed' ? 'login.endedTitle' : 'login.errorTitle')}: </strong>
                {alert.message}
              </div>
            )}
          </div>
          <Field
            id="account"
            label={t('login.account')}
            hint={t('login.accountHint')}
            error={errors.account}
            inputRef={accountRef}
            type="text"
            autoComplete="username"
            autoCapitalize="off"
            spellCheck={false}
            value={account}
            onChange={(e) => setAccount(e.target.value)}
            onBlur={() => account !== '' && setErrors((x) => ({ ...x, account: accountCheck.ok ? undefined : accountCheck.message }))}
          />
          <fieldset className="method-choice">
            <legend>{t('login.method')}</legend>
            {methods.map((m) => (
              <label key={m} className="radio">
                <input type="radio" name="method" value={m} checked={method === m} onChange={() => setMethod(m)} />
                {t(`login.method.${m}`)}
              </label>
            ))}
            {methodsManaged && (
              <p className="managed-note muted" data-testid="methods-managed">
                <LockGlyph /> {t('policy.managedByAdmin')}
              </p>
            )}
          </fieldset>
          {method === 'password' && (
            <div className="method-fields">
              <Field
                id="password"
                label={t('login.password')}
                error={errors.password}
                inputRef={passwordRef}
                type="password"
                autoComplete="current-password"
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
            </div>
          )}
          {method === 'card' && <CardPicker selected={cardChoice} onSelect={onCardSelect} error={errors.card} />}
          {method === 'pkcs12' && (
            <Pkcs12Fields file={p12File} onFile={setP12File} password={p12Password} onPassword={setP12Password} fileError={errors.file} />
          )}
          <div className="actions">
            <button ref={connectRef} type="submit" className="button-primary" aria-disabled={disabled || undefined} aria-describedby="connect-progress">
              {method === 'card' ? t('login.connectWithCard') : t('login.connect')}
            </button>
            <p id="connect-progress" role="status" className="progress" data-testid="connect-progress">
              {busy && (
                <>
                  <span className="spinner" aria-hidden="true" />
                  {state.state === 'awaiting-certificate-decision' ? t('login.awaitingDecision') : t('login.connecting', { domain })}
                </>
              )}
            </p>
          </div>
        </form>
      </main>
      {pin.open && chosen && (
        <PinDialog token={chosen.token} certificate={chosen.cert} rejection={pin.rejection} onSubmit={onPin} onCancel={() => setPin({ open: false })} />
      )}
    </div>
  );
}

function findCertificate(tokens: readonly CardToken[], choice: CardChoice | undefined): { token: CardToken; cert: CardCertificate } | undefined {
  if (!choice) return undefined;
  const token = tokens.find((x) => x.slot === choice.slot);
  const cert = token?.certificates.find((c) => c.id === choice.certificateId && c.usableForTls);
  return token && cert ? { token, cert } : undefined;
}

