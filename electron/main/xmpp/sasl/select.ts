/**
 * Picks the SASL mechanism: the first of the policy's allowed list (strongest first) that the
 * server offers and our credentials can do. Channel binding is used whenever both sides can.
 */
import { createExternal } from './external';
import { MECHANISM_NAMES, type ChannelBindingType, type MechanismName, type SaslMechanism } from './mechanism';
import { createPlain } from './plain';
import { createScram } from './scram';

export type SaslCredentials =
  | { readonly kind: 'password'; readonly username: string; readonly password: string }
  | { readonly kind: 'certificate'; readonly authzid: string | undefined };

export interface ChannelBindingData {
  readonly tlsExporter?: Buffer;
  readonly tlsUnique?: Buffer;
}

export interface SelectInput {
  readonly offered: readonly string[];
  /** Policy order, strongest first; defaults to every mechanism we implement. */
  readonly allowed?: readonly MechanismName[];
  readonly credentials: SaslCredentials;
  readonly binding: ChannelBindingData;
  /** XEP-0440 advertised channel-binding types, when the server lists them. */
  readonly serverBindingTypes?: readonly string[];
}

export type Selection = { readonly ok: true; readonly mechanism: SaslMechanism } | { readonly ok: false; readonly reason: string };

/**
 * The binding to use, if any. tls-unique (RFC 5929, TLS 1.2) is SCRAM's default type and needs
 * no announcement. tls-exporter (RFC 9266, TLS 1.3) is used only when the server lists it
 * (XEP-0440): servers that predate RFC 9266 (ejabberd 23.01) offer -PLUS under TLS 1.3 but
 * reject tls-exporter, and a failed authentication may not be retried [UCR-A2].
 */
function bindingFor(input: SelectInput): { type: ChannelBindingType; data: Buffer } | undefined {
  const { tlsExporter, tlsUnique } = input.binding;
  const listed = input.serverBindingTypes;
  if (tlsExporter && listed?.includes('tls-exporter')) return { type: 'tls-exporter', data: tlsExporter };
  if (tlsUnique && (!listed || listed.includes('tls-unique'))) return { type: 'tls-unique', data: tlsUnique };
  return undefined;
}

export function selectMechanism(input: SelectInput): Selection {
  const allowed = input.allowed ?? MECHANISM_NAMES;
  const offered = new Set(input.offered.map((m) => m.toUpperCase()));
  const binding = bindingFor(input);
  const serverOffersPlus = [...offered].some((m) => m.endsWith('-PLUS'));
  const { credentials } = input;

  for (const name of allowed) {
    if (!offered.has(name)) continue;
    if (credentials.kind === 'certificate') {
      if (name === 'EXTERNAL') return { ok: true, mechanism: createExternal({ authzid: credentials.authzid }) };
      continue;
    }
    switch (name) {
      case 'SCRAM-SHA-256-PLUS':
      case 'SCRAM-SHA-1-PLUS':
        if (!binding) continue;
        return { ok: true, mechanism: createScram({ ...credentials, hash: name.startsWith('SCRAM-SHA-256') ? 'sha256' : 'sha1', binding }) };
      case 'SCRAM-SHA-256':
      case 'SCRAM-SHA-1':
        return {
          ok: true,
          mechanism: createScram({
            ...credentials,
            hash: name === 'SCRAM-SHA-256' ? 'sha256' : 'sha1',
            // "y": we can bind, the server offered no -PLUS: lets it detect a stripped offer.
            clientSupportsBinding: binding !== undefined && !serverOffersPlus,
          }),
        };
      case 'PLAIN':
        return { ok: true, mechanism: createPlain(credentials) };
      case 'EXTERNAL':
        continue;
    }
  }
  const what = credentials.kind === 'certificate' ? 'certificate (EXTERNAL)' : 'password';
  return {
    ok: false,
    reason: `no allowed SASL mechanism for ${what} authentication: server offers ${[...offered].join(', ') || 'none'}; policy allows ${allowed.join(', ')}`,
  };
}
