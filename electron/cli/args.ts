/**
 * Command-line parsing (node:util parseArgs, strict): the connection flags every command shares,
 * and the positionals of each command. Anything wrong is a UsageError (exit 2).
 */
import net from 'node:net';
import { parseArgs } from 'node:util';
import { bareOf, fullOf, parseAccountJid, parseJid } from '../../shared/xmpp/jid';
import type { TlsVersion } from '../main/tls/priority';

export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: CommandName,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export const COMMANDS = ['doctor', 'send', 'listen'] as const;
export type CommandName = (typeof COMMANDS)[number];

export interface ConnectionFlags {
  readonly account: string;
  readonly passwordEnv: string | undefined;
  readonly caFile: string;
  /** Empty: the system's resolvers (through c-ares, never getaddrinfo). */
  readonly dnsServers: readonly string[];
  readonly minTls: TlsVersion;
}

export type Parsed =
  | { readonly kind: 'help'; readonly command?: CommandName }
  | { readonly kind: 'version' }
  | { readonly kind: 'doctor'; readonly conn: ConnectionFlags; readonly json: boolean }
  | { readonly kind: 'send'; readonly conn: ConnectionFlags; readonly to: string; readonly text: string }
  | { readonly kind: 'listen'; readonly conn: ConnectionFlags };

const CONNECTION_OPTIONS = {
  'password-env': { type: 'string' },
  ca: { type: 'string' },
  dns: { type: 'string', multiple: true },
  'min-tls': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const POSITIONALS: Record<CommandName, readonly string[]> = {
  doctor: ['jid'],
  send: ['jid', 'to', 'text'],
  listen: ['jid'],
};

const isCommand = (s: string | undefined): s is CommandName => (COMMANDS as readonly string[]).includes(s ?? '');

/** "127.0.0.1:5353", "[::1]:53", or a bare address (port 53). */
export function checkDnsServer(s: string): string {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(s) ?? /^([^:]+)(?::(\d+))?$/.exec(s);
  const host = m?.[1];
  const port = m?.[2] === undefined ? 53 : Number(m[2]);
  if (!host || net.isIP(host) === 0) throw new UsageError(`--dns ${s}: expected an IP address with an optional port (HOST:PORT)`);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`--dns ${s}: invalid port`);
  return s;
}

function connectionFlags(command: CommandName, jid: string, values: Record<string, unknown>): ConnectionFlags {
  const acct = parseAccountJid(jid);
  if (!acct.ok) throw new UsageError(`${jid}: not an account JID (local@domain): ${acct.reason}`, command);
  const ca = values.ca;
  if (typeof ca !== 'string' || ca === '') {
    throw new UsageError('--ca FILE is required (the trust anchors; the admin-policy file will provide them later)', command);
  }
  const minTls = values['min-tls'] ?? '1.2';
  if (minTls !== '1.2' && minTls !== '1.3') throw new UsageError(`--min-tls ${String(minTls)}: expected 1.2 or 1.3`, command);
  const passwordEnv = values['password-env'];
  if (passwordEnv !== undefined && (typeof passwordEnv !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(passwordEnv))) {
    throw new UsageError('--password-env takes the NAME of an environment variable, not a password', command);
  }
  const dns = (values.dns as string[] | undefined) ?? [];
  return { account: acct.jid, passwordEnv, caFile: ca, dnsServers: dns.map(checkDnsServer), minTls };
}

export function parseCommandLine(argv: readonly string[]): Parsed {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    const topic = rest[0];
    return { kind: 'help', ...(isCommand(topic) ? { command: topic } : {}) };
  }
  if (first === '--version' || first === '-V') return { kind: 'version' };
  if (!isCommand(first)) throw new UsageError(`unknown command: ${first}`);
  const command = first;

  if (rest.some((a) => /^--?(password|pass|pw)(=|$)/.test(a))) {
    throw new UsageError('a password is never taken from the command line: use --password-env VAR, or type it when asked', command);
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: [...rest],
      options: command === 'doctor' ? { ...CONNECTION_OPTIONS, json: { type: 'boolean' } } : CONNECTION_OPTIONS,
      allowPositionals: true,
      strict: true,
    });
  } catch (e: unknown) {
    throw new UsageError(e instanceof Error ? e.message : String(e), command);
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help', command };
  const names = POSITIONALS[command];
  if (positionals.length !== names.length) {
    throw new UsageError(`${command} takes ${names.map((n) => `<${n}>`).join(' ')} (got ${positionals.length} argument${positionals.length === 1 ? '' : 's'})`, command);
  }
  const [jid = '', to = '', text = ''] = positionals;
  const conn = connectionFlags(command, jid, values);
  switch (command) {
    case 'doctor':
      return { kind: 'doctor', conn, json: (values as { json?: boolean }).json === true };
    case 'send': {
      const dest = parseJid(to);
      if (!dest.ok) throw new UsageError(`${to}: not a JID: ${dest.reason}`, command);
      if (text === '') throw new UsageError('the message text is empty', command);
      // XML 1.0 Char production: no C0 controls but tab, LF, CR; no U+FFFE/FFFF; no lone surrogates.
      if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ud800-\udfff\ufffe\uffff]/u.test(text)) {
        throw new UsageError('the message text contains characters XML cannot carry', command);
      }
      const { resource } = dest.jid;
      return { kind: 'send', conn, to: resource === undefined ? bareOf(dest.jid) : fullOf({ ...dest.jid, resource }), text };
    }
    case 'listen':
      return { kind: 'listen', conn };
  }
}
