/**
 * The room configuration form (XEP-0045 §10.2, FORM_TYPE muc#roomconfig, §15.5.3) as the usual
 * settings a UI shows. The form itself stays the model — servers add their own fields, and
 * `submitConfig` validates any answer against it — these helpers only map the registered field
 * names both ways, leaving out what a server's form does not have instead of guessing.
 */
import { formValues, parseBoolean, type DataForm, type FormAnswers } from './0004-forms';

/** §15.5.3: registered muc#roomconfig fields, by meaning. */
export const ROOMCONFIG_FIELDS = {
  name: 'muc#roomconfig_roomname',
  description: 'muc#roomconfig_roomdesc',
  persistent: 'muc#roomconfig_persistentroom',
  public: 'muc#roomconfig_publicroom',
  membersOnly: 'muc#roomconfig_membersonly',
  moderated: 'muc#roomconfig_moderatedroom',
  allowInvites: 'muc#roomconfig_allowinvites',
  passwordProtected: 'muc#roomconfig_passwordprotectedroom',
  password: 'muc#roomconfig_roomsecret',
  whois: 'muc#roomconfig_whois',
  maxUsers: 'muc#roomconfig_maxusers',
} as const;

export interface RoomSettings {
  readonly name?: string;
  readonly description?: string;
  readonly persistent?: boolean;
  readonly public?: boolean;
  readonly membersOnly?: boolean;
  readonly moderated?: boolean;
  /** §8.5 / §9.7 note: whether occupants may invite others. */
  readonly allowInvites?: boolean;
  /** A password protects the room; null: no password (§10.2 / §7.2.6). */
  readonly password?: string | null;
}
type Flag = 'persistent' | 'public' | 'membersOnly' | 'moderated' | 'allowInvites';
const FLAGS: readonly Flag[] = ['persistent', 'public', 'membersOnly', 'moderated', 'allowInvites'];

/**
 * Answers for `submitConfig` that apply `settings` to `form`. Settings the form has no field for
 * are listed in `unsupported` (the caller tells the user) rather than dropped in silence. A
 * password sets both the secret and, where the server has it (ejabberd), the protection flag;
 * Prosody protects a room exactly when the secret is not empty.
 */
export function roomSettingsAnswers(form: DataForm, settings: RoomSettings): { readonly answers: FormAnswers; readonly unsupported: readonly (keyof RoomSettings)[] } {
  const has = (v: string): boolean => form.fields.some((f) => f.var === v);
  const answers: Record<string, string | boolean> = {};
  const unsupported: (keyof RoomSettings)[] = [];
  const set = (key: keyof RoomSettings, field: string, value: string | boolean): void => {
    if (has(field)) answers[field] = value;
    else unsupported.push(key);
  };
  if (settings.name !== undefined) set('name', ROOMCONFIG_FIELDS.name, settings.name);
  if (settings.description !== undefined) set('description', ROOMCONFIG_FIELDS.description, settings.description);
  for (const k of FLAGS) {
    const v = settings[k];
    if (v !== undefined) set(k, ROOMCONFIG_FIELDS[k], v);
  }
  if (settings.password !== undefined) {
    const pw = settings.password ?? '';
    if (!has(ROOMCONFIG_FIELDS.password)) unsupported.push('password');
    else {
      answers[ROOMCONFIG_FIELDS.password] = pw;
      if (has(ROOMCONFIG_FIELDS.passwordProtected)) answers[ROOMCONFIG_FIELDS.passwordProtected] = pw !== '';
    }
  }
  return { answers, unsupported };
}

/** The settings a (form or result) configuration form currently holds; unknown ones are left out. */
export function readRoomSettings(form: Pick<DataForm, 'fields'>): RoomSettings {
  const values = formValues(form);
  const text = (v: string): string | undefined => {
    const vs = values.get(v);
    return vs === undefined ? undefined : vs.join('\n');
  };
  const flag = (v: string): boolean | undefined => (values.has(v) ? (parseBoolean(values.get(v)?.[0] ?? '0') ?? false) : undefined);
  const out: { -readonly [K in keyof RoomSettings]: RoomSettings[K] } = {};
  const name = text(ROOMCONFIG_FIELDS.name);
  if (name !== undefined) out.name = name;
  const description = text(ROOMCONFIG_FIELDS.description);
  if (description !== undefined) out.description = description;
  for (const k of FLAGS) {
    const v = flag(ROOMCONFIG_FIELDS[k]);
    if (v !== undefined) out[k] = v;
  }
  const secret = text(ROOMCONFIG_FIELDS.password);
  const protectedFlag = flag(ROOMCONFIG_FIELDS.passwordProtected);
  if (protectedFlag === false) out.password = null;
  else if (secret !== undefined) out.password = secret === '' ? (protectedFlag ? '' : null) : secret;
  return out;
}
