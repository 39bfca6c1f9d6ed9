import { describe, expect, it, vi } from 'vitest';
import type { EventName, EventPayload } from '../../../shared/ipc';
import { createEventHub } from '../ipc/events';
import { CommandFailure } from '../ipc/handlers';
import type { KnownCertificate } from '../xmpp/session/certificate-memory';
import type { EstablishOptions } from '../xmpp/session/establish';
import { SessionFailure } from '../xmpp/session/failure';
import { createCardManager } from './card-manager';
import { createSessionManager, type SessionEnvironment } from './session-manager';
import { testSessionEnvironment } from './testing/session-env';

const PW = { kind: 'password', password: 'pw' } as const;
const noCards = (events: ReturnType<typeof createEventHub>) => createCardManager({ modulePaths: ['/nonexistent/pkcs11.so'], worker: {} }, events);
const cert = (k: string): KnownCertificate => ({ spkiSha256: k, issuer: `CN=${k}`, issuerSpkiSha256: k, leafSha256: k, firstSeen: 't', lastSeen: 't' });

function setup(establish: SessionEnvironment['establish']) {
  const events = createEventHub({ validate: true });
  const seen: [EventName, unknown][] = [];
  events.subscribe(<K extends EventName>(name: K, payload: EventPayload<K>) => void seen.push([name, payload]));
  const env: SessionEnvironment = testSessionEnvironment({
    loadTrustAnchors: () => Promise.resolve('-----BEGIN CERTIFICATE-----'),
    ...(establish ? { establish } : {}),
  });
  return { manager: createSessionManager(env, events, noCards(events)), seen };
}

describe('session manager', () => {
  it('[R7590-HF4] puts a certificate change to the user and waits for the decision', async () => {
    const establish = vi.fn(async (o: EstablishOptions) => {
      const decision = await o.onCertificateChange?.({ account: 'a@x.test', previous: cert('old'), presented: cert('new') });
      const message = `decided ${decision}`;
      throw new SessionFailure('certificate-change', message, {
        account: 'a@x.test',
        startedAt: 't',
        outcome: 'failed',
        failure: { stage: 'certificate-change', message },
        notes: [],
      });
    });
    const { manager, seen } = setup(establish);
    const connecting = manager.connect('a@x.test', PW).catch((e: unknown) => e);
    await vi.waitFor(() => expect(seen.some(([n]) => n === 'didDetectCertificateChange')).toBe(true));
    const question = seen.find(([n]) => n === 'didDetectCertificateChange')?.[1] as { requestId: string };
    expect(() => manager.decide('not-the-id', 'accept-once')).toThrow(CommandFailure);
    manager.decide(question.requestId, 'reject');
    const err = await connecting;
    expect(err).toBeInstanceOf(CommandFailure);
    expect((err as CommandFailure).message).toBe('decided reject');
    expect(seen.map(([n, p]) => (n === 'didChangeConnectionState' ? (p as { state: string }).state : n))).toEqual([
      'connecting',
      'awaiting-certificate-decision',
      'didDetectCertificateChange',
      'didUpdateSecurityReport',
      'failed',
    ]);
    expect(manager.report()?.failure?.stage).toBe('certificate-change');
  });

  it('refuses a second connect while one is running, and says why when trust anchors are missing', async () => {
    let release: () => void = () => {};
    const { manager } = setup(() => new Promise((_r, reject) => (release = () => reject(new Error('x')))));
    const first = manager.connect('a@x.test', PW).catch(() => undefined);
    await expect(manager.connect('a@x.test', PW)).rejects.toThrow(/already running/);
    release();
    await first;
    const events = createEventHub({ validate: true });
    const noAnchors = createSessionManager(
      testSessionEnvironment({ loadTrustAnchors: () => Promise.reject(new Error('cannot read /etc/bastion/trust-anchors.pem')) }),
      events,
      noCards(events),
    );
    await expect(noAnchors.connect('a@x.test', PW)).rejects.toThrow(/no trust anchors are configured: cannot read/);
  });
});
