import { useId, useRef, useState } from 'react';
import type { CardToken } from '../../../../shared/ipc/index';
import { t } from '../../i18n/en';
import { Field } from '../common/Field';
import { formatDn } from '../common/format';
import { ModalDialog } from '../common/ModalDialog';
import type { CardCertificate } from './CardPicker';

export interface PinDialogProps {
  readonly token: CardToken;
  readonly certificate: CardCertificate;
  /** The core's message after the card refused the previous PIN. */
  readonly rejection: string | undefined;
  /** Receives the PIN once; the dialog forgets it in the same step. */
  readonly onSubmit: (pin: string) => void;
  readonly onCancel: () => void;
}

/**
 * Asks for the card's PIN. The PIN lives only in this component's state until it is handed to
 * `onSubmit`, and is cleared right then; it is never put in the store. A locked PIN gets no
 * input at all: only the administrator can unblock the card.
 */
export function PinDialog({ token, certificate, rejection, onSubmit, onCancel }: PinDialogProps): React.JSX.Element {
  const id = useId();
  const [pin, setPin] = useState('');
  const [error, setError] = useState<string | undefined>();
  const pinRef = useRef<HTMLInputElement>(null);
  const closeRef = useRef<HTMLButtonElement>(null);
  const locked = token.pin === 'locked';
  const titleId = `${id}-title`;
  const descId = `${id}-desc`;

  const submit = (e: React.FormEvent): void => {
    e.preventDefault();
    if (pin.length < token.minPinLength) {
      setError(t('pin.tooShort', { min: token.minPinLength }));
      pinRef.current?.focus();
      return;
    }
    if (token.maxPinLength > 0 && pin.length > token.maxPinLength) {
      setError(t('pin.tooLong', { max: token.maxPinLength }));
      pinRef.current?.focus();
      return;
    }
    const value = pin;
    setPin('');
    setError(undefined);
    onSubmit(value);
  };

  return (
    <ModalDialog labelledBy={titleId} describedBy={descId} onCancel={onCancel} initialFocus={locked ? closeRef : pinRef} className="pin-dialog">
      <form onSubmit={submit} noValidate>
        <h2 id={titleId}>{t('pin.title')}</h2>
        <p id={descId} className="muted">
          {t('pin.forCard', { label: token.label, subject: formatDn(certificate.subject) })}
        </p>
        {token.pin === 'low' && !rejection && <p className="alert alert-warning">{t('pin.low')}</p>}
        {token.pin === 'final-try' && <p className="alert alert-error">{t('pin.finalTry')}</p>}
        {locked && <p className="alert alert-error">{t('pin.locked')}</p>}
        {rejection && !locked && (
          <p role="alert" className="alert alert-error" data-testid="pin-rejection">
            {rejection}
          </p>
        )}
        {!locked && (
          <Field
            id={`${id}-pin`}
            label={t('pin.label')}
            hint={t('pin.hint', { min: token.minPinLength, max: token.maxPinLength })}
            error={error}
            inputRef={pinRef}
            type="password"
            inputMode="numeric"
            autoComplete="off"
            spellCheck={false}
            value={pin}
            onChange={(e) => setPin(e.target.value)}
          />
        )}
        <div className="actions">
          {locked ? (
            <button ref={closeRef} type="button" className="button-primary" onClick={onCancel}>
              {t('pin.close')}
            </button>
          ) : (
            <>
              <button type="button" onClick={onCancel}>
                {t('pin.cancel')}
              </button>
              <button type="submit" className="button-primary">
                {t('pin.submit')}
              </button>
            </>
          )}
        </div>
      </form>
    </ModalDialog>
  );
}
