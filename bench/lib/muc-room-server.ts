// The scripted XEP-0045 service of bench/muc-join.ts, in a process of its own (started by
// startRoomServer in muc-room.ts over IPC): listens on 127.0.0.1 (an ephemeral port), sends a
// server stream header to each connection, reads the client's stanzas with ltx and answers them
// from roomScript(). A whole join burst is written to the socket at once, as a server relaying a
// room's presence would. Stops on the parent's 'stop' message or when the parent goes away.
import net from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { Parser, type Element } from '@xmpp/xml';
import { prepareRoom, roomScript, type RoomSpec } from './muc-room';
import { STREAM_HEADER } from './stanza-bench';

type Command = { kind: 'start'; specs: RoomSpec[] } | { kind: 'stop' } | { kind: 'counts' };

let server: net.Server | undefined;
let script: ReturnType<typeof roomScript> | undefined;
const sockets = new Set<net.Socket>();

function serve(socket: net.Socket): void {
  sockets.add(socket);
  socket.setNoDelay(true);
  const parser = new Parser();
  const decoder = new StringDecoder('utf8');
  // The client opens no stream of its own here (it starts post-authentication): give its
  // stanzas a root so ltx emits each as an element, and its </stream:stream> as the end.
  parser.write(`<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>`);
  parser.on('element', (el: Element) => {
    for (const out of script?.answer(el) ?? []) socket.write(out);
  });
  parser.on('end', () => socket.end('</stream:stream>'));
  parser.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => parser.write(decoder.write(chunk)));
  socket.on('error', () => undefined);
  socket.on('close', () => sockets.delete(socket));
  socket.write(STREAM_HEADER);
}

process.on('message', (m: Command) => {
  if (m.kind === 'start') {
    const prepared = m.specs.map(prepareRoom);
    script = roomScript(prepared);
    server = net.createServer(serve);
    server.listen(0, '127.0.0.1', () => {
      const addr = server?.address();
      process.send?.({
        port: typeof addr === 'object' && addr ? addr.port : 0,
        rooms: prepared.map((p) => ({ spec: p.spec, burstBytes: p.burst.length, burstStanzas: p.burstStanzas, archiveBytes: p.archive.reduce((n, a) => n + Buffer.byteLength(a.template), 0) })),
      });
    });
  } else if (m.kind === 'counts') {
    process.send?.({ ...script?.counts });
  } else {
    for (const s of sockets) s.destroy();
    server?.close(() => process.exit(0));
    if (!server) process.exit(0);
  }
});
// The parent died (Ctrl-C, crash): do not outlive it.
process.on('disconnect', () => process.exit(0));
