// XEP-0071 XHTML-IM on the real servers: alice sends formatted text (and, as a raw stanza,
// hostile markup) to bob; bob gets only the sanitised tree, with the plain body alongside, and
// advertises the feature in disco#info (§9).
import xml from '@xmpp/xml';
import { afterEach, describe, expect, it } from 'vitest';
import { registerDisco } from '../../electron/main/xmpp/xep/0030-disco';
import { NS_XHTML, NS_XHTML_IM, registerXhtmlIm, type XhtmlNode } from '../../electron/main/xmpp/xep/0071-xhtml-im';
import { chatUser, closeChatUsers } from '../support/chat-user';
import { waitFor } from '../support/clients';
import type { ServerKind } from '../support/testbed/info.js';

afterEach(closeChatUsers);

async function user(kind: ServerKind, name: string) {
  const u = await chatUser(kind, name, { sendReceipts: false });
  const disco = registerDisco(u.client, { name: 'Bastion test' });
  return { ...u, disco, xhtml: registerXhtmlIm(u.client) };
}
const t = (text: string): XhtmlNode => ({ kind: 'text', text });

describe.each<ServerKind>(['prosody', 'ejabberd'])('XHTML-IM on %s', (kind) => {
  it('[UCR-G1] formatted text arrives as the same tree, with the text-equivalent body', async () => {
    const alice = await user(kind, 'alice');
    const bob = await user(kind, 'bob');
    expect((await alice.disco.info(bob.client.jid)).features).toContain(NS_XHTML_IM);
    const nodes: XhtmlNode[] = [
      { kind: 'element', tag: 'p', children: [t('Status: '), { kind: 'element', tag: 'strong', style: { color: 'red' }, children: [t('red')] }] },
      { kind: 'element', tag: 'ul', children: [{ kind: 'element', tag: 'li', children: [{ kind: 'element', tag: 'a', href: 'https://example.test/doc', children: [t('the doc')] }] }] },
    ];
    const { html, body } = alice.xhtml.render(nodes);
    alice.client.send(xml('message', { to: bob.client.jid, type: 'chat', id: 'x1' }, xml('body', {}, body), html));
    const got = await waitFor(bob.inbox, (m) => m.id === 'x1');
    expect(got.body).toBe('Status: red\n\n• the doc (https://example.test/doc)');
    expect(got.xhtml).toEqual({ nodes, removed: [] });
  });

  it('[IMPP-D1] hostile markup sent through the server reaches bob only as the sanitised tree', async () => {
    const alice = await user(kind, 'alice');
    const bob = await user(kind, 'bob');
    const hostile = xml(
      'html',
      { xmlns: NS_XHTML_IM },
      xml(
        'body',
        { xmlns: NS_XHTML },
        xml('p', { onclick: 'steal()', style: 'color: blue; background: url(https://evil.test/t.png); position: fixed' }, 'hello ', xml('img', { src: 'https://evil.test/pixel.gif', alt: 'pic', onerror: 'alert(1)' })),
        xml('script', {}, 'alert(2)'),
        xml('a', { href: 'java\tscript:alert(3)' }, 'click'),
        xml('iframe', { src: 'https://evil.test' }, 'frame'),
      ),
    );
    alice.client.send(xml('message', { to: bob.client.jid, type: 'chat', id: 'x2' }, xml('body', {}, 'hello pic click'), hostile));
    const got = await waitFor(bob.inbox, (m) => m.id === 'x2');
    expect(got.xhtml?.nodes).toEqual([
      { kind: 'element', tag: 'p', style: { color: 'blue' }, children: [t('hello '), t('pic')] },
      { kind: 'element', tag: 'span', children: [t('click')] },
    ]);
    expect(got.xhtml?.removed).toEqual(
      expect.arrayContaining([
        { kind: 'attribute', name: 'onclick' },
        { kind: 'style', property: 'background' },
        { kind: 'style', property: 'position' },
        { kind: 'image' },
        { kind: 'element', name: 'script' },
        { kind: 'element', name: 'iframe' },
        // The tab became a space in transit (XML attribute normalisation): refused either way.
        expect.objectContaining({ kind: 'link' }),
      ]),
    );
  });
});
