// A chatting test user: a Bastion session on a test-bed account with messages and presence
// registered and an inbox; `closeChatUsers()` (in afterEach) closes every one opened.
import type { XmppClient } from '../../electron/main/xmpp/client/client';
import type { ParsedMessage } from '../../electron/main/xmpp/im/message-parse';
import { registerMessages } from '../../electron/main/xmpp/im/messages';
import { registerPresence } from '../../electron/main/xmpp/im/presence';
import { openClient } from './clients';
import type { ServerKind } from './testbed/info.js';

const open: XmppClient[] = [];

export async function chatUser(kind: ServerKind, name: string, opts: { readonly sendReceipts: boolean }) {
  const client = await openClient(kind, name);
  open.push(client);
  const messages = registerMessages(client, { sendReceipts: () => opts.sendReceipts });
  registerPresence(client).setOwn({});
  const inbox: ParsedMessage[] = [];
  const refused: string[] = [];
  messages.onDidReceiveMessage((m) => inbox.push(m));
  messages.onDidRefuseMessage((r) => refused.push(r));
  return { client, messages, inbox, refused };
}

export async function closeChatUsers(): Promise<void> {
  for (const c of open.splice(0)) await c.close().catch(() => undefined);
}
