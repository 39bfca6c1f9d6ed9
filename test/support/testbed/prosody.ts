// A Prosody 0.12 instance from templates/prosody.cfg.lua: foreground, own process group, own
// loopback address, all state under opts.dir. Calling startProsody again with the same dir is a
// restart that keeps accounts and archives.
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { run } from './exec.js';
import { startProcess } from './process.js';
import { type ServerOptions, type XmppServer, assertPortFree, waitUntilReady } from './server.js';
import { TEMPLATE_DIR, writeTemplate } from './template.js';

/** Files worth keeping when a run fails (exist once the instance was started at least once). */
export function prosodyLogFiles(dir: string): string[] {
  return ['prosody.out', 'prosody.log', 'prosody.cfg.lua'].map((f) => path.join(dir, f));
}

/**
 * Debian's prosody-modules ships mod_sasl2 (XEP-0388) for a newer Prosody. Against 0.12.3 it
 * (1) calls `conn:ssl_info()`, which 0.12.3 lacks, crashing every TLS stream, and (2) never
 * fires "authentication-success", so mod_c2s keeps the 10 000-byte pre-authentication stanza
 * limit for the whole session. A copy with both fixed (the call guarded; the event fired where
 * mod_saslauth fires it) goes into the instance's plugin directory, which is searched first;
 * the module is otherwise unchanged, so SASL2 + Bind2 are tested against the real server code.
 */
async function installSasl2(pluginDir: string): Promise<void> {
  const SYSTEM = '/usr/lib/prosody/modules';
  const src = await readFile(path.join(SYSTEM, 'mod_sasl2', 'mod_sasl2.lua'), 'utf8');
  const needle = 'local info = origin.conn:ssl_info();';
  if (!src.includes(needle)) throw new Error('mod_sasl2.lua changed: re-check the Prosody 0.12 compatibility patch in prosody.ts');
  await mkdir(path.join(pluginDir, 'mod_sasl2'), { recursive: true });
  const success = 'local ok, err = sm_make_authenticated(session, session.sasl_handler.username);';
  if (!src.includes(success)) throw new Error('mod_sasl2.lua changed: re-check the authentication-success patch in prosody.ts');
  const patched = src
    .replace(needle, 'local info = origin.conn.ssl_info and origin.conn:ssl_info();')
    .replace(success, `${success} if ok then module:fire_event("authentication-success", { session = session }); end`);
  await writeFile(path.join(pluginDir, 'mod_sasl2', 'mod_sasl2.lua'), patched);
}

export async function startProsody(opts: ServerOptions): Promise<XmppServer> {
  const port = opts.port ?? 5222;
  const muc = `conference.${opts.domain}`;
  const config = path.join(opts.dir, 'prosody.cfg.lua');
  const out = path.join(opts.dir, 'prosody.out');
  await assertPortFree(opts.address, port);
  await mkdir(path.join(opts.dir, 'data'), { recursive: true });
  await mkdir(path.join(opts.dir, 'plugins'), { recursive: true });
  await copyFile(
    path.join(TEMPLATE_DIR, 'mod_auth_hashed_ccert.lua'),
    path.join(opts.dir, 'plugins', 'mod_auth_hashed_ccert.lua'),
  );
  await installSasl2(path.join(opts.dir, 'plugins'));
  await writeTemplate('prosody.cfg.lua', config, {
    DIR: opts.dir,
    ADDRESS: opts.address,
    PORT: port,
    DOMAIN: opts.domain,
    MUC_DOMAIN: muc,
    CERT_DIR: path.dirname(opts.cert.chain),
    CERT_CHAIN: opts.cert.chain,
    CERT_KEY: opts.cert.key,
    CA_FILE: opts.caCert,
  });

  // -F: stay in the foreground so the pid we hold is the server's (no pidfile games).
  const proc = startProcess({
    name: `prosody ${opts.domain}`,
    command: 'prosody',
    args: ['--config', config, '-F'],
    cwd: opts.dir,
    logFile: out,
  });

  const ctl = (args: readonly string[]) => run('prosodyctl', ['--config', config, ...args], { cwd: opts.dir });
  const server: XmppServer = {
    kind: 'prosody',
    domain: opts.domain,
    muc,
    host: opts.address,
    port,
    dir: opts.dir,
    pid: proc.pid,
    logFiles: prosodyLogFiles(opts.dir),
    exited: proc.exited,
    ctl,
    // prosodyctl writes straight into the storage files, with or without a running server.
    register: async (username, password) => {
      await ctl(['register', username, opts.domain, password]);
    },
    deleteAccount: async (username) => {
      await ctl(['deluser', `${username}@${opts.domain}`]);
    },
    stop: async () => {
      await proc.stop();
    },
  };

  try {
    await waitUntilReady(
      { name: `prosody ${opts.domain}`, host: opts.address, port, domain: opts.domain, caCert: opts.caCert, dir: opts.dir, timeoutMs: opts.readyTimeoutMs ?? 20_000 },
      proc,
      out,
    );
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return server;
}
