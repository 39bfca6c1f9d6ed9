/**
 * The multi-user chat part of the IPC contract (XEP-0045 and friends). Main sends room changes
 * as `didUpdateRooms` batches (one per animation frame at most: a 2,000-occupant join is a few
 * batches, not 2,000 messages); the renderer asks for snapshots, history, forms and lists.
 */
import { z } from 'zod';
import { xhtmlNodeSchema } from './im';

const roomJid = z.string().min(3).max(3071).regex(/^[^@/\s]+@[^@/\s]+$/, 'a room JID (room@service)');
const nick = z.string().min(1).max(1023);
const empty = z.object({}).strict();

export const MUC_ROLES = ['moderator', 'participant', 'visitor', 'none'] as const;
export const MUC_AFFILIATIONS = ['owner', 'admin', 'member', 'outcast', 'none'] as const;

export const occupantSchema = z
  .object({
    nick: z.string(),
    role: z.enum(MUC_ROLES),
    affiliation: z.enum(MUC_AFFILIATIONS),
    /** The real JID, when the room shows it to us. */
    jid: z.string().optional(),
    occupantId: z.string().optional(),
    show: z.enum(['online', 'chat', 'away', 'xa', 'dnd']),
    status: z.string().optional(),
    self: z.boolean(),
  })
  .readonly();

export const roomSchema = z
  .object({
    room: z.string(),
    nick: z.string(),
    name: z.string().optional(),
    subject: z.string().optional(),
    membersOnly: z.boolean(),
    passwordProtected: z.boolean(),
    nonAnonymous: z.boolean(),
    /** History comes from the room's archive (XEP-0313). */
    archived: z.boolean(),
  })
  .readonly();

export const groupMessageSchema = z
  .object({
    room: z.string(),
    id: z.string(),
    /** Absent: a message from the room itself. */
    nick: z.string().optional(),
    direction: z.enum(['in', 'out']),
    body: z.string(),
    at: z.iso.datetime(),
    state: z.enum(['queued', 'sent', 'failed', 'received']),
    corrected: z.boolean(),
    xhtml: z.array(xhtmlNodeSchema).readonly().optional(),
  })
  .readonly();

export const bookmarkSchema = z
  .object({ room: z.string(), name: z.string().optional(), nick: z.string().optional(), autojoin: z.boolean(), hasPassword: z.boolean() })
  .readonly();

/** A XEP-0004 form as the renderer draws it (field types per §3.3). */
export const formFieldSchema = z
  .object({
    var: z.string().optional(),
    type: z.enum(['boolean', 'fixed', 'hidden', 'jid-multi', 'jid-single', 'list-multi', 'list-single', 'text-multi', 'text-private', 'text-single']),
    label: z.string().optional(),
    desc: z.string().optional(),
    required: z.boolean(),
    values: z.array(z.string()).readonly(),
    options: z.array(z.object({ label: z.string().optional(), value: z.string() }).readonly()).readonly(),
  })
  .readonly();
export const dataFormSchema = z
  .object({
    title: z.string().optional(),
    instructions: z.array(z.string()).readonly(),
    formType: z.string().optional(),
    fields: z.array(formFieldSchema).readonly(),
  })
  .readonly();
const formAnswers = z.record(z.string().max(256), z.union([z.boolean(), z.string().max(8192), z.array(z.string().max(8192)).max(256)]));

export const roomUpdateSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('joined'), room: roomSchema, occupants: z.array(occupantSchema).readonly() }).readonly(),
  z
    .object({
      kind: z.literal('left'),
      room: z.string(),
      reason: z.enum(['left', 'kicked', 'banned', 'destroyed', 'affiliation-change', 'members-only', 'shutdown', 'error', 'not-joined']),
      actor: z.string().optional(),
      text: z.string().optional(),
      /** §10.9: the room that replaces a destroyed one. */
      venue: z.string().optional(),
    })
    .readonly(),
  z
    .object({
      kind: z.literal('occupants'),
      room: z.string(),
      set: z.array(occupantSchema).readonly(),
      removed: z.array(z.object({ nick: z.string(), reason: z.string(), newNick: z.string().optional(), actor: z.string().optional(), text: z.string().optional() }).readonly()).readonly(),
    })
    .readonly(),
  z.object({ kind: z.literal('message'), message: groupMessageSchema }).readonly(),
  z.object({ kind: z.literal('message-state'), room: z.string(), id: z.string(), state: z.enum(['sent', 'failed']), error: z.string().optional() }).readonly(),
  /** `initial`: the subject the room sends at the end of a join (§7.2.15), not a change made now. */
  z.object({ kind: z.literal('subject'), room: z.string(), subject: z.string(), by: z.string().optional(), initial: z.boolean() }).readonly(),
  /** A XEP-0045 status code (§15.3) the room sent, with a readable sentence; `nick`/`self`: whose presence carried it. */
  z.object({ kind: z.literal('status'), room: z.string(), code: z.number().int(), text: z.string(), nick: z.string().optional(), self: z.boolean() }).readonly(),
  z
    .object({
      kind: z.literal('invitation'),
      id: z.string(),
      room: z.string(),
      from: z.string(),
      reason: z.string().optional(),
      hasPassword: z.boolean(),
      via: z.enum(['mediated', 'direct']),
    })
    .readonly(),
  z.object({ kind: z.literal('voice-request'), id: z.string(), room: z.string(), nick: z.string().optional(), jid: z.string().optional() }).readonly(),
  z.object({ kind: z.literal('private-message'), room: z.string(), nick: z.string(), id: z.string(), body: z.string(), at: z.iso.datetime() }).readonly(),
  z.object({ kind: z.literal('bookmarks'), bookmarks: z.array(bookmarkSchema).readonly() }).readonly(),
]);

export const roomsCommandSchemas = {
  /** Joined rooms with their occupants (a reloaded renderer starts here). */
  getRooms: {
    input: empty,
    output: z.object({ rooms: z.array(z.object({ room: roomSchema, occupants: z.array(occupantSchema).readonly() }).readonly()).readonly() }).readonly(),
  },
  /** Joins (creating an instant room if it does not exist); a refusal says why, a taken nick suggests another. */
  joinRoom: {
    input: z
      .object({
        room: roomJid,
        nick,
        password: z.string().max(1024).optional(),
        /** Use the password stored in the room's bookmark (it never crosses IPC). */
        useBookmarkPassword: z.boolean().optional(),
      })
      .strict(),
    output: z.object({ room: z.string(), nick: z.string(), created: z.boolean() }).readonly(),
  },
  leaveRoom: { input: z.object({ room: roomJid }).strict(), output: empty.readonly() },
  sendGroupMessage: {
    input: z.object({ room: roomJid, body: z.string().min(1).max(65_536) }).strict(),
    output: z.object({ id: z.string(), at: z.iso.datetime() }).readonly(),
  },
  sendRoomPrivateMessage: { input: z.object({ room: roomJid, nick, body: z.string().min(1).max(65_536) }).strict(), output: z.object({ id: z.string() }).readonly() },
  setRoomSubject: { input: z.object({ room: roomJid, subject: z.string().max(4096) }).strict(), output: empty.readonly() },
  changeRoomNick: { input: z.object({ room: roomJid, nick }).strict(), output: empty.readonly() },
  getRoomHistory: {
    input: z.object({ room: roomJid, before: z.iso.datetime().optional(), beforeId: z.string().max(256).optional(), limit: z.number().int().min(1).max(500) }).strict(),
    output: z.object({ messages: z.array(groupMessageSchema).readonly() }).readonly(),
  },
  /** Kick (role none), voice (participant), revoke voice (visitor), moderator — with a reason. */
  setOccupantRole: { input: z.object({ room: roomJid, nick, role: z.enum(MUC_ROLES), reason: z.string().max(1024).optional() }).strict(), output: empty.readonly() },
  /** Ban (outcast), member, admin, owner, none. */
  setRoomAffiliation: {
    input: z.object({ room: roomJid, jid: z.string().min(3).max(3071), affiliation: z.enum(MUC_AFFILIATIONS), reason: z.string().max(1024).optional() }).strict(),
    output: empty.readonly(),
  },
  getRoomAffiliations: {
    input: z.object({ room: roomJid, affiliation: z.enum(['owner', 'admin', 'member', 'outcast']) }).strict(),
    output: z.object({ items: z.array(z.object({ jid: z.string().optional(), nick: z.string().optional(), reason: z.string().optional() }).readonly()).readonly() }).readonly(),
  },
  /** Creates a reserved room configured from the form (or instantly, without settings). */
  createRoom: {
    input: z
      .object({
        room: roomJid,
        nick,
        settings: z
          .object({
            name: z.string().max(1024),
            description: z.string().max(4096),
            persistent: z.boolean(),
            public: z.boolean(),
            membersOnly: z.boolean(),
            moderated: z.boolean(),
            password: z.string().max(1024).nullable(),
          })
          .partial()
          .strict()
          .optional(),
      })
      .strict(),
    output: z.object({ room: z.string(), nick: z.string(), unsupported: z.array(z.string()).readonly() }).readonly(),
  },
  getRoomConfig: { input: z.object({ room: roomJid }).strict(), output: z.object({ form: dataFormSchema }).readonly() },
  submitRoomConfig: { input: z.object({ room: roomJid, answers: formAnswers }).strict(), output: empty.readonly() },
  destroyRoom: { input: z.object({ room: roomJid, reason: z.string().max(1024).optional() }).strict(), output: empty.readonly() },
  inviteToRoom: { input: z.object({ room: roomJid, jid: z.string().min(3).max(3071), reason: z.string().max(1024).optional() }).strict(), output: empty.readonly() },
  /** Accept joins the room with the invitation's password; decline tells the inviter (mediated only). */
  answerInvitation: {
    input: z.object({ id: z.string().max(64), accept: z.boolean(), nick: nick.optional(), reason: z.string().max(1024).optional() }).strict(),
    output: empty.readonly(),
  },
  answerVoiceRequest: { input: z.object({ id: z.string().max(64), allow: z.boolean() }).strict(), output: empty.readonly() },
  requestVoice: { input: z.object({ room: roomJid }).strict(), output: empty.readonly() },
  /** The conference services of our server and the public rooms of one (filtered by name/JID/description). */
  browseRooms: {
    input: z.object({ service: z.string().max(3071).optional(), filter: z.string().max(256).optional() }).strict(),
    output: z
      .object({ services: z.array(z.string()).readonly(), service: z.string().optional(), rooms: z.array(z.object({ jid: z.string(), name: z.string().optional() }).readonly()).readonly(), complete: z.boolean() })
      .readonly(),
  },
  getRoomInfo: {
    input: z.object({ room: roomJid }).strict(),
    output: z
      .object({
        room: z.string(),
        name: z.string().optional(),
        description: z.string().optional(),
        subject: z.string().optional(),
        occupants: z.number().optional(),
        features: z.array(z.string()).readonly(),
      })
      .readonly(),
  },
  getBookmarks: { input: empty, output: z.object({ bookmarks: z.array(bookmarkSchema).readonly(), backend: z.string() }).readonly() },
  setBookmark: {
    input: z.object({ room: roomJid, name: z.string().max(1024).optional(), nick: nick.optional(), password: z.string().max(1024).optional(), autojoin: z.boolean() }).strict(),
    output: empty.readonly(),
  },
  removeBookmark: { input: z.object({ room: roomJid }).strict(), output: empty.readonly() },
} as const;

export const roomsEventSchemas = {
  didUpdateRooms: z.object({ updates: z.array(roomUpdateSchema).readonly() }).readonly(),
} as const;

export type Occupant = z.output<typeof occupantSchema>;
export type RoomSummary = z.output<typeof roomSchema>;
export type GroupMessageWire = z.output<typeof groupMessageSchema>;
export type RoomUpdate = z.output<typeof roomUpdateSchema>;
export type BookmarkWire = z.output<typeof bookmarkSchema>;
export type DataFormWire = z.output<typeof dataFormSchema>;
