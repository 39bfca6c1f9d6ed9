/**
 * Incoming XML stream framing with the limits a hostile or broken server cannot get past
 * [IMPP-D1]: a stanza-size cap, a nesting-depth cap, and RFC 6120 §11.1 restricted XML
 * (no comments, processing instructions, DTDs or CDATA from the server). Elements are built by
 * @xmpp/xml's parser (ltx); this module only guards it and reports stream-level conditions.
 */
import { StringDecoder } from 'node:string_decoder';
import { Parser, type Element } from '@xmpp/xml';

export interface FramingLimits {
  /** Largest top-level element (stanza or nonza), in bytes of UTF-8 on the wire. */
  readonly maxStanzaBytes: number;
  /** Deepest nesting below the stream root. */
  readonly maxDepth: number;
}

export const DEFAULT_LIMITS: FramingLimits = {
  // Big enough for vCard avatars and MAM pages; small enough that a flood cannot exhaust memory.
  maxStanzaBytes: 4 * 1024 * 1024,
  maxDepth: 64,
};

/** RFC 6120 §4.9.3 stream error conditions this layer can detect. */
export type FramingErrorCondition = 'policy-violation' | 'restricted-xml' | 'not-well-formed' | 'bad-format';

export interface FramingHandlers {
  onStreamStart(attrs: Readonly<Record<string, string>>): void;
  onElement(element: Element): void;
  onStreamEnd(): void;
  onError(condition: FramingErrorCondition, text: string): void;
}

export interface StreamFraming {
  write(chunk: Buffer | string): void;
  /** A new stream starts on the same transport (after STARTTLS or SASL, RFC 6120 §4.3.3). */
  restart(): void;
}

export function createStreamFraming(handlers: FramingHandlers, limits: FramingLimits = DEFAULT_LIMITS): StreamFraming {
  let parser: Parser;
  let decoder: StringDecoder;
  let depth = 0;
  let pendingBytes = 0;
  let failed = false;
  let carry = '';
  let seenRoot = false;

  const fail = (condition: FramingErrorCondition, text: string): void => {
    if (failed) return;
    failed = true;
    handlers.onError(condition, text);
  };

  function reset(): void {
    parser = new Parser();
    decoder = new StringDecoder('utf8');
    depth = 0;
    pendingBytes = 0;
    carry = '';
    seenRoot = false;
    // ltx reports tags as they open; we count depth on the raw parser to refuse deep nesting
    // before the tree is built.
    parser.parser.on('startElement', () => {
      depth += 1;
      if (depth - 1 > limits.maxDepth) fail('policy-violation', `XML nested deeper than ${limits.maxDepth}`);
    });
    parser.parser.on('endElement', () => {
      depth -= 1;
    });
    parser.on('start', (el: Element) => {
      seenRoot = true;
      handlers.onStreamStart({ ...(el.attrs as Record<string, string>) });
    });
    parser.on('element', (el: Element) => {
      if (!failed) handlers.onElement(el);
    });
    parser.on('end', () => {
      if (!failed) handlers.onStreamEnd();
    });
    parser.on('error', (e: Error) => fail('not-well-formed', e.message));
  }
  reset();

  /**
   * `<!` (comment, DTD, CDATA) and `<?` (PI) are refused; only the XML declaration before the
   * root is allowed. A `<` too close to the end of a chunk to decide is carried into the next one.
   */
  function restricted(text: string): string | undefined {
    const s = carry + text;
    carry = '';
    for (let i = s.indexOf('<'); i !== -1; i = s.indexOf('<', i + 1)) {
      const next = s[i + 1];
      if (next === undefined) {
        carry = s.slice(i);
        break;
      }
      if (next === '!') return 'comments, DTDs and CDATA are not allowed in XMPP (RFC 6120 §11.1)';
      if (next !== '?') continue;
      if (!seenRoot && s.length - i < 5) {
        carry = s.slice(i);
        break;
      }
      if (seenRoot || !s.startsWith('<?xml', i)) return 'processing instructions are not allowed in XMPP (RFC 6120 §11.1)';
    }
    return undefined;
  }

  return {
    write(chunk) {
      if (failed) return;
      const bytes = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
      const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
      const bad = restricted(text);
      if (bad) return fail('restricted-xml', bad);
      // Between stanzas (depth ≤ 1: inside the stream root only) the byte count starts afresh.
      if (depth <= 1) pendingBytes = 0;
      pendingBytes += bytes;
      try {
        parser.write(text);
      } catch (e: unknown) {
        return fail('not-well-formed', e instanceof Error ? e.message : String(e));
      }
      if (depth > 1 && pendingBytes > limits.maxStanzaBytes) {
        fail('policy-violation', `stanza larger than ${limits.maxStanzaBytes} bytes`);
      }
    },
    restart() {
      failed = false;
      reset();
    },
  };
}
