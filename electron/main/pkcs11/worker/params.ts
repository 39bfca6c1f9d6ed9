// Checks the shape of what the main thread sent before it reaches the module: a malformed
// request becomes a 'bad-request' answer, never a native crash inside pkcs11js.
import type { SignAlgorithm } from '../../tls/engine';
import type { CardMethod, CardParams, SlotId } from '../protocol';
import { SIGN_MECHANISMS } from '../sign-mechanisms';
import { CardFault } from './fault';

type Obj = Record<string, unknown>;

const bad = (what: string): CardFault => new CardFault('bad-request', `bad request: ${what}`);

function obj(v: unknown): Obj {
  if (typeof v !== 'object' || v === null) throw bad('parameters must be an object');
  return v as Obj;
}
function str(o: Obj, k: string, pattern?: RegExp): string {
  const v = o[k];
  if (typeof v !== 'string' || (pattern && !pattern.test(v))) throw bad(`${k} must be a ${pattern ? 'well-formed ' : ''}string`);
  return v;
}
function bytes(o: Obj, k: string): Uint8Array {
  const v = o[k];
  if (!(v instanceof Uint8Array)) throw bad(`${k} must be bytes`);
  return v;
}
function num(o: Obj, k: string, optional = false): number | undefined {
  const v = o[k];
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw bad(`${k} must be a non-negative number`);
  return v;
}

const SLOT = /^\d{1,20}$/;
const KEY_ID = /^(?:[0-9a-f]{2}){1,64}$/;

const slot = (o: Obj): SlotId => str(o, 'slot', SLOT);

function algo(o: Obj): SignAlgorithm {
  const v = str(o, 'algo');
  if (!Object.hasOwn(SIGN_MECHANISMS, v)) throw bad(`unknown signature algorithm ${v}`);
  return v as SignAlgorithm;
}

type Parsers = { [M in CardMethod]: (p: Obj) => CardParams<M> };

const PARSERS: Parsers = {
  init: (p) => {
    const simulatedSignLatencyMs = num(p, 'simulatedSignLatencyMs', true);
    return {
      modulePath: str(p, 'modulePath'),
      pollIntervalMs: num(p, 'pollIntervalMs') ?? 500,
      ...(simulatedSignLatencyMs !== undefined ? { simulatedSignLatencyMs } : {}),
    };
  },
  listTokens: () => ({}),
  listCertificates: (p) => ({ slot: slot(p) }),
  login: (p) => ({ slot: slot(p), pin: bytes(p, 'pin') }),
  logout: (p) => ({ slot: slot(p) }),
  mechanisms: (p) => ({ slot: slot(p) }),
  sign: (p) => ({ slot: slot(p), keyId: str(p, 'keyId', KEY_ID), algo: algo(p), data: bytes(p, 'data') }),
  keyProtection: (p) => ({ slot: slot(p), keyId: str(p, 'keyId', KEY_ID) }),
  finalize: () => ({}),
};

export function isCardMethod(m: unknown): m is CardMethod {
  return typeof m === 'string' && Object.hasOwn(PARSERS, m);
}

export function parseParams<M extends CardMethod>(method: M, params: unknown): CardParams<M> {
  return PARSERS[method](obj(params));
}
