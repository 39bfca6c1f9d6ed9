/**
 * The public shape of the XEP-0045 multi-user chat module (0045-muc.ts): options, the events it
 * reports and the module interface, as readonly plain data.
 */
import type { Element } from '@xmpp/xml';
import type { Disposer } from '../../../../shared/util/disposable';
import type { BareJid } from '../../../../shared/xmpp/jid';
import type { ParsedMessage } from '../im/message-parse';
import type { MessagesModule } from '../im/messages';
import type { PresenceModule } from '../im/presence';
import type { Occupant, OccupantChange } from './0045-muc-occupants';
import type { LeaveReason, MucStatusCode, MucStatusKind } from './0045-muc-status';
import type { CapsModule } from './0115-caps';
import type { MamModule } from './0313-mam';
import type { SelfPingResult } from './0410-self-ping';

export interface MucOptions {
  /** Keeps room presence out of contact presence, and puts our show/status/caps on room presence. */
  readonly presence?: Pick<PresenceModule, 'exclude' | 'sendTo' | 'own' | 'addExtension'>;
  /** Keeps group and private room messages out of one-to-one chats. */
  readonly messages?: Pick<MessagesModule, 'exclude'>;
  /** Room history by XEP-0313 (a module of our own is registered when none is given). */
  readonly mam?: Pick<MamModule, 'catchUp' | 'queryPage'>;
  /** Occupants' features (XEP-0115) for `occupant()`. */
  readonly caps?: Pick<CapsModule, 'featuresOf' | 'onDidResolve'>;
  /** Occupants kept per room (default 20,000); more are refused and reported. */
  readonly maxOccupantsPerRoom?: number;
  /** Messages fetched as history per join or catch-up (default 1,000). */
  readonly maxHistoryMessages?: number;
  /** Join, leave and nick change wait this long for the room (default 30 s). */
  readonly timeoutMs?: number;
  /** Occupant changes are delivered at most once per this interval (default 50 ms). */
  readonly batchMs?: number;
  /** Default for `JoinOptions.createInstant` (true). */
  readonly createInstant?: boolean;
}

export interface JoinOptions {
  readonly nick: string;
  readonly password?: string;
  readonly history?: {
    /** Legacy history (§7.2.14) size, or the size of the newest MAM page on a first join (default 50). */
    readonly maxStanzas?: number;
    readonly since?: Date;
    /** The room's last archive id (stanza-id by the room) we stored: history continues after it. */
    readonly afterId?: string;
  };
  /** On status 201 (new locked room, §10.1.2) accept the default configuration. Default true. */
  readonly createInstant?: boolean;
}

export interface RoomInfo {
  readonly features: readonly string[];
  readonly name: string | undefined;
  /** urn:xmpp:mam:2 on the room: history comes from its archive. */
  readonly mam: boolean;
  /** urn:xmpp:occupant-id:0 (XEP-0421): occupant ids are trusted. */
  readonly occupantIds: boolean;
  readonly nonAnonymous: boolean;
  readonly membersOnly: boolean;
  readonly passwordProtected: boolean;
}

export interface HistoryOutcome {
  readonly source: 'mam' | 'legacy';
  /** Messages delivered as history (after de-duplication). */
  readonly delivered: number;
  /** The room archive position to store (MAM only). */
  readonly lastId: string | undefined;
  readonly complete: boolean;
  readonly error?: string;
}

export interface JoinResult {
  readonly room: BareJid;
  /** The nick we have (the service may assign another one, status 210). */
  readonly nick: string;
  /** We created the room (status 201). */
  readonly created: boolean;
  readonly info: RoomInfo | undefined;
  readonly self: Occupant;
  /** Settles when the history after the join is delivered; never rejects. */
  readonly history: Promise<HistoryOutcome>;
  /** What did not work but did not stop the join (e.g. the instant-room unlock). */
  readonly notes: readonly string[];
}

export interface GroupMessage {
  readonly room: BareJid;
  /** undefined: a message from the room itself (a system message). */
  readonly nick: string | undefined;
  /** XEP-0421, only from a room that advertises it. */
  readonly occupantId: string | undefined;
  /** Sent by us from another client (our nick / occupant id), not by this one. */
  readonly fromSelf: boolean;
  /** origin-id ?? stanza 'id' ?? the room's stanza-id: the key to de-duplicate on. */
  readonly id: string;
  /** XEP-0359 stanza-id assigned BY THE ROOM (= its archive id); store it for the next catch-up. */
  readonly stanzaId: string | undefined;
  readonly body: string;
  readonly delayedAt: Date | undefined;
  readonly source: 'live' | 'history-legacy' | 'history-mam';
  /** Everything else on the message (corrections, XHTML-IM, …). */
  readonly message: ParsedMessage;
}

export interface PrivateMessage {
  readonly room: BareJid;
  readonly nick: string;
  readonly occupantId: string | undefined;
  readonly id: string;
  readonly body: string;
  readonly message: ParsedMessage;
}

export type GroupMessageState =
  | { readonly room: BareJid; readonly id: string; readonly state: 'sent'; readonly stanzaId: string | undefined }
  | { readonly room: BareJid; readonly id: string; readonly state: 'failed'; readonly condition: string; readonly text: string | undefined };

export interface SubjectChange {
  readonly room: BareJid;
  /** '' = no subject. */
  readonly subject: string;
  /** undefined: set by the room itself. */
  readonly by: string | undefined;
  /** The subject the room sends at the end of a join (§7.2.15), not a change made now. */
  readonly initial: boolean;
}

export interface LeaveEvent {
  readonly room: BareJid;
  readonly reason: LeaveReason;
  readonly actor?: string;
  readonly text?: string;
  /** §10.9: the room that replaces a destroyed one. */
  readonly venue?: BareJid;
}

export interface MucStatusEvent {
  readonly room: BareJid;
  readonly code: MucStatusCode;
  readonly kind: MucStatusKind;
  /** A sentence for the UI. */
  readonly text: string;
  readonly stanza: 'presence' | 'message';
  /** Whose presence carried it (undefined: a message from the room). */
  readonly nick: string | undefined;
  readonly self: boolean;
}

export interface RoomConfigChange {
  readonly room: BareJid;
  readonly changes: readonly MucStatusKind[];
  /** The room's disco#info after the change (undefined when it could not be read). */
  readonly info: RoomInfo | undefined;
}

export interface RejoinSpec {
  readonly room: BareJid;
  readonly nick: string;
  readonly password?: string;
  /** The last archive id (stanza-id by the room) stored for the room. */
  readonly lastArchiveId?: string;
  /** The occupants known before the stream was lost, kept when the room says we are still in. */
  readonly occupants?: readonly Occupant[];
}

export interface RejoinOutcome {
  readonly room: BareJid;
  readonly outcome: 'still-joined' | 'rejoined' | 'failed' | 'unknown';
  readonly selfPing: SelfPingResult;
  readonly error?: Error;
  readonly history?: Promise<HistoryOutcome>;
}

export interface MucModule {
  join(room: BareJid, opts: JoinOptions): Promise<JoinResult>;
  /** §7.14; resolves when the room confirms (or after the timeout). */
  leave(room: BareJid, status?: string): Promise<void>;
  /** §8.1; resolves when the room reflects the new subject, rejects with the room's error. */
  setSubject(room: BareJid, subject: string): Promise<void>;
  /** §7.4 with a XEP-0359 origin-id; the reflected copy is reported as state 'sent'. */
  send(room: BareJid, body: string, opts?: { readonly id?: string; readonly replaces?: string; readonly extensions?: readonly Element[] }): { readonly id: string };
  /** §7.5: a private message to one occupant. */
  sendPrivate(room: BareJid, nick: string, body: string, opts?: { readonly id?: string }): { readonly id: string };
  /** §7.6; rejects with MucJoinError ('nick-in-use' with a suggestion, 'nick-not-acceptable', …). */
  changeNick(room: BareJid, nick: string): Promise<void>;
  /** XEP-0410: are we still in the room? */
  checkJoined(room: BareJid, nick?: string): Promise<SelfPingResult>;
  /** After a NEW stream (not a resumed one): self-ping each room, rejoin where we are out. */
  rejoinIfNeeded(rooms: readonly RejoinSpec[]): Promise<readonly RejoinOutcome[]>;
  /** Sends our current presence (show/status/caps) to every joined room (§7.7). */
  sendPresenceToRooms(): void;
  joined(): readonly { readonly room: BareJid; readonly nick: string; readonly lastArchiveId: string | undefined }[];
  isJoined(room: BareJid): boolean;
  nick(room: BareJid): string | undefined;
  info(room: BareJid): RoomInfo | undefined;
  subject(room: BareJid): string | undefined;
  /** A snapshot (O(n)); with each occupant's XEP-0115 features when known. */
  occupants(room: BareJid): readonly (Occupant & { readonly features?: readonly string[] })[];
  occupant(room: BareJid, nick: string): (Occupant & { readonly features?: readonly string[] }) | undefined;
  occupantById(room: BareJid, occupantId: string): Occupant | undefined;
  onDidJoin(cb: (r: { readonly room: BareJid; readonly nick: string; readonly created: boolean }) => void): Disposer;
  onDidLeave(cb: (e: LeaveEvent) => void): Disposer;
  onDidChangeOccupants(cb: (room: BareJid, changes: readonly OccupantChange[]) => void): Disposer;
  onDidReceiveGroupMessage(cb: (m: GroupMessage) => void): Disposer;
  onDidReceivePrivateMessage(cb: (m: PrivateMessage) => void): Disposer;
  onDidChangeMessageState(cb: (s: GroupMessageState) => void): Disposer;
  onDidChangeSubject(cb: (s: SubjectChange) => void): Disposer;
  onDidChangeRoomConfig(cb: (c: RoomConfigChange) => void): Disposer;
  onDidReceiveStatus(cb: (e: MucStatusEvent) => void): Disposer;
  /** Stanzas refused at the edge (spoofed, malformed, over a limit), with the reason. */
  onDidRefuse(cb: (reason: string) => void): Disposer;
  dispose(): void;
}
