/**
 * Authentication and resource binding on the secured stream [UCR-A1, UCR-A4].
 *  - SASL2 (XEP-0388) with inline Bind2 (XEP-0386) where the server offers both: the bound JID
 *    arrives with `<success/>` and no stream restart is needed, one round trip fewer.
 *  - Otherwise RFC 6120 SASL, then the restarted stream header and the bind request pipelined.
 *  - XEP-0198 resumption: RFC 6120 SASL (the test-bed servers offer no SM inline in SASL2), then
 *    `<resume previd h/>` instead of binding; on `<failed/>` a new resource is bound on the same
 *    stream (§5). Everything before it (DNS, TLS, certificate checks, SASL) ran as for any session.
 * Every failure is returned, never retried [UCR-A2].
 */
import { randomBytes } from 'node:crypto';
import type { Element } from '@xmpp/xml';
import { escapeXML } from '@xmpp/xml';
import { parseFullJid, type BareJid, type FullJid } from '../../../../shared/xmpp/jid';
import type { SessionStage } from '../../../../shared/security/report';
import { selectMechanism, type ChannelBindingData, type SaslCredentials } from '../sasl/select';
import { NS_STREAM, streamHeader, type XmlStream } from '../stream/xml-stream';
import { NS_SM, parseH } from '../xep/0198-sm';
import type { SessionPolicy } from './policy';
import { NS_SASL, NS_SASL2, runSasl, SASL1, sasl2Profile } from './sasl-exchange';

const NS_BIND = 'urn:ietf:params:xml:ns:xmpp-bind';
const NS_BIND2 = 'urn:xmpp:bind:0';
const NS_SESSION = 'urn:ietf:params:xml:ns:xmpp-session';
const NS_SASL_CB = 'urn:xmpp:sasl-cb:0';

export interface AuthInput {
  readonly stream: XmlStream;
  /** The stream features after TLS. */
  readonly features: Element;
  readonly policy: SessionPolicy;
  readonly credentials: SaslCredentials;
  readonly binding: ChannelBindingData;
  readonly domain: string;
  readonly account: BareJid;
  readonly resource: string | undefined;
  readonly next: (stage: SessionStage) => Promise<Element>;
  /** Resume this XEP-0198 session instead of binding a new resource. */
  readonly resume?: ResumeRequest | undefined;
}

/** What a resumption needs (StreamManagementModule.resumeToken()). */
export interface ResumeRequest {
  readonly previd: string;
  /** Our inbound count. */
  readonly h: number;
  /** The full JID of the session being resumed. */
  readonly jid: FullJid;
}

/** The outcome of a requested resumption; on 'failed' a new resource was bound instead. */
export type Resumption =
  | { readonly status: 'resumed'; readonly previd: string; readonly h: number }
  | { readonly status: 'failed'; readonly previd: string; readonly h?: number; readonly condition: string };

export type AuthResult =
  | {
      readonly ok: true;
      readonly jid: FullJid;
      readonly postAuthFeatures: Element;
      readonly sasl: { readonly mechanism: string; readonly channelBinding?: string; readonly offered: readonly string[]; readonly profile: 'SASL' | 'SASL2+Bind2' };
      readonly notes: readonly string[];
      readonly resumption?: Resumption;
    }
  | { readonly ok: false; readonly stage: SessionStage; readonly message: string; readonly sasl?: { readonly mechanism: string; readonly offered: readonly string[] } };

const texts = (parent: Element | undefined, child: string): string[] => (parent?.getChildren(child) ?? []).map((m) => m.getText().trim());

export async function authenticateAndBind(input: AuthInput): Promise<AuthResult> {
  const { stream, features, policy } = input;
  const sasl2 = features.getChild('authentication', NS_SASL2);
  const bind2Offered = sasl2?.getChild('inline')?.getChild('bind', NS_BIND2) !== undefined;
  // A resumption must come before binding, so it takes RFC 6120 SASL whenever the server offers it.
  const sasl1Offered = texts(features.getChild('mechanisms', NS_SASL), 'mechanism').length > 0;
  const useSasl2 = policy.sasl2 && sasl2 !== undefined && bind2Offered && !(input.resume && sasl1Offered);
  const offered = useSasl2 ? texts(sasl2, 'mechanism') : texts(features.getChild('mechanisms', NS_SASL), 'mechanism');
  const cbTypes = features.getChild('sasl-channel-binding', NS_SASL_CB)?.getChildren('channel-binding').map((c) => String(c.attrs.type));
  const selection = selectMechanism({
    offered,
    allowed: policy.mechanisms,
    credentials: input.credentials,
    binding: input.binding,
    ...(cbTypes && cbTypes.length > 0 ? { serverBindingTypes: cbTypes } : {}),
  });
  if (!selection.ok) return { ok: false, stage: 'sasl', message: selection.reason };
  const mechanism = selection.mechanism;
  const notes: string[] = [];
  if (offered.some((m) => m.endsWith('-PLUS')) && !mechanism.channelBinding && input.credentials.kind === 'password') {
    notes.push('the server offers channel binding but lists no type usable with this TLS version (XEP-0440); SCRAM runs without it');
  }
  const saslReport = { mechanism: mechanism.name, offered, ...(mechanism.channelBinding ? { channelBinding: mechanism.channelBinding } : {}) };

  // Bind2's <tag/> names the client; the server adds a per-device suffix (XEP-0386 §3).
  const profile = useSasl2 ? sasl2Profile(`<bind xmlns='${NS_BIND2}'><tag>${escapeXML(input.resource ?? 'bastion')}</tag></bind>`) : SASL1;
  const outcome = await runSasl(stream, mechanism, profile, policy.stepTimeoutMs);
  if (!outcome.ok) return { ok: false, stage: 'sasl', message: `authentication failed, the session is terminated: ${outcome.reason}`, sasl: saslReport };

  if (useSasl2) {
    const success = outcome.success;
    if (!success.getChild('bound', NS_BIND2)) return { ok: false, stage: 'bind', message: 'the server did not bind a resource (Bind2)' };
    const jid = parseFullJid(success.getChildText('authorization-identifier') ?? '');
    if (!jid || !jid.startsWith(`${input.account}/`)) return { ok: false, stage: 'bind', message: 'the server bound a JID that is not ours' };
    // XEP-0388 §2.6: the server follows <success/> with the new stream features, no restart.
    const postAuth = await input.next('bind');
    if (!postAuth.is('features', NS_STREAM)) return { ok: false, stage: 'bind', message: `expected stream features after SASL2, got <${postAuth.name}/>` };
    if (!input.resume) return { ok: true, jid, postAuthFeatures: postAuth, sasl: { ...saslReport, profile: 'SASL2+Bind2' }, notes };
    notes.push('the server offers only SASL2 and no XEP-0198 resumption before Bind2: a new session was started instead of resuming');
    const resumption: Resumption = { status: 'failed', previd: input.resume.previd, condition: 'feature-not-implemented' };
    return { ok: true, jid, postAuthFeatures: postAuth, sasl: { ...saslReport, profile: 'SASL2+Bind2' }, notes, resumption };
  }

  // Restart and bind, pipelined: the new header and the bind request go out together. A
  // resumption waits for the features instead, to see that sm:3 is still offered.
  const resource = input.resource ?? `bastion-${randomBytes(4).toString('hex')}`;
  const bindIq = `<iq type='set' id='bind-1'><bind xmlns='${NS_BIND}'><resource>${escapeXML(resource)}</resource></bind></iq>`;
  stream.restart(streamHeader({ to: input.domain, from: input.account }) + (input.resume ? '' : bindIq));
  const postAuth = await input.next('bind');
  const noBinding = { ok: false, stage: 'bind', message: 'the server offered no resource binding after authentication' } as const;
  if (!postAuth.is('features', NS_STREAM)) return noBinding;
  let resumption: Resumption | undefined;
  if (input.resume) {
    const r = await resumeSession(input, input.resume, postAuth);
    if (!r.ok) return r;
    resumption = r.resumption;
    const who = input.resume.jid;
    if (resumption.status === 'resumed') {
      notes.push(`the stream-management session of ${who} was resumed (XEP-0198 §5) after a new DNS lookup, TLS, certificate checks and SASL; the server had handled ${resumption.h} of our stanzas`);
      return { ok: true, jid: who, postAuthFeatures: postAuth, sasl: { ...saslReport, profile: 'SASL' }, notes, resumption };
    }
    notes.push(`the server refused to resume the stream-management session of ${who} (${resumption.condition}); a new resource was bound (XEP-0198 §5)`);
    if (postAuth.getChild('bind', NS_BIND)) stream.send(bindIq);
  }
  if (!postAuth.getChild('bind', NS_BIND)) return noBinding;
  const bound = await input.next('bind');
  if (bound.name !== 'iq' || bound.attrs.id !== 'bind-1' || bound.attrs.type !== 'result') {
    const why = bound.getChild('error')?.children.map((c) => (typeof c === 'string' ? c : c.name)).join(' ') ?? bound.name;
    return { ok: false, stage: 'bind', message: `resource binding failed: ${why}` };
  }
  const jid = parseFullJid(bound.getChild('bind', NS_BIND)?.getChildText('jid') ?? '');
  if (!jid || !jid.startsWith(`${input.account}/`)) return { ok: false, stage: 'bind', message: 'the server bound a JID that is not ours' };

  // RFC 3921 session establishment, only where a server still requires it (RFC 6121 App. E).
  const session = postAuth.getChild('session', NS_SESSION);
  if (session && !session.getChild('optional')) {
    stream.send(`<iq type='set' id='session-1'><session xmlns='${NS_SESSION}'/></iq>`);
    const r = await input.next('bind');
    if (r.attrs.id !== 'session-1' || r.attrs.type !== 'result') return { ok: false, stage: 'bind', message: 'session establishment failed' };
  }
  return { ok: true, jid, postAuthFeatures: postAuth, sasl: { ...saslReport, profile: 'SASL' }, notes, ...(resumption ? { resumption } : {}) };
}

/** XEP-0198 §5: `<resume/>` on the authenticated, unbound stream; `<resumed/>` or `<failed/>` back. */
async function resumeSession(
  input: AuthInput,
  resume: ResumeRequest,
  features: Element,
): Promise<{ readonly ok: true; readonly resumption: Resumption } | { readonly ok: false; readonly stage: 'bind'; readonly message: string }> {
  const { previd } = resume;
  if (!resume.jid.startsWith(`${input.account}/`)) return { ok: false, stage: 'bind', message: 'the session to resume belongs to another account' };
  if (!features.getChild('sm', NS_SM)) return { ok: true, resumption: { status: 'failed', previd, condition: 'feature-not-implemented' } };
  input.stream.send(`<resume xmlns='${NS_SM}' previd='${escapeXML(previd)}' h='${resume.h}'/>`);
  const answer = await input.next('bind');
  const h = parseH(answer.attrs.h);
  if (answer.is('resumed', NS_SM)) {
    if (h === undefined) return { ok: false, stage: 'bind', message: "the server resumed the session without a valid 'h'" };
    if (answer.attrs.previd !== undefined && answer.attrs.previd !== previd) return { ok: false, stage: 'bind', message: 'the server resumed a different session' };
    return { ok: true, resumption: { status: 'resumed', previd, h } };
  }
  if (answer.is('failed', NS_SM)) {
    const condition = answer.children.find((c): c is Element => typeof c !== 'string')?.name ?? 'undefined-condition';
    return { ok: true, resumption: { status: 'failed', previd, condition, ...(h !== undefined ? { h } : {}) } };
  }
  return { ok: false, stage: 'bind', message: `unexpected <${answer.name}/> in answer to <resume/>` };
}
