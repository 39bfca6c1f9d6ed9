import { useRef } from 'react';
import { t } from '../i18n/en';
import { getBastion } from '../ipc/bastion';
import { decideCertificateChange, type CertificateDecision } from '../state/actions';
import { useCertificateDecisionState } from '../state/selectors';
import type { CertificateChangeQuestion } from '../state/slices/security';
import { ModalDialog } from './common/ModalDialog';
import { Time } from './common/Time';

/**
 * The server's certificate changed in a way that is not a routine renewal [R7590-HF4]: show the
 * remembered and the presented certificate side by side and let the user decide. Nothing has been
 * sent to the server while this is open. Escape and the initial focus both mean Reject, the safe
 * answer.
 */
export function CertificateChangeDialog({ question }: { readonly question: CertificateChangeQuestion }): React.JSX.Element {
  const { deciding, error } = useCertificateDecisionState();
  const rejectRef = useRef<HTMLButtonElement>(null);
  const decide = (d: CertificateDecision): void => {
    if (!deciding) void decideCertificateChange(getBastion(), question.requestId, d);
  };
  const { previous, presented } = question;
  return (
    <ModalDialog labelledBy="cert-change-title" describedBy="cert-change-intro" onCancel={() => decide('reject')} initialFocus={rejectRef} className="cert-change-dialog">
      <h2 id="cert-change-title">{t('certChange.title')}</h2>
      <p id="cert-change-intro">{t('certChange.intro', { account: question.account })}</p>
      <div className="table-scroll">
        <table className="compare-table">
          <caption>{t('certChange.compare')}</caption>
          <thead>
            <tr>
              <td />
              <th scope="col">{t('certChange.previous')}</th>
              <th scope="col">{t('certChange.presented')}</th>
            </tr>
          </thead>
          <tbody>
            <CompareRow label={t('certChange.issuer')} id="issuer" previous={previous.issuer} presented={presented.issuer} />
            <CompareRow label={t('certChange.spki')} id="spki" previous={previous.spkiSha256} presented={presented.spkiSha256} mono />
            <CompareRow label={t('certChange.fingerprint')} id="sha256" previous={previous.leafSha256} presented={presented.leafSha256} mono />
            <tr>
              <th scope="row">{t('certChange.firstSeen')}</th>
              <td>
                <span data-testid="cert-change-previous-first-seen">
                  <Time iso={previous.firstSeen} />
                </span>
              </td>
              <td>
                <span data-testid="cert-change-presented-first-seen">
                  <Time iso={presented.firstSeen} />
                </span>
              </td>
            </tr>
          </tbody>
        </table>
      </div>
      <p className="alert alert-warning">{t('certChange.advice')}</p>
      {error && (
        <p role="alert" className="alert alert-error">
          {t('certChange.failed', { message: error.message })}
        </p>
      )}
      <div className="actions">
        <button type="button" onClick={() => decide('accept-once')} aria-disabled={deciding || undefined}>
          {t('certChange.acceptOnce')}
        </button>
        <button type="button" onClick={() => decide('accept-always')} aria-disabled={deciding || undefined}>
          {t('certChange.acceptAlways')}
        </button>
        <button ref={rejectRef} type="button" className="button-primary" onClick={() => decide('reject')} aria-disabled={deciding || undefined}>
          {t('certChange.reject')}
        </button>
      </div>
    </ModalDialog>
  );
}

/** One compared value; a difference is marked in words as well as in colour. */
function CompareRow(props: { readonly label: string; readonly id: string; readonly previous: string; readonly presented: string; readonly mono?: boolean }): React.JSX.Element {
  const changed = props.previous !== props.presented;
  const value = (v: string, which: 'previous' | 'presented'): React.JSX.Element => (
    <span data-testid={`cert-change-${which}-${props.id}`} className={props.mono ? 'mono' : undefined}>
      {v}
    </span>
  );
  return (
    <tr>
      <th scope="row">{props.label}</th>
      <td>{value(props.previous, 'previous')}</td>
      <td className={changed ? 'changed' : undefined}>
        {changed && <span className="change-mark">{t('certChange.differs')}</span>}
        {value(props.presented, 'presented')}
      </td>
    </tr>
  );
}
