/**
 * XEP-0092 Software Version: answers with the product name and version only. The operating
 * system is deliberately left out (XEP-0092 §6: it helps an attacker pick an exploit), which
 * matters on government workstations.
 */
import xml from '@xmpp/xml';
import type { XmppClient } from '../client/client';

export const NS_VERSION = 'jabber:iq:version';

export function registerVersion(client: XmppClient, opts: { readonly name: string; readonly version: string }): { dispose(): void } {
  const disposers = [
    client.disco.addFeature(NS_VERSION),
    client.handleIq('get', NS_VERSION, 'query', () => xml('query', { xmlns: NS_VERSION }, xml('name', {}, opts.name), xml('version', {}, opts.version))),
  ];
  return {
    dispose: () => {
      for (const d of disposers) d();
    },
  };
}
