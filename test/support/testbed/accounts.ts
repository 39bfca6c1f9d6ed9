// The standard test accounts, created with each server's own admin tool (prosodyctl /
// ejabberdctl) and a fresh random password per run.
import { randomPassword } from './secret.js';
import type { XmppServer } from './server.js';

export interface Account {
  jid: string;
  username: string;
  password: string;
}

export const DEFAULT_USERS = ['alice', 'bob', 'carol'] as const;

export async function registerAccounts(server: XmppServer, usernames: readonly string[] = DEFAULT_USERS): Promise<Account[]> {
  // In parallel: each ejabberdctl call boots an Erlang VM (~0.6 s); one after another adds up.
  return Promise.all(
    usernames.map(async (username) => {
      const password = randomPassword();
      await server.register(username, password);
      return { jid: `${username}@${server.domain}`, username, password };
    }),
  );
}
