/**
 * PLAIN (RFC 4616). Only ever offered inside TLS — the session layer never reaches SASL
 * without it [UCR-A4] — and only where policy allows password mechanisms without SCRAM.
 */
import { SaslFailure, type SaslMechanism } from './mechanism';
import { saslprep } from './saslprep';

export function createPlain(opts: { readonly username: string; readonly password: string }): SaslMechanism {
  return {
    name: 'PLAIN',
    channelBinding: undefined,
    start: () => Buffer.from(`\0${saslprep(opts.username)}\0${saslprep(opts.password)}`),
    challenge: () => {
      throw new SaslFailure('PLAIN takes no challenge');
    },
    success: () => {},
  };
}
