// The IM account with a live session on a fake stream (inline stanzas): what the renderer gets
// for a presence storm and for messages arriving twice (live + archive), and the outbox state.
import type { Element } from '@xmpp/xml';
import { parse } from 'ltx';
import { describe, expect, it } from 'vitest';
import type { ImUpdate } from '../../../shared/ipc';
import type { BareJid, FullJid } from '../../../shared/xmpp/jid';
import { createStorage } from '../store/storage';
import { createXmppClient } from '../xmpp/client/client';
import { createFakeStream } from '../xmpp/client/testing/fake-stream';
import { createImAccount } from './im-account';
import { startLiveIm, type XepSwitches } from './im-live';

function setup(xeps?: XepSwitches) {
  const stream = createFakeStream();
  const features = parse("<stream:features xmlns:stream='http://etherx.jabber.org/streams'/>") as Element;
  const client = createXmppClient({ jid: 'alice@example.test/desk' as FullJid, account: 'alice@example.test' as BareJid, stream, features });
  const store = createStorage({ dir: '', keys: undefined }).accountStore('alice@example.test' as BareJid, { enabled: true });
  const batches: (readonly ImUpdate[])[] = [];
  const account = createImAccount({ account: 'alice@example.test' as BareJid, store, deliver: (u) => batches.push(u) });
  const live = startLiveIm({ client, store, emit: account.emit, appVersion: 't', onDead: () => undefined, keepalive: { idleMs: 3_600_000, timeoutMs: 60_000 }, ...(xeps ? { xeps } : {}) });
  return { stream, account, live, batches, store };
}
const frame = () => new Promise((r) => setTimeout(r, 40));

describe('IM account over a live session', () => {
  it('[IMPP-D1] a storm of 5,000 presence stanzas reaches the renderer as a few frame batches, one update per contact', async () => {
    const { stream, batches } = setup();
    const t0 = process.cpuUsage();
    for (let i = 0; i < 5000; i++) {
      stream.receive(`<presence from='c${i % 500}@example.test/r'><show>${i % 2 ? 'away' : 'dnd'}</show><status>s${i}</status></presence>`);
    }
    const cpu = process.cpuUsage(t0);
    await frame();
    const presence = batches.flat().filter((u) => u.kind === 'presence');
    expect(batches.length).toBeLessThanOrEqual(2);
    expect(presence).toHaveLength(500);
    expect(presence.find((u) => u.kind === 'presence' && u.presence.jid === 'c499@example.test')).toMatchObject({ presence: { show: 'away', status: 's4999' } });
    // Generous bound (the benchmark measures the real figure): the storm must not eat seconds.
    expect((cpu.user + cpu.system) / 1000).toBeLessThan(3000);
  });

  it('stores and shows a message once when it arrives live and again from the archive', async () => {
    const { stream, batches, account } = setup();
    const msg = "<message from='bob@example.test/p' to='alice@example.test/desk' type='chat' id='m1'><body>hi</body><origin-id xmlns='urn:xmpp:sid:0' id='o1'/></message>";
    stream.receive(msg);
    stream.receive(msg);
    await frame();
    const shown = batches.flat().filter((u) => u.kind === 'message');
    expect(shown).toHaveLength(1);
    expect(shown[0]).toMatchObject({ message: { peer: 'bob@example.test', direction: 'in', id: 'o1', body: 'hi', state: 'received' } });
    const history = await account.commands.getHistory({ peer: 'bob@example.test', limit: 10 }, { sender: 't' });
    expect(history.messages).toHaveLength(1);
  });

  it('applies a correction only to the same sender in the same conversation (XEP-0308)', async () => {
    const { stream, batches, account } = setup();
    stream.receive("<message from='bob@example.test/p' type='chat' id='m1'><body>teh</body></message>");
    stream.receive("<message from='mallory@example.test/p' type='chat' id='m2'><body>evil</body><replace xmlns='urn:xmpp:message-correct:0' id='m1'/></message>");
    stream.receive("<message from='bob@example.test/p' type='chat' id='m3'><body>the</body><replace xmlns='urn:xmpp:message-correct:0' id='m1'/></message>");
    await frame();
    const history = await account.commands.getHistory({ peer: 'bob@example.test', limit: 10 }, { sender: 't' });
    expect(history.messages).toEqual([expect.objectContaining({ id: 'm1', body: 'the', corrected: true })]);
    expect(batches.flat().filter((u) => u.kind === 'message-corrected')).toHaveLength(1);
  });

  it('keeps XHTML-IM sanitised end to end: incoming formatting is stored and shown as a tree; outgoing is re-sanitised by main', async () => {
    const { stream, batches, account, store } = setup();
    stream.receive(
      "<message from='bob@example.test/p' type='chat' id='x1'><body>bold link</body><html xmlns='http://jabber.org/protocol/xhtml-im'><body xmlns='http://www.w3.org/1999/xhtml'>" +
        "<strong onclick='evil()'>bold</strong> <a href='javascript:alert(1)'>link</a><script>alert(2)</script></body></html></message>",
    );
    await frame();
    const shown = batches.flat().find((u) => u.kind === 'message');
    const json = JSON.stringify(shown);
    expect(json).toContain('"tag":"strong"');
    expect(json).not.toMatch(/onclick|javascript|script|alert/);
    const history = await account.commands.getHistory({ peer: 'bob@example.test', limit: 10 }, { sender: 't' });
    expect(history.messages[0]?.xhtml?.[0]).toMatchObject({ kind: 'element', tag: 'strong' });
    // Outgoing: a tree that smuggles a javascript: link is cleaned; the plain body is derived from it.
    const sent = await account.commands.sendMessage(
      { to: 'bob@example.test', body: 'ignored', xhtml: [{ kind: 'element', tag: 'a', href: 'javascript:alert(1)', children: [{ kind: 'text', text: 'click' }] }] },
      { sender: 't' },
    );
    const queued = store.outbox().find((e) => e.msgId === sent.id)?.stanza ?? '';
    expect(queued).toContain('http://jabber.org/protocol/xhtml-im');
    expect(queued).not.toContain('javascript');
    expect(queued).toContain('<body>click</body>');
  });

  it('[UCR-G1] the conditional XEPs switched off by policy are not advertised and not used', async () => {
    const { stream, batches, account, live } = setup({ privacyLists: false, multicast: false, xhtmlIm: false, entityCapabilities: false });
    void account.attach(live, { resumed: false });
    stream.receive("<iq type='get' id='d1' from='example.test'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
    await frame();
    const features = stream.sent.filter((e) => e.attrs.id === 'd1').flatMap((e) => e.getChild('query')?.getChildren('feature').map((f) => String(f.attrs.var)) ?? []);
    expect(features).toContain('urn:xmpp:ping');
    for (const off of ['http://jabber.org/protocol/xhtml-im', 'http://jabber.org/protocol/caps', 'jabber:iq:privacy', 'http://jabber.org/protocol/address']) expect(features).not.toContain(off);
    stream.receive(
      "<message from='bob@example.test/p' type='chat' id='x1'><body>bold</body><html xmlns='http://jabber.org/protocol/xhtml-im'><body xmlns='http://www.w3.org/1999/xhtml'><strong>bold</strong></body></html></message>",
    );
    await frame();
    expect(JSON.stringify(batches.flat().find((u) => u.kind === 'message'))).not.toContain('xhtml');
    await expect(Promise.resolve().then(() => account.commands.setMessagePrivacy({ onlyContacts: true }, { sender: 't' }))).rejects.toThrow(/switched off by the administrator/);
  });

  it('queues a message with no session, and refuses to correct a message that is not ours', async () => {
    const { account } = setup();
    const r = await account.commands.sendMessage({ to: 'bob@example.test', body: 'later' }, { sender: 't' });
    expect(r.state).toBe('queued');
    expect(account.outbox.pending()).toBe(1);
    expect(() => account.commands.sendMessage({ to: 'bob@example.test', body: 'x', replaces: 'not-mine' }, { sender: 't' })).toThrow(/only your own messages/);
  });
});
