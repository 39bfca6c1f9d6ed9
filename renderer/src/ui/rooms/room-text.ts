/** Words for the room data the views show: reasons, roles, affiliations, system lines, actions. */
import type { Occupant } from '../../../../shared/ipc/index';
import { assertNever } from '../../../../shared/util/assert-never';
import { t } from '../../i18n/en';
import type { ModerationAction } from '../../state/rooms-selectors';
import type { LeftInfo, SystemEvent } from '../../state/slices/rooms';

/** The nick offered by default: the account's user name. */
export const defaultNick = (account: string): string => account.split('@')[0] || account;

export function leftLabel(reason: LeftInfo['reason']): string {
  switch (reason) {
    case 'left':
      return t('rooms.left.left');
    case 'kicked':
      return t('rooms.left.kicked');
    case 'banned':
      return t('rooms.left.banned');
    case 'destroyed':
      return t('rooms.left.destroyed');
    case 'affiliation-change':
      return t('rooms.left.affiliation-change');
    case 'members-only':
      return t('rooms.left.members-only');
    case 'shutdown':
      return t('rooms.left.shutdown');
    case 'error':
      return t('rooms.left.error');
    case 'not-joined':
      return t('rooms.left.not-joined');
    default:
      return assertNever(reason, 'leave reason');
  }
}

/** " by alice" / ": the reason" tails, so every sentence reads whole with or without them. */
const by = (actor: string | undefined, self: string | undefined): string => (!actor ? '' : actor === self ? t('rooms.sys.byYou') : t('rooms.sys.by', { actor }));
const because = (text: string | undefined): string => (text?.trim() ? t('rooms.sys.reason', { reason: text.trim() }) : '');

/** The sentence of a system line; `self` is our nick in the room (what we did reads "you"). */
export function systemText(e: SystemEvent, self?: string): string {
  switch (e.type) {
    case 'status':
      return e.text;
    case 'error':
      return e.text;
    case 'subject':
      if (e.subject === '') return e.by === undefined ? t('rooms.sys.subjectClearedRoom') : e.by === self ? t('rooms.sys.subjectClearedYou') : t('rooms.sys.subjectCleared', { nick: e.by });
      if (e.by === undefined) return t('rooms.sys.subjectRoom', { subject: e.subject });
      return e.by === self ? t('rooms.sys.subjectYou', { subject: e.subject }) : t('rooms.sys.subject', { nick: e.by, subject: e.subject });
    case 'left':
      return t('rooms.sys.youLeft', { what: leftLabel(e.reason), by: by(e.actor, self), reason: because(e.text) });
    case 'removed': {
      if (e.reason === 'nick-change') return t('rooms.sys.nickChange', { nick: e.nick, newNick: e.newNick ?? '?' });
      const what = isLeaveReason(e.reason) ? leftLabel(e.reason) : e.reason;
      return t('rooms.sys.removed', { nick: e.nick, what, by: by(e.actor, self), reason: because(e.text) });
    }
    default:
      return assertNever(e, 'system event');
  }
}

const LEAVE_REASONS = new Set<string>(['left', 'kicked', 'banned', 'destroyed', 'affiliation-change', 'members-only', 'shutdown', 'error', 'not-joined']);
const isLeaveReason = (r: string): r is LeftInfo['reason'] => LEAVE_REASONS.has(r);

/** Removals a reader should notice (warning style): kicks, bans, the room going away. */
export function isWarning(e: SystemEvent): boolean {
  if (e.type === 'left') return true;
  if (e.type === 'error') return true;
  return e.type === 'removed' && e.reason !== 'nick-change';
}

export function roleLabel(role: Occupant['role']): string {
  switch (role) {
    case 'moderator':
      return t('rooms.role.moderator');
    case 'participant':
      return t('rooms.role.participant');
    case 'visitor':
      return t('rooms.role.visitor');
    case 'none':
      return t('rooms.role.none');
    default:
      return assertNever(role, 'role');
  }
}

export function affiliationLabel(a: Occupant['affiliation']): string {
  switch (a) {
    case 'owner':
      return t('rooms.affiliation.owner');
    case 'admin':
      return t('rooms.affiliation.admin');
    case 'member':
      return t('rooms.affiliation.member');
    case 'outcast':
      return t('rooms.affiliation.outcast');
    case 'none':
      return t('rooms.affiliation.none');
    default:
      return assertNever(a, 'affiliation');
  }
}

export function actionLabel(a: ModerationAction): string {
  switch (a) {
    case 'kick':
      return t('moderation.kick');
    case 'grant-voice':
      return t('moderation.grant-voice');
    case 'revoke-voice':
      return t('moderation.revoke-voice');
    case 'grant-moderator':
      return t('moderation.grant-moderator');
    case 'revoke-moderator':
      return t('moderation.revoke-moderator');
    case 'ban':
      return t('moderation.ban');
    case 'member':
      return t('moderation.member');
    case 'admin':
      return t('moderation.admin');
    case 'owner':
      return t('moderation.owner');
    case 'remove-affiliation':
      return t('moderation.remove-affiliation');
    default:
      return assertNever(a, 'moderation action');
  }
}

/** The question the reason dialog asks for an action on `nick`. */
export function actionQuestion(a: ModerationAction, nick: string): string {
  return t('moderation.question', { action: actionLabel(a), nick });
}

/** Room features (XEP-0045 §6.4 disco#info) the browser explains in words; others are not shown. */
export function featureLabel(feature: string): string | undefined {
  switch (feature) {
    case 'muc_membersonly':
      return t('rooms.feature.membersonly');
    case 'muc_open':
      return t('rooms.feature.open');
    case 'muc_passwordprotected':
      return t('rooms.feature.passwordprotected');
    case 'muc_unsecured':
      return t('rooms.feature.unsecured');
    case 'muc_moderated':
      return t('rooms.feature.moderated');
    case 'muc_unmoderated':
      return t('rooms.feature.unmoderated');
    case 'muc_nonanonymous':
      return t('rooms.feature.nonanonymous');
    case 'muc_semianonymous':
      return t('rooms.feature.semianonymous');
    case 'muc_persistent':
      return t('rooms.feature.persistent');
    case 'muc_temporary':
      return t('rooms.feature.temporary');
    case 'muc_public':
      return t('rooms.feature.public');
    case 'muc_hidden':
      return t('rooms.feature.hidden');
    case 'urn:xmpp:mam:2':
      return t('rooms.feature.archived');
    default:
      return undefined;
  }
}
