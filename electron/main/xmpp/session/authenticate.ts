/**
 * Authentication and resource binding on the secured stream [UCR-A1, UCR-A4].
 *  - SASL2 (XEP-0388) with inline Bind2 (XEP-0386) where the server offers both: the bound JID
 *    arrives with `<success/>` and no stream restart is needed, one round trip fewer.
 *  - Otherwise RFC 6120 SASL, then the restarted stream header and the bind request pipelined.
 * Every failure is returned, never retried [UCR-A2].
 */
import { randomBytes } from 'node:crypto';
import type { Element } from '@xmpp/xml';
import { escapeXML } from '@xmpp/xml';
import { parseFullJid, type BareJid, type FullJid } from '../../../../shared/xmpp/jid';
import type { SessionStage } from '../../../../shared/security/report';
import { selectMechanism, type ChannelBindingData, type SaslCredentials } from '../sasl/select';
import { NS_STREAM, streamHeader, type XmlStream } from '../stream/xml-stream';
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
}

export type AuthResult =
  | {
      readonly ok: true;
      readonly jid: FullJid;
      readonly postAuthFeatures: Element;
      readonly sasl: { readonly mechanism: string; readonly channelBinding?: string; readonly offered: readonly string[]; readonly profile: 'SASL' | 'SASL2+Bind2' };
      readonly notes: readonly string[];
    }
  | { readonly ok: false; readonly stage: SessionStage; readonly message: string; readonly sasl?: { readonly mechanism: string; readonly offered: readonly string[] } };

const texts = (parent: Element | undefined, child: string): string[] => (parent?.getChildren(child) ?? []).map((m) => m.getText().trim());

export async function authenticateAndBind(input: AuthInput): Promise<AuthResult> {
  const { stream, features, policy } = input;
  const sasl2 = features.getChild('authentication', NS_SASL2);
  const bind2Offered = sasl2?.getChild('inline')?.getChild('bind', NS_BIND2) !== undefined;
  const useSasl2 = policy.sasl2 && sasl2 !== undefined && bind2Offered;
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
    return { ok: true, jid, postAuthFeatures: postAuth, sasl: { ...saslReport, profile: 'SASL2+Bind2' }, notes };
  }

  // Restart and bind, pipelined: the new header and the bind request go out together.
  const resource = input.resource ?? `bastion-${randomBytes(4).toString('hex')}`;
  stream.restart(
    streamHeader({ to: input.domain, from: input.account }) +
      `<iq type='set' id='bind-1'><bind xmlns='${NS_BIND}'><resource>${escapeXML(resource)}</resource></bind></iq>`,
  );
  const postAuth = await input.next('bind');
  if (!postAuth.is('features', NS_STREAM) || !postAuth.getChild('bind', NS_BIND)) return { ok: false, stage: 'bind', message: 'the server offered no resource binding after authentication' };
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
  return { ok: true, jid, postAuthFeatures: postAuth, sasl: { ...saslReport, profile: 'SASL' }, notes };
}
