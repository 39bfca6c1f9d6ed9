/**
 * Turns what the user chose in the login dialog into what the session core needs: a password,
 * a CAC identity (PIN checked on the card, key stays on the card) [UCR-T5], or a PKCS#12
 * identity (key in native memory only) [UCR-T6]. Everything that can be refused is refused
 * here, before any network use, with a message the user can act on.
 */
import { X509Certificate } from 'node:crypto';
import type { AuthInput } from '../../../shared/ipc';
import { CommandFailure } from '../ipc/handlers';
import { cardIdentity, CardError } from '../pkcs11';
import { loadPkcs12, maxTlsVersionFor, type TlsVersion } from '../tls/engine';
import type { SessionAuth } from '../xmpp/session/establish';
import type { CardManager } from './card-manager';

export interface Credentials {
  readonly auth: SessionAuth;
  /** The highest TLS version this identity can authenticate under (RSA card without PSS: 1.2). */
  readonly maxTlsVersion: TlsVersion | undefined;
  readonly notes: readonly string[];
  /** The card slot the session depends on (removal ends the session). */
  readonly slot: string | undefined;
  /** Frees what was loaded: the PKCS#12 key, the card login (C_Logout). */
  dispose(): void;
}

const cardFailure = (e: unknown): never => {
  if (e instanceof CommandFailure) throw e;
  throw new CommandFailure('card-unavailable', e instanceof CardError || e instanceof Error ? e.message : String(e));
};

export async function prepareCredentials(auth: AuthInput, cards: CardManager): Promise<Credentials> {
  switch (auth.kind) {
    case 'password':
      return { auth: { kind: 'password', password: auth.password }, maxTlsVersion: undefined, notes: [], slot: undefined, dispose: () => {} };
    case 'card': {
      const service = await cards.service().catch(cardFailure);
      const certs = await service.listCertificates(auth.slot).catch(cardFailure);
      const cert = certs.find((c) => c.id === auth.certificateId);
      if (!cert) throw new CommandFailure('card-unavailable', 'that certificate is no longer on the card');
      // Refused before the PIN is even tried, so a bad certificate costs no PIN attempt.
      if (!cert.usableForTls) throw new CommandFailure('card-unavailable', `this certificate cannot be used to log in: ${cert.reason ?? 'unknown reason'}`);
      const pin = Buffer.from(auth.pin, 'utf8');
      const login = await service.login(auth.slot, pin).catch(cardFailure); // wipes `pin`
      if (!login.ok) {
        const tries = login.triesHint === 'final-try' ? ' One try is left: another wrong PIN locks the card.' : login.triesHint === 'low' ? ' Only a few tries are left.' : '';
        throw new CommandFailure(login.code === 'token-removed' ? 'card-unavailable' : 'pin-rejected', `${login.message}${tries}`);
      }
      const id = await cardIdentity(service, auth.slot, cert).catch(cardFailure);
      const identity = { chainDer: id.chainDer, keyType: id.keyType, bits: id.bits, signAlgos: id.signAlgos, ecdsaSignatureFormat: id.ecdsaSignatureFormat, sign: id.signAsync };
      const max = maxTlsVersionFor(identity);
      return {
        auth: { kind: 'certificate', identity },
        maxTlsVersion: max,
        notes: max === '1.2' ? ['the card has no RSA-PSS, which TLS 1.3 requires: TLS 1.2 was chosen for this session'] : [],
        slot: auth.slot,
        // Signing out (or a failed attempt) logs the card out: it must not stay unlocked for
        // the next user of the workstation. While connected it stays logged in, so a reconnect
        // signs without asking for the PIN again.
        dispose: () => void service.logout(auth.slot).catch(() => undefined),
      };
    }
    case 'pkcs12': {
      const loaded = loadPkcs12(Buffer.from(auth.fileBase64, 'base64'), auth.password);
      if (!loaded.ok) {
        const why =
          loaded.error.code === 'pkcs12-bad-password' ? 'the password for the certificate file is wrong' : `the certificate file cannot be used: ${loaded.error.message}`;
        throw new CommandFailure('invalid-argument', why);
      }
      const identity = loaded.value;
      const leaf = identity.chainDer[0] ? new X509Certificate(identity.chainDer[0]) : undefined;
      const now = Date.now();
      if (leaf && (Date.parse(leaf.validTo) < now || Date.parse(leaf.validFrom) > now)) {
        identity.dispose();
        throw new CommandFailure('invalid-argument', `the certificate in the file is not valid now (valid ${leaf.validFrom} – ${leaf.validTo})`);
      }
      return { auth: { kind: 'certificate', identity }, maxTlsVersion: maxTlsVersionFor(identity), notes: [], slot: undefined, dispose: () => identity.dispose() };
    }
  }
}
