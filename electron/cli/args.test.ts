import { describe, expect, it } from 'vitest';
import { checkDnsServer, parseCommandLine, UsageError } from './args';

const base = ['--password-env', 'PW', '--ca', 'ca.pem'];

describe('bastion argument parsing', () => {
  it('parses doctor, send and listen with the shared connection flags', () => {
    expect(parseCommandLine(['doctor', 'Alice@Prosody.test', ...base, '--dns', '127.0.0.1:5353', '--min-tls', '1.3', '--json'])).toEqual({
      kind: 'doctor',
      json: true,
      conn: { account: 'alice@prosody.test', passwordEnv: 'PW', caFile: 'ca.pem', dnsServers: ['127.0.0.1:5353'], minTls: '1.3' },
    });
    expect(parseCommandLine(['send', 'alice@prosody.test', 'Bob@Prosody.test/Res', 'hi <there>', ...base])).toMatchObject({
      kind: 'send',
      to: 'bob@prosody.test/Res',
      text: 'hi <there>',
      conn: { dnsServers: [], minTls: '1.2' },
    });
    expect(parseCommandLine(['listen', 'bob@prosody.test', ...base])).toMatchObject({ kind: 'listen' });
    expect(parseCommandLine(['listen', '--help'])).toEqual({ kind: 'help', command: 'listen' });
    expect(parseCommandLine([])).toEqual({ kind: 'help' });
  });

  it('never takes a password from argv, and says so without echoing it', () => {
    for (const argv of [['doctor', 'a@b.test', '--password', 'hunter2', ...base], ['doctor', 'a@b.test', '--password=hunter2', ...base], ['doctor', 'a@b.test', '-p', 'x']]) {
      const err = (() => {
        try {
          parseCommandLine(argv);
        } catch (e: unknown) {
          return e;
        }
        return undefined;
      })();
      expect(err).toBeInstanceOf(UsageError);
      expect((err as Error).message).not.toContain('hunter2');
    }
    expect(() => parseCommandLine(['doctor', 'a@b.test', '--password-env', 'not a name', '--ca', 'x'])).toThrow(/NAME of an environment variable/);
  });

  it('refuses what it cannot use', () => {
    expect(() => parseCommandLine(['doctor', 'a@b.test', '--password-env', 'PW'])).toThrow(/--ca FILE is required.*admin-policy/);
    expect(() => parseCommandLine(['doctor', 'b.test', ...base])).toThrow(UsageError);
    expect(() => parseCommandLine(['doctor', 'a@b.test', ...base, '--min-tls', '1.1'])).toThrow(/1.2 or 1.3/);
    expect(() => parseCommandLine(['send', 'a@b.test', 'c@b.test', 'x\u0000y', ...base])).toThrow(/XML cannot carry/);
    expect(() => parseCommandLine(['send', 'a@b.test', 'c@b.test', '', ...base])).toThrow(/empty/);
    expect(() => parseCommandLine(['send', 'a@b.test', 'c@b.test', ...base])).toThrow(/takes <jid> <to> <text>/);
    expect(() => parseCommandLine(['frobnicate'])).toThrow(/unknown command/);
    expect(() => parseCommandLine(['doctor', 'a@b.test', ...base, '--json', '--bogus'])).toThrow(UsageError);
  });

  it('--dns takes an IP address with an optional port', () => {
    expect(checkDnsServer('127.0.0.1:5353')).toBe('127.0.0.1:5353');
    expect(checkDnsServer('[::1]:53')).toBe('[::1]:53');
    expect(checkDnsServer('10.0.0.1')).toBe('10.0.0.1');
    expect(() => checkDnsServer('dns.example:53')).toThrow(UsageError);
    expect(() => checkDnsServer('127.0.0.1:99999')).toThrow(/invalid port/);
  });
});
