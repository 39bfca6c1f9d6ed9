// Test-only: a ClientIdentity signer backed by a software key through node:crypto, signing what
// the engine passes (a hash or a DigestInfo) the way a PKCS#11 token would:
//   RSA-PKCS1-*   privateEncrypt with PKCS#1 v1.5 padding over the DigestInfo  (CKM_RSA_PKCS)
//   RSA-PSS-*     EMSA-PSS encoding (RFC 8017 §9.1.1) + raw RSA                 (CKM_RSA_PKCS_PSS)
//   ECDSA-*       ECDSA over the given hash, raw r||s out                        (CKM_ECDSA)
// node:crypto has no "sign this prehash" call for ECDSA, so ECDSA is done here with BigInt
// arithmetic on the key's scalar: fine for tests, NOT constant-time, never for production keys.
import crypto from 'node:crypto';
import type { SignAlgorithm } from '../addon';

const HASH_OF: Record<SignAlgorithm, 'sha256' | 'sha384' | 'sha512'> = {
  'RSA-PSS-RSAE-SHA256': 'sha256',
  'RSA-PSS-RSAE-SHA384': 'sha384',
  'RSA-PSS-RSAE-SHA512': 'sha512',
  'RSA-PKCS1-SHA256': 'sha256',
  'RSA-PKCS1-SHA384': 'sha384',
  'RSA-PKCS1-SHA512': 'sha512',
  'ECDSA-SECP256R1-SHA256': 'sha256',
  'ECDSA-SECP384R1-SHA384': 'sha384',
};

function mgf1(seed: Buffer, len: number, hash: string): Buffer {
  const out: Buffer[] = [];
  for (let c = 0; out.length * seed.length < len; c++) {
    const ctr = Buffer.alloc(4);
    ctr.writeUInt32BE(c);
    out.push(crypto.createHash(hash).update(seed).update(ctr).digest());
  }
  return Buffer.concat(out).subarray(0, len);
}

/** EMSA-PSS-ENCODE with salt length = hash length. */
export function emsaPssEncode(mHash: Buffer, modBits: number, hash: string): Buffer {
  const hLen = mHash.length;
  const emBits = modBits - 1;
  const emLen = Math.ceil(emBits / 8);
  const salt = crypto.randomBytes(hLen);
  const h = crypto.createHash(hash).update(Buffer.alloc(8)).update(mHash).update(salt).digest();
  const db = Buffer.concat([Buffer.alloc(emLen - 2 * hLen - 2), Buffer.from([1]), salt]);
  const mask = mgf1(h, emLen - hLen - 1, hash);
  for (let i = 0; i < db.length; i++) db[i] = (db[i] ?? 0) ^ (mask[i] ?? 0);
  db[0] = (db[0] ?? 0) & (0xff >> (8 * emLen - emBits));
  return Buffer.concat([db, h, Buffer.from([0xbc])]);
}

// ---- P-256 ECDSA over a prehash (affine coordinates, test use only)
const P256 = {
  p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
  a: 0xffffffff00000001000000000000000000000000fffffffffffffffffffffffcn,
  n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  gx: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
  gy: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
};
type Pt = { x: bigint; y: bigint } | null;
const mod = (a: bigint, m: bigint) => ((a % m) + m) % m;
function inv(a: bigint, m: bigint): bigint {
  let [r0, r1, s0, s1] = [mod(a, m), m, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return mod(s0, m);
}
function add(P: Pt, Q: Pt): Pt {
  const { p, a } = P256;
  if (!P) return Q;
  if (!Q) return P;
  if (P.x === Q.x && mod(P.y + Q.y, p) === 0n) return null;
  const l = P.x === Q.x ? mod((3n * P.x * P.x + a) * inv(2n * P.y, p), p) : mod((Q.y - P.y) * inv(Q.x - P.x, p), p);
  const x = mod(l * l - P.x - Q.x, p);
  return { x, y: mod(l * (P.x - x) - P.y, p) };
}
function mul(k: bigint, P: Pt): Pt {
  let R: Pt = null;
  for (let Q = P; k > 0n; k >>= 1n, Q = add(Q, Q)) if (k & 1n) R = add(R, Q);
  return R;
}
const toBig = (b: Uint8Array) => BigInt(`0x${Buffer.from(b).toString('hex') || '0'}`);
const toBuf = (v: bigint, len: number) => Buffer.from(v.toString(16).padStart(len * 2, '0'), 'hex');

export function ecdsaP256SignPrehash(hash: Buffer, key: crypto.KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.crv !== 'P-256' || !jwk.d) throw new Error('test signer: P-256 private key expected');
  const d = toBig(Buffer.from(jwk.d, 'base64url'));
  const { n, gx, gy } = P256;
  const e = toBig(hash.subarray(0, 32));
  for (;;) {
    const k = mod(toBig(crypto.randomBytes(40)), n - 1n) + 1n;
    const R = mul(k, { x: gx, y: gy });
    if (!R) continue;
    const r = mod(R.x, n);
    const s = mod(inv(k, n) * (e + r * d), n);
    if (r !== 0n && s !== 0n) return Buffer.concat([toBuf(r, 32), toBuf(s, 32)]);
  }
}

export interface SoftSignerLog {
  calls: { algo: SignAlgorithm; dataLength: number }[];
}

/** sign(algo, data) for a PEM private key; records each call in `log`. */
export function softwareSigner(keyPem: string, log: SoftSignerLog = { calls: [] }) {
  const key = crypto.createPrivateKey(keyPem);
  const details = key.asymmetricKeyDetails ?? {};
  return (algo: SignAlgorithm, data: Buffer): Buffer => {
    log.calls.push({ algo, dataLength: data.length });
    if (algo.startsWith('RSA-PKCS1-')) {
      return crypto.privateEncrypt({ key, padding: crypto.constants.RSA_PKCS1_PADDING }, data);
    }
    if (algo.startsWith('RSA-PSS-')) {
      const em = emsaPssEncode(data, details.modulusLength ?? 2048, HASH_OF[algo]);
      const k = Math.ceil((details.modulusLength ?? 2048) / 8);
      return crypto.privateEncrypt({ key, padding: crypto.constants.RSA_NO_PADDING }, Buffer.concat([Buffer.alloc(k - em.length), em]));
    }
    return ecdsaP256SignPrehash(data, key);
  };
}
