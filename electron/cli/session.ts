/** Opens a session with the same core the app uses, from the CLI's flags. */
import { readFile } from 'node:fs/promises';
import { pemCertificatesToDer } from '../main/tls/der';
import { establishSession, type EstablishedSession } from '../main/xmpp/session/establish';
import { DEFAULT_SESSION_POLICY, type SessionPolicy } from '../main/xmpp/session/policy';
import { UsageError, type CommandName, type ConnectionFlags } from './args';
import type { CliIo } from './io';
import { obtainPassword } from './password';

export function policyFor(conn: ConnectionFlags): SessionPolicy {
  return { ...DEFAULT_SESSION_POLICY, tls: { minVersion: conn.minTls }, dnsServers: [...conn.dnsServers] };
}

export async function readTrustAnchors(command: CommandName, file: string): Promise<string> {
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch (e: unknown) {
    throw new UsageError(`--ca ${file}: cannot read it (${(e as { code?: string }).code ?? String(e)})`, command);
  }
  if (pemCertificatesToDer(pem).length === 0) throw new UsageError(`--ca ${file}: no PEM certificate in it`, command);
  return pem;
}

/**
 * Reads the anchors and the password (usage errors come before any network use), then runs
 * establishSession. Rejects with UsageError or the core's SessionFailure.
 */
export async function openSession(command: CommandName, conn: ConnectionFlags, io: CliIo, resource?: string): Promise<EstablishedSession> {
  const trustAnchorsPem = await readTrustAnchors(command, conn.caFile);
  const password = await obtainPassword(command, conn, io);
  return establishSession({
    account: conn.account,
    auth: { kind: 'password', password },
    trustAnchorsPem,
    policy: policyFor(conn),
    ...(resource !== undefined ? { resource } : {}),
  });
}
