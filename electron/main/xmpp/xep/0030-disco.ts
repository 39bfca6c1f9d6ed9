/**
 * XEP-0030 Service Discovery: answers disco#info with what the registry holds (our identity,
 * every module's features, XEP-0128 extension forms) and disco#items with nothing, and asks
 * others. Required by UCR Table 5.7.3-1 for IM and Chat clients.
 */
import type { Element } from '@xmpp/xml';
import xml from '@xmpp/xml';
import type { Disposer } from '../../../../shared/util/disposable';
import { StanzaError, type XmppClient } from '../client/client';

export const NS_DISCO_INFO = 'http://jabber.org/protocol/disco#info';
export const NS_DISCO_ITEMS = 'http://jabber.org/protocol/disco#items';

export interface DiscoInfo {
  readonly identities: readonly { readonly category: string; readonly type: string; readonly name?: string }[];
  readonly features: readonly string[];
  /** XEP-0128 forms by FORM_TYPE. */
  readonly forms: ReadonlyMap<string, Element>;
}

export interface DiscoModule {
  info(to: string | undefined, node?: string): Promise<DiscoInfo>;
  items(to: string | undefined, node?: string): Promise<readonly { readonly jid: string; readonly node?: string; readonly name?: string }[]>;
  /** Nodes (e.g. XEP-0115 `node#ver`) answered like the node-less query. */
  addAliasNode(node: string): Disposer;
  dispose(): void;
}

export function infoPayload(client: XmppClient, node?: string): Element {
  return xml(
    'query',
    { xmlns: NS_DISCO_INFO, ...(node ? { node } : {}) },
    ...client.disco.identities().map((i) => xml('identity', { category: i.category, type: i.type, ...(i.name ? { name: i.name } : {}), ...(i.lang ? { 'xml:lang': i.lang } : {}) })),
    ...client.disco.features().map((f) => xml('feature', { var: f })),
    ...client.disco.extensions(),
  );
}

export function parseDiscoInfo(query: Element | undefined): DiscoInfo {
  const forms = new Map<string, Element>();
  for (const x of query?.getChildren('x', 'jabber:x:data') ?? []) {
    const formType = x.getChildren('field').find((f) => f.attrs.var === 'FORM_TYPE')?.getChildText('value');
    if (formType) forms.set(formType, x);
  }
  return {
    identities: (query?.getChildren('identity') ?? []).map((i) => ({
      category: String(i.attrs.category ?? ''),
      type: String(i.attrs.type ?? ''),
      ...(typeof i.attrs.name === 'string' ? { name: i.attrs.name } : {}),
    })),
    features: (query?.getChildren('feature') ?? []).map((f) => String(f.attrs.var ?? '')).filter((v) => v !== ''),
    forms,
  };
}

export function registerDisco(client: XmppClient, opts: { readonly name: string }): DiscoModule {
  const aliases = new Set<string>();
  const disposers = [
    client.disco.addIdentity({ category: 'client', type: 'pc', name: opts.name }),
    client.disco.addFeature(NS_DISCO_INFO),
    client.handleIq('get', NS_DISCO_INFO, 'query', (iq) => {
      const node = iq.getChild('query')?.attrs.node as string | undefined;
      if (node !== undefined && !aliases.has(node)) throw new StanzaError('item-not-found', 'cancel');
      return infoPayload(client, node);
    }),
    client.handleIq('get', NS_DISCO_ITEMS, 'query', (iq) => {
      const node = iq.getChild('query')?.attrs.node as string | undefined;
      return xml('query', { xmlns: NS_DISCO_ITEMS, ...(node ? { node } : {}) });
    }),
  ];
  return {
    async info(to, node) {
      const r = await client.request('get', to, xml('query', { xmlns: NS_DISCO_INFO, ...(node ? { node } : {}) }));
      return parseDiscoInfo(r.getChild('query', NS_DISCO_INFO));
    },
    async items(to, node) {
      const r = await client.request('get', to, xml('query', { xmlns: NS_DISCO_ITEMS, ...(node ? { node } : {}) }));
      return (r.getChild('query', NS_DISCO_ITEMS)?.getChildren('item') ?? [])
        .filter((i) => typeof i.attrs.jid === 'string')
        .map((i) => ({
          jid: String(i.attrs.jid),
          ...(typeof i.attrs.node === 'string' ? { node: i.attrs.node } : {}),
          ...(typeof i.attrs.name === 'string' ? { name: i.attrs.name } : {}),
        }));
    },
    addAliasNode(node) {
      aliases.add(node);
      return () => {
        aliases.delete(node);
      };
    },
    dispose: () => {
      for (const d of disposers) d();
    },
  };
}
