/**
 * XEP-0045 error conditions turned into typed, readable failures. The same RFC 6120 condition
 * means different things in different use cases (a 'conflict' is a taken nickname when joining
 * but the last owner when changing affiliations, §10.4/§10.7), so the text depends on the
 * operation; the server's own text, when it sent one, is appended.
 */
import { assertNever } from '../../../../shared/util/assert-never';
import { IqError } from '../client/client';
import type { FieldProblem } from './0004-forms';

export const MUC_ADMIN_FAILURES = [
  'not-allowed',
  'forbidden',
  'conflict',
  'item-not-found',
  'not-acceptable',
  'not-authorized',
  'registration-required',
  'service-unavailable',
  'bad-request',
  'jid-malformed',
  'invalid-answers',
  'malformed',
  'timeout',
  'disconnected',
  'failed',
] as const;
export type MucAdminFailure = (typeof MUC_ADMIN_FAILURES)[number];
export type MucOp = 'join' | 'configure' | 'destroy' | 'role' | 'affiliation' | 'list';

export class MucAdminError extends Error {
  constructor(
    readonly reason: MucAdminFailure,
    message: string,
    readonly details: {
      /** The RFC 6120 condition the server sent, when it sent one. */
      readonly condition?: string;
      /** invalid-answers: what is wrong with each field. */
      readonly problems?: readonly FieldProblem[];
      /** A batch sent one IQ per change: how many changes were applied before this one failed. */
      readonly applied?: number;
    } = {},
  ) {
    super(message);
    this.name = 'MucAdminError';
  }

  withContext(prefix: string, applied: number): MucAdminError {
    return new MucAdminError(this.reason, `${prefix}: ${this.message}`, { ...this.details, applied });
  }
}

function readable(op: MucOp, reason: MucAdminFailure): string {
  switch (reason) {
    case 'forbidden':
      if (op === 'join') return 'You are banned from this room';
      if (op === 'configure' || op === 'destroy') return 'Only an owner of the room can do this';
      if (op === 'list') return 'Your affiliation does not let you see this list';
      return 'You do not have the privileges for this change';
    case 'not-allowed':
      if (op === 'join') return 'The service does not let you create this room';
      if (op === 'role') return 'You may not change this occupant’s role (a moderator cannot kick or silence an admin or owner)';
      if (op === 'affiliation') return 'You may not make this change (only owners manage admins and owners; an admin cannot ban an admin or owner)';
      return 'The room does not allow this';
    case 'conflict':
      if (op === 'join') return 'Someone in the room already uses this nickname';
      if (op === 'affiliation') return 'The room must keep at least one owner';
      return 'The change conflicts with the room’s state';
    case 'item-not-found':
      if (op === 'role') return 'No occupant with that nickname is in the room';
      return 'The room does not exist';
    case 'not-acceptable':
      if (op === 'join') return 'The room does not accept this nickname';
      return 'The room does not accept this value';
    case 'not-authorized':
      return 'The room needs a password: the one given is wrong or missing';
    case 'registration-required':
      return 'The room is members-only and you are not a member';
    case 'service-unavailable':
      return op === 'join' ? 'The room is full or not available' : 'The room or its service does not offer this';
    case 'bad-request':
      return 'The room did not understand the request';
    case 'jid-malformed':
      return 'Not a valid address';
    case 'invalid-answers':
      return 'The form is not filled in correctly';
    case 'malformed':
      return 'The room sent an answer that cannot be read';
    case 'timeout':
      return 'The room did not answer in time';
    case 'disconnected':
      return 'The connection was lost before the room answered';
    case 'failed':
      return 'The room refused the request';
    default:
      return assertNever(reason, 'MUC failure');
  }
}

const KNOWN: ReadonlySet<string> = new Set(MUC_ADMIN_FAILURES);

/** Maps an IqError (or anything thrown by a request) to a MucAdminError for `op`. */
export function adminError(op: MucOp, e: unknown): MucAdminError {
  if (e instanceof MucAdminError) return e;
  if (!(e instanceof IqError)) {
    // Another module's error with a stanza condition (the MUC core's MucJoinError): keep its text.
    const condition = (e as { condition?: unknown } | null)?.condition;
    if (e instanceof Error && typeof condition === 'string' && KNOWN.has(condition)) return new MucAdminError(condition as MucAdminFailure, e.message, { condition });
    return new MucAdminError('failed', `${readable(op, 'failed')}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const reason: MucAdminFailure = KNOWN.has(e.condition) ? (e.condition as MucAdminFailure) : 'failed';
  const text = e.stanza?.getChild('error')?.getChildText('text', 'urn:ietf:params:xml:ns:xmpp-stanzas');
  const tail = text ? ` (the server says: ${text})` : reason === 'failed' ? ` (${e.condition})` : '';
  return new MucAdminError(reason, `${readable(op, reason)}${tail}`, { condition: e.condition });
}
