// Builds the TLS engine's client identity from a certificate on the card: the chain comes from
// the token, the signatures from the token's key through the card worker, the schemes from the
// token's real mechanisms. The private key never leaves the card; only signatures do.
//
// The engine's ClientIdentity.sign() is synchronous today (electron/main/tls/engine.ts), and a
// card signature is a round trip to another thread, so this identity offers signAsync() and is
// deliberately NOT assignable to ClientIdentity until the engine awaits it (README.md says what
// the engine must change). Blocking the main thread on Atomics.wait instead is not an option.
import { X509Certificate } from 'node:crypto';
import type { ClientIdentity, SignAlgorithm } from '../tls/engine';
import type { CardCertificate } from './certificate';
import { CardError } from './errors';
import type { SlotId } from './protocol';
import type { CardService } from './service';
import { signAlgosFor } from './sign-mechanisms';
import type { XmppIdentity } from './xmpp-identity';

export interface CardClientIdentity extends Omit<ClientIdentity, 'sign' | 'ecdsaSignatureFormat'> {
  keyType: 'rsa' | 'ec';
  /** CKM_ECDSA gives raw r||s; the engine converts it to DER for GnuTLS. */
  ecdsaSignatureFormat: 'raw';
  /** Same contract as ClientIdentity.sign (hash / DigestInfo in), answered by the card. */
  signAsync(algo: SignAlgorithm, data: Buffer): Promise<Buffer>;
  slot: SlotId;
  keyId: string;
  certificate: CardCertificate;
  xmppIdentity: XmppIdentity | null;
}

/** Intermediate CA certificates from the same token that lead from the leaf towards its root. */
function chainFromToken(leaf: CardCertificate, all: readonly CardCertificate[]): Buffer[] {
  const chain = [leaf.der];
  let current = new X509Certificate(leaf.der);
  for (let depth = 0; depth < 4; depth++) {
    const parent = all.find((c) => c.isCa && !chain.some((d) => d.equals(c.der)) && current.checkIssued(new X509Certificate(c.der)));
    if (!parent) break;
    const pc = new X509Certificate(parent.der);
    if (pc.checkIssued(pc)) break; // a self-signed root: the server has it (or must not trust us)
    chain.push(parent.der);
    current = pc;
  }
  return chain;
}

/**
 * Refuses, before any network use, a certificate that cannot authenticate (with the reason),
 * a key that is not on the card (or not visible: log in first), and a card that has no
 * signature mechanism for the key.
 */
export async function cardIdentity(service: CardService, slot: SlotId, cert: CardCertificate | string): Promise<CardClientIdentity> {
  const keyId = (typeof cert === 'string' ? cert : cert.id).toLowerCase();
  // Listed again: after login the private keys are visible, and the card may have changed.
  const all = await service.listCertificates(slot);
  const leaf = all.find((c) => c.id === keyId && !c.isCa);
  if (!leaf) throw new CardError('key-not-found', `no certificate with CKA_ID ${keyId} on the card in slot ${slot}`);
  if (!leaf.usableForTls) throw new CardError('certificate-unusable', `certificate "${leaf.subject}" cannot be used for login: ${leaf.reason ?? 'unknown reason'}`);
  if (leaf.privateKey === 'unchecked') throw new CardError('not-logged-in', 'log in to the card first: its private keys are hidden until then');
  if (leaf.keyType === 'unsupported') throw new CardError('certificate-unusable', 'unsupported key type');
  const keyType = leaf.keyType;

  const signAlgos = signAlgosFor(keyType, leaf.bits, await service.mechanisms(slot));
  if (signAlgos.length === 0) {
    throw new CardError('mechanism-unsupported', `the card offers no signature mechanism usable for TLS with this ${keyType.toUpperCase()} key`);
  }
  return {
    chainDer: chainFromToken(leaf, all),
    keyType,
    bits: leaf.bits,
    signAlgos,
    ecdsaSignatureFormat: 'raw',
    slot,
    keyId,
    certificate: leaf,
    xmppIdentity: leaf.xmppIdentity,
    signAsync(algo, data) {
      if (!signAlgos.includes(algo)) {
        return Promise.reject(new CardError('mechanism-unsupported', `${algo} was not offered for this card key`));
      }
      return service.sign(slot, keyId, algo, data);
    },
  };
}
