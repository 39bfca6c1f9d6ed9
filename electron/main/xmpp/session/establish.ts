/**
 * Session initiation, UCR 2008 §5.7.5.3 in order: fresh DNS [UCR-S4], TCP to port 5222 of the
 * home server only [UCR-S1, UCR-S2], STARTTLS attempted before anything else whether offered or
 * not [UCR-T1, RFC 7590 §3.1], TLS through the GnuTLS engine with the configured anchors and the
 * RFC 6125 name check [UCR-T4, UCR-A3], SASL immediately after [UCR-A1], then resource binding.
 * Any failure terminates the session at once and is reported [UCR-T3, UCR-A2]. Nothing but the
 * stream header and `<starttls/>` ever crosses the wire before TLS [IMPP-P3].
 */
import type { Element } from '@xmpp/xml';
import { parseAccountJid, type BareJid, type FullJid } from '../../../../shared/xmpp/jid';
import type { SecurityReport, SessionStage } from '../../../../shared/security/report';
import { resolveHomeServer, ResolutionFailure, type DnsPort } from '../../net/dns';
import { connectFirst, ConnectFailure } from '../../net/tcp';
import { matchServerIdentity, type NameMatch } from '../../pki/server-identity';
import { createTlsClient, TlsFailure, type ClientIdentity, type TlsChannel } from '../../tls/engine';
import { checkRevocation, revocationVerdict, type RevocationFetch } from '../../tls/revocation';
import type { GnuTlsAddon } from '../../tls/addon';
import { socketPipe, tlsPipe } from '../stream/pipe';
import { createXmlStream, NS_STREAM, StreamClosed, streamHeader, type XmlStream } from '../stream/xml-stream';
import { assertNever } from '../../../../shared/util/assert-never';
import { findAnchor, summarise } from './certificates';
import { classifyChange, describeChain, type CertificateChange, type CertificateDecision, type CertificateMemory } from './certificate-memory';
import { SessionFailure } from './failure';
import type { SessionPolicy } from './policy';
import { authenticateAndBind, type ResumeRequest, type Resumption } from './authenticate';
import { describeCompression, negotiateCompression } from '../xep/0138-compression';

export type { ResumeRequest, Resumption } from './authenticate';

const NS_TLS = 'urn:ietf:params:xml:ns:xmpp-tls';

export type SessionAuth =
  | { readonly kind: 'password'; readonly password: string }
  | { readonly kind: 'certificate'; readonly identity: ClientIdentity };

export interface EstablishOptions {
  readonly account: string;
  readonly auth: SessionAuth;
  readonly trustAnchorsPem: string;
  readonly policy: SessionPolicy;
  readonly resource?: string;
  /** Injected in tests; default: a fresh c-ares resolver on policy.dnsServers. */
  readonly dns?: DnsPort;
  readonly tlsAddon?: GnuTlsAddon;
  /** Injected in tests; default: plain HTTP(S) to the certificate's OCSP/CRL URLs. */
  readonly revocationFetch?: RevocationFetch;
  readonly now?: () => Date;
  /** Remembers each account's server key [R7590-HF4]; without it no change can be noticed. */
  readonly certificateMemory?: CertificateMemory;
  /** Asked when the server's certificate changed unexpectedly; no handler means reject. */
  readonly onCertificateChange?: (change: CertificateChange) => Promise<CertificateDecision>;
  /**
   * Runs on the secured stream after TLS, revocation and certificate-change checks and before SASL
   * (XEP-0077 §3.1 account creation happens here). Its position guarantees nothing it sends can
   * cross the wire in the clear. A throw fails the session at stage 'sasl' with the error as cause.
   */
  readonly beforeAuthenticate?: (ctx: PreAuthContext) => Promise<void>;
  /**
   * Resume this XEP-0198 session (StreamManagementModule.resumeToken()) instead of binding. The
   * connection is new all the same: fresh DNS, STARTTLS, every certificate check, SASL.
   */
  readonly resume?: ResumeRequest;
}

/** What `beforeAuthenticate` gets: the TLS-secured, not yet authenticated stream. */
export interface PreAuthContext {
  readonly stream: XmlStream;
  /** The stream features after TLS (mechanisms, XEP-0077 `<register/>` …). */
  readonly features: Element;
  readonly domain: string;
  readonly account: BareJid;
  /** The next element, bounded by policy.stepTimeoutMs; a timeout or close fails the session. */
  next(): Promise<Element>;
}

export interface EstablishedSession {
  readonly jid: FullJid;
  readonly account: BareJid;
  readonly stream: XmlStream;
  readonly tls: TlsChannel;
  readonly report: SecurityReport;
  /** The post-authentication stream features (SM, CSI, carbons are negotiated from these). */
  readonly features: Element;
  /** Only when `resume` was asked: resumed (with the server's h), or failed and a new resource bound. */
  readonly resumption?: Resumption;
}

type MutableReport = { -readonly [K in keyof SecurityReport]: SecurityReport[K] } & { notes: string[] };


export async function establishSession(opts: EstablishOptions): Promise<EstablishedSession> {
  const now = opts.now ?? (() => new Date());
  const { policy } = opts;
  const report: MutableReport = { account: opts.account, startedAt: now().toISOString(), outcome: 'failed', notes: [] };
  let destroy: () => void = () => {};

  const fail = (stage: SessionStage, message: string, cause?: unknown): never => {
    destroy();
    report.failure = { stage, message };
    report.finishedAt = now().toISOString();
    throw new SessionFailure(stage, message, { ...report }, { cause });
  };
  const next = async (stage: SessionStage, s: XmlStream): Promise<Element> => {
    try {
      return await s.next(policy.stepTimeoutMs);
    } catch (e: unknown) {
      return fail(stage, e instanceof StreamClosed ? e.message : String(e), e);
    }
  };

  try {
    return await run();
  } catch (e: unknown) {
    if (e instanceof SessionFailure) throw e;
    // A bug or an unexpected I/O error: still a clean failure, never a half-open session.
    return fail('stream', `unexpected error while establishing the session: ${e instanceof Error ? e.message : String(e)}`, e);
  }

  async function run(): Promise<EstablishedSession> {
    // Policy: the account's own domain is the only server we will contact [UCR-S1, UCR-N1].
    const acct = parseAccountJid(opts.account);
    if (!acct.ok) return fail('policy', `invalid account JID: ${acct.reason}`);
    report.account = acct.jid;
    const { domain } = acct;
    if (policy.allowedDomains && !policy.allowedDomains.map((d) => d.toLowerCase()).includes(domain)) {
      return fail('policy', `policy does not allow the domain ${domain}`);
    }

    // DNS, fresh for this initiation [UCR-S4].
    let resolution;
    try {
      resolution = await resolveHomeServer(domain, { ...(opts.dns ? { dns: opts.dns } : {}), servers: policy.dnsServers, ucrMode: policy.ucrMode });
    } catch (e: unknown) {
      if (e instanceof ResolutionFailure) report.dns = { servers: policy.dnsServers.length ? policy.dnsServers : 'system', queries: e.resolution.queries, skipped: e.resolution.skipped };
      return fail('dns', e instanceof Error ? e.message : String(e), e);
    }
    report.dns = { servers: policy.dnsServers.length ? policy.dnsServers : 'system', queries: resolution.queries, skipped: resolution.skipped };
    for (const s of resolution.skipped) report.notes.push(`SRV target ${s.target}:${s.port} not used: ${s.reason}`);

    // TCP [UCR-S2, UCR-S3].
    let connected;
    try {
      connected = await connectFirst(resolution.candidates, { timeoutMs: policy.connectTimeoutMs });
    } catch (e: unknown) {
      if (e instanceof ConnectFailure) report.connection = { host: domain, address: '', port: 0, attempts: e.attempts };
      return fail('tcp', e instanceof Error ? e.message : String(e), e);
    }
    const { socket } = connected;
    destroy = () => socket.destroy();
    report.connection = { host: connected.candidate.host, address: connected.candidate.address, port: connected.candidate.port, attempts: connected.attempts };

    // STARTTLS, pipelined behind the stream header and sent whether or not it will be offered
    // [UCR-T1]. No `from` before TLS: the JID is not revealed on the wire in the clear.
    const plain = createXmlStream(socketPipe(socket));
    plain.send(streamHeader({ to: domain }) + `<starttls xmlns='${NS_TLS}'/>`);
    let advertised: boolean | 'unknown' = 'unknown';
    for (;;) {
      const el = await next('starttls', plain);
      if (el.is('features', NS_STREAM) && advertised === 'unknown') {
        advertised = el.getChild('starttls', NS_TLS) !== undefined;
        continue;
      }
      if (el.is('proceed', NS_TLS)) break;
      report.starttls = { advertised, result: el.is('failure', NS_TLS) ? 'failure' : 'none' };
      return fail('starttls', el.is('failure', NS_TLS) ? 'the server refused STARTTLS; the session is terminated (no plaintext)' : `unexpected <${el.name}/> before TLS`);
    }
    report.starttls = { advertised, result: 'proceed' };
    if (!advertised) report.notes.push('the server did not advertise STARTTLS; it was attempted anyway (RFC 7590 §3.1)');
    plain.detach();
    if (plain.pending() > 0) return fail('starttls', 'the server sent data after <proceed/> before the TLS handshake');

    // TLS [UCR-T4, UCR-T7, UCR-A3].
    let nameMatch: NameMatch | undefined;
    let channel: TlsChannel;
    try {
      channel = await createTlsClient({
        socket,
        serverName: domain,
        trustAnchorsPem: opts.trustAnchorsPem,
        policy: policy.tls,
        requestOcsp: policy.revocation !== 'off',
        ...(opts.auth.kind === 'certificate' ? { clientIdentity: opts.auth.identity } : {}),
        ...(opts.tlsAddon ? { addon: opts.tlsAddon } : {}),
        handshakeTimeoutMs: policy.stepTimeoutMs,
        verifyServerIdentity: (leaf) => {
          nameMatch = matchServerIdentity(leaf.raw, domain);
          return nameMatch.ok ? null : nameMatch.reason;
        },
      });
    } catch (e: unknown) {
      const identity = nameMatch !== undefined && !nameMatch.ok;
      const message =
        e instanceof TlsFailure
          ? `${e.code}: ${e.peerRejectReason ?? (e.verifyReasons.length > 0 ? e.verifyReasons.join(', ') : e.message)}`
          : String(e);
      return fail(identity ? 'server-identity' : 'tls', `TLS could not be established, the session is terminated (${message})`, e);
    }
    const info = channel.info;
    const anchor = findAnchor(info.peerChainDer, opts.trustAnchorsPem);
    report.tls = {
      encrypted: true,
      version: info.version,
      cipherSuite: info.cipherSuite,
      keyExchange: info.kx,
      group: info.group,
      resumed: info.sessionResumed,
      peerChain: info.peerChainDer.map(summarise),
      ...(anchor ? { anchor: summarise(anchor) } : {}),
      ...(nameMatch?.ok ? { nameMatch: { type: nameMatch.type, presented: nameMatch.presented, reference: domain } } : {}),
      ...(opts.auth.kind === 'certificate' && opts.auth.identity.chainDer[0] && info.clientCertSent
        ? { clientCertificate: { ...summarise(Buffer.from(opts.auth.identity.chainDer[0])), ...(info.clientSignAlgorithm ? { signAlgorithm: info.clientSignAlgorithm } : {}) } }
        : {}),
    };
    destroy = () => {
      channel.close();
      socket.destroy();
    };

    // Revocation [UCR-A5]: GnuTLS already refused a revoked or forged stapled response inside the
    // handshake; this looks at every certificate of the chain (staple, then OCSP, then CRL).
    const revocation = await checkRevocation({
      chainDer: info.peerChainDer,
      trustAnchorsPem: opts.trustAnchorsPem,
      ...(info.ocspStapledDer ? { stapledOcspDer: info.ocspStapledDer } : {}),
      mode: policy.revocation,
      ...(opts.revocationFetch ? { fetch: opts.revocationFetch } : {}),
    });
    report.tls = { ...report.tls, revocation: { status: revocation.status, source: revocation.source, ...(revocation.detail ? { detail: revocation.detail } : {}) } };
    const verdict = revocationVerdict(policy.revocation, revocation);
    if (verdict.terminate) return fail('revocation', `the server certificate failed the revocation check, the session is terminated: ${verdict.reason ?? revocation.status}`);
    if (revocation.status === 'unknown') report.notes.push(`revocation status unknown (${revocation.detail ?? 'no source answered'}); policy ${policy.revocation} lets the session go on`);

    // Certificate change [R7590-HF4], decided before any credential is sent.
    if (opts.certificateMemory) {
      const memory = opts.certificateMemory;
      const presented = describeChain(info.peerChainDer, anchor, now());
      const previous = await memory.get(acct.jid).catch((e: unknown) => fail('certificate-change', `the remembered server certificates cannot be read: ${String(e)}`, e));
      const kind = classifyChange(previous, presented);
      const remember = (c: typeof presented): Promise<void> =>
        memory.remember(acct.jid, c).catch((e: unknown) => {
          report.notes.push(`could not remember the server certificate (${String(e)}): a later change cannot be noticed`);
        });
      const prev = previous ? { spkiSha256: previous.spkiSha256, issuer: previous.issuer, firstSeen: previous.firstSeen } : undefined;
      let decision: CertificateDecision | undefined;
      switch (kind) {
        case 'first-use':
          report.notes.push('first session of this account with this server: its key is remembered');
          await remember(presented);
          break;
        case 'same-key':
          await remember({ ...presented, firstSeen: previous?.firstSeen ?? presented.firstSeen });
          break;
        case 'renewed-same-ca':
          report.notes.push(`the server has a new key from the same CA (${presented.issuer}): routine renewal`);
          await remember(presented);
          break;
        case 'changed':
          if (!previous) return fail('certificate-change', 'internal: change without a previous certificate');
          decision = opts.onCertificateChange ? await opts.onCertificateChange({ account: acct.jid, previous, presented }) : 'reject';
          report.certificateChange = { kind, ...(prev ? { previous: prev } : {}), decision };
          if (decision === 'reject') return fail('certificate-change', `the server's certificate changed (key and CA differ from ${previous.firstSeen}); the connection was rejected`);
          if (plain.closed) return fail('certificate-change', 'the server closed the connection while the certificate change was being decided');
          if (decision === 'accept-always') await remember(presented);
          report.notes.push(`the server's certificate changed; the user chose ${decision}`);
          break;
        default:
          assertNever(kind, 'certificate change');
      }
      report.certificateChange ??= { kind, ...(prev ? { previous: prev } : {}) };
    }

    // SASL immediately after TLS [UCR-A1]. From here on the stream may say who we are.
    const secure = plain;
    secure.restart(streamHeader({ to: domain, from: acct.jid }), tlsPipe(channel, socket));
    const features = await next('sasl', secure);
    if (!features.is('features', NS_STREAM)) return fail('sasl', `expected stream features, got <${features.name}/>`);
    if (opts.beforeAuthenticate) {
      try {
        await opts.beforeAuthenticate({ stream: secure, features, domain, account: acct.jid, next: () => next('sasl', secure) });
      } catch (e: unknown) {
        if (e instanceof SessionFailure) throw e;
        return fail('sasl', `before authentication: ${e instanceof Error ? e.message : String(e)}`, e);
      }
    }
    const auth = await authenticateAndBind({
      stream: secure,
      features,
      policy,
      credentials: opts.auth.kind === 'password' ? { kind: 'password', username: acct.local, password: opts.auth.password } : { kind: 'certificate', authzid: acct.jid },
      binding: info.channelBinding,
      domain,
      account: acct.jid,
      resource: opts.resource,
      resume: opts.resume,
      next: (stage) => next(stage, secure),
    });
    if (!auth.ok) {
      if (auth.sasl) report.sasl = auth.sasl;
      return fail(auth.stage, auth.message);
    }
    report.sasl = auth.sasl;
    report.notes.push(...auth.notes);
    const { jid } = auth;

    // XEP-0138 stream compression after authentication, only where policy allows it (policy.ts:
    // off by default, CRIME/BREACH). A resumed XEP-0198 session is left alone: the server may
    // already be resending stanzas, which would arrive in the middle of the negotiation.
    const compression =
      auth.resumption?.status === 'resumed'
        ? ({ kind: 'skipped', reason: 'the stream-management session was resumed' } as const)
        : await negotiateCompression({
            stream: secure,
            features: auth.postAuthFeatures,
            policy: policy.compression,
            pipe: tlsPipe(channel, socket),
            header: streamHeader({ to: domain, from: acct.jid }),
            timeoutMs: policy.stepTimeoutMs,
          }).catch((e: unknown) => fail('stream', `stream compression failed, the session is terminated: ${e instanceof Error ? e.message : String(e)}`, e));
    const compressionNote = describeCompression(compression);
    if (compressionNote) report.notes.push(compressionNote);
    const postAuth = compression.kind === 'negotiated' ? compression.features : auth.postAuthFeatures;

    report.boundJid = jid;
    report.outcome = 'established';
    report.finishedAt = now().toISOString();
    return { jid, account: acct.jid, stream: secure, tls: channel, report: { ...report }, features: postAuth, ...(auth.resumption ? { resumption: auth.resumption } : {}) };
  }
}
