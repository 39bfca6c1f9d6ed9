/**
 * The connection-security report as text for a terminal [R7590-HF1, HF2, HF3]: one section per
 * step of session initiation, in order, each either filled in or "(not reached)".
 */
import type { CertificateSummary, SecurityReport } from '../../shared/security/report';

type Lines = string[];

const yesNo = (b: boolean): string => (b ? 'yes' : 'no');
const ms = (n: number | undefined): string => (typeof n === 'number' ? `${n.toFixed(1)} ms` : '');
const NOT_REACHED = ['  (not reached)'];

function section(title: string, body: Lines): Lines {
  return ['', title, ...body];
}

function validity(c: CertificateSummary, at: Date): string {
  const from = new Date(c.validFrom);
  const to = new Date(c.validTo);
  const state = at < from ? 'NOT YET VALID' : at > to ? 'EXPIRED' : 'valid now';
  return `${c.validFrom} .. ${c.validTo} (${state})`;
}

function certificate(c: CertificateSummary, at: Date, indent: string): Lines {
  return [
    `${indent}subject:      ${c.subject}`,
    `${indent}issuer:       ${c.issuer}`,
    `${indent}validity:     ${validity(c, at)}`,
    `${indent}serial:       ${c.serialNumber}`,
    `${indent}SHA-256:      ${c.sha256}`,
    `${indent}SPKI SHA-256: ${c.spkiSha256}`,
    ...(c.subjectAltName ? [`${indent}SAN:          ${c.subjectAltName}`] : []),
  ];
}

function dns(r: SecurityReport): Lines {
  if (!r.dns) return NOT_REACHED;
  const out = [`  servers: ${r.dns.servers === 'system' ? 'system resolvers (c-ares)' : r.dns.servers.join(', ')}`];
  for (const q of r.dns.queries) {
    const answers = q.error ? `error ${q.error}` : q.answers.length > 0 ? q.answers.join('; ') : '(no answers)';
    out.push(`  ${q.at}  ${q.type.padEnd(4)} ${q.name}  ${ms(q.durationMs)}  -> ${answers}`);
  }
  out.push(r.dns.skipped.length === 0 ? '  skipped SRV targets: none' : '  skipped SRV targets:');
  for (const s of r.dns.skipped) out.push(`    ${s.target}:${s.port}: ${s.reason}`);
  return out;
}

function connection(r: SecurityReport): Lines {
  const c = r.connection;
  if (!c) return NOT_REACHED;
  const out = [`  host ${c.host}, address ${c.address || '(none)'}, port ${c.port || '(none)'}`, '  attempts:'];
  for (const a of c.attempts) {
    const d = (a as { durationMs?: number }).durationMs;
    out.push(`    ${a.address}:${a.port}  ${a.ok ? 'connected' : `failed: ${a.error ?? 'unknown error'}`}${d === undefined ? '' : `  ${ms(d)}`}`);
  }
  return out;
}

function starttls(r: SecurityReport): Lines {
  if (!r.starttls) return NOT_REACHED;
  const adv = r.starttls.advertised === 'unknown' ? 'unknown' : yesNo(r.starttls.advertised);
  return [`  advertised: ${adv}`, `  result:     ${r.starttls.result}`];
}

function tls(r: SecurityReport): Lines {
  const t = r.tls;
  if (!t) return NOT_REACHED;
  return [
    `  encrypted:    ${yesNo(t.encrypted)}`,
    `  version:      ${t.version}`,
    `  cipher suite: ${t.cipherSuite}`,
    `  key exchange: ${t.keyExchange}${t.group ? `, group ${t.group}` : ''}`,
    `  resumed:      ${yesNo(t.resumed)}`,
  ];
}

function chain(r: SecurityReport, at: Date): Lines {
  const t = r.tls;
  if (!t) return NOT_REACHED;
  const out: Lines = [];
  t.peerChain.forEach((c, i) => out.push(`  [${i}]${i === 0 ? ' server certificate' : ''}`, ...certificate(c, at, '    ')));
  const anchor = t.anchor;
  const inChain = anchor ? t.peerChain.findIndex((c) => c.sha256 === anchor.sha256) : -1;
  if (!anchor) out.push('  trust anchor: (none of the configured anchors identified)');
  else if (inChain >= 0) out.push(`  trust anchor: [${inChain}] ${anchor.subject}, SHA-256 ${anchor.sha256} (configured, --ca)`);
  else out.push('  trust anchor (configured, --ca):', ...certificate(anchor, at, '    '));
  out.push(
    t.nameMatch
      ? `  name match: ${t.nameMatch.type} "${t.nameMatch.presented}" matches the reference identifier "${t.nameMatch.reference}"`
      : '  name match: (none)',
  );
  return out;
}

function revocation(r: SecurityReport): Lines {
  const v = r.tls?.revocation;
  if (!r.tls) return NOT_REACHED;
  if (!v) return ['  (not reported)'];
  return [`  status: ${v.status}`, `  source: ${v.source}`, ...(v.detail ? [`  detail: ${v.detail}`] : [])];
}

function certificateChange(r: SecurityReport): Lines {
  const c = r.certificateChange;
  if (!c) return [];
  return [
    `  kind: ${c.kind}`,
    ...(c.previous ? [`  previous: SPKI SHA-256 ${c.previous.spkiSha256}, issuer ${c.previous.issuer}, first seen ${c.previous.firstSeen}`] : []),
    ...(c.decision ? [`  decision: ${c.decision}`] : []),
  ];
}

function sasl(r: SecurityReport): Lines {
  if (!r.sasl) return NOT_REACHED;
  return [
    `  mechanism:       ${r.sasl.mechanism}`,
    `  channel binding: ${r.sasl.channelBinding ?? 'none'}`,
    `  offered:         ${r.sasl.offered.join(', ') || '(none)'}`,
  ];
}

function clientCert(r: SecurityReport, at: Date): Lines {
  if (!r.tls) return NOT_REACHED;
  const c = r.tls.clientCertificate;
  if (!c) return ['  none sent (password authentication)'];
  return [...certificate(c, at, '  '), ...(c.signAlgorithm ? [`  signature:    ${c.signAlgorithm}`] : [])];
}

export function renderReport(r: SecurityReport): string {
  const at = new Date(r.finishedAt ?? r.startedAt);
  const outcome = r.outcome === 'established' ? 'ESTABLISHED' : `FAILED at stage ${r.failure?.stage ?? 'unknown'}`;
  const lines: Lines = [
    `Bastion connection-security report for ${r.account}`,
    `  outcome:  ${outcome}`,
    `  started:  ${r.startedAt}`,
    `  finished: ${r.finishedAt ?? '(not finished)'}`,
    ...section('DNS', dns(r)),
    ...section('Connection', connection(r)),
    ...section('STARTTLS', starttls(r)),
    ...section('TLS', tls(r)),
    ...section('Server certificate chain', chain(r, at)),
    ...section('Revocation', revocation(r)),
    ...(r.certificateChange ? section('Certificate change (compared with the one remembered)', certificateChange(r)) : []),
    ...section('Authentication (SASL)', sasl(r)),
    ...section('Client certificate', clientCert(r, at)),
    ...section('Bound JID', [r.boundJid ? `  ${r.boundJid}` : '  (not bound)']),
    ...section('Notes', r.notes.length > 0 ? r.notes.map((n) => `  - ${n}`) : ['  (none)']),
  ];
  if (r.failure) lines.push(...section('FAILURE', [`  stage:  ${r.failure.stage}`, `  reason: ${r.failure.message}`]));
  return `${lines.join('\n')}\n`;
}
