/**
 * `bastion send`: establish, send one chat message, close. Nothing is waited for that sending
 * does not need: no roster, no presence (RFC 6121 allows sending without it), no receipt. The
 * message and `</stream:stream>` leave in the same flight; the only wait after binding is for
 * the server's closing tag.
 */
import type { StreamClosed } from '../../main/xmpp/stream/xml-stream';
import type { ConnectionFlags } from '../args';
import { isSessionFailure, tellFailure } from '../failure';
import type { CliIo } from '../io';
import { openSession } from '../session';
import { chatMessage } from '../stanza';

export interface SendCommand {
  readonly conn: ConnectionFlags;
  readonly to: string;
  readonly text: string;
}

export async function send(cmd: SendCommand, io: CliIo): Promise<number> {
  let session;
  try {
    session = await openSession('send', cmd.conn, io);
  } catch (e: unknown) {
    if (!isSessionFailure(e)) throw e;
    tellFailure(io, e);
    return 1;
  }
  const { stream } = session;
  let closing = false;
  let trouble: StreamClosed | undefined;
  stream.onClose((e) => {
    if (!closing || e.condition !== undefined) trouble = e;
  });
  const message = chatMessage(cmd.to, cmd.text);
  stream.send(message.xml);
  closing = true;
  await stream.close();
  if (trouble) {
    io.err(`bastion: the stream ended badly after sending message ${message.id}: ${trouble.message}\n`);
    return 1;
  }
  io.err(`sent message ${message.id} to ${cmd.to} as ${session.jid}\n`);
  return 0;
}
