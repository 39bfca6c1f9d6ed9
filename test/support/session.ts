// Small helpers shared by the session tests.
import type { EstablishedSession } from '../../electron/main/xmpp/session/establish';
import { SessionFailure } from '../../electron/main/xmpp/session/failure';

/** Resolves with the SessionFailure a session attempt ends in; an established session is closed and fails the test. */
export async function expectSessionFailure(p: Promise<EstablishedSession>): Promise<SessionFailure> {
  const r = await p.then(
    async (s) => {
      await s.stream.close();
      return new Error(`expected a SessionFailure, but the session was established as ${s.jid}`);
    },
    (e: unknown) => e,
  );
  if (!(r instanceof SessionFailure)) throw r instanceof Error ? r : new Error(String(r));
  return r;
}
