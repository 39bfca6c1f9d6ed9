/**
 * One account's session as the UI sees it: connect, stay connected, disconnect. Owns the
 * reconnect loop (backoff with jitter, a complete new session initiation — fresh DNS, STARTTLS,
 * certificate checks, SASL — every time [UCR-S4]), the security report, the certificate-change
 * question [R7590-HF4], and the IM account (store, outbox, live modules) on top of the session.
 * Credentials are held in memory only while the user wants to be connected, so a reconnect does
 * not ask for the PIN again (the card stays logged in); they are dropped on disconnect.
 */
import { randomUUID } from 'node:crypto';
import type { AuthInput, ConnectionState, ImUpdate } from '../../../shared/ipc';
import type { SecurityReport, SessionStage } from '../../../shared/security/report';
import type { Disposer } from '../../../shared/util/disposable';
import type { BareJid } from '../../../shared/xmpp/jid';
import type { EventHub } from '../ipc/events';
import { CommandFailure } from '../ipc/handlers';
import type { AccountStore, HistoryPolicy } from '../store/im-store';
import type { CapsCache } from '../xmpp/xep/0115-caps';
import type { IdlePort } from '../xmpp/xep/0319-idle';
import { createXmppClient, type XmppClient } from '../xmpp/client/client';
import { registerStreamManagement, type StreamManagementModule } from '../xmpp/xep/0198-sm';
import type { CertificateDecision, CertificateMemory } from '../xmpp/session/certificate-memory';
import { establishSession, type EstablishedSession, type EstablishOptions } from '../xmpp/session/establish';
import { SessionFailure } from '../xmpp/session/failure';
import { registrationHook, RegistrationError } from '../xmpp/xep/0077-register';
import type { SessionPolicy } from '../xmpp/session/policy';
import type { PolicyView } from '../../../shared/policy/schema';
import { auditEstablished, auditFailure, NO_AUDIT, type AuditSink } from '../audit/sink';
import type { CardEnvironment, CardManager } from './card-manager';
import { prepareCredentials, type Credentials } from './credentials';
import { createImAccount, type ImAccount, type ImCommands } from './im-account';
import { startLiveIm, type LiveIm, type XepSwitches } from './im-live';
import { createRoomsAccount, type RoomCommands, type RoomsAccount } from './rooms';
import { createReconnectLoop, type BackoffPolicy, type ReconnectLoop } from './reconnect';

export interface SessionEnvironment {
  /** The configured trust anchors (DoD PKI roots in production) [UCR-T4]. */
  loadTrustAnchors(): Promise<string>;
  readonly policy: SessionPolicy;
  /** The admin policy in force (getPolicy; connect refuses while it is broken) [UCR-G3]. */
  readonly admin?: PolicyView;
  readonly certificateMemory: CertificateMemory;
  /** Smart cards: PKCS#11 module paths and how to start the card worker. */
  readonly cards: CardEnvironment;
  /** Card removed during a session: 'terminate' (default: end it and ask for the card and PIN again) or 'keep'. */
  readonly onCardRemoval: 'terminate' | 'keep';
  /** The local store (history, outbox, roster cache) for an account. */
  readonly storage: { accountStore(account: BareJid, history: HistoryPolicy): AccountStore; readonly caps: CapsCache };
  /** OS idle time and screen lock (Electron powerMonitor) for auto-away (XEP-0319). */
  readonly idle?: IdlePort;
  /** UCR Table 5.7.3-1 conditional XEPs that admin policy switched off (default: all on). */
  readonly xeps?: XepSwitches;
  readonly history: HistoryPolicy;
  readonly appVersion?: string;
  readonly backoff?: BackoffPolicy;
  /** The OS says the network is back (Electron: powerMonitor/net): reconnect at once. */
  readonly networkUp?: (cb: () => void) => Disposer;
  /** For tests: replaces establishSession (e.g. to inject a DNS port). */
  readonly establish?: (opts: EstablishOptions) => Promise<EstablishedSession>;
  /** For tests: keepalive timing. */
  readonly keepalive?: { readonly idleMs: number; readonly timeoutMs: number };
}

export interface SessionManager {
  connect(account: string, auth: AuthInput): Promise<{ jid: string }>;
  /** XEP-0077: create the account (after TLS, before SASL) and sign in with it. */
  register(account: string, password: string): Promise<{ jid: string }>;
  disconnect(): Promise<void>;
  /** "Retry now" while reconnecting. */
  reconnectNow(): void;
  report(): SecurityReport | null;
  state(): ConnectionState;
  decide(requestId: string, decision: CertificateDecision): void;
  /** The IM commands of the current (or last) account; they throw 'invalid-state' before any sign-in. */
  readonly im: ImCommands;
  /** The multi-user chat commands, same rules. */
  readonly rooms: RoomCommands;
  dispose(): Promise<void>;
}

interface Live {
  session: EstablishedSession;
  readonly client: XmppClient;
  readonly im: LiveIm;
  readonly sm: StreamManagementModule;
  readonly account: ImAccount;
  readonly rooms: RoomsAccount;
}

export function createSessionManager(env: SessionEnvironment, events: EventHub, cards: CardManager, audit: AuditSink = NO_AUDIT): SessionManager {
  let live: Live | undefined;
  /** Set from a successful connect until disconnect: what reconnecting needs. */
  let wanted: { account: BareJid; credentials: Credentials; policy: SessionPolicy; imAccount: ImAccount } | undefined;
  let loop: ReconnectLoop | undefined;
  let lastReport: SecurityReport | null = null;
  let current: ConnectionState = { state: 'disconnected' };
  let busy = false;
  const accounts = new Map<BareJid, ImAccount>();
  const roomAccounts = new Map<BareJid, RoomsAccount>();
  const pendingDecisions = new Map<string, (d: CertificateDecision) => void>();

  const setState = (s: ConnectionState): void => {
    current = s;
    events.emit('didChangeConnectionState', s);
  };
  const publish = (r: SecurityReport): void => {
    lastReport = r;
    events.emit('didUpdateSecurityReport', r);
  };

  function roomsFor(account: BareJid): RoomsAccount {
    let r = roomAccounts.get(account);
    if (!r) {
      r = createRoomsAccount({ account, store: env.storage.accountStore(account, env.history), deliver: (updates) => events.emit('didUpdateRooms', { updates }) });
      roomAccounts.set(account, r);
    }
    return r;
  }

  function imAccountFor(account: BareJid): ImAccount {
    let a = accounts.get(account);
    if (!a) {
      a = createImAccount({
        account,
        store: env.storage.accountStore(account, env.history),
        deliver: (updates: readonly ImUpdate[]) => events.emit('didUpdateIm', { updates }),
        onOutboxChange: (queued) => {
          if (current.account === account && current.queued !== queued) setState({ ...current, queued });
        },
      });
      accounts.set(account, a);
    }
    return a;
  }

  const askCertificate: EstablishOptions['onCertificateChange'] = (change) =>
    new Promise<CertificateDecision>((resolve) => {
      const requestId = randomUUID();
      pendingDecisions.set(requestId, resolve);
      setState({ state: 'awaiting-certificate-decision', account: change.account });
      events.emit('didDetectCertificateChange', { requestId, account: change.account, previous: change.previous, presented: change.presented });
      audit.record({ type: 'certificate-change', outcome: 'info', account: change.account, detail: { requestId, previous: { ...change.previous }, presented: { ...change.presented } } });
    });

  /** One complete session initiation; on success the IM layer is attached. */
  async function open(
    account: string,
    credentials: Credentials,
    policy: SessionPolicy,
    resume?: EstablishOptions['resume'],
    beforeAuthenticate?: EstablishOptions['beforeAuthenticate'],
  ): Promise<EstablishedSession> {
    const trustAnchorsPem = await env.loadTrustAnchors().catch((e: unknown) => {
      throw new CommandFailure('invalid-state', `no trust anchors are configured: ${e instanceof Error ? e.message : String(e)}`);
    });
    const establish = env.establish ?? establishSession;
    try {
      return await establish({
        account,
        auth: credentials.auth,
        trustAnchorsPem,
        policy,
        certificateMemory: env.certificateMemory,
        onCertificateChange: askCertificate,
        ...(resume ? { resume } : {}),
        ...(beforeAuthenticate ? { beforeAuthenticate } : {}),
      });
    } finally {
      pendingDecisions.clear();
    }
  }

  /**
   * RFC 6120 §4.9.3 stream errors after which coming back at once is right (the link or the
   * server had a transient problem). Any other condition — kicked or banned (policy-violation),
   * replaced by another login (conflict), not-authorized, a server that sent malformed XML —
   * ends the session and goes to the user: reconnecting would fight the server or the admin.
   */
  const TRANSIENT = new Set(['system-shutdown', 'connection-timeout', 'reset', 'remote-connection-failed', 'internal-server-error', 'resource-constraint']);

  function watch(l: Live): void {
    const s = l.session;
    s.stream.onClose((err) => {
      if (live !== l || l.session !== s) return;
      if (err.condition === undefined || TRANSIENT.has(err.condition)) {
        lost(err.message);
        return;
      }
      const ended = teardownLive();
      void endLive(ended);
      dropCredentials();
      audit.record({ type: 'session-ended', outcome: 'failure', account: s.account, detail: { stage: 'stream', condition: err.condition ?? null, reason: err.message } });
      setState({ state: 'failed', account: s.account, error: { stage: 'stream', message: err.message }, queued: l.account.outbox.pending() });
    });
  }

  function goLive(s: EstablishedSession, imAccount: ImAccount, extraNotes: readonly string[]): void {
    const client = createXmppClient(s);
    const sm = registerStreamManagement(client);
    const im = startLiveIm({
      client,
      store: env.storage.accountStore(s.account, env.history),
      emit: imAccount.emit,
      appVersion: env.appVersion ?? '0',
      capsCache: env.storage.caps,
      ...(env.xeps ? { xeps: env.xeps } : {}),
      ...(env.idle ? { idle: env.idle } : {}),
      // A dead link is dropped at the transport, never with a stream error or </stream:stream>:
      // either would end the server's XEP-0198 session and with it the chance to resume.
      onDead: () => l.session.tls.close(),
      ...(env.keepalive ? { keepalive: env.keepalive } : {}),
    });
    const rooms = roomsFor(s.account);
    rooms.attach(im);
    const l: Live = { session: s, client, im, sm, account: imAccount, rooms };
    live = l;
    publish({ ...s.report, notes: [...s.report.notes, ...extraNotes] });
    watch(l);
    setState({ state: 'connected', account: s.account, jid: s.jid, queued: imAccount.outbox.pending() });
    // Sending does not wait for the roster or the archive: the outbox goes live at once.
    void imAccount.attach(im, { resumed: false }).catch(() => undefined);
    // XEP-0198 §3: enable right after binding, before the initial presence.
    void sm
      .enable()
      .then((r) => im.start().then(({ notes }) => (r.ok ? notes : [...notes, `stream management (XEP-0198) is not available: ${r.reason}`])))
      .then(async (notes) => {
        if (live !== l) return;
        if (notes.length > 0 && lastReport) publish({ ...lastReport, notes: [...lastReport.notes, ...notes] });
        // Rooms after presence: rejoin where we were (self-ping first), then autojoin bookmarks.
        await rooms.restore();
      })
      .catch(() => undefined); // a failed start surfaces as the stream closing
  }

  /** XEP-0198 resumption succeeded: the same client, modules and state continue on the new stream. */
  function resumeLive(l: Live, s: EstablishedSession, imAccount: ImAccount, h: number): boolean {
    const r = l.sm.resumed(s.stream, h, s.features);
    if (!r.ok) return false;
    l.session = s;
    live = l;
    publish({ ...s.report, notes: [...s.report.notes, `the stream was resumed (XEP-0198): ${r.resent.length} stanza(s) re-sent, nothing lost`] });
    watch(l);
    setState({ state: 'connected', account: s.account, jid: s.jid, queued: imAccount.outbox.pending() });
    void imAccount.attach(l.im, { resumed: true }).catch(() => undefined);
    return true;
  }

  /** Ends a live session; the returned promise settles when its stream is closed (disconnect waits for it). */
  function endLive(l: Live | undefined): Promise<void> {
    if (!l) return Promise.resolve();
    l.rooms.detach();
    l.im.dispose();
    l.sm.dispose();
    return l.client.close().catch(() => undefined);
  }

  function teardownLive(): Live | undefined {
    const l = live;
    live = undefined;
    l?.account.detach();
    return l;
  }

  /** The link went away without the user asking: reconnect (resuming the stream where the server allows). */
  function lost(why: string): void {
    let suspended = teardownLive();
    if (!wanted) {
      void endLive(suspended);
      return;
    }
    const w = wanted;
    audit.record({ type: 'reconnect', outcome: 'info', account: w.account, detail: { reason: why } }); // the link was lost
    loop?.dispose();
    loop = createReconnectLoop({
      ...(env.backoff ? { policy: env.backoff } : {}),
      ...(env.networkUp ? { networkUp: env.networkUp } : {}),
      attempt: async () => {
        if (wanted !== w) return { ok: true };
        setState({ state: 'connecting', account: w.account, queued: w.imAccount.outbox.pending() });
        try {
          const resume = suspended?.sm.resumeToken();
          const s = await open(w.account, w.credentials, w.policy, resume);
          if (wanted !== w) {
            void s.stream.close(500).catch(() => undefined);
            return { ok: true };
          }
          const r = s.resumption;
          auditEstablished(audit, 'reconnect', s.report, { resumed: r?.status === 'resumed' });
          if (suspended && r?.status === 'resumed' && resumeLive(suspended, s, w.imAccount, r.h)) return { ok: true };
          // Not resumed: the server's session is gone. The outbox still holds every unconfirmed
          // message and re-sends it after asking the archive; everything else starts afresh.
          suspended?.sm.failed(r?.status === 'failed' ? r.h : undefined);
          void endLive(suspended);
          suspended = undefined;
          const why2 = r?.status === 'failed' ? [`the stream could not be resumed (${r.condition})`] : [];
          goLive(s, w.imAccount, [...w.credentials.notes, 'reconnected after the link was lost', ...why2]);
          return { ok: true };
        } catch (e: unknown) {
          auditFailure(audit, 'reconnect', w.account, e);
          if (e instanceof SessionFailure) {
            publish(e.report);
            return { ok: false, stage: e.stage, message: e.message };
          }
          return { ok: false, stage: 'policy', message: e instanceof Error ? e.message : String(e) };
        }
      },
      onWaiting: (retryAt, lastError) =>
        setState({
          state: 'reconnecting',
          account: w.account,
          retryAt: retryAt.toISOString(),
          queued: w.imAccount.outbox.pending(),
          error: lastError ?? { stage: 'stream', message: why },
        }),
      onConnected: () => undefined,
      onGaveUp: (error: { stage: SessionStage; message: string }) => {
        void endLive(suspended);
        suspended = undefined;
        if (wanted !== w) return;
        dropCredentials();
        audit.record({ type: 'session-ended', outcome: 'failure', account: w.account, detail: { stage: error.stage, reason: `reconnecting gave up: ${error.message}` } });
        setState({ state: 'failed', account: w.account, error, queued: w.imAccount.outbox.pending() });
      },
    });
    loop.start();
  }

  function dropCredentials(): void {
    const w = wanted;
    wanted = undefined;
    loop?.dispose();
    loop = undefined;
    w?.credentials.dispose();
  }

  // Card removal [UCR-T5]: by default the session ends at once and the user must bring the card
  // back and enter the PIN again; policy may keep the session (the TLS keys are already agreed).
  cards.onDidRemoveToken((e) => {
    const w = wanted;
    if (!w || w.credentials.slot === undefined || e.slot !== w.credentials.slot || env.onCardRemoval === 'keep') return;
    const l = teardownLive();
    dropCredentials();
    void endLive(l);
    audit.record({ type: 'session-ended', outcome: 'info', account: w.account, detail: { reason: 'the smart card was removed', slot: e.slot } });
    setState({ state: 'locked', account: w.account, error: { stage: 'tls', message: 'the smart card was removed: insert it and enter your PIN again' } });
  });

  async function disconnect(): Promise<void> {
    const account = wanted?.account ?? live?.session.account;
    dropCredentials();
    for (const resolve of pendingDecisions.values()) resolve('reject');
    pendingDecisions.clear();
    const l = teardownLive();
    for (const a of accounts.values()) a.flush();
    await endLive(l);
    if (account) {
      audit.record({ type: 'logout', outcome: 'success', account });
      setState({ state: 'disconnected', account });
    }
  }

async function signIn(account: string, authInput: AuthInput, beforeAuthenticate?: EstablishOptions['beforeAuthenticate']): Promise<{ jid: string }> {
    if (busy || wanted) throw new CommandFailure('invalid-state', wanted ? 'already connected: disconnect first' : 'a connection attempt is already running');
    busy = true;
    setState({ state: 'connecting', account });
    audit.record({ type: 'login-attempt', outcome: 'info', account, detail: { method: authInput.kind, ...(beforeAuthenticate ? { registering: true } : {}) } });
    let credentials: Credentials | undefined;
    try {
      credentials = await prepareCredentials(authInput, cards);
      // The identity can only lower the policy's ceiling (an RSA card without PSS: TLS 1.2).
      const max = credentials.maxTlsVersion === '1.2' ? ('1.2' as const) : undefined;
      const policy = max ? { ...env.policy, tls: { ...env.policy.tls, maxVersion: max } } : env.policy;
      if (max && policy.tls.minVersion === '1.3') {
        throw new CommandFailure('card-unavailable', 'this card cannot sign with RSA-PSS, which TLS 1.3 requires, and policy does not allow TLS 1.2');
      }
      const s = await open(account, credentials, policy, undefined, beforeAuthenticate);
      const imAccount = imAccountFor(s.account);
      wanted = { account: s.account, credentials, policy, imAccount };
      credentials = undefined; // now owned by `wanted`
      goLive(s, imAccount, wanted.credentials.notes);
      auditEstablished(audit, 'login', s.report, { method: authInput.kind });
      return { jid: s.jid };
    } catch (e: unknown) {
      auditFailure(audit, 'login', account, e);
      if (e instanceof SessionFailure) {
        publish(e.report);
        setState({ state: 'failed', account, error: { stage: e.stage, message: e.message } });
        if (e.cause instanceof RegistrationError) throw new CommandFailure('invalid-argument', `the account could not be created: ${e.cause.message}`);
        throw new CommandFailure('connection-failed', e.message);
      }
      setState({ state: 'failed', account, error: { stage: 'policy', message: e instanceof Error ? e.message : String(e) } });
      throw e;
    } finally {
      busy = false;
      // Not kept (the attempt failed): a PKCS#12 key is freed now.
      credentials?.dispose();
    }
  }

  const currentAccount = (): ImAccount => {
    const a = wanted?.imAccount ?? [...accounts.values()].at(-1);
    if (!a) throw new CommandFailure('invalid-state', 'sign in first');
    return a;
  };
  const currentRooms = (): RoomsAccount => {
    const a = wanted?.account ?? [...roomAccounts.keys()].at(-1);
    const r = a ? roomAccounts.get(a) : undefined;
    if (!r) throw new CommandFailure('invalid-state', 'sign in first');
    return r;
  };
  const rooms = new Proxy({} as RoomCommands, {
    get: (_t, name: keyof RoomCommands) => (input: never, ctx: never) => (currentRooms().commands[name] as (i: never, c: never) => unknown)(input, ctx),
  });
  const im = new Proxy({} as ImCommands, {
    get: (_t, name: keyof ImCommands) => (input: never, ctx: never) => (currentAccount().commands[name] as (i: never, c: never) => unknown)(input, ctx),
  });

  return {
    connect: (account, authInput) => signIn(account, authInput),
    register(account, password) {
      const local = account.slice(0, account.indexOf('@'));
      return signIn(account, { kind: 'password', password }, registrationHook({ username: local, password }));
    },
    disconnect,
    reconnectNow: () => loop?.now(),
    report: () => lastReport,
    state: () => current,
    decide(requestId, decision) {
      const resolve = pendingDecisions.get(requestId);
      if (!resolve) throw new CommandFailure('invalid-state', 'no certificate decision is pending with that id');
      pendingDecisions.delete(requestId);
      audit.record({ type: 'certificate-decision', outcome: 'info', account: current.account, detail: { requestId, decision } });
      resolve(decision);
    },
    im,
    rooms,
    dispose: async () => {
      await disconnect();
      for (const a of accounts.values()) a.dispose();
      accounts.clear();
      for (const r of roomAccounts.values()) r.dispose();
      roomAccounts.clear();
    },
  };
}
