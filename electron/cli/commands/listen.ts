/**
 * `bastion listen`: establish, send initial presence, print each incoming message with a body as
 * one JSON line on stdout until SIGINT/SIGTERM, then close the stream cleanly. Bodies go to
 * stdout only; stderr gets progress and errors.
 */
import type { StreamClosed } from '../../main/xmpp/stream/xml-stream';
import type { ConnectionFlags } from '../args';
import { isSessionFailure, tellFailure } from '../failure';
import type { CliIo } from '../io';
import { openSession } from '../session';
import { iqAnswer, receivedMessage } from '../stanza';

export interface ListenCommand {
  readonly conn: ConnectionFlags;
}

export async function listen(cmd: ListenCommand, io: CliIo): Promise<number> {
  let session;
  try {
    session = await openSession('listen', cmd.conn, io);
  } catch (e: unknown) {
    if (!isSessionFailure(e)) throw e;
    tellFailure(io, e);
    return 1;
  }
  const { stream } = session;
  const stop = io.stopRequested();
  const lost = new Promise<StreamClosed>((resolve) => stream.onClose(resolve));
  stream.onElement((el) => {
    const message = receivedMessage(el, new Date());
    if (message) io.out(`${JSON.stringify(message)}\n`);
    const answer = iqAnswer(el);
    if (answer && !stream.closed) stream.send(answer);
  });
  stream.send('<presence/>');
  io.err(`listening as ${session.jid}\n`);

  const end = await Promise.race([stop.then((signal) => ({ signal }) as const), lost.then((error) => ({ error }) as const)]);
  if ('signal' in end) {
    await stream.close();
    io.err(`stopped (${end.signal}), stream closed\n`);
    return 0;
  }
  io.err(`bastion: connection lost: ${end.error.message}\n`);
  return 1;
}
