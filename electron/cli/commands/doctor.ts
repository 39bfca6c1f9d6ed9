/**
 * `bastion doctor`: establish a session under policy, close it cleanly, print the
 * connection-security report (text or JSON). Exit 0 only if the session was fully established.
 */
import type { SecurityReport } from '../../../shared/security/report';
import type { ConnectionFlags } from '../args';
import { isSessionFailure, tellFailure } from '../failure';
import type { CliIo } from '../io';
import { renderReport } from '../report-text';
import { openSession } from '../session';

export interface DoctorCommand {
  readonly conn: ConnectionFlags;
  readonly json: boolean;
}

function print(io: CliIo, report: SecurityReport, json: boolean): void {
  io.out(json ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report));
}

export async function doctor(cmd: DoctorCommand, io: CliIo): Promise<number> {
  let session;
  try {
    session = await openSession('doctor', cmd.conn, io);
  } catch (e: unknown) {
    if (!isSessionFailure(e)) throw e;
    print(io, e.report, cmd.json);
    tellFailure(io, e);
    return 1;
  }
  await session.stream.close();
  print(io, session.report, cmd.json);
  return 0;
}
