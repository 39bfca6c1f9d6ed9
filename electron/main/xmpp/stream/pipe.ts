/**
 * A byte pipe under the XML stream: first the TCP socket, then (after STARTTLS) the TLS
 * channel over that socket. One shape for both, so the stream does not care which it has.
 */
import type net from 'node:net';
import type { Disposer } from '../../../../shared/util/disposable';
import type { TlsChannel } from '../../tls/engine';

export interface PipeClose {
  /** The peer closed in an orderly way (TCP FIN after our close, or TLS close_notify). */
  readonly clean: boolean;
  readonly error?: string;
}

export interface BytePipe {
  write(data: string | Buffer): void;
  onData(cb: (chunk: Buffer) => void): Disposer;
  onClose(cb: (info: PipeClose) => void): Disposer;
  /** Orderly close (TLS close_notify, then FIN). */
  close(): void;
  /** Immediate teardown. */
  destroy(): void;
}

export function socketPipe(socket: net.Socket): BytePipe {
  return {
    write: (data) => {
      if (!socket.destroyed) socket.write(data);
    },
    onData: (cb) => {
      socket.on('data', cb);
      return () => {
        socket.removeListener('data', cb);
      };
    },
    onClose: (cb) => {
      let error: string | undefined;
      const onError = (e: Error): void => {
        error = (e as { code?: string }).code ?? e.message;
      };
      const onClose = (hadError: boolean): void => cb({ clean: !hadError && error === undefined, ...(error ? { error } : {}) });
      socket.on('error', onError);
      socket.on('close', onClose);
      return () => {
        socket.removeListener('error', onError);
        socket.removeListener('close', onClose);
      };
    },
    close: () => {
      socket.end();
    },
    destroy: () => {
      socket.destroy();
    },
  };
}

export function tlsPipe(channel: TlsChannel, socket: { destroy(): unknown }): BytePipe {
  return {
    write: (data) => {
      if (!channel.closed) channel.write(data);
    },
    onData: (cb) => channel.onData(cb),
    onClose: (cb) => channel.onClose((e) => cb({ clean: e.clean, ...(e.error ? { error: e.error.message } : {}) })),
    close: () => channel.close(),
    destroy: () => {
      channel.close();
      socket.destroy();
    },
  };
}
