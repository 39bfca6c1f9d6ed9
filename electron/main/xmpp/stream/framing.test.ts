import type { Element } from '@xmpp/xml';
import { describe, expect, it } from 'vitest';
import { createStreamFraming, type FramingErrorCondition } from './framing';

const HEADER = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='example.test' id='s1' version='1.0'>";

function collect(limits?: { maxStanzaBytes: number; maxDepth: number }) {
  const seen = { starts: 0, elements: [] as Element[], ends: 0, errors: [] as [FramingErrorCondition, string][] };
  const framing = createStreamFraming(
    {
      onStreamStart: () => void seen.starts++,
      onElement: (el) => void seen.elements.push(el),
      onStreamEnd: () => void seen.ends++,
      onError: (c, t) => void seen.errors.push([c, t]),
    },
    limits,
  );
  return { framing, seen };
}

describe('stream framing', () => {
  it('delivers top-level elements across arbitrary chunk boundaries, including split UTF-8', () => {
    const { framing, seen } = collect();
    const wire = Buffer.from(`${HEADER}<message to='a@b'><body>héllo 🛡️</body></message><presence/></stream:stream>`);
    for (let i = 0; i < wire.length; i += 3) framing.write(wire.subarray(i, i + 3));
    expect(seen.starts).toBe(1);
    expect(seen.elements.map((e) => e.name)).toEqual(['message', 'presence']);
    expect(seen.elements[0]?.getChildText('body')).toBe('héllo 🛡️');
    expect(seen.ends).toBe(1);
    expect(seen.errors).toEqual([]);
  });

  it.each([
    ['a comment', '<!-- hi -->'],
    ['a DOCTYPE', "<!DOCTYPE x [<!ENTITY a 'b'>]>"],
    ['a processing instruction', "<?evil x='1'?>"],
    ['CDATA', '<message><body><![CDATA[x]]></body></message>'],
  ])('refuses %s with restricted-xml (RFC 6120 §11.1)', (_what, bad) => {
    const { framing, seen } = collect();
    framing.write(HEADER);
    framing.write(bad.slice(0, 1)); // split right after '<'
    framing.write(bad.slice(1));
    expect(seen.errors.map(([c]) => c)).toEqual(['restricted-xml']);
    expect(seen.elements).toEqual([]);
  });

  it('refuses an oversized stanza before it is complete, and says nothing more after', () => {
    const { framing, seen } = collect({ maxStanzaBytes: 10_000, maxDepth: 64 });
    framing.write(HEADER);
    framing.write('<message><body>');
    for (let i = 0; i < 5; i++) framing.write('x'.repeat(4000));
    framing.write('</body></message><presence/>');
    expect(seen.errors.map(([c]) => c)).toEqual(['policy-violation']);
    expect(seen.elements).toEqual([]);
  });

  it('many small stanzas never add up to an oversized one', () => {
    const { framing, seen } = collect({ maxStanzaBytes: 1000, maxDepth: 64 });
    framing.write(HEADER);
    for (let i = 0; i < 500; i++) framing.write(`<presence from='u${i}@example.test/r'/>`);
    expect(seen.errors).toEqual([]);
    expect(seen.elements).toHaveLength(500);
  });

  it('refuses nesting deeper than the limit', () => {
    const { framing, seen } = collect({ maxStanzaBytes: 1_000_000, maxDepth: 16 });
    framing.write(HEADER);
    framing.write(`<message>${'<a>'.repeat(100)}`);
    expect(seen.errors.map(([c]) => c)).toEqual(['policy-violation']);
  });

  it('reports mismatched tags as not-well-formed', () => {
    const { framing, seen } = collect();
    framing.write(`${HEADER}<message><body>x</bogus></message>`);
    expect(seen.errors.map(([c]) => c)).toEqual(['not-well-formed']);
  });

  it('starts a fresh stream after restart (STARTTLS, SASL)', () => {
    const { framing, seen } = collect();
    framing.write(`${HEADER}<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>`);
    framing.restart();
    framing.write(`${HEADER}<stream:features/>`);
    expect(seen.starts).toBe(2);
    expect(seen.elements.map((e) => e.name)).toEqual(['proceed', 'stream:features']);
  });
});
