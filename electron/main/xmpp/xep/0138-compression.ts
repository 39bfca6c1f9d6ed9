/**
 * XEP-0138 Stream Compression [UCR-G1: conditional, admin policy may switch it off], negotiated
 * by the session after authentication (§6: after TLS and SASL) and only when
 * SessionPolicy.compression is 'allowed'. It is 'off' by default: compression under TLS lets an
 * observer of ciphertext sizes recover secrets that share a compression context with data an
 * attacker can inject (CRIME, BREACH; RFC 7457 §2.6, RFC 7525 §3.3). When it is off and the
 * server offers it, the security report says so.
 *
 * ZLIB (RFC 1950) is the only method (mandatory to implement, §8); the byte work is in
 * ../stream/zlib-pipe.ts.
 */
import type { Element } from '@xmpp/xml';
import { assertNever } from '../../../../shared/util/assert-never';
import type { BytePipe } from '../stream/pipe';
import { NS_STREAM, type XmlStream } from '../stream/xml-stream';
import { zlibPipe, type ZlibLimits, type ZlibPipe } from '../stream/zlib-pipe';

export const NS_COMPRESS_FEATURE = 'http://jabber.org/features/compress';
export const NS_COMPRESS = 'http://jabber.org/protocol/compress';

export type CompressionPolicy = 'off' | 'allowed';

export type CompressionOutcome =
  | { readonly kind: 'not-offered' }
  | { readonly kind: 'off-by-policy'; readonly methods: readonly string[] }
  | { readonly kind: 'no-common-method'; readonly methods: readonly string[] }
  /** Not attempted for another reason (a resumed XEP-0198 session: the server may already be resending). */
  | { readonly kind: 'skipped'; readonly reason: string }
  /** The server answered `<failure/>` (§5): not fatal, the session goes on uncompressed. */
  | { readonly kind: 'refused'; readonly condition: string }
  | { readonly kind: 'negotiated'; readonly method: 'zlib'; readonly features: Element; readonly pipe: ZlibPipe };

/** The methods a `<compression/>` stream feature offers, in the server's order of preference. */
export function offeredCompressionMethods(features: Element | undefined): readonly string[] {
  const offer = features?.getChild('compression', NS_COMPRESS_FEATURE);
  return (offer?.getChildren('method') ?? []).map((m) => m.getText().trim()).filter((m) => m !== '');
}

export interface CompressionInput {
  readonly stream: XmlStream;
  /** The stream features after authentication. */
  readonly features: Element;
  readonly policy: CompressionPolicy;
  /** The pipe the stream runs on now (TLS); compression wraps it. */
  readonly pipe: BytePipe;
  /** The header of the new, compressed stream (§5: both sides start a fresh stream). */
  readonly header: string;
  readonly timeoutMs: number;
  readonly limits?: ZlibLimits;
}

/**
 * Negotiates compression when policy and the offer allow it. Resolves with what happened;
 * rejects (StreamClosed or Error) only when the stream itself broke, which ends the session.
 */
export async function negotiateCompression(input: CompressionInput): Promise<CompressionOutcome> {
  const { stream } = input;
  const methods = offeredCompressionMethods(input.features);
  if (methods.length === 0) return { kind: 'not-offered' };
  // Anything but an explicit 'allowed' (a malformed policy file, say) keeps it off.
  if (input.policy !== 'allowed') return { kind: 'off-by-policy', methods };
  // §5: a client that understands none of the methods proceeds as if none were offered.
  if (!methods.includes('zlib')) return { kind: 'no-common-method', methods };

  stream.send(`<compress xmlns='${NS_COMPRESS}'><method>zlib</method></compress>`);
  const answer = await stream.next(input.timeoutMs);
  if (answer.is('failure', NS_COMPRESS)) {
    const condition = answer.children.find((c): c is Element => typeof c !== 'string')?.name ?? 'undefined-condition';
    return { kind: 'refused', condition };
  }
  if (!answer.is('compressed', NS_COMPRESS)) throw new Error(`unexpected <${answer.name}/> while negotiating stream compression`);

  // From here both directions are compressed; like STARTTLS, nothing may already be queued.
  stream.detach();
  if (stream.pending() > 0) throw new Error('the server sent data after <compressed/> before the compressed stream');
  const pipe = zlibPipe(input.pipe, { ...(input.limits ? { limits: input.limits } : {}), onViolation: (condition, text) => stream.fail(condition, text) });
  stream.restart(input.header, pipe);
  const features = await stream.next(input.timeoutMs);
  if (!features.is('features', NS_STREAM)) throw new Error(`expected stream features on the compressed stream, got <${features.name}/>`);
  return { kind: 'negotiated', method: 'zlib', features, pipe };
}

/** The security-report note for an outcome (undefined when there is nothing to say). */
export function describeCompression(o: CompressionOutcome): string | undefined {
  switch (o.kind) {
    case 'not-offered':
      return undefined;
    case 'off-by-policy':
      return `the server offers stream compression (XEP-0138: ${o.methods.join(', ')}); not negotiated because policy has it off (compression under TLS can leak content, CRIME/BREACH)`;
    case 'no-common-method':
      return `the server offers stream compression only with ${o.methods.join(', ')}; zlib is the one method supported, so the stream is not compressed`;
    case 'skipped':
      return `stream compression not negotiated: ${o.reason}`;
    case 'refused':
      return `the server refused stream compression (${o.condition}); the session continues uncompressed`;
    case 'negotiated':
      return 'stream compression (XEP-0138, zlib) is in use because policy allows it; compressed traffic under TLS can leak content (CRIME/BREACH)';
    default:
      return assertNever(o, 'compression outcome');
  }
}
