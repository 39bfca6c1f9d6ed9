// A SessionEnvironment for unit tests of the core: no trust anchors unless given, a card module
// that does not exist, certificates remembered in memory, the store in memory.
import { createStorage } from '../../store/storage';
import { createMemoryCertificateMemory } from '../../xmpp/session/certificate-memory';
import { DEFAULT_SESSION_POLICY } from '../../xmpp/session/policy';
import type { SessionEnvironment } from '../session-manager';

export function testSessionEnvironment(overrides: Partial<SessionEnvironment> = {}): SessionEnvironment {
  return {
    loadTrustAnchors: () => Promise.reject(new Error('no trust anchors in this test')),
    policy: DEFAULT_SESSION_POLICY,
    certificateMemory: createMemoryCertificateMemory(),
    cards: { modulePaths: ['/nonexistent/pkcs11.so'], worker: {} },
    onCardRemoval: 'terminate',
    storage: createStorage({ dir: '', keys: undefined }),
    history: { enabled: true },
    ...overrides,
  };
}
