import { useEffect, useRef, type ReactNode } from 'react';
import type { CertificateSummary, SecurityReport } from '../../../../shared/security/report';
import { t, type MessageKey } from '../../i18n/en';
import { Time } from '../common/Time';

type Tls = NonNullable<SecurityReport['tls']>;
type ChainEntry = { readonly heading: string; readonly cert: CertificateSummary; readonly testId: string };

/** One dt/dd pair; the dd carries a test id so tests can compare it with the report. */
function Row({ label, testId, children }: { readonly label: string; readonly testId?: string; readonly children: ReactNode }): React.JSX.Element {
  return (
    <>
      <dt>{label}</dt>
      <dd data-testid={testId}>{children}</dd>
    </>
  );
}

function Code({ children }: { readonly children: ReactNode }): React.JSX.Element {
  return <code className="mono">{children}</code>;
}

/**
 * The connection-security panel [R7590-HF1, HF2, HF3]: every value the session core measured,
 * as it measured it (semantic lists and tables, nothing summarised away).
 */
export function SecurityPanel({ report, onClose }: { readonly report: SecurityReport | null; readonly onClose: () => void }): React.JSX.Element {
  const headingRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => headingRef.current?.focus(), []);
  return (
    <section id="security-panel" className="security-panel" aria-labelledby="security-title" data-testid="security-panel">
      <div className="section-head">
        <h2 id="security-title" ref={headingRef} tabIndex={-1}>
          {t('security.title')}
        </h2>
        <button type="button" className="button-quiet button-small" onClick={onClose}>
          {t('security.close')}
        </button>
      </div>
      {report ? <ReportBody report={report} /> : <p className="muted">{t('security.none')}</p>}
    </section>
  );
}

function ReportBody({ report }: { readonly report: SecurityReport }): React.JSX.Element {
  const tls = report.tls;
  return (
    <div className="report">
      <section aria-labelledby="sec-summary">
        <h3 id="sec-summary">{t('security.summary')}</h3>
        <dl className="facts">
          <Row label={t('security.outcome')} testId="sec-outcome">
            {report.outcome === 'established'
              ? t('security.outcome.established')
              : t('security.outcome.failed', { stage: report.failure?.stage ?? '?', message: report.failure?.message ?? '' })}
          </Row>
          <Row label={t('security.started')}>
            <Time iso={report.startedAt} />
          </Row>
          {report.finishedAt && (
            <Row label={t('security.finished')}>
              <Time iso={report.finishedAt} />
            </Row>
          )}
          {report.boundJid && (
            <Row label={t('security.boundJid')} testId="sec-bound-jid">
              {report.boundJid}
            </Row>
          )}
        </dl>
      </section>

      <section aria-labelledby="sec-encryption">
        <h3 id="sec-encryption">{t('security.encryption')}</h3>
        <dl className="facts">
          <Row label={t('security.encrypted')} testId="sec-encrypted">
            <span className={tls?.encrypted ? 'badge badge-ok' : 'badge badge-bad'}>{tls?.encrypted ? t('security.yes') : t('security.no')}</span>
          </Row>
          {tls && (
            <>
              <Row label={t('security.tlsVersion')} testId="sec-tls-version">
                {tls.version}
              </Row>
              <Row label={t('security.cipherSuite')} testId="sec-cipher-suite">
                <Code>{tls.cipherSuite}</Code>
              </Row>
              <Row label={t('security.keyExchange')} testId="sec-key-exchange">
                {tls.keyExchange}
              </Row>
              <Row label={t('security.group')} testId="sec-group">
                {tls.group ?? '—'}
              </Row>
              <Row label={t('security.resumed')}>{tls.resumed ? t('security.yes') : t('security.no')}</Row>
            </>
          )}
          {report.starttls && (
            <Row label={t('security.starttls')}>
              {t('security.starttlsValue', { result: report.starttls.result, advertised: String(report.starttls.advertised) })}
            </Row>
          )}
        </dl>
      </section>

      {tls && <ServerIdentity tls={tls} />}

      <section aria-labelledby="sec-auth">
        <h3 id="sec-auth">{t('security.authentication')}</h3>
        <dl className="facts">
          <Row label={t('security.saslMechanism')} testId="sec-sasl-mechanism">
            {report.sasl?.mechanism ?? '—'}
          </Row>
          <Row label={t('security.saslProfile')} testId="sec-sasl-profile">
            {report.sasl?.profile ?? '—'}
          </Row>
          <Row label={t('security.channelBinding')} testId="sec-channel-binding">
            {report.sasl?.channelBinding ?? t('security.channelBindingNone')}
          </Row>
          {report.sasl && (
            <Row label={t('security.saslOffered')}>{report.sasl.offered.length > 0 ? report.sasl.offered.join(', ') : '—'}</Row>
          )}
          <Row label={t('security.clientCertificate')} testId="sec-client-certificate">
            {tls?.clientCertificate ? (
              <>
                {tls.clientCertificate.subject}
                <br />
                <span className="muted">
                  {t('security.certIssuer')}: {tls.clientCertificate.issuer}
                </span>
                <br />
                <Code>{tls.clientCertificate.sha256}</Code>
                {tls.clientCertificate.signAlgorithm && (
                  <>
                    <br />
                    {t('security.signAlgorithm')}: {tls.clientCertificate.signAlgorithm}
                  </>
                )}
              </>
            ) : (
              t('security.clientCertificateNone')
            )}
          </Row>
        </dl>
      </section>

      {report.certificateChange && (
        <section aria-labelledby="sec-memory">
          <h3 id="sec-memory">{t('security.certMemory')}</h3>
          <dl className="facts">
            <Row label={t('security.certMemoryKind')} testId="sec-cert-memory">
              {t(`security.certMemory.${report.certificateChange.kind}` as MessageKey)}
            </Row>
            {report.certificateChange.previous && (
              <Row label={t('certChange.previous')}>
                {report.certificateChange.previous.issuer}
                <br />
                <Code>{report.certificateChange.previous.spkiSha256}</Code>
                <br />
                {t('certChange.firstSeen')}: <Time iso={report.certificateChange.previous.firstSeen} />
              </Row>
            )}
            {report.certificateChange.decision && <Row label={t('security.certMemoryDecision')}>{report.certificateChange.decision}</Row>}
          </dl>
        </section>
      )}

      <Network report={report} />

      <section aria-labelledby="sec-notes">
        <h3 id="sec-notes">{t('security.notes')}</h3>
        {report.notes.length > 0 ? (
          <ul className="notes" data-testid="sec-notes">
            {report.notes.map((n, i) => (
              <li key={i}>{n}</li>
            ))}
          </ul>
        ) : (
          <p className="muted">{t('security.notesNone')}</p>
        )}
      </section>
    </div>
  );
}

function ServerIdentity({ tls }: { readonly tls: Tls }): React.JSX.Element {
  // Servers often send their CA too: say so when a sent certificate is the configured anchor.
  const chain: ChainEntry[] = tls.peerChain.map((cert, i) => {
    const heading = i === 0 ? t('security.certLeaf') : t('security.certSentByServer', { n: i + 1 });
    return { heading: tls.anchor?.sha256 === cert.sha256 ? t('security.certIsAnchor', { heading }) : heading, cert, testId: `chain-${i}` };
  });
  if (tls.anchor) chain.push({ heading: t('security.certAnchor'), cert: tls.anchor, testId: 'chain-anchor' });
  const rows: Array<{ key: MessageKey; value: (c: CertificateSummary) => ReactNode; id: string }> = [
    { key: 'security.certSubject', value: (c) => c.subject, id: 'subject' },
    { key: 'security.certIssuer', value: (c) => c.issuer, id: 'issuer' },
    { key: 'security.certSerial', value: (c) => <Code>{c.serialNumber}</Code>, id: 'serial' },
    { key: 'security.certValidFrom', value: (c) => <Time iso={c.validFrom} />, id: 'valid-from' },
    { key: 'security.certValidTo', value: (c) => <Time iso={c.validTo} />, id: 'valid-to' },
    { key: 'security.certSha256', value: (c) => <Code>{c.sha256}</Code>, id: 'sha256' },
    { key: 'security.certSpki', value: (c) => <Code>{c.spkiSha256}</Code>, id: 'spki' },
    { key: 'security.certSan', value: (c) => c.subjectAltName ?? '—', id: 'san' },
  ];
  return (
    <section aria-labelledby="sec-identity">
      <h3 id="sec-identity">{t('security.serverIdentity')}</h3>
      <dl className="facts">
        <Row label={t('security.nameMatch')} testId="sec-name-match">
          {tls.nameMatch ? t('security.nameMatchValue', { type: tls.nameMatch.type, presented: tls.nameMatch.presented }) : t('security.nameNone')}
        </Row>
        {tls.nameMatch && (
          <Row label={t('security.nameReference')} testId="sec-name-reference">
            {tls.nameMatch.reference}
          </Row>
        )}
        <Row label={t('security.anchor')} testId="sec-anchor">
          {tls.anchor ? tls.anchor.subject : t('security.anchorNone')}
        </Row>
        <Row label={t('security.revocation')} testId="sec-revocation">
          {tls.revocation ? (
            <>
              <span className={`badge ${tls.revocation.status === 'good' ? 'badge-ok' : tls.revocation.status === 'revoked' ? 'badge-bad' : 'badge-neutral'}`}>
                {tls.revocation.status}
              </span>{' '}
              {t('security.revocationSource')}: {tls.revocation.source}
              {tls.revocation.detail && (
                <>
                  <br />
                  {tls.revocation.detail}
                </>
              )}
            </>
          ) : (
            t('security.revocationNone')
          )}
        </Row>
      </dl>
      <div className="table-scroll">
        <table className="chain-table" data-testid="chain-table">
          <caption>{t('security.chainCaption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('security.field')}</th>
              {chain.map((c) => (
                <th scope="col" key={c.testId}>
                  {c.heading}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id}>
                <th scope="row">{t(r.key)}</th>
                {chain.map((c) => (
                  <td key={c.testId} data-testid={`${c.testId}-${r.id}`}>
                    {r.value(c.cert)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function Network({ report }: { readonly report: SecurityReport }): React.JSX.Element {
  const dns = report.dns;
  const conn = report.connection;
  return (
    <section aria-labelledby="sec-network">
      <h3 id="sec-network">{t('security.network')}</h3>
      <dl className="facts">
        {conn && (
          <Row label={t('security.address')} testId="sec-address">
            {t('security.addressValue', { address: conn.address, port: conn.port, host: conn.host })}
          </Row>
        )}
        {dns && (
          <Row label={t('security.dnsServers')} testId="sec-dns-servers">
            {dns.servers === 'system' ? t('security.dnsSystem') : dns.servers.join(', ')}
          </Row>
        )}
      </dl>
      {dns && dns.queries.length > 0 && (
        <div className="table-scroll">
          <table className="dns-table" data-testid="dns-table">
            <caption>{t('security.dnsQueries')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('security.dnsTime')}</th>
                <th scope="col">{t('security.dnsName')}</th>
                <th scope="col">{t('security.dnsType')}</th>
                <th scope="col">{t('security.dnsAnswers')}</th>
                <th scope="col">{t('security.dnsDuration')}</th>
              </tr>
            </thead>
            <tbody>
              {dns.queries.map((q, i) => (
                <tr key={i} data-testid={`dns-${i}`}>
                  <td>
                    <Time iso={q.at} />
                  </td>
                  <td>
                    <Code>{q.name}</Code>
                  </td>
                  <td>{q.type}</td>
                  <td data-testid={`dns-${i}-answers`}>
                    {q.error ? (
                      t('security.dnsError', { error: q.error })
                    ) : q.answers.length > 0 ? (
                      <ul className="plain-list">
                        {q.answers.map((a, j) => (
                          <li key={j}>
                            <Code>{a}</Code>
                          </li>
                        ))}
                      </ul>
                    ) : (
                      t('security.dnsNoAnswer')
                    )}
                  </td>
                  <td>{t('security.ms', { ms: q.durationMs.toFixed(1) })}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {dns && dns.skipped.length > 0 && (
        <>
          <h4>{t('security.dnsSkipped')}</h4>
          <ul className="notes">
            {dns.skipped.map((s, i) => (
              <li key={i}>
                <Code>
                  {s.target}:{s.port}
                </Code>{' '}
                — {s.reason}
              </li>
            ))}
          </ul>
        </>
      )}
      {conn && conn.attempts.length > 0 && (
        <>
          <h4>{t('security.attempts')}</h4>
          <ul className="notes" data-testid="sec-attempts">
            {conn.attempts.map((a, i) => (
              <li key={i}>
                <Code>
                  {a.address}:{a.port}
                </Code>{' '}
                — {a.ok ? t('security.attemptOk') : t('security.attemptFailed', { error: a.error ?? '' })}
                {a.durationMs !== undefined && ` (${t('security.ms', { ms: a.durationMs.toFixed(1) })})`}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
