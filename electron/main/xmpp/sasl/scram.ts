/**
 * SCRAM (RFC 5802) with SHA-1 and SHA-256 (RFC 7677), and the -PLUS variants binding the
 * exchange to the TLS channel (RFC 5929 tls-unique for TLS 1.2, RFC 9266 tls-exporter for 1.3).
 * The server's final signature is verified: SCRAM authenticates the server too.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { SaslFailure, type ChannelBindingType, type SaslMechanism } from './mechanism';
import { saslprep } from './saslprep';

export type ScramHash = 'sha1' | 'sha256';

export interface ScramOptions {
  readonly hash: ScramHash;
  readonly username: string;
  readonly password: string;
  /** Bind to the channel (the -PLUS mechanism). */
  readonly binding?: { readonly type: ChannelBindingType; readonly data: Buffer };
  /**
   * We could bind but the server offered no -PLUS mechanism: say so with the "y" flag, so a
   * server that does support binding detects a downgrade (RFC 5802 §6).
   */
  readonly clientSupportsBinding?: boolean;
  /** For test vectors only. */
  readonly clientNonce?: string;
  /** Refuse servers asking for fewer PBKDF2 iterations (RFC 7677 §4 recommends ≥ 4096). */
  readonly minIterations?: number;
}

const escapeName = (s: string): string => s.replace(/=/g, '=3D').replace(/,/g, '=2C');

function parseAttributes(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of text.split(',')) {
    const m = /^([A-Za-z])=(.*)$/s.exec(part);
    if (!m?.[1] || m[2] === undefined) throw new SaslFailure('malformed SCRAM message from the server');
    out.set(m[1], m[2]);
  }
  return out;
}

export function createScram(opts: ScramOptions): SaslMechanism {
  const { hash } = opts;
  const hmac = (key: Buffer, data: string | Buffer): Buffer => createHmac(hash, key).update(data).digest();
  const H = (data: Buffer): Buffer => createHash(hash).update(data).digest();
  const keyLen = hash === 'sha1' ? 20 : 32;
  const nonce = opts.clientNonce ?? randomBytes(24).toString('base64');
  const gs2Header = opts.binding ? `p=${opts.binding.type},,` : opts.clientSupportsBinding ? 'y,,' : 'n,,';
  const clientFirstBare = `n=${escapeName(saslprep(opts.username))},r=${nonce}`;
  let expectedServerSignature: Buffer | undefined;
  const name = `SCRAM-${hash === 'sha1' ? 'SHA-1' : 'SHA-256'}${opts.binding ? '-PLUS' : ''}` as SaslMechanism['name'];

  return {
    name,
    channelBinding: opts.binding?.type,
    start: () => Buffer.from(gs2Header + clientFirstBare),
    challenge(data) {
      if (expectedServerSignature) throw new SaslFailure('unexpected second SCRAM challenge');
      const serverFirst = data.toString('utf8');
      const attrs = parseAttributes(serverFirst);
      const serverNonce = attrs.get('r');
      const salt = attrs.get('s');
      const iterations = Number(attrs.get('i'));
      if (attrs.has('m')) throw new SaslFailure('server requires a SCRAM extension we do not support');
      if (!serverNonce?.startsWith(nonce) || serverNonce.length <= nonce.length) throw new SaslFailure('server nonce does not extend ours');
      if (!salt || !Number.isSafeInteger(iterations) || iterations < 1) throw new SaslFailure('malformed SCRAM server-first message');
      if (iterations < (opts.minIterations ?? 4096)) throw new SaslFailure(`server asks for only ${iterations} PBKDF2 iterations`);
      if (iterations > 10_000_000) throw new SaslFailure(`server asks for ${iterations} PBKDF2 iterations (refused: denial of service)`);
      const cbind = Buffer.concat([Buffer.from(gs2Header), opts.binding?.data ?? Buffer.alloc(0)]);
      const clientFinalWithoutProof = `c=${cbind.toString('base64')},r=${serverNonce}`;
      const salted = pbkdf2Sync(saslprep(opts.password), Buffer.from(salt, 'base64'), iterations, keyLen, hash);
      const clientKey = hmac(salted, 'Client Key');
      const authMessage = `${clientFirstBare},${serverFirst},${clientFinalWithoutProof}`;
      const clientSignature = hmac(H(clientKey), authMessage);
      const proof = Buffer.alloc(keyLen);
      for (let i = 0; i < keyLen; i++) proof[i] = (clientKey[i] ?? 0) ^ (clientSignature[i] ?? 0);
      expectedServerSignature = hmac(hmac(salted, 'Server Key'), authMessage);
      return Buffer.from(`${clientFinalWithoutProof},p=${proof.toString('base64')}`);
    },
    success(data) {
      if (!expectedServerSignature) throw new SaslFailure('server reported success before the SCRAM exchange finished');
      const attrs = parseAttributes((data ?? Buffer.alloc(0)).toString('utf8'));
      if (attrs.has('e')) throw new SaslFailure(`server error: ${attrs.get('e') ?? ''}`);
      const v = Buffer.from(attrs.get('v') ?? '', 'base64');
      if (v.length !== expectedServerSignature.length || !timingSafeEqual(v, expectedServerSignature)) {
        throw new SaslFailure('the server could not prove it knows the password (SCRAM server signature mismatch)');
      }
    },
  };
}
