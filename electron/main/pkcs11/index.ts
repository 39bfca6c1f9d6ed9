// The smart-card (CAC/PIV) layer: PKCS#11 through one worker thread. See README.md.
export { cardIdentity, type CardClientIdentity } from './card-identity';
export { describeCertificate, MIN_RSA_BITS, type CardCertificate } from './certificate';
export type { WorkerFactory } from './client';
export { CardError } from './errors';
export { checkClientAuth, type ClientAuthCheck } from './key-usage';
export { loginFailureMessage } from './login-result';
export { defaultModuleCandidates, ModulePathError, resolveModulePath, type ResolvedModule } from './module-paths';
export type * from './protocol';
export {
  BUNDLED_WORKER_FILE,
  bundledWorkerFactory,
  createCardService,
  type CardService,
  type CardServiceOptions,
  type Disposer,
  type TokenInsertedEvent,
  type TokenRemovedEvent,
} from './service';
export { signAlgosFor } from './sign-mechanisms';
export { jidForDomain, xmppIdentityOf, type XmppIdentity, type XmppIdentitySource } from './xmpp-identity';
