/**
 * XEP-0045 Multi-User Chat administration: the owner use cases (§10: creating a reserved or
 * instant room, configuring it through the XEP-0004 form of FORM_TYPE muc#roomconfig, destroying
 * it), the admin and moderator use cases (§8, §9: roles and affiliations, their lists) and voice
 * requests (§8.6). Joining, occupants and messages are the MUC core's (0045-muc.ts); invitations
 * are in 0045-muc-invite.ts, the settings view of the configuration form in 0045-muc-config.ts.
 * Every server answer is parsed at the edge; failures become a `MucAdminError`
 * (0045-muc-errors.ts) whose message a user can read.
 */
import type { Element } from '@xmpp/xml';
import xml from '@xmpp/xml';
import { createEmitter, type Disposer } from '../../../../shared/util/disposable';
import { bareOf, parseJid, type BareJid } from '../../../../shared/xmpp/jid';
import { IqError, type XmppClient } from '../client/client';
import { errorCondition } from '../client/iq-tracker';
import { NS_MUC, NS_MUC_OWNER, NS_MUC_USER, parseRoomJid, type MucAffiliation, type MucRole } from './0045-muc-parse';
import { buildSubmission, cancelForm, findDataForm, NS_DATA, type DataForm, type FieldProblem, type FormAnswers } from './0004-forms';
import { adminError, MucAdminError, type MucOp } from './0045-muc-errors';
import { FORM_REQUEST, isAffiliation, isRole, NS_MUC_ADMIN, parseMucList, parseVoiceRequest, type MucListItem, type VoiceRequest } from './0045-muc-admin-parse';
import { NS_DISCO_INFO } from './0030-disco';

export { MucAdminError, type MucAdminFailure } from './0045-muc-errors';
export { readRoomSettings, ROOMCONFIG_FIELDS, roomSettingsAnswers, type RoomSettings } from './0045-muc-config';
export { FORM_REQUEST, MAX_LIST_ITEMS, NS_MUC_ADMIN, parseMucList, parseVoiceRequest, type MucListItem, type VoiceRequest } from './0045-muc-admin-parse';

/** XEP-0045 §15.5.3 / XEP-0068: the FORM_TYPE of the room configuration form. */
export const FORM_ROOMCONFIG = `${NS_MUC}#roomconfig`;

/** §8.2–§8.5, §9.6–§9.8: kick = none, voice = participant, revoke voice = visitor. */
export interface RoleChange {
  readonly nick: string;
  readonly role: MucRole;
  readonly reason?: string;
}
/** §9.1–§9.5, §10.3–§10.8: ban = outcast. */
export interface AffiliationChange {
  readonly jid: string;
  readonly affiliation: MucAffiliation;
  readonly reason?: string;
}
/** §10.1: a join that created the room (status 201) or found it already there. */
export type RoomCreation =
  | { readonly created: true; readonly nick: string; readonly config?: DataForm }
  | { readonly created: false; readonly nick: string };

export interface BatchOptions {
  /**
   * Send every change in one IQ, as §8.5/§9.5/§9.8/§10.5/§10.8 allow (atomic on ejabberd).
   * Off by default: Prosody 0.12 applies only the first item of such an IQ and still answers
   * 'result' (muc.lib.lua handle_admin_query_set_command), so one IQ per change is the only form
   * that is correct everywhere.
   */
  readonly singleIq?: boolean;
}

export interface MucAdminOptions {
  /**
   * How to join for `createReserved`/`createInstant`. Default: a bare §7.2 join presence, the
   * room then unknown to the MUC core. Wire the core's join here so the new room is tracked
   * like any other: `(room, nick) => muc.join(room, { nick, createInstant: false })` — it must
   * not unlock a new room itself (that is what these two methods decide).
   */
  readonly join?: (room: BareJid, nick: string, timeoutMs: number) => Promise<{ readonly created: boolean; readonly nick: string }>;
  /** Default GONE_PROBE. */
  readonly goneProbe?: GoneProbe;
}

/** How long `destroy`/`cancelCreation` wait for the room to be gone, and each probe's timeout. */
export interface GoneProbe {
  readonly totalMs: number;
  readonly probeMs: number;
  /** Pause before asking again when the room still answers as a room. */
  readonly retryMs: number;
}
const GONE_PROBE: GoneProbe = { totalMs: 5_000, probeMs: 1_000, retryMs: 100 };

export interface MucAdminModule {
  /** §10.1.1/§10.1.3: joins as `nick`; if that created the room, fetches the configuration form. */
  createReserved(room: string, nick: string, opts?: { readonly timeoutMs?: number }): Promise<RoomCreation>;
  /** §10.1.2: joins as `nick`; if that created the room, accepts the default configuration. */
  createInstant(room: string, nick: string, opts?: { readonly timeoutMs?: number }): Promise<RoomCreation>;
  /** §10.1.2: unlock a room we just created with its default configuration (empty submit). */
  acceptDefaultConfig(room: string): Promise<void>;
  /** §10.1.3: cancel the initial configuration; the room is destroyed (by us where the server does not). */
  cancelCreation(room: string): Promise<void>;
  /** §10.2: the room configuration form (FORM_TYPE muc#roomconfig). */
  getConfig(room: string): Promise<DataForm>;
  /** §10.2: validates `answers` against `form` (fetched when not given) and submits. */
  submitConfig(room: string, answers: FormAnswers, form?: DataForm): Promise<void>;
  /** §10.9: `alternate` is a room JID occupants may go to instead. Resolves once the room is gone. */
  destroy(room: string, opts?: { readonly reason?: string; readonly alternate?: string; readonly password?: string }): Promise<void>;
  setRole(room: string, nick: string, role: MucRole, reason?: string): Promise<void>;
  setRoles(room: string, changes: readonly RoleChange[], opts?: BatchOptions): Promise<void>;
  setAffiliation(room: string, jid: string, affiliation: MucAffiliation, reason?: string): Promise<void>;
  setAffiliations(room: string, changes: readonly AffiliationChange[], opts?: BatchOptions): Promise<void>;
  /** §8.5, §9.5, §9.8, §10.5, §10.8: who has `value`. */
  list(room: string, by: 'role', value: Exclude<MucRole, 'none'>): Promise<readonly MucListItem[]>;
  list(room: string, by: 'affiliation', value: Exclude<MucAffiliation, 'none'>): Promise<readonly MucListItem[]>;
  /** §8.6: as a visitor of a moderated room, ask the moderators for voice. */
  requestVoice(room: string): void;
  /** §8.6: as a moderator, approve (or explicitly deny) a voice request. */
  answerVoiceRequest(request: VoiceRequest, allow: boolean): void;
  onDidReceiveVoiceRequest(cb: (r: VoiceRequest) => void): Disposer;
  /** Voice-request messages refused at the edge, with the reason (logs, tests). */
  onDidRefuseVoiceRequest(cb: (reason: string) => void): Disposer;
  dispose(): void;
}

export const JOIN_TIMEOUT_MS = 30_000;

function roomOrThrow(room: string): BareJid {
  const r = parseRoomJid(room);
  if (!r) throw new MucAdminError('jid-malformed', `'${room}' is not a room address (room@service)`);
  return r;
}
/** Affiliations are held by bare JIDs (user or whole domain), §5.2. */
function affiliateJid(jid: string): BareJid {
  const p = parseJid(jid.trim());
  if (!p.ok || p.jid.resource !== undefined) throw new MucAdminError('jid-malformed', `'${jid}' is not a bare JID (user@domain or a domain)`);
  return bareOf(p.jid);
}

const statusCodes = (x: Element | undefined): string[] => (x?.getChildren('status') ?? []).map((s) => String(s.attrs.code ?? ''));

const readableClosed = 'The connection was lost before the room answered';
const problemsText = (problems: readonly FieldProblem[]): string => problems.map((p) => (p.var ? `${p.var}: ${p.reason}` : p.reason)).join('; ');

export function registerMucAdmin(client: XmppClient, opts: MucAdminOptions = {}): MucAdminModule {
  const voiceRequests = createEmitter<VoiceRequest>();
  const refusedRequests = createEmitter<string>();
  const handlingFailed = (e: unknown): void => refusedRequests.emit(`voice request handling failed: ${e instanceof Error ? e.message : String(e)}`);

  async function iq(op: MucOp, type: 'get' | 'set', room: BareJid, payload: Element): Promise<Element> {
    try {
      return await client.request(type, room, payload);
    } catch (e: unknown) {
      throw adminError(op, e);
    }
  }
  const owner = (...children: Element[]): Element => xml('query', { xmlns: NS_MUC_OWNER }, ...children);
  const admin = (...items: Element[]): Element => xml('query', { xmlns: NS_MUC_ADMIN }, ...items);
  const reasonEl = (reason: string | undefined): Element[] => (reason ? [xml('reason', {}, reason)] : []);

  /**
   * §7.2 join presence, then the self-presence (status 110) or the error. The room may change the
   * nick (status 210), so the answer is matched on the room, not on room/nick.
   */
  function join(room: BareJid, nick: string, timeoutMs: number): Promise<{ created: boolean; nick: string }> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new MucAdminError('timeout', `${room} did not answer the join within ${timeoutMs} ms`)), timeoutMs);
      const off = client.onPresence((p) => {
        const from = String(p.attrs.from ?? '');
        const p2 = parseJid(from);
        if (!p2.ok || bareOf(p2.jid) !== room) return;
        if (p.attrs.type === 'error') {
          const c = errorCondition(p);
          done(adminError('join', new IqError(c.condition, c.type, p, c.condition)));
          return;
        }
        const codes = statusCodes(p.getChild('x', NS_MUC_USER));
        if (!codes.includes('110')) return;
        if (p.attrs.type === 'unavailable') done(new MucAdminError('failed', `${room} removed us while joining`));
        else done({ created: codes.includes('201'), nick: p2.jid.resource ?? nick });
      });
      function done(r: MucAdminError | { created: boolean; nick: string }): void {
        clearTimeout(timer);
        off();
        if (r instanceof MucAdminError) reject(r);
        else resolve(r);
      }
      try {
        client.send(xml('presence', { to: `${room}/${nick}` }, xml('x', { xmlns: NS_MUC })));
      } catch (e: unknown) {
        done(new MucAdminError('disconnected', `${readableClosed}: ${e instanceof Error ? e.message : String(e)}`));
      }
    });
  }

  /**
   * §10.9 has the service answer once the room is destroyed, and then a join creates a new room.
   * ejabberd 23.01 answers while the room's process is still ending: a stanza that reaches it in
   * that moment is dropped (an IQ never answered) or bounced (a join answered with the destroy,
   * "removed us while joining") — measured 2 and 5 in 80 back-to-back runs. So destroying waits
   * until a XEP-0030 disco#info to the room is answered by the service, not by the room:
   * item-not-found. Bounded: after `totalMs` the server's own answer stands.
   */
  async function awaitGone(room: BareJid): Promise<void> {
    const { totalMs, probeMs, retryMs } = opts.goneProbe ?? GONE_PROBE;
    const deadline = Date.now() + totalMs;
    for (let left = totalMs; left > 0; left = deadline - Date.now()) {
      try {
        await client.request('get', room, xml('query', { xmlns: NS_DISCO_INFO }), Math.min(probeMs, left));
      } catch (e: unknown) {
        if (e instanceof IqError && e.condition === 'timeout') continue; // swallowed by the ending room
        return; // item-not-found (or any other refusal, or the connection gone): no room answers
      }
      await new Promise((r) => setTimeout(r, Math.min(retryMs, Math.max(0, deadline - Date.now()))));
    }
  }

  async function getConfig(room: string): Promise<DataForm> {
    const r = roomOrThrow(room);
    const answer = await iq('configure', 'get', r, owner());
    const found = findDataForm(answer.getChild('query', NS_MUC_OWNER), FORM_ROOMCONFIG);
    if (!found) throw new MucAdminError('malformed', `${r} sent no configuration form (FORM_TYPE ${FORM_ROOMCONFIG})`);
    if (!found.ok) throw new MucAdminError('malformed', `${r} sent an unreadable configuration form: ${found.reason}`);
    if (found.form.kind !== 'form') throw new MucAdminError('malformed', `${r} sent a ${found.form.kind} form, not one to fill in`);
    return found.form;
  }

  async function submitConfig(room: string, answers: FormAnswers, form?: DataForm): Promise<void> {
    const r = roomOrThrow(room);
    const f = form ?? (await getConfig(r));
    const sub = buildSubmission(f, answers);
    if (!sub.ok) throw new MucAdminError('invalid-answers', `the room configuration is not valid: ${problemsText(sub.problems)}`, { problems: sub.problems });
    await iq('configure', 'set', r, owner(sub.element));
  }

  const acceptDefaultConfig = async (room: string): Promise<void> => {
    await iq('configure', 'set', roomOrThrow(room), owner(xml('x', { xmlns: NS_DATA, type: 'submit' })));
  };

  async function batch<T>(op: MucOp, room: string, changes: readonly T[], item: (c: T) => Element, opts: BatchOptions): Promise<void> {
    const r = roomOrThrow(room);
    const items = changes.map(item); // validates every change before anything is sent
    if (items.length === 0) return;
    if (opts.singleIq) {
      await iq(op, 'set', r, admin(...items));
      return;
    }
    for (const [i, it] of items.entries()) {
      try {
        await iq(op, 'set', r, admin(it));
      } catch (e: unknown) {
        if (e instanceof MucAdminError && items.length > 1) throw e.withContext(`change ${i + 1} of ${items.length}`, i);
        throw e;
      }
    }
  }
  const roleItem = (c: RoleChange): Element => {
    if (!isRole(c.role)) throw new MucAdminError('not-acceptable', `'${String(c.role)}' is not a role`);
    if (c.nick === '') throw new MucAdminError('jid-malformed', 'a role change needs the occupant’s nickname');
    return xml('item', { nick: c.nick, role: c.role }, ...reasonEl(c.reason));
  };
  const affiliationItem = (c: AffiliationChange): Element => {
    if (!isAffiliation(c.affiliation)) throw new MucAdminError('not-acceptable', `'${String(c.affiliation)}' is not an affiliation`);
    return xml('item', { jid: affiliateJid(c.jid), affiliation: c.affiliation }, ...reasonEl(c.reason));
  };

  async function create(room: string, nick: string, timeoutMs: number, then: (r: BareJid) => Promise<DataForm | undefined>): Promise<RoomCreation> {
    const r = roomOrThrow(room);
    let joined: { readonly created: boolean; readonly nick: string };
    try {
      joined = await (opts.join ?? join)(r, nick, timeoutMs);
    } catch (e: unknown) {
      throw adminError('join', e);
    }
    if (!joined.created) return { created: false, nick: joined.nick };
    const config = await then(r);
    return { created: true, nick: joined.nick, ...(config ? { config } : {}) };
  }

  const disposers: Disposer[] = [
    client.onMessage((m) => {
      try {
        const r = parseVoiceRequest(m);
        if (!r) return;
        if (!r.ok) refusedRequests.emit(r.reason);
        else voiceRequests.emit(r.request);
      } catch (e: unknown) {
        // Never throw out of a stanza handler (a listener's bug must not break routing).
        handlingFailed(e);
      }
    }),
  ];

  return {
    createReserved: (room, nick, opts = {}) => create(room, nick, opts.timeoutMs ?? JOIN_TIMEOUT_MS, getConfig),
    createInstant: (room, nick, opts = {}) =>
      create(room, nick, opts.timeoutMs ?? JOIN_TIMEOUT_MS, async (r) => {
        await acceptDefaultConfig(r);
        return undefined;
      }),
    acceptDefaultConfig,
    async cancelCreation(room) {
      const r = roomOrThrow(room);
      await iq('configure', 'set', r, owner(cancelForm()));
      // §10.1.3: the service MUST then destroy the room. Prosody 0.12 and ejabberd 23.01 only
      // answer 'result' and keep it (Prosody locked, ejabberd open), so we destroy it (§10.9).
      try {
        await iq('destroy', 'set', r, owner(xml('destroy', {}, xml('reason', {}, 'Room creation cancelled'))));
      } catch (e: unknown) {
        if (!(e instanceof MucAdminError && e.reason === 'item-not-found')) throw e;
        return;
      }
      await awaitGone(r);
    },
    getConfig,
    submitConfig,
    async destroy(room, opts = {}) {
      const alt = opts.alternate !== undefined ? roomOrThrow(opts.alternate) : undefined;
      const children = [...reasonEl(opts.reason), ...(opts.password ? [xml('password', {}, opts.password)] : [])];
      const r = roomOrThrow(room);
      await iq('destroy', 'set', r, owner(xml('destroy', alt ? { jid: alt } : {}, ...children)));
      await awaitGone(r);
    },
    setRole: (room, nick, role, reason) => batch('role', room, [{ nick, role, ...(reason ? { reason } : {}) }], roleItem, {}),
    setRoles: (room, changes, opts = {}) => batch('role', room, changes, roleItem, opts),
    setAffiliation: (room, jid, affiliation, reason) => batch('affiliation', room, [{ jid, affiliation, ...(reason ? { reason } : {}) }], affiliationItem, {}),
    setAffiliations: (room, changes, opts = {}) => batch('affiliation', room, changes, affiliationItem, opts),
    async list(room: string, by: 'role' | 'affiliation', value: string) {
      if (by === 'role' ? !isRole(value) || value === 'none' : !isAffiliation(value) || value === 'none') throw new MucAdminError('not-acceptable', `'${value}' is not a ${by} list`);
      const r = roomOrThrow(room);
      const answer = await iq('list', 'get', r, admin(xml('item', { [by]: value })));
      return parseMucList(answer.getChild('query', NS_MUC_ADMIN), by, value);
    },
    requestVoice(room) {
      // §8.6 example 94: a submitted muc#request form asking for the participant role.
      client.send(
        xml(
          'message',
          { to: roomOrThrow(room) },
          xml(
            'x',
            { xmlns: NS_DATA, type: 'submit' },
            xml('field', { var: 'FORM_TYPE' }, xml('value', {}, FORM_REQUEST)),
            xml('field', { var: 'muc#role', type: 'list-single' }, xml('value', {}, 'participant')),
          ),
        ),
      );
    },
    answerVoiceRequest(request, allow) {
      // Submitted back with every field the room sent (it identifies the requester by them).
      const sub = buildSubmission(request.form, request.form.fields.some((f) => f.var === 'muc#request_allow') ? { 'muc#request_allow': allow } : {});
      if (!sub.ok) throw new MucAdminError('invalid-answers', `the voice request form cannot be answered: ${problemsText(sub.problems)}`, { problems: sub.problems });
      client.send(xml('message', { to: request.room }, sub.element));
    },
    // The emitter isolates each listener; one that throws is still reported as a refusal.
    onDidReceiveVoiceRequest: (cb) =>
      voiceRequests.on((r) => {
        try {
          cb(r);
        } catch (e: unknown) {
          handlingFailed(e);
        }
      }),
    onDidRefuseVoiceRequest: refusedRequests.on,
    dispose() {
      for (const d of disposers) d();
      voiceRequests.clear();
      refusedRequests.clear();
    },
  };
}

