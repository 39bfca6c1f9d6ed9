import { parseAccountJid } from '../../../../shared/xmpp/jid';
import { t } from '../../i18n/en';

/** PKCS#12 files with a certificate chain are a few KB; anything bigger is the wrong file. */
export const MAX_PKCS12_BYTES = 150 * 1024;

/** The account JID as the core wants it (user@domain), or the message to show under the field. */
export function validateAccount(input: string): { ok: true; jid: string; domain: string } | { ok: false; message: string } {
  if (input.trim() === '') return { ok: false, message: t('login.accountRequired') };
  const r = parseAccountJid(input);
  if (!r.ok) return { ok: false, message: t('login.accountInvalid', { reason: r.reason }) };
  if (!r.domain.includes('.')) return { ok: false, message: t('login.accountInvalid', { reason: t('login.accountNoDot') }) };
  return { ok: true, jid: r.jid, domain: r.domain };
}

/** base64 of a data: URL's payload (FileReader.readAsDataURL). */
export function base64OfDataUrl(dataUrl: string): string {
  const comma = dataUrl.indexOf(',');
  return comma === -1 ? '' : dataUrl.slice(comma + 1);
}
