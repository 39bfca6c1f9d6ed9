import { useEffect } from 'react';
import type { CardToken } from '../../../../shared/ipc/index';
import { t, type MessageKey } from '../../i18n/en';
import { getBastion } from '../../ipc/bastion';
import { refreshCards } from '../../state/actions';
import { useCards } from '../../state/selectors';
import { formatDn } from '../common/format';
import { Time } from '../common/Time';

export type CardCertificate = CardToken['certificates'][number];

export interface CardChoice {
  readonly slot: string;
  readonly certificateId: string;
}

export interface CardPickerProps {
  readonly selected: CardChoice | undefined;
  readonly onSelect: (token: CardToken, certificate: CardCertificate) => void;
  readonly error?: string | undefined;
}

const pinKey = (pin: CardToken['pin']): MessageKey => `cards.pin.${pin}`;

/** Tokens and their certificates [UCR-T5]; unusable certificates are listed, disabled, with the reason. */
export function CardPicker({ selected, onSelect, error }: CardPickerProps): React.JSX.Element {
  const cards = useCards();
  useEffect(() => {
    if (cards.status === 'idle') void refreshCards(getBastion());
  }, [cards.status]);

  const tokens = cards.cards?.tokens ?? [];
  return (
    <section className="card-picker" aria-labelledby="cards-title" aria-busy={cards.status === 'loading' || undefined}>
      <div className="section-head">
        <h2 id="cards-title">{t('cards.title')}</h2>
        <button type="button" className="button-quiet button-small" onClick={() => void refreshCards(getBastion())}>
          {t('cards.refresh')}
        </button>
      </div>
      {cards.status === 'loading' && (
        <p role="status" className="muted">
          {t('cards.loading')}
        </p>
      )}
      {cards.status === 'failed' && (
        <p role="alert" className="alert alert-error">
          {t('cards.loadFailed', { message: cards.error?.message ?? '' })}
        </p>
      )}
      {cards.cards && cards.cards.module === null && (
        <p className="alert alert-warning">{t('cards.noModule', { problem: cards.cards.problem ?? '' })}</p>
      )}
      {cards.cards && cards.cards.module !== null && tokens.length === 0 && <p className="alert alert-info">{t('cards.none')}</p>}
      {error && (
        <p id="card-choice-error" className="field-error">
          {error}
        </p>
      )}
      {tokens.map((token) => (
        <fieldset key={token.slot} className="token" data-testid={`token-${token.slot}`}>
          <legend>{t('cards.token', { label: token.label })}</legend>
          <p className="muted token-reader">
            {t('cards.reader', { slot: token.slot, manufacturer: token.manufacturer, model: token.model, serial: token.serial })}
          </p>
          <p className={`pin-state pin-state-${token.pin}`}>{t(pinKey(token.pin))}</p>
          {token.certificates.length === 0 && <p className="muted">{t('cards.noCertificates')}</p>}
          <ul className="cert-list">
            {token.certificates.map((cert) => (
              <CertificateOption
                key={cert.id}
                token={token}
                cert={cert}
                checked={selected?.slot === token.slot && selected.certificateId === cert.id}
                onSelect={onSelect}
                invalid={Boolean(error)}
              />
            ))}
          </ul>
        </fieldset>
      ))}
    </section>
  );
}

function CertificateOption({
  token,
  cert,
  checked,
  onSelect,
  invalid,
}: {
  readonly token: CardToken;
  readonly cert: CardCertificate;
  readonly checked: boolean;
  readonly onSelect: CardPickerProps['onSelect'];
  readonly invalid: boolean;
}): React.JSX.Element {
  const base = `cert-${token.slot}-${cert.id}`;
  const describedBy = [`${base}-facts`, cert.usableForTls ? undefined : `${base}-reason`, invalid ? 'card-choice-error' : undefined]
    .filter(Boolean)
    .join(' ');
  return (
    <li className={['cert', checked ? 'cert-selected' : '', cert.usableForTls ? '' : 'cert-unusable'].filter(Boolean).join(' ')} data-testid={base}>
      <input
        type="radio"
        id={base}
        name="card-certificate"
        value={`${token.slot}:${cert.id}`}
        checked={checked}
        disabled={!cert.usableForTls}
        aria-describedby={describedBy}
        onChange={() => onSelect(token, cert)}
      />
      <label htmlFor={base} className="cert-subject">
        {formatDn(cert.subject)}
      </label>
      <dl id={`${base}-facts`} className="facts facts-compact">
        <dt>{t('cards.issuer')}</dt>
        <dd>{formatDn(cert.issuer)}</dd>
        <dt>{t('cards.validUntil')}</dt>
        <dd>
          <Time iso={cert.notAfter} />
        </dd>
        <dt>{t('cards.key')}</dt>
        <dd>
          {cert.keyType.toUpperCase()} {cert.bits}
        </dd>
        <dt>{t('cards.identity')}</dt>
        <dd data-testid={`${base}-identity`}>
          {cert.xmppIdentity ? t('cards.identityValue', { jid: cert.xmppIdentity.jid, source: cert.xmppIdentity.source }) : t('cards.identityNone')}
        </dd>
      </dl>
      {!cert.usableForTls && (
        <p id={`${base}-reason`} className="cert-reason">
          {cert.reason ? t('cards.unusable', { reason: cert.reason }) : t('cards.unusableUnknown')}
        </p>
      )}
      {cert.warnings.map((w) => (
        <p key={w} className="cert-warning">
          {t('cards.warning', { warning: w })}
        </p>
      ))}
    </li>
  );
}
