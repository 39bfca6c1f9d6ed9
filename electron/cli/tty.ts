/** A password prompt with echo off: raw mode on the TTY, nothing typed is written back. */
import type { ReadStream } from 'node:tty';

export class PromptAborted extends Error {
  constructor() {
    super('password entry aborted');
    this.name = 'PromptAborted';
  }
}

export function readSecretFromTty(input: ReadStream, output: NodeJS.WritableStream, prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let secret = '';
    const wasRaw = input.isRaw;
    output.write(prompt);
    input.setRawMode(true);
    input.setEncoding('utf8');
    const done = (err?: Error): void => {
      input.off('data', onData);
      input.setRawMode(wasRaw);
      input.pause();
      output.write('\n');
      if (err) reject(err);
      else resolve(secret);
    };
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return done();
        if (ch === '\u0003') return done(new PromptAborted());
        if (ch === '\u007f' || ch === '\b') secret = [...secret].slice(0, -1).join('');
        else if (ch >= ' ') secret += ch;
      }
    };
    input.on('data', onData);
    input.resume();
  });
}
