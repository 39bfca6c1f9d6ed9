/**
 * SASL client mechanisms (RFC 4422, RFC 6120 §6). Each is a small state machine over the raw
 * (already base64-decoded) challenge bytes; the stream layer does the XML and base64.
 */
export interface SaslStep {
  /** The response to send, or undefined for an empty response. */
  readonly response: Buffer | undefined;
}

export interface SaslMechanism {
  readonly name: MechanismName;
  /** The initial response, sent with `<auth/>` (RFC 6120 §6.4.2). */
  start(): Buffer | undefined;
  /** Answers a server challenge. Throws `SaslFailure` when the challenge is not acceptable. */
  challenge(data: Buffer): Buffer;
  /**
   * Checks the additional data of `<success/>`. For SCRAM this is where the server proves it
   * knows the password too (RFC 5802 §5): a server that cannot is refused.
   */
  success(data: Buffer | undefined): void;
  /** Whether this run of the mechanism bound the authentication to the TLS channel. */
  readonly channelBinding: ChannelBindingType | undefined;
}

export const MECHANISM_NAMES = [
  'SCRAM-SHA-256-PLUS',
  'SCRAM-SHA-1-PLUS',
  'SCRAM-SHA-256',
  'SCRAM-SHA-1',
  'PLAIN',
  'EXTERNAL',
] as const;
export type MechanismName = (typeof MECHANISM_NAMES)[number];

/** RFC 5929 tls-unique (TLS 1.2) and RFC 9266 tls-exporter (TLS 1.3). */
export type ChannelBindingType = 'tls-unique' | 'tls-exporter';

export class SaslFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SaslFailure';
  }
}
