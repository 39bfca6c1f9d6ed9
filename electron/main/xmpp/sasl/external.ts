/**
 * EXTERNAL (RFC 4422 App. A) with the TLS client certificate, per XEP-0178. The authorization
 * identity is sent whenever we know the JID: a certificate may name several xmppAddrs (ours name
 * one per server) and XEP-0178 §3 requires it then. With none, the empty initial response is
 * sent as "=" (RFC 6120 §6.4.2), which the stream layer does for an empty buffer.
 */
import { SaslFailure, type SaslMechanism } from './mechanism';

export function createExternal(opts: { readonly authzid: string | undefined }): SaslMechanism {
  return {
    name: 'EXTERNAL',
    channelBinding: undefined,
    start: () => Buffer.from(opts.authzid ?? ''),
    challenge: (data) => {
      // Some servers send an empty challenge instead of using the initial response.
      if (data.length === 0) return Buffer.from(opts.authzid ?? '');
      throw new SaslFailure('unexpected EXTERNAL challenge');
    },
    success: () => {},
  };
}
