import type { Element } from '@xmpp/xml';
import { parse } from 'ltx';
import { describe, expect, it } from 'vitest';
import type { BareJid, FullJid } from '../../../../shared/xmpp/jid';
import { createXmppClient } from '../client/client';
import { createFakeStream } from '../client/testing/fake-stream';
import { registerMessages } from '../im/messages';
import type { ParsedMessage } from '../im/message-parse';
import { checkHref, parseXhtmlIm, plainText, renderXhtmlIm, XHTML_LIMITS, type XhtmlContent, type XhtmlNode } from './0071-xhtml-im';

const wrap = (inner: string) =>
  parse(`<html xmlns='http://jabber.org/protocol/xhtml-im'><body xmlns='http://www.w3.org/1999/xhtml'>${inner}</body></html>`) as Element;
const sanitise = (inner: string): XhtmlContent => {
  const r = parseXhtmlIm(wrap(inner));
  if (!r) throw new Error('no content');
  return r;
};
const t = (text: string): XhtmlNode => ({ kind: 'text', text });

/** Every string and attribute-like value anywhere in the tree, to look for leftovers. */
function everything(nodes: readonly XhtmlNode[]): string {
  return JSON.stringify(nodes).toLowerCase();
}

describe('XEP-0071 receive: allow-list sanitiser', () => {
  it('keeps the allowed profile: structure, links, validated style', () => {
    const r = sanitise(
      "<p style='color: #ff0000; font-weight: bold'>Hi <strong>there</strong> <em>you</em><br/>" +
        "<a href='https://example.test/x?y=1'>link</a> <code>x()</code></p><ul><li>one</li></ul><blockquote><q>quoted</q></blockquote>",
    );
    expect(r.removed).toEqual([]);
    expect(r.nodes[0]).toEqual({
      kind: 'element',
      tag: 'p',
      style: { color: '#ff0000', fontWeight: 'bold' },
      children: [
        t('Hi '),
        { kind: 'element', tag: 'strong', children: [t('there')] },
        t(' '),
        { kind: 'element', tag: 'em', children: [t('you')] },
        { kind: 'element', tag: 'br', children: [] },
        { kind: 'element', tag: 'a', href: 'https://example.test/x?y=1', children: [t('link')] },
        t(' '),
        { kind: 'element', tag: 'code', children: [t('x()')] },
      ],
    });
    expect(r.nodes.map((n) => (n.kind === 'element' ? n.tag : n.text))).toEqual(['p', 'ul', 'blockquote']);
  });

  it('[IMPP-D1] drops script, style, iframe, object, form and svg with their content; on* attributes go', () => {
    const r = sanitise(
      "<p onclick='steal()' onmouseover='x()'>ok</p><script>alert(1)</script><style>p{background:url(//evil)}</style>" +
        "<iframe src='https://evil.test'>frame text</iframe><object data='x.swf'>obj</object><form action='https://evil.test'><input value='pw'/>form text</form>" +
        "<svg xmlns='http://www.w3.org/2000/svg'><script>alert(2)</script></svg><SCRIPT>alert(3)</SCRIPT>" +
        "<x:script xmlns:x='http://www.w3.org/1999/xhtml'>alert(4)</x:script><evil xmlns='urn:other'>hidden</evil>",
    );
    expect(r.nodes).toEqual([{ kind: 'element', tag: 'p', children: [t('ok')] }]);
    const all = everything(r.nodes);
    for (const bad of ['alert', 'steal', 'url(', 'frame text', 'obj', 'pw', 'form text', 'hidden']) expect(all).not.toContain(bad);
    expect(r.removed).toEqual(
      expect.arrayContaining([
        { kind: 'attribute', name: 'onclick' },
        { kind: 'element', name: 'script' },
        { kind: 'element', name: 'style' },
        { kind: 'element', name: 'iframe' },
        { kind: 'element', name: 'form' },
        { kind: 'element', name: 'evil' },
      ]),
    );
  });

  it('[IMPP-D1] javascript:, data:, vbscript:, relative and protocol-relative links are refused, whatever the disguise', () => {
    // ltx has already decoded entities, so "&#x6A;avascript:" arrives as "javascript:"; tabs,
    // newlines and leading spaces are what a browser would strip.
    const hostile = [
      'javascript:alert(1)',
      'JaVaScRiPt:alert(1)',
      '&#x6A;avascript:alert(1)',
      '&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)',
      'java&#x09;script:alert(1)',
      'java&#x0A;script:alert(1)',
      '&#x20;javascript:alert(1)',
      'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
      'vbscript:msgbox(1)',
      '//evil.test/x',
      '/relative/path',
      'relative.html',
      'file:///etc/passwd',
      'https://user:pw@bank.test/',
    ];
    for (const href of hostile) {
      const r = sanitise(`<a href='${href}'>click</a>`);
      expect(r.nodes, href).toEqual([{ kind: 'element', tag: 'span', children: [t('click')] }]);
      expect(r.removed.some((x) => x.kind === 'link'), href).toBe(true);
    }
    // The allowed schemes pass, normalised.
    // A control character cannot travel in XML (the stream refuses it); the URL check still holds.
    expect(checkHref('\u0001javascript:alert(1)')).toMatchObject({ ok: false });
    expect(checkHref(' HTTPS://Example.test/a b')).toEqual({ ok: true, href: 'https://example.test/a%20b' });
    expect(checkHref('xmpp:alice@example.test?message')).toMatchObject({ ok: true });
    expect(checkHref('mailto:alice@example.test')).toMatchObject({ ok: true });
  });

  it('[IMPP-D1] CSS: url(), expression(), position and friends are removed; only validated values remain', () => {
    const r = sanitise(
      "<span style='background-color: url(https://evil.test/track.png); color: expression(alert(1)); position: fixed; top: 0; " +
        "color: red; background: url(x); font-style: italic; text-decoration: underline; color:\\72 ed; font-weight: bold !important; " +
        "background-color: /* x */ blue'>x</span>",
    );
    expect(r.nodes).toEqual([{ kind: 'element', tag: 'span', style: { color: 'red', fontStyle: 'italic', textDecoration: 'underline' }, children: [t('x')] }]);
    expect(everything(r.nodes)).not.toMatch(/url|expression|position|fixed/);
    expect(r.removed).toEqual(
      expect.arrayContaining([
        { kind: 'style', property: 'position' },
        { kind: 'style', property: 'background' },
        { kind: 'style', property: 'background-color' },
        { kind: 'style', property: 'font-weight' },
      ]),
    );
  });

  it('[IMPP-D1] an image is never loaded: it becomes its alt text', () => {
    const r = sanitise("<p>see <img src='https://tracker.test/pixel.gif' alt='a cat' onerror='alert(1)'/> here <img src='http://x.test/y'/></p>");
    expect(r.nodes).toEqual([{ kind: 'element', tag: 'p', children: [t('see '), t('a cat'), t(' here ')] }]);
    expect(everything(r.nodes)).not.toMatch(/tracker|onerror|src/);
    expect(r.removed).toContainEqual({ kind: 'image' });
  });

  it('[IMPP-D1] a depth bomb is flattened to text below the depth limit, without recursion blowing the stack', () => {
    const depth = 20_000;
    const r = sanitise(`${'<span>'.repeat(depth)}deep${'</span>'.repeat(depth)}`);
    let d = 0;
    let n: XhtmlNode | undefined = r.nodes[0];
    while (n && n.kind === 'element') {
      d += 1;
      n = n.children[0];
    }
    expect(d).toBeLessThanOrEqual(XHTML_LIMITS.depth);
    expect(n).toEqual(t('deep'));
    expect(r.removed).toContainEqual({ kind: 'limit', limit: 'depth' });
  });

  it('[IMPP-D1] element and text floods are capped', () => {
    const r = sanitise('<br/>'.repeat(5000));
    expect(r.nodes.length).toBe(XHTML_LIMITS.elements);
    expect(r.removed).toContainEqual({ kind: 'limit', limit: 'elements' });
    const big = sanitise(`<p>${'x'.repeat(XHTML_LIMITS.textChars + 10)}</p><p>more</p>`);
    expect(JSON.stringify(big.nodes).length).toBeLessThan(XHTML_LIMITS.textChars + 200);
    expect(big.removed).toContainEqual({ kind: 'limit', limit: 'text' });
  });

  it('maps harmless markup to the nearest allowed tag; nested links are not links; no body → undefined', () => {
    const r = sanitise("<b>b</b><i>i</i><u>u</u><h1>title</h1><div>d</div><a href='https://a.test/'>x<a href='https://b.test/'>y</a></a>");
    expect(r.nodes).toEqual([
      { kind: 'element', tag: 'strong', children: [t('b')] },
      { kind: 'element', tag: 'em', children: [t('i')] },
      { kind: 'element', tag: 'span', style: { textDecoration: 'underline' }, children: [t('u')] },
      { kind: 'element', tag: 'p', children: [t('title')] },
      { kind: 'element', tag: 'p', children: [t('d')] },
      { kind: 'element', tag: 'a', href: 'https://a.test/', children: [t('x'), { kind: 'element', tag: 'span', children: [t('y')] }] },
    ]);
    expect(r.removed).toEqual([{ kind: 'element', name: 'h1' }]);
    expect(parseXhtmlIm(parse("<html xmlns='http://jabber.org/protocol/xhtml-im'><body>not xhtml ns</body></html>") as Element)).toBeUndefined();
    expect(parseXhtmlIm(undefined)).toBeUndefined();
  });

  it('[IMPP-D1] a hostile XHTML-IM stanza reaches the chat only as the sanitised tree; the next message still arrives', () => {
    const stream = createFakeStream();
    const client = createXmppClient({ jid: 'alice@example.test/desk' as FullJid, account: 'alice@example.test' as BareJid, stream });
    const messages = registerMessages(client, { sendReceipts: () => false });
    const inbox: ParsedMessage[] = [];
    messages.onDidReceiveMessage((m) => inbox.push(m));
    stream.receive(
      "<message from='mallory@example.test/x' type='chat' id='h1'><body>hi</body><html xmlns='http://jabber.org/protocol/xhtml-im'>" +
        "<body xmlns='http://www.w3.org/1999/xhtml'><p>hi<img src='x' onerror='alert(1)'/></p><script>alert(2)</script>" +
        `${'<span>'.repeat(5000)}x${'</span>'.repeat(5000)}<a href='javascript:alert(3)'>go</a></body></html></message>`,
    );
    stream.receive("<message from='bob@example.test/y' type='chat' id='h2'><body>next</body></message>");
    expect(inbox.map((m) => m.id)).toEqual(['h1', 'h2']);
    expect(everything(inbox[0]?.xhtml?.nodes ?? [])).not.toMatch(/alert|onerror|javascript|script/);
    expect(inbox[0]?.xhtml?.removed.length).toBeGreaterThan(0);
    expect(inbox[1]?.xhtml).toBeUndefined();
  });
});

describe('XEP-0071 send: tree → <html/> + text-equivalent <body/> (§8)', () => {
  it('renders the tree and its plain text; round-trips through the receive path unchanged', () => {
    const nodes: XhtmlNode[] = [
      { kind: 'element', tag: 'p', children: [t('Hello '), { kind: 'element', tag: 'strong', style: { color: 'blue' }, children: [t('world')] }] },
      { kind: 'element', tag: 'ol', children: [{ kind: 'element', tag: 'li', children: [t('one')] }, { kind: 'element', tag: 'li', children: [t('two')] }] },
      { kind: 'element', tag: 'p', children: [{ kind: 'element', tag: 'a', href: 'https://example.test/', children: [t('site')] }, { kind: 'element', tag: 'br', children: [] }, t('end')] },
    ];
    const r = renderXhtmlIm(nodes);
    expect(r.body).toBe('Hello world\n\n1. one\n\n2. two\n\nsite (https://example.test/)\nend');
    expect(r.html.toString()).toContain("<strong style=\"color: blue\">world</strong>");
    expect(parseXhtmlIm(parse(r.html.toString()) as Element)).toEqual({ nodes, removed: [] });
  });

  it('re-validates a tree that came from outside (IPC): bad tags, links and styles are removed before sending', () => {
    const r = renderXhtmlIm([
      { kind: 'element', tag: 'script', children: [t('alert(1)')] },
      { kind: 'element', tag: 'a', href: 'javascript:alert(1)', children: [t('x')] },
      { kind: 'element', tag: 'span', style: { color: 'url(x)', fontStyle: 'italic' }, children: [t('y')] },
      'not a node',
      null,
    ]);
    expect(r.content.nodes).toEqual([
      { kind: 'element', tag: 'span', children: [t('x')] },
      { kind: 'element', tag: 'span', style: { fontStyle: 'italic' }, children: [t('y')] },
    ]);
    expect(r.html.toString()).not.toMatch(/script|javascript|url\(/);
    expect(plainText(r.content.nodes)).toBe('xy');
  });
});
