/**
 * XEP-0191 Blocking Command [IMPP-P2]: the user decides who cannot reach them. The server
 * enforces the list (it drops their messages and presence and hides ours), so blocking works
 * even when this client is offline. Pushes are accepted only from our own account.
 */
import type { Element } from '@xmpp/xml';
import xml from '@xmpp/xml';
import { createEmitter, type Disposer } from '../../../../shared/util/disposable';
import { bareOf, parseJid } from '../../../../shared/xmpp/jid';
import { StanzaError, type XmppClient } from '../client/client';

export const NS_BLOCKING = 'urn:xmpp:blocking';

export interface BlockingModule {
  list(): Promise<readonly string[]>;
  block(jids: readonly string[]): Promise<void>;
  /** With no JIDs: unblock everyone (XEP-0191 §3.4). */
  unblock(jids?: readonly string[]): Promise<void>;
  blocked(): readonly string[];
  onDidChangeBlocklist(cb: (blocked: readonly string[]) => void): Disposer;
  dispose(): void;
}

function jidsOf(el: Element | undefined): string[] {
  const out: string[] = [];
  for (const item of el?.getChildren('item') ?? []) {
    const p = parseJid(String(item.attrs.jid ?? ''));
    // Blocked entries may be domains or full JIDs too (XEP-0191 §3.1): keep them normalised.
    if (p.ok) out.push(p.jid.resource === undefined ? bareOf(p.jid) : `${bareOf(p.jid)}/${p.jid.resource}`);
  }
  return out;
}

export function registerBlocking(client: XmppClient): BlockingModule {
  const blocked = new Set<string>();
  const listChanged = createEmitter<readonly string[]>();
  const changed = (): void => listChanged.emit([...blocked]);
  const items = (jids: readonly string[]): Element[] => jids.map((jid) => xml('item', { jid }));
  const onPush = (kind: 'block' | 'unblock') => (iq: Element) => {
    const from = iq.attrs.from as string | undefined;
    if (from !== undefined && from !== client.account) throw new StanzaError('service-unavailable', 'cancel');
    const jids = jidsOf(iq.getChild(kind, NS_BLOCKING));
    if (kind === 'block') for (const j of jids) blocked.add(j);
    else if (jids.length === 0) blocked.clear();
    else for (const j of jids) blocked.delete(j);
    changed();
    return undefined;
  };
  const disposers = [client.handleIq('set', NS_BLOCKING, 'block', onPush('block')), client.handleIq('set', NS_BLOCKING, 'unblock', onPush('unblock'))];

  return {
    async list() {
      const r = await client.request('get', undefined, xml('blocklist', { xmlns: NS_BLOCKING }));
      blocked.clear();
      for (const j of jidsOf(r.getChild('blocklist', NS_BLOCKING))) blocked.add(j);
      changed();
      return [...blocked];
    },
    async block(jids) {
      if (jids.length === 0) return;
      await client.request('set', undefined, xml('block', { xmlns: NS_BLOCKING }, ...items(jids)));
    },
    async unblock(jids = []) {
      await client.request('set', undefined, xml('unblock', { xmlns: NS_BLOCKING }, ...items(jids)));
    },
    blocked: () => [...blocked],
    onDidChangeBlocklist: listChanged.on,
    dispose: () => {
      for (const d of disposers) d();
    },
  };
}

