import type { AppInfo } from '../../../shared/ipc';
import type { CommandHandlers } from '../ipc/handlers';
import { createEventHub, type EventHub } from '../ipc/events';
import { CommandFailure } from '../ipc/handlers';
import { createCardManager } from './card-manager';
import { NO_AUDIT, type AuditSink } from '../audit/sink';
import { audited, auditConsent, auditPolicyLoad, consentTextOf, enforceSignInPolicy, policyViewOf } from '../policy/gate';
import { createSessionManager, type SessionEnvironment } from './session-manager';

/**
 * Everything the core needs from its host, passed in explicitly so the same core runs inside
 * Electron, the browser host (tests, development) and the CLI.
 */
export interface CoreDeps {
  readonly runtime: AppInfo['runtime'];
  readonly version: string;
  readonly platform: string;
  readonly engineVersions: Readonly<Record<string, string>>;
  readonly now: () => Date;
  readonly validateEvents: boolean;
  readonly session: SessionEnvironment;
  /** The DoD Notice and Consent banner (admin policy may replace it) [UCR-G3]. */
  readonly consentText?: string;
  /** OS notifications (Electron: `Notification`); absent: none are shown. */
  readonly notifier?: Notifier;
  /** Security events [UCR-G3]; Node hosts write electron/main/audit/log.ts's JSON-lines file. */
  readonly audit?: AuditSink;
}

export interface Core {
  readonly handlers: CommandHandlers;
  readonly events: EventHub;
  dispose(): Promise<void>;
}

export interface Notifier {
  /** Shows one notification; `onClick` when the user clicks it. False when the OS has none. */
  show(n: { readonly title: string; readonly body: string }, onClick: () => void): boolean;
}

/** The main-process core: no UI, no Electron import; the shells wire it to a transport. */
export function createCore(deps: CoreDeps): Core {
  const events = createEventHub({ validate: deps.validateEvents });
  const audit = deps.audit ?? NO_AUDIT;
  const policy = policyViewOf(deps.session.admin);
  auditPolicyLoad(audit, policy);
  const cards = createCardManager(deps.session.cards, events, audit);
  const sessions = createSessionManager(deps.session, events, cards, audit);
  // Acknowledged once per run of the app, before any connection [UCR-G3].
  let consentAcknowledged = false;
  const handlers: CommandHandlers = {
    getAppInfo: () => ({
      name: 'Bastion',
      version: deps.version,
      runtime: deps.runtime,
      platform: deps.platform,
      versions: { ...deps.engineVersions },
    }),
    ping: ({ nonce }) => {
      const receivedAt = deps.now().toISOString();
      events.emit('didReceivePing', { nonce, receivedAt });
      return { nonce, runtime: deps.runtime, receivedAt };
    },
    connect: ({ account, auth }) => {
      enforceSignInPolicy(policy, auth.kind, audit, account); // a broken policy or a method it forbids [UCR-G3]
      if (!consentAcknowledged) throw new CommandFailure('consent-required', 'acknowledge the DoD Notice and Consent banner before connecting');
      return sessions.connect(account, auth);
    },
    getConsent: () => ({ text: consentTextOf(policy, deps.consentText), acknowledged: consentAcknowledged }),
    acknowledgeConsent: () => {
      consentAcknowledged = true;
      auditConsent(audit, policy, consentTextOf(policy, deps.consentText));
      return {};
    },
    getPolicy: () => policy,
    listCards: () => cards.list(),
    disconnect: async () => {
      await sessions.disconnect();
      return {};
    },
    getSecurityReport: () => sessions.report(),
    decideCertificateChange: ({ requestId, decision }) => {
      sessions.decide(requestId, decision);
      return {};
    },
    getConnectionState: () => sessions.state(),
    showNotification: ({ title, body, tag }) => ({
      shown: deps.notifier?.show({ title, body }, () => events.emit('didClickNotification', { tag })) ?? false,
    }),
    reconnectNow: () => {
      sessions.reconnectNow();
      return {};
    },
    getRoster: (i, c) => sessions.im.getRoster(i, c),
    getHistory: (i, c) => sessions.im.getHistory(i, c),
    sendMessage: (i, c) => sessions.im.sendMessage(i, c),
    sendChatState: (i, c) => sessions.im.sendChatState(i, c),
    markDisplayed: (i, c) => sessions.im.markDisplayed(i, c),
    setPresence: (i, c) => sessions.im.setPresence(i, c),
    addContact: (i, c) => sessions.im.addContact(i, c),
    removeContact: (i, c) => sessions.im.removeContact(i, c),
    answerSubscription: (i, c) => sessions.im.answerSubscription(i, c),
    getBlocked: (i, c) => sessions.im.getBlocked(i, c),
    setBlocked: (i, c) => sessions.im.setBlocked(i, c),
    getMessagePrivacy: (i, c) => sessions.im.getMessagePrivacy(i, c),
    setMessagePrivacy: (i, c) => sessions.im.setMessagePrivacy(i, c),
    changePassword: (i, c) => audited(audit, 'password-changed', sessions.state().account, () => sessions.im.changePassword(i, c)),
    getRooms: (i, c) => sessions.rooms.getRooms(i, c),
    joinRoom: (i, c) => sessions.rooms.joinRoom(i, c),
    leaveRoom: (i, c) => sessions.rooms.leaveRoom(i, c),
    sendGroupMessage: (i, c) => sessions.rooms.sendGroupMessage(i, c),
    sendRoomPrivateMessage: (i, c) => sessions.rooms.sendRoomPrivateMessage(i, c),
    setRoomSubject: (i, c) => sessions.rooms.setRoomSubject(i, c),
    changeRoomNick: (i, c) => sessions.rooms.changeRoomNick(i, c),
    getRoomHistory: (i, c) => sessions.rooms.getRoomHistory(i, c),
    setOccupantRole: (i, c) => sessions.rooms.setOccupantRole(i, c),
    setRoomAffiliation: (i, c) => sessions.rooms.setRoomAffiliation(i, c),
    getRoomAffiliations: (i, c) => sessions.rooms.getRoomAffiliations(i, c),
    createRoom: (i, c) => sessions.rooms.createRoom(i, c),
    getRoomConfig: (i, c) => sessions.rooms.getRoomConfig(i, c),
    submitRoomConfig: (i, c) => sessions.rooms.submitRoomConfig(i, c),
    destroyRoom: (i, c) => sessions.rooms.destroyRoom(i, c),
    inviteToRoom: (i, c) => sessions.rooms.inviteToRoom(i, c),
    answerInvitation: (i, c) => sessions.rooms.answerInvitation(i, c),
    answerVoiceRequest: (i, c) => sessions.rooms.answerVoiceRequest(i, c),
    requestVoice: (i, c) => sessions.rooms.requestVoice(i, c),
    browseRooms: (i, c) => sessions.rooms.browseRooms(i, c),
    getRoomInfo: (i, c) => sessions.rooms.getRoomInfo(i, c),
    getBookmarks: (i, c) => sessions.rooms.getBookmarks(i, c),
    setBookmark: (i, c) => sessions.rooms.setBookmark(i, c),
    removeBookmark: (i, c) => sessions.rooms.removeBookmark(i, c),
    registerAccount: ({ account, password }) => {
      enforceSignInPolicy(policy, 'password', audit, account);
      if (!consentAcknowledged) throw new CommandFailure('consent-required', 'acknowledge the DoD Notice and Consent banner before connecting');
      return audited(audit, 'account-created', account, () => sessions.register(account, password));
    },
  };
  return {
    handlers,
    events,
    dispose: async () => {
      await sessions.dispose();
      await cards.dispose();
      audit.close?.();
    },
  };
}
