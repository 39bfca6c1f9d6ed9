// An ejabberd 23.01 instance from templates/ejabberd.yml + ejabberdctl.cfg: foreground, own
// loopback address, all state under opts.dir. Calling startEjabberd again with the same dir is a
// restart (same Erlang node name, so Mnesia keeps accounts and archives).
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type RunOptions, run } from './exec.js';
import { freePort } from './ports.js';
import { startProcess } from './process.js';
import { randomToken } from './secret.js';
import { type ServerOptions, type XmppServer, assertPortFree, waitUntilReady } from './server.js';
import { writeTemplate } from './template.js';

interface SystemUser {
  uid: number;
  gid: number;
}

/**
 * ejabberd runs as user 'ejabberd'. We start it as that user ourselves instead of letting
 * ejabberdctl (as root) `su` to it: su puts the server in a new session, out of reach of our
 * process-group stop.
 */
async function ejabberdUser(): Promise<SystemUser> {
  const { stdout } = await run('getent', ['passwd', 'ejabberd']);
  const [, , uid, gid] = stdout.trim().split(':');
  if (!uid || !gid) throw new Error(`ejabberd: unexpected passwd entry ${JSON.stringify(stdout)}`);
  return { uid: Number(uid), gid: Number(gid) };
}

interface NodeIdentity {
  node: string;
  cookie: string;
}

// Mnesia's schema belongs to the node name: a restart must reuse it or it starts with no data.
async function nodeIdentity(dir: string): Promise<NodeIdentity> {
  const file = path.join(dir, 'node.json');
  try {
    return JSON.parse(await readFile(file, 'utf8')) as NodeIdentity;
  } catch {
    const id = { node: `bastion_${randomToken(4)}@localhost`, cookie: randomToken(16) };
    await writeFile(file, JSON.stringify(id));
    return id;
  }
}

async function assertAccessible(user: SystemUser, env: NodeJS.ProcessEnv, checks: ReadonlyArray<[string, string]>): Promise<void> {
  for (const [flag, file] of checks) {
    try {
      await run('test', [flag, file], { uid: user.uid, gid: user.gid, env });
    } catch {
      throw new Error(
        `ejabberd: user ejabberd cannot access ${file} (test ${flag}); its parent directories must be searchable (chmod 755)`,
      );
    }
  }
}

/** Files worth keeping when a run fails (exist once the instance was started at least once). */
export function ejabberdLogFiles(dir: string): string[] {
  return ['ejabberd.out', 'logs/ejabberd.log', 'logs/error.log', 'ejabberd.yml'].map((f) => path.join(dir, f));
}

export async function startEjabberd(opts: ServerOptions): Promise<XmppServer> {
  const port = opts.port ?? 5222;
  const muc = `conference.${opts.domain}`;
  const dir = opts.dir;
  const yml = path.join(dir, 'ejabberd.yml');
  const ctlCfg = path.join(dir, 'ejabberdctl.cfg');
  const logs = path.join(dir, 'logs');
  const spool = path.join(dir, 'db');
  const out = path.join(dir, 'ejabberd.out');
  const user = await ejabberdUser();
  await assertPortFree(opts.address, port);

  await mkdir(logs, { recursive: true });
  await mkdir(spool, { recursive: true });
  const id = await nodeIdentity(dir);
  await writeTemplate('ejabberd.yml', yml, {
    DOMAIN: opts.domain,
    MUC_DOMAIN: muc,
    ADDRESS: opts.address,
    PORT: port,
    CERT_CHAIN: opts.cert.chain,
    CERT_KEY: opts.cert.key,
    CA_FILE: opts.caCert,
  });
  await writeTemplate('ejabberdctl.cfg', ctlCfg, {
    NODE: id.node,
    COOKIE: id.cookie,
    DIST_PORT: await freePort('127.0.0.1'),
    DIR: dir,
  });
  // ejabberdctl points ERL_INETRC at <config-dir>/inetrc and every call logs an error without it.
  await writeFile(path.join(dir, 'inetrc'), '%% intentionally empty\n');
  const common = ['--config-dir', dir, '--config', yml, '--ctl-config', ctlCfg, '--logs', logs, '--spool', spool];
  // For people debugging a kept test bed (BASTION_KEEP_TESTBED=1): `<dir>/ctl status`.
  await writeFile(
    path.join(dir, 'ctl'),
    `#!/bin/sh\n# ejabberdctl bound to this test instance\nexec ejabberdctl ${common.map((a) => `'${a}'`).join(' ')} "$@"\n`,
  );
  await chmod(path.join(dir, 'ctl'), 0o755);
  await run('chown', ['-R', `${user.uid}:${user.gid}`, dir]);

  // HOME is where Erlang would put .erlang.cookie; keep it in the instance, not /var/lib/ejabberd.
  const env = { ...process.env, HOME: dir };
  await assertAccessible(user, env, [
    ['-w', dir],
    ['-r', opts.cert.chain],
    ['-r', opts.cert.key],
    ['-r', opts.caCert],
  ]);
  const asEjabberd: RunOptions = { uid: user.uid, gid: user.gid, env, cwd: dir, timeoutMs: 30_000 };

  const proc = startProcess({
    name: `ejabberd ${opts.domain}`,
    command: 'ejabberdctl',
    args: [...common, 'foreground'],
    uid: user.uid,
    gid: user.gid,
    env,
    cwd: dir,
    logFile: out,
  });

  const ctl = (args: readonly string[]) => run('ejabberdctl', [...common, ...args], asEjabberd);
  const server: XmppServer = {
    kind: 'ejabberd',
    domain: opts.domain,
    muc,
    host: opts.address,
    port,
    dir,
    pid: proc.pid,
    logFiles: ejabberdLogFiles(dir),
    exited: proc.exited,
    ctl,
    register: async (username, password) => {
      await ctl(['register', username, opts.domain, password]);
    },
    deleteAccount: async (username) => {
      await ctl(['unregister', username, opts.domain]);
    },
    stop: async () => {
      await proc.stop(10_000);
    },
  };

  try {
    await waitUntilReady(
      { name: `ejabberd ${opts.domain}`, host: opts.address, port, domain: opts.domain, caCert: opts.caCert, dir, timeoutMs: opts.readyTimeoutMs ?? 30_000 },
      proc,
      out,
    );
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return server;
}
