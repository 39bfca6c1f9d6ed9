/**
 * The audit log's last line of defence [UCR-G3]: an event detail never carries a password, a
 * PIN, key material or a message body, even if a caller passes one by mistake. A field whose
 * name says it is a secret is refused (dropped, and its path recorded so the attempt shows),
 * binary values are refused, and a string that holds PEM key material is refused whatever its
 * field is called.
 */

export type AuditValue = string | number | boolean | null | readonly AuditValue[] | { readonly [k: string]: AuditValue };
export type AuditDetail = { readonly [k: string]: AuditValue };

/** Words that make a field name a secret (matched per camelCase / snake_case word). */
const SECRET_WORDS = new Set([
  'password',
  'passwd',
  'passphrase',
  'pwd',
  'pin',
  'puk',
  'secret',
  'private',
  'privkey',
  'key',
  'body',
  'xhtml',
  'html',
  'base64',
  'credential',
  'credentials',
  'cookie',
  'token',
  'otp',
  'p12',
  'pkcs12',
]);
const MAX_STRING = 2000;
const MAX_DEPTH = 4;
const KEY_MATERIAL = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----|-----BEGIN ENCRYPTED PRIVATE KEY-----/;

export function isSecretFieldName(name: string): boolean {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w.length > 0)
    .map((w) => w.toLowerCase());
  return words.some((w) => SECRET_WORDS.has(w)) || SECRET_WORDS.has(name.toLowerCase());
}

export interface Scrubbed {
  readonly detail: AuditDetail;
  /** JSON paths of what was refused ("detail.password"). */
  readonly refused: readonly string[];
}

export function scrubDetail(detail: unknown): Scrubbed {
  const refused: string[] = [];
  const walk = (v: unknown, at: string, depth: number): AuditValue | undefined => {
    if (v === null || typeof v === 'boolean') return v;
    if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
    if (typeof v === 'string') {
      if (KEY_MATERIAL.test(v)) {
        refused.push(at);
        return undefined;
      }
      return v.length > MAX_STRING ? `${v.slice(0, MAX_STRING)}…` : v;
    }
    if (depth >= MAX_DEPTH) return '[too deep]';
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${at}[${i}]`, depth + 1) ?? null);
    if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
      const out: Record<string, AuditValue> = {};
      for (const [k, x] of Object.entries(v)) {
        if (isSecretFieldName(k)) {
          refused.push(`${at}.${k}`);
          continue;
        }
        const w = walk(x, `${at}.${k}`, depth + 1);
        if (w !== undefined) out[k] = w;
      }
      return out;
    }
    if (v === undefined) return undefined;
    // Buffers, typed arrays, class instances, functions: could be anything, including a key.
    refused.push(at);
    return undefined;
  };
  const d = walk(detail ?? {}, 'detail', 0);
  return { detail: d && typeof d === 'object' && !Array.isArray(d) ? (d as AuditDetail) : {}, refused };
}
