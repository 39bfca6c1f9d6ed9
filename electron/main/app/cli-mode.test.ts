import { describe, expect, it } from 'vitest';
import { seatCommandArguments } from './cli-mode';

describe('seatCommandArguments', () => {
  it('packaged: `bastion doctor …` runs the CLI with everything from the command on', () => {
    expect(seatCommandArguments(['/opt/Bastion/bastion', 'doctor', 'alice@example.mil', '--ca', '/etc/bastion/dod.pem', '--json'], true)).toEqual([
      'doctor',
      'alice@example.mil',
      '--ca',
      '/etc/bastion/dod.pem',
      '--json',
    ]);
    expect(seatCommandArguments(['C:\\Program Files\\Bastion\\Bastion.exe', 'doctor', '--help'], true)).toEqual(['doctor', '--help']);
  });

  it('packaged: switches before the command are skipped; no command or another word opens the window', () => {
    expect(seatCommandArguments(['bastion', '--enable-logging', 'doctor', 'a@b.mil'], true)).toEqual(['doctor', 'a@b.mil']);
    expect(seatCommandArguments(['bastion'], true)).toBeUndefined();
    expect(seatCommandArguments(['bastion', '--lang=en'], true)).toBeUndefined();
    // Only doctor: send and listen stay tools of the Node CLI.
    expect(seatCommandArguments(['bastion', 'send', 'a@b.mil', 'c@b.mil', 'hi'], true)).toBeUndefined();
    expect(seatCommandArguments(['bastion', 'xmpp:alice@example.mil', 'doctor'], true)).toBeUndefined();
  });

  it('development: the app path comes first (after Electron and its switches)', () => {
    expect(seatCommandArguments(['electron', 'dist/electron/main.cjs', 'doctor', 'a@b.mil'], false)).toEqual(['doctor', 'a@b.mil']);
    expect(seatCommandArguments(['electron', '--inspect=0', '--remote-debugging-port=0', 'dist/electron/main.cjs'], false)).toBeUndefined();
    expect(seatCommandArguments(['electron', 'doctor'], false)).toBeUndefined();
  });
});
