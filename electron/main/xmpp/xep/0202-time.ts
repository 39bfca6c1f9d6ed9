/** XEP-0202 Entity Time: our UTC time and offset, in XEP-0082 formats. */
import xml from '@xmpp/xml';
import { formatDateTime, formatTzd } from '../../../../shared/xmpp/datetime';
import type { XmppClient } from '../client/client';

export const NS_TIME = 'urn:xmpp:time';

export function registerTime(client: XmppClient, opts: { readonly now?: () => Date } = {}): { dispose(): void } {
  const now = opts.now ?? (() => new Date());
  const disposers = [
    client.disco.addFeature(NS_TIME),
    client.handleIq('get', NS_TIME, 'time', () => {
      const d = now();
      return xml('time', { xmlns: NS_TIME }, xml('tzo', {}, formatTzd(-d.getTimezoneOffset())), xml('utc', {}, formatDateTime(d)));
    }),
  ];
  return {
    dispose: () => {
      for (const d of disposers) d();
    },
  };
}
