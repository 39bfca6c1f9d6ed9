/**
 * The runtime name lists of the IPC contract. They are separate from the schemas so that the
 * preload script (sandboxed, size-sensitive) can enumerate the contract without bundling zod.
 * `contract.ts` checks with `satisfies` that the schemas cover exactly these names, and the
 * main process's handler table is typed from them, so a name without a handler or a schema
 * does not compile.
 */
export const commandNames = [
  'getAppInfo',
  'ping',
  'connect',
  'disconnect',
  'getSecurityReport',
  'decideCertificateChange',
  'getConsent',
  'acknowledgeConsent',
  'getPolicy',
  'listCards',
  'getConnectionState',
  'getRoster',
  'getHistory',
  'sendMessage',
  'sendChatState',
  'markDisplayed',
  'setPresence',
  'addContact',
  'removeContact',
  'answerSubscription',
  'getBlocked',
  'setBlocked',
  'getMessagePrivacy',
  'setMessagePrivacy',
  'changePassword',
  'registerAccount',
  'reconnectNow',
  'showNotification',
  'getRooms',
  'joinRoom',
  'leaveRoom',
  'sendGroupMessage',
  'sendRoomPrivateMessage',
  'setRoomSubject',
  'changeRoomNick',
  'getRoomHistory',
  'setOccupantRole',
  'setRoomAffiliation',
  'getRoomAffiliations',
  'createRoom',
  'getRoomConfig',
  'submitRoomConfig',
  'destroyRoom',
  'inviteToRoom',
  'answerInvitation',
  'answerVoiceRequest',
  'requestVoice',
  'browseRooms',
  'getRoomInfo',
  'getBookmarks',
  'setBookmark',
  'removeBookmark',
] as const;
export const eventNames = [
  'didReceivePing',
  'didChangeConnectionState',
  'didUpdateSecurityReport',
  'didDetectCertificateChange',
  'didChangeCards',
  'didUpdateIm',
  'didUpdateRooms',
  'didClickNotification',
] as const;

export type CommandName = (typeof commandNames)[number];
export type EventName = (typeof eventNames)[number];

/** Electron channel names, one per command and event, derived rather than written twice. */
export const commandChannel = (name: CommandName): string => `bastion:cmd:${name}`;
export const eventChannel = (name: EventName): string => `bastion:evt:${name}`;

export function isCommandName(value: unknown): value is CommandName {
  return typeof value === 'string' && (commandNames as readonly string[]).includes(value);
}

export function isEventName(value: unknown): value is EventName {
  return typeof value === 'string' && (eventNames as readonly string[]).includes(value);
}
