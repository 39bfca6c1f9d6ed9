/**
 * XEP-0071 XHTML-IM, strictly sanitised. Received markup becomes a small plain-data tree (never
 * an HTML string: the renderer builds React elements from it and never uses innerHTML). Only an
 * allow-list survives — a subset of the §7 recommended profile without anything that can load,
 * run or hide something: no images (their alt text is kept, §7.4 "no remote resources"), no
 * scripts, forms or embedded objects (dropped with their content), no event attributes, links
 * only to http/https/xmpp/mailto, and five style properties with validated values. Depth, element
 * count and text length are bounded [IMPP-D1]. What was removed is reported, so the UI can say
 * "formatting was simplified". Sending goes from the same tree to `<html/>` plus the plain
 * `<body/>` text equivalent (§8).
 */
import type { Element } from '@xmpp/xml';
import xml from '@xmpp/xml';
import type { XmppClient } from '../client/client';

export const NS_XHTML_IM = 'http://jabber.org/protocol/xhtml-im';
export const NS_XHTML = 'http://www.w3.org/1999/xhtml';

export const XHTML_TAGS = ['p', 'br', 'span', 'strong', 'em', 'cite', 'code', 'pre', 'blockquote', 'q', 'ul', 'ol', 'li', 'a'] as const;
export type XhtmlTag = (typeof XHTML_TAGS)[number];

/** Style in React's camelCase keys; every value has been validated (no url(), expression(), …). */
export interface XhtmlStyle {
  readonly color?: string;
  readonly backgroundColor?: string;
  readonly fontWeight?: string;
  readonly fontStyle?: string;
  readonly textDecoration?: string;
}
export interface XhtmlText {
  readonly kind: 'text';
  readonly text: string;
}
export interface XhtmlElement {
  readonly kind: 'element';
  readonly tag: XhtmlTag;
  /** Only on 'a': an absolute http(s)/xmpp/mailto URL, normalised by the WHATWG URL parser. */
  readonly href?: string;
  readonly style?: XhtmlStyle;
  readonly children: readonly XhtmlNode[];
}
export type XhtmlNode = XhtmlText | XhtmlElement;

export type XhtmlRemoval =
  | { readonly kind: 'element'; readonly name: string }
  | { readonly kind: 'attribute'; readonly name: string }
  | { readonly kind: 'link'; readonly reason: string }
  | { readonly kind: 'style'; readonly property: string }
  | { readonly kind: 'image' }
  | { readonly kind: 'limit'; readonly limit: 'depth' | 'elements' | 'text' };

export interface XhtmlContent {
  readonly nodes: readonly XhtmlNode[];
  /** De-duplicated; empty when nothing was lost. */
  readonly removed: readonly XhtmlRemoval[];
}

export const XHTML_LIMITS = { depth: 24, elements: 1000, textChars: 64 * 1024, hrefChars: 2048, styleChars: 512, altChars: 256 } as const;

const ALLOWED = new Set<string>(XHTML_TAGS);
/** Harmless markup outside the allow-list, mapped to the nearest allowed tag (content kept). */
const MAPPED: Readonly<Record<string, XhtmlTag>> = {
  b: 'strong', i: 'em', u: 'span', s: 'span', strike: 'span', del: 'span', ins: 'span', tt: 'code', kbd: 'code', samp: 'code', var: 'em', dfn: 'em',
  abbr: 'span', acronym: 'span', font: 'span', small: 'span', big: 'span', sub: 'span', sup: 'span', mark: 'span', label: 'span',
  div: 'p', h1: 'p', h2: 'p', h3: 'p', h4: 'p', h5: 'p', h6: 'p', address: 'p', center: 'p', section: 'p', article: 'p', header: 'p',
  footer: 'p', main: 'p', nav: 'p', dl: 'p', dt: 'p', dd: 'p', table: 'p', tr: 'p', caption: 'p', td: 'span', th: 'span',
  thead: 'span', tbody: 'span', tfoot: 'span', body: 'span',
};
/** Mapped without any visible loss (not reported). */
const EQUIVALENT = new Set(['b', 'i', 'u', 's', 'strike', 'del', 'ins', 'div', 'tt', 'body']);
const LINK_SCHEMES = new Set(['http:', 'https:', 'xmpp:', 'mailto:']);
const COLOR_NAMES = new Set(['black', 'silver', 'gray', 'white', 'maroon', 'red', 'purple', 'fuchsia', 'green', 'lime', 'olive', 'yellow', 'navy', 'blue', 'teal', 'aqua', 'orange']);
const COLOR = /^(?:#[0-9a-f]{3}|#[0-9a-f]{6}|rgb\(\s*(?:\d{1,3}\s*,\s*){2}\d{1,3}\s*\))$/;
const STYLE_RULES: Readonly<Record<string, { readonly key: keyof XhtmlStyle; readonly ok: (v: string) => boolean }>> = {
  color: { key: 'color', ok: (v) => COLOR.test(v) || COLOR_NAMES.has(v) },
  'background-color': { key: 'backgroundColor', ok: (v) => COLOR.test(v) || COLOR_NAMES.has(v) },
  'font-weight': { key: 'fontWeight', ok: (v) => /^(?:normal|bold|bolder|lighter|[1-9]00)$/.test(v) },
  'font-style': { key: 'fontStyle', ok: (v) => /^(?:normal|italic|oblique)$/.test(v) },
  'text-decoration': { key: 'textDecoration', ok: (v) => /^(?:none|(?:underline|line-through|overline)(?: (?:underline|line-through|overline)){0,2})$/.test(v) },
};
const DECORATION: Readonly<Record<string, string>> = { u: 'underline', ins: 'underline', s: 'line-through', strike: 'line-through', del: 'line-through' };

/** Validates a link target: an absolute URL with an allowed scheme, no credentials (phishing). */
export function checkHref(raw: string): { ok: true; href: string } | { ok: false; reason: string } {
  if (raw.length > XHTML_LIMITS.hrefChars) return { ok: false, reason: 'too long' };
  let url: URL;
  try {
    // The WHATWG parser strips tabs, newlines and edge control characters exactly as a browser
    // would, so "java\tscript:" and " JavaScript:" are judged by the scheme they really have.
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'not an absolute URL' }; // relative and protocol-relative refs
  }
  if (!LINK_SCHEMES.has(url.protocol)) return { ok: false, reason: `scheme ${url.protocol.slice(0, 20)}` };
  if (url.username !== '' || url.password !== '') return { ok: false, reason: 'credentials in URL' };
  return { ok: true, href: url.href };
}

/** Parses a style attribute into the allowed subset; everything else is reported. */
export function checkStyle(raw: string, removed: (r: XhtmlRemoval) => void): XhtmlStyle | undefined {
  if (raw.length > XHTML_LIMITS.styleChars) {
    removed({ kind: 'style', property: '(too long)' });
    return undefined;
  }
  const out: Record<string, string> = {};
  for (const decl of raw.split(';')) {
    if (decl.trim() === '') continue;
    const colon = decl.indexOf(':');
    const prop = (colon < 0 ? decl : decl.slice(0, colon)).trim().toLowerCase();
    const value = colon < 0 ? '' : decl.slice(colon + 1).trim().toLowerCase().replace(/\s+/g, ' ');
    const rule = STYLE_RULES[prop];
    // Only exact matches of the value grammars pass: url(), expression(), escapes, comments and
    // !important all fail them.
    if (rule && rule.ok(value)) out[rule.key] = value;
    else removed({ kind: 'style', property: prop.slice(0, 40) || '(empty)' });
  }
  return Object.keys(out).length > 0 ? (out as XhtmlStyle) : undefined;
}

/** Shared bookkeeping for one sanitising pass (XML in, or untrusted data in). */
function pass() {
  const removedKeys = new Map<string, XhtmlRemoval>();
  let elements = 0;
  let textLeft: number = XHTML_LIMITS.textChars;
  return {
    remove(r: XhtmlRemoval): void {
      const key = JSON.stringify(r);
      if (!removedKeys.has(key) && removedKeys.size < 32) removedKeys.set(key, r);
    },
    /** Counts an element; false once the element budget is spent. */
    element(): boolean {
      elements += 1;
      return elements <= XHTML_LIMITS.elements;
    },
    text(s: string): XhtmlText | undefined {
      if (textLeft <= 0) return undefined;
      const text = s.length > textLeft ? s.slice(0, textLeft) : s;
      textLeft -= text.length;
      return text.length > 0 ? { kind: 'text', text } : undefined;
    },
    removed: () => [...removedKeys.values()],
    textLeft: () => textLeft,
  };
}
type Pass = ReturnType<typeof pass>;

/**
 * In-scope namespaces, carried down the tree: ltx's getNS() walks up the parents recursively,
 * which a depth bomb turns into quadratic time and a stack overflow.
 */
interface Scope {
  readonly dflt: string | undefined;
  readonly prefixes: ReadonlyMap<string, string>;
}

function enter(el: Element, outer: Scope): { readonly scope: Scope; readonly ns: string | undefined; readonly name: string } {
  let scope = outer;
  for (const [attr, value] of Object.entries(el.attrs)) {
    if (typeof value !== 'string') continue;
    if (attr === 'xmlns') scope = { ...scope, dflt: value };
    else if (attr.startsWith('xmlns:')) scope = { ...scope, prefixes: new Map(scope.prefixes).set(attr.slice(6), value) };
  }
  const colon = el.name.indexOf(':');
  const ns = colon < 0 ? scope.dflt : scope.prefixes.get(el.name.slice(0, colon));
  return { scope, ns, name: el.name.slice(colon + 1).toLowerCase() };
}

/** Anything not in XHTML, or not known to be harmless, goes with its content (default deny). */
function dropsWithContent(ns: string | undefined, name: string): boolean {
  return ns !== NS_XHTML || !(ALLOWED.has(name) || name in MAPPED || name === 'img');
}

/** All text below `el` without recursion (a depth bomb cannot exhaust the stack). */
function flatText(el: Element, scope: Scope, p: Pass): string {
  const out: string[] = [];
  let budget = p.textLeft();
  const stack: { readonly node: Element | string; readonly scope: Scope }[] = [...el.children].reverse().map((node) => ({ node, scope }));
  while (stack.length > 0 && budget > 0) {
    const top = stack.pop();
    if (!top) break;
    if (typeof top.node === 'string') {
      out.push(top.node);
      budget -= top.node.length;
      continue;
    }
    const inner = enter(top.node, top.scope);
    if (dropsWithContent(inner.ns, inner.name)) continue;
    for (let i = top.node.children.length - 1; i >= 0; i -= 1) stack.push({ node: top.node.children[i] as Element | string, scope: inner.scope });
  }
  return out.join('');
}

function sanitiseElement(el: Element, outer: Scope, depth: number, p: Pass, inLink: boolean): XhtmlNode[] {
  const { scope, ns, name } = enter(el, outer);
  if (dropsWithContent(ns, name)) {
    p.remove({ kind: 'element', name: name.slice(0, 40) });
    return [];
  }
  if (name === 'img') {
    p.remove({ kind: 'image' });
    const alt = typeof el.attrs.alt === 'string' ? el.attrs.alt.trim().slice(0, XHTML_LIMITS.altChars) : '';
    const t = alt ? p.text(alt) : undefined;
    return t ? [t] : [];
  }
  if (!p.element()) {
    p.remove({ kind: 'limit', limit: 'elements' });
    return [];
  }
  if (depth >= XHTML_LIMITS.depth) {
    p.remove({ kind: 'limit', limit: 'depth' });
    const t = p.text(flatText(el, scope, p));
    return t ? [t] : [];
  }
  let tag: XhtmlTag = ALLOWED.has(name) ? (name as XhtmlTag) : (MAPPED[name] as XhtmlTag);
  if (!ALLOWED.has(name) && !EQUIVALENT.has(name)) p.remove({ kind: 'element', name });

  let href: string | undefined;
  let style: XhtmlStyle | undefined;
  for (const [attr, value] of Object.entries(el.attrs)) {
    if (attr === 'xmlns' || attr.startsWith('xmlns:')) continue;
    if (attr === 'style' && typeof value === 'string') style = checkStyle(value, p.remove);
    else if (attr === 'href' && tag === 'a' && typeof value === 'string') {
      const h = checkHref(value);
      if (h.ok) href = h.href;
      else p.remove({ kind: 'link', reason: h.reason });
    } else if (!(attr === 'alt' || attr === 'title' || attr === 'type')) p.remove({ kind: 'attribute', name: attr.slice(0, 40) });
  }
  const decoration = DECORATION[name];
  if (decoration) style = { ...style, textDecoration: decoration };
  if (tag === 'a' && (href === undefined || inLink)) tag = 'span'; // a dead link, or a link inside a link

  const children: XhtmlNode[] = [];
  if (tag !== 'br') {
    for (const c of el.children) {
      if (typeof c === 'string') {
        const t = p.text(c);
        if (t) children.push(t);
      } else children.push(...sanitiseElement(c, scope, depth + 1, p, inLink || tag === 'a'));
    }
  }
  return [{ kind: 'element', tag, ...(href !== undefined && tag === 'a' ? { href } : {}), ...(style ? { style } : {}), children }];
}

/** Prefixes declared on `el` and its (few) ancestors: the stanza, `<html/>`, `<body/>`. */
function prefixesAt(el: Element): ReadonlyMap<string, string> {
  const chain: Element[] = [];
  for (let e: Element | null = el; e && chain.length < 16; e = e.parent) chain.unshift(e);
  const map = new Map<string, string>();
  for (const e of chain) {
    for (const [attr, value] of Object.entries(e.attrs)) if (attr.startsWith('xmlns:') && typeof value === 'string') map.set(attr.slice(6), value);
  }
  return map;
}

/**
 * `<html xmlns='…xhtml-im'>` → sanitised tree, from its first XHTML `<body/>` (§6: one per
 * language). Undefined when there is no usable body; never throws.
 */
export function parseXhtmlIm(html: Element | undefined): XhtmlContent | undefined {
  if (!html || html.getNS() !== NS_XHTML_IM) return undefined;
  const body = html.children.find((c): c is Element => typeof c !== 'string' && c.getName() === 'body' && c.getNS() === NS_XHTML);
  if (!body) return undefined;
  try {
    const p = pass();
    const nodes: XhtmlNode[] = [];
    const scope: Scope = { dflt: body.name.includes(':') ? body.findNS() : NS_XHTML, prefixes: prefixesAt(body) };
    for (const c of body.children) {
      if (typeof c === 'string') {
        const t = p.text(c);
        if (t) nodes.push(t);
      } else nodes.push(...sanitiseElement(c, scope, 1, p, false));
    }
    if (p.textLeft() <= 0) p.remove({ kind: 'limit', limit: 'text' });
    return { nodes, removed: p.removed() };
  } catch {
    return undefined; // the plain body remains; a sanitiser bug must not drop the message
  }
}

/** Validates a tree that came from outside (the renderer, over IPC) before it is sent. */
export function sanitiseNodes(input: unknown): XhtmlContent {
  const p = pass();
  const walk = (v: unknown, depth: number, inLink: boolean): XhtmlNode[] => {
    if (typeof v !== 'object' || v === null) return [];
    const n = v as { kind?: unknown; text?: unknown; tag?: unknown; href?: unknown; style?: unknown; children?: unknown };
    if (n.kind === 'text' && typeof n.text === 'string') {
      const t = p.text(n.text);
      return t ? [t] : [];
    }
    if (n.kind !== 'element' || typeof n.tag !== 'string' || !ALLOWED.has(n.tag)) {
      p.remove({ kind: 'element', name: typeof n.tag === 'string' ? n.tag.slice(0, 40) : '?' });
      return [];
    }
    if (!p.element() || depth >= XHTML_LIMITS.depth) {
      p.remove({ kind: 'limit', limit: depth >= XHTML_LIMITS.depth ? 'depth' : 'elements' });
      return [];
    }
    let tag = n.tag as XhtmlTag;
    let href: string | undefined;
    if (tag === 'a' && typeof n.href === 'string') {
      const h = checkHref(n.href);
      if (h.ok) href = h.href;
      else p.remove({ kind: 'link', reason: h.reason });
    }
    if (tag === 'a' && (href === undefined || inLink)) tag = 'span';
    const css = typeof n.style === 'object' && n.style !== null ? (n.style as Record<string, unknown>) : {};
    const styleText = Object.entries(STYLE_RULES)
      .filter(([, r]) => typeof css[r.key] === 'string')
      .map(([prop, r]) => `${prop}:${String(css[r.key])}`)
      .join(';');
    const style = styleText ? checkStyle(styleText, p.remove) : undefined;
    const kids = tag === 'br' || !Array.isArray(n.children) ? [] : n.children.slice(0, XHTML_LIMITS.elements).flatMap((c) => walk(c, depth + 1, inLink || tag === 'a'));
    return [{ kind: 'element', tag, ...(href !== undefined ? { href } : {}), ...(style ? { style } : {}), children: kids }];
  };
  const nodes = Array.isArray(input) ? input.slice(0, XHTML_LIMITS.elements).flatMap((c) => walk(c, 1, false)) : [];
  return { nodes, removed: p.removed() };
}

const BLOCKS = new Set<XhtmlTag>(['p', 'pre', 'blockquote', 'ul', 'ol', 'li']);

/** The text equivalent of a tree (§8: the `<body/>` must carry the same content as plain text). */
export function plainText(nodes: readonly XhtmlNode[]): string {
  const walk = (list: readonly XhtmlNode[], listKind?: 'ul' | 'ol'): string => {
    let out = '';
    let index = 0;
    for (const n of list) {
      if (n.kind === 'text') {
        out += n.text;
        continue;
      }
      const inner = walk(n.children, n.tag === 'ul' || n.tag === 'ol' ? n.tag : undefined);
      switch (n.tag) {
        case 'br':
          out += '\n';
          break;
        case 'li':
          index += 1;
          out += `\n${listKind === 'ol' ? `${index}. ` : '• '}${inner.trim()}\n`;
          break;
        case 'blockquote':
          out += `\n${inner.trim().split('\n').map((l) => `> ${l}`).join('\n')}\n`;
          break;
        case 'q':
          out += `“${inner}”`;
          break;
        case 'a': {
          const bare = n.href?.replace(/^(?:mailto|xmpp):/, '').replace(/\/$/, '');
          out += n.href && inner.trim() !== n.href && inner.trim() !== bare ? `${inner} (${n.href})` : inner || (n.href ?? '');
          break;
        }
        case 'p':
        case 'pre':
        case 'ul':
        case 'ol':
        case 'span':
        case 'strong':
        case 'em':
        case 'cite':
        case 'code':
          out += BLOCKS.has(n.tag) ? `\n${inner}\n` : inner;
          break;
        default:
          return assertTag(n.tag);
      }
    }
    return out;
  };
  return walk(nodes).replace(/\n{3,}/g, '\n\n').trim();
}

function assertTag(tag: never): never {
  throw new Error(`unexpected XHTML tag ${String(tag)}`);
}

function toXml(n: XhtmlNode): Element | string {
  if (n.kind === 'text') return n.text;
  const style = n.style
    ? Object.entries(STYLE_RULES)
        .filter(([, r]) => n.style?.[r.key] !== undefined)
        .map(([prop, r]) => `${prop}: ${String(n.style?.[r.key])}`)
        .join('; ')
    : '';
  return xml(n.tag, { ...(n.href ? { href: n.href } : {}), ...(style ? { style } : {}) }, ...n.children.map(toXml));
}

/** Tree → `<html/>` and its text-equivalent body. The tree is re-validated first. */
export function renderXhtmlIm(input: unknown): { readonly html: Element; readonly body: string; readonly content: XhtmlContent } {
  const content = sanitiseNodes(input);
  const html = xml('html', { xmlns: NS_XHTML_IM }, xml('body', { xmlns: NS_XHTML }, ...content.nodes.map(toXml)));
  return { html, body: plainText(content.nodes), content };
}

export interface XhtmlImModule {
  /** See `renderXhtmlIm`: the lead adds `html` next to `<body>` when sending. */
  render(input: unknown): { readonly html: Element; readonly body: string; readonly content: XhtmlContent };
  dispose(): void;
}

/** Advertises XEP-0071 (§9); receiving is done by the message edge parser (`ParsedMessage.xhtml`). */
export function registerXhtmlIm(client: XmppClient): XhtmlImModule {
  const off = client.disco.addFeature(NS_XHTML_IM);
  return { render: renderXhtmlIm, dispose: off };
}
