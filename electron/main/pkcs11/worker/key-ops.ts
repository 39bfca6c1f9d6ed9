// What the worker does with a private key handle: sign with the mechanism the TLS scheme needs,
// and report how the card protects the key. The key itself is never read.
import pkcs11js from 'pkcs11js';
import type { SignAlgorithm } from '../../tls/engine';
import type { KeyProtection } from '../protocol';
import { SIGN_MECHANISMS } from '../sign-mechanisms';
import { CardFault, ckrOf } from './fault';
import { readBool, readUlong } from './objects';

type Handle = Buffer;

const MAX_SIGNATURE = 1024; // RSA-8192 or EC P-521 fit; C_Sign returns the real length

const UNSUPPORTED = new Set(['CKR_MECHANISM_INVALID', 'CKR_MECHANISM_PARAM_INVALID', 'CKR_KEY_FUNCTION_NOT_PERMITTED', 'CKR_KEY_TYPE_INCONSISTENT']);

/** `data` was checked by checkSignInput (hash length / DigestInfo) before it got here. */
export function signWithKey(
  p11: pkcs11js.PKCS11,
  session: Handle,
  key: Handle,
  keyId: string,
  algo: SignAlgorithm,
  data: Uint8Array,
  simulatedLatencyMs: number,
): Buffer {
  const m = SIGN_MECHANISMS[algo];
  const wanted = m.keyType === 'rsa' ? pkcs11js.CKK_RSA : pkcs11js.CKK_EC;
  if (readUlong(p11, session, key, pkcs11js.CKA_KEY_TYPE) !== wanted) {
    throw new CardFault('bad-request', `${algo} needs an ${m.keyType.toUpperCase()} key; key ${keyId} is not one`);
  }
  // Such a key wants C_Login(CKU_CONTEXT_SPECIFIC) with the PIN right before each signature,
  // and the PIN is never kept after login.
  if (readBool(p11, session, key, pkcs11js.CKA_ALWAYS_AUTHENTICATE)) {
    throw new CardFault('key-needs-pin-per-signature', `key ${keyId} wants the PIN for every signature; the PIN is never kept`);
  }
  const pss: pkcs11js.RsaPSS | undefined = m.pss && { type: pkcs11js.CK_PARAMS_RSA_PSS, ...m.pss };
  const mechanism: pkcs11js.Mechanism = pss ? { mechanism: m.mechanism, parameter: pss } : { mechanism: m.mechanism };
  try {
    p11.C_SignInit(session, mechanism, key);
  } catch (err) {
    const ckr = ckrOf(err);
    if (ckr && UNSUPPORTED.has(ckr)) throw new CardFault('mechanism-unsupported', `the card cannot sign ${algo} with key ${keyId}`, ckr);
    throw err;
  }
  if (simulatedLatencyMs > 0) busyWait(simulatedLatencyMs);
  // A Buffer of our own: what came over postMessage is a plain Uint8Array.
  return p11.C_Sign(session, Buffer.from(data), Buffer.alloc(MAX_SIGNATURE));
}

/**
 * The key's protection flags, and the card's answer when asked for the secret parts on purpose:
 * CKA_VALUE (EC; not even defined for RSA) and the RSA private exponent and primes.
 */
export function inspectKeyProtection(p11: pkcs11js.PKCS11, session: Handle, key: Handle): KeyProtection {
  const isRsa = readUlong(p11, session, key, pkcs11js.CKA_KEY_TYPE) === pkcs11js.CKK_RSA;
  const asked: Array<[string, number]> = [['CKA_VALUE', pkcs11js.CKA_VALUE]];
  if (isRsa) {
    asked.push(['CKA_PRIVATE_EXPONENT', pkcs11js.CKA_PRIVATE_EXPONENT], ['CKA_PRIME_1', pkcs11js.CKA_PRIME_1], ['CKA_PRIME_2', pkcs11js.CKA_PRIME_2]);
  }
  const secrets = asked.map(([attribute, type]) => {
    try {
      const v = p11.C_GetAttributeValue(session, key, [{ type }])[0]?.value;
      const readable = v !== undefined && v.length > 0;
      v?.fill(0); // if a card ever answered, the secret stops here and is never sent
      return { attribute, readable };
    } catch (err) {
      const refusedWith = ckrOf(err);
      if (!refusedWith) throw err;
      return { attribute, readable: false, refusedWith };
    }
  });
  return {
    extractable: readBool(p11, session, key, pkcs11js.CKA_EXTRACTABLE) ?? false,
    sensitive: readBool(p11, session, key, pkcs11js.CKA_SENSITIVE) ?? false,
    neverExtractable: readBool(p11, session, key, pkcs11js.CKA_NEVER_EXTRACTABLE) ?? false,
    alwaysSensitive: readBool(p11, session, key, pkcs11js.CKA_ALWAYS_SENSITIVE) ?? false,
    secrets,
  };
}

function busyWait(ms: number): void {
  // Tests only (simulatedSignLatencyMs): blocks the card worker's thread the way a slow card's
  // C_Sign does. Never runs on the main thread.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
