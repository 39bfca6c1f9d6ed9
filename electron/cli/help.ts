/** The --help texts. */
import type { CommandName } from './args';

const CONNECTION = `Connection options:
  --password-env VAR  read the password from the environment variable VAR (never from the
                      command line). Without it the password is asked for on the terminal with
                      echo off; if standard input is not a terminal, that is a usage error.
  --ca FILE           the trust anchors (PEM): the only certificates a server chain may end at.
                      Required for now; the admin-policy file will provide them later.
  --dns HOST:PORT     DNS server to ask (repeatable); default: the system's resolvers, queried
                      directly through c-ares (never the OS resolver cache).
  --min-tls 1.2|1.3   lowest TLS version accepted (default 1.2).
  -h, --help          this help.`;

const EXIT = `Exit status: 0 success, 1 the session could not be established (or was lost), 2 usage error.`;

const TOP = `bastion — the Bastion session core from the command line

Usage:
  bastion doctor <jid> [options] [--json]   connect, authenticate, print the security report
  bastion send <jid> <to> <text> [options]  send one chat message and disconnect
  bastion listen <jid> [options]            go online, print incoming messages as JSON lines
  bastion <command> --help                  help for one command
  bastion --version

Sessions follow UCR 2008 §5.7: fresh DNS, port 5222 of the JID's domain only, STARTTLS before
anything else, TLS 1.2+ through GnuTLS against the --ca anchors, RFC 6125 name check, SASL.

${CONNECTION}

${EXIT}
`;

const TEXTS: Record<CommandName, string> = {
  doctor: `Usage: bastion doctor <jid> [options] [--json]

Connects to <jid>'s home server, authenticates, binds a resource, disconnects cleanly, and prints
the connection-security report: DNS queries (answers, timestamps, skipped SRV targets), the
address and connection attempts, STARTTLS, the TLS version, cipher suite and key exchange, the
server chain (subject, issuer, validity, SHA-256 fingerprints), the trust anchor, the name match
(DNS-ID / SRV-ID / CN-ID), revocation, the SASL mechanism and channel binding, the client
certificate, the bound JID and notes. On failure: the stage and reason, and the report so far.

  --json              print the report as JSON instead of text.

${CONNECTION}

${EXIT}
`,
  send: `Usage: bastion send <jid> <to> <text> [options]

Establishes a session as <jid>, sends <text> to <to> as one <message type='chat'/> with a
XEP-0359 origin-id, closes the stream (</stream:stream>, waiting for the server's) and exits.
No roster, no presence: nothing is waited for that sending does not need.

${CONNECTION}

${EXIT}
`,
  listen: `Usage: bastion listen <jid> [options]

Establishes a session as <jid>, sends initial presence (offline messages arrive now), prints
"listening as <full JID>" on standard error, then one JSON line per incoming message with a body
on standard output: {"from","type","id","body","receivedAt"}. SIGINT or SIGTERM closes the
stream cleanly and exits 0.

${CONNECTION}

${EXIT}
`,
};

export function helpText(command?: CommandName): string {
  return command ? TEXTS[command] : TOP;
}
