// XEP-0198 Stream Management with inline stanzas on a fake stream: counting, coalesced ack
// requests, the 2^32 wrap-around, resumption (resend order, IQs kept), failed with/without h,
// and a server that acknowledges more than was sent.
import xml from '@xmpp/xml';
import type { Element } from '@xmpp/xml';
import { describe, expect, it, vi } from 'vitest';
import type { BareJid, FullJid } from '../../../../shared/xmpp/jid';
import { createXmppClient } from '../client/client';
import { createFakeStream, type FakeStream } from '../client/testing/fake-stream';
import { NS_SM, registerStreamManagement, SM_MODULO, type SentStanza, type StreamManagementOptions } from './0198-sm';

const SM = `xmlns='${NS_SM}'`;
const JID = 'alice@example.test/desk' as FullJid;
const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 5));
const msg = (id: string): Element => xml('message', { to: 'bob@example.test', id, type: 'chat' }, xml('body', {}, id));
const smSent = (s: FakeStream, name: string): Element[] => s.sent.filter((e) => e.name === name && e.attrs.xmlns === NS_SM);
const ids = (list: readonly SentStanza[]): (string | undefined)[] => list.map((s) => s.id);

async function setup(opts: StreamManagementOptions = {}, enabledAttrs = `id='sess-1' resume='true' max='300'`) {
  const stream = createFakeStream();
  const features = xml('features', { xmlns: 'http://etherx.jabber.org/streams' }, xml('sm', { xmlns: NS_SM }));
  const client = createXmppClient({ jid: JID, account: 'alice@example.test' as BareJid, stream, features });
  const sm = registerStreamManagement(client, opts);
  const acked: SentStanza[][] = [];
  const failures: string[] = [];
  sm.onDidAck((a) => acked.push([...a]));
  sm.onDidFail((r) => failures.push(r));
  const enabling = sm.enable();
  expect(stream.last().toString()).toContain('<enable');
  stream.receive(`<enabled ${SM} ${enabledAttrs}/>`);
  const result = await enabling;
  stream.sent.length = 0;
  return { stream, client, sm, acked, failures, result };
}

describe('XEP-0198 stream management', () => {
  it('enables with resume and the preferred max; records id, max, location (never used) and gives a resume token', async () => {
    const { sm, result } = await setup({ maxSeconds: 120 }, `id='sess-1' resume='true' max='90' location='203.0.113.9:5222'`);
    expect(result).toEqual({ ok: true, enabled: { resumable: true, id: 'sess-1', maxSeconds: 90, location: '203.0.113.9:5222' } });
    expect(sm.resumeToken()).toEqual({ previd: 'sess-1', h: 0, jid: JID });

    const stream = createFakeStream();
    const client = createXmppClient({ jid: JID, account: 'alice@example.test' as BareJid, stream, features: xml('features', { xmlns: 'http://etherx.jabber.org/streams' }, xml('sm', { xmlns: NS_SM })) });
    const sm2 = registerStreamManagement(client, { maxSeconds: 120 });
    void sm2.enable();
    expect(stream.last().attrs).toEqual({ xmlns: NS_SM, resume: 'true', max: '120' });
  });

  it('does not enable where the server offers no sm:3; a refused <enable/> leaves it off and queues nothing', async () => {
    const stream = createFakeStream();
    const client = createXmppClient({ jid: JID, account: 'alice@example.test' as BareJid, stream, features: xml('features', { xmlns: 'http://etherx.jabber.org/streams' }) });
    expect(await registerStreamManagement(client).enable()).toMatchObject({ ok: false, reason: expect.stringContaining('does not offer') });

    const s2 = createFakeStream();
    const c2 = createXmppClient({ jid: JID, account: 'alice@example.test' as BareJid, stream: s2, features: xml('features', { xmlns: 'http://etherx.jabber.org/streams' }, xml('sm', { xmlns: NS_SM })) });
    const sm = registerStreamManagement(c2);
    const p = sm.enable();
    c2.send(msg('early'));
    s2.receive(`<failed ${SM}><unexpected-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></failed>`);
    expect(await p).toEqual({ ok: false, reason: 'the server refused stream management (unexpected-request)' });
    expect(sm.state).toBe('off');
    expect(sm.unacked()).toEqual([]);
    expect(sm.resumeToken()).toBeUndefined();
  });

  it('counts every inbound stanza (not nonzas, not before <enabled/>) and answers <r/> with <a h/>', async () => {
    const stream = createFakeStream();
    const client = createXmppClient({ jid: JID, account: 'alice@example.test' as BareJid, stream, features: xml('features', { xmlns: 'http://etherx.jabber.org/streams' }, xml('sm', { xmlns: NS_SM })) });
    const sm = registerStreamManagement(client);
    const p = sm.enable();
    stream.receive("<message from='bob@example.test/x' type='chat'><body>before enabled</body></message>");
    stream.receive(`<enabled ${SM} id='s' resume='1'/>`);
    await p;
    stream.receive("<message from='bob@example.test/x' type='chat'><body>1</body></message>");
    stream.receive("<presence from='bob@example.test/x'/>");
    stream.receive("<iq type='result' id='nobody' from='example.test'/>");
    stream.receive(`<r ${SM}/>`);
    expect(stream.last().toString()).toBe(`<a xmlns="${NS_SM}" h="3"/>`);
    stream.receive("<iq type='get' id='q' from='bob@example.test/x'><query xmlns='urn:example:nothing'/></iq>");
    stream.receive(`<r ${SM}/>`);
    expect(stream.last().attrs).toEqual({ xmlns: NS_SM, h: '4' });
    expect(sm.handled()).toBe(4);
  });

  it('requests one ack per burst, none while one is unanswered, and reports acked stanzas in order', async () => {
    const { stream, client, sm, acked } = await setup();
    for (const id of ['m1', 'm2', 'm3', 'm4', 'm5']) client.send(msg(id));
    expect(smSent(stream, 'r')).toHaveLength(0); // coalesced: the request follows the burst
    await tick();
    expect(smSent(stream, 'r')).toHaveLength(1);
    client.send(msg('m6'));
    client.send(msg('m7'));
    await tick();
    expect(smSent(stream, 'r')).toHaveLength(1); // one is outstanding
    stream.receive(`<a ${SM} h='5'/>`);
    expect(acked).toHaveLength(1);
    expect(ids(acked[0] ?? [])).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    expect(acked[0]?.[0]?.seq).toBe(1);
    await tick();
    expect(smSent(stream, 'r')).toHaveLength(2); // m6, m7 went out after the first request
    stream.receive(`<a ${SM} h='7'/>`);
    expect(ids(acked[1] ?? [])).toEqual(['m6', 'm7']);
    expect(sm.unacked()).toEqual([]);
    await tick();
    expect(smSent(stream, 'r')).toHaveLength(2);
    stream.receive(`<a ${SM} h='7'/>`); // a repeated ack is harmless
    expect(acked).toHaveLength(2);
  });

  it('wraps both counters at 2^32 (XEP-0198 §4)', async () => {
    const { stream, client, sm, acked } = await setup({ initialCounters: { inbound: SM_MODULO - 1, outbound: SM_MODULO - 2 } });
    stream.receive("<message from='bob@example.test/x'><body>a</body></message>");
    stream.receive("<message from='bob@example.test/x'><body>b</body></message>");
    stream.receive(`<r ${SM}/>`);
    expect(stream.last().attrs.h).toBe('1');
    for (const id of ['w1', 'w2', 'w3']) client.send(msg(id));
    stream.receive(`<a ${SM} h='${SM_MODULO - 1}'/>`);
    expect(ids(acked[0] ?? [])).toEqual(['w1']);
    stream.receive(`<a ${SM} h='1'/>`);
    expect(ids(acked[1] ?? [])).toEqual(['w2', 'w3']);
    expect(sm.unacked()).toEqual([]);
    expect(sm.resumeToken()?.h).toBe(1);
  });

  it('an ack of more than was sent is a stream error: undefined-condition + <handled-count-too-high/>', async () => {
    const { stream, client, sm, acked, failures } = await setup();
    const fail = vi.spyOn(stream, 'fail');
    client.send(msg('t1'));
    client.send(msg('t2'));
    stream.receive(`<a ${SM} h='3'/>`);
    expect(fail).toHaveBeenCalledTimes(1);
    const [condition, text, app] = fail.mock.calls[0] ?? [];
    expect(condition).toBe('undefined-condition');
    expect(text).toContain('acknowledged 3');
    expect(app).toBe(`<handled-count-too-high xmlns="${NS_SM}" h="3" send-count="2"/>`);
    expect(acked).toEqual([]);
    expect(failures).toHaveLength(1);
    expect(sm.state).toBe('off');
  });

  it('a malformed h is refused as invalid XML; unsolicited <enabled/>/<resumed/> and foreign nonzas change nothing', async () => {
    const { stream, client, sm } = await setup();
    client.send(msg('x1'));
    stream.receive(`<enabled ${SM} id='other' resume='true'/>`);
    stream.receive(`<resumed ${SM} previd='sess-1' h='1'/>`);
    stream.receive("<a xmlns='urn:example:not-sm' h='1'/>");
    expect(sm.resumeToken()?.previd).toBe('sess-1');
    expect(sm.unacked()).toHaveLength(1);
    const fail = vi.spyOn(stream, 'fail');
    stream.receive(`<a ${SM} h='-1'/>`);
    expect(fail.mock.calls[0]?.[0]).toBe('invalid-xml');
    expect(sm.state).toBe('off');
  });

  it('resumes on a new stream: drops what the server had, resends the rest in order (also what was sent while down), keeps IQs and counting', async () => {
    const { stream, client, sm, acked } = await setup();
    for (const id of ['a', 'b', 'c', 'd']) client.send(msg(id));
    stream.receive(`<a ${SM} h='1'/>`);
    stream.receive("<message from='bob@example.test/x'><body>in 1</body></message>");
    const ping = client.request('get', undefined, xml('ping', { xmlns: 'urn:xmpp:ping' }), 5000);
    const pingId = stream.last().attrs.id as string;
    const closes: string[] = [];
    client.onDidClose((r) => closes.push(r));
    stream.end('connection lost');
    expect(closes).toEqual(['connection lost']);
    client.send(msg('e')); // held for the resumption, not thrown away
    const token = sm.resumeToken();
    expect(token).toEqual({ previd: 'sess-1', h: 1, jid: JID });

    const next = createFakeStream();
    const r = sm.resumed(next, 2);
    expect(r.ok).toBe(true);
    expect(ids(acked.at(-1) ?? [])).toEqual(['b']);
    const resent = next.sent.filter((e) => e.name === 'message' || e.name === 'iq').map((e) => e.attrs.id as string);
    expect(resent).toEqual(['c', 'd', pingId, 'e']);
    await tick();
    expect(smSent(next, 'r')).toHaveLength(1);
    next.receive(`<iq type='result' id='${pingId}'/>`);
    await expect(ping).resolves.toBeDefined();
    next.receive(`<r ${SM}/>`);
    expect(next.last().attrs.h).toBe('2'); // the message before the cut and the IQ result after
    next.receive(`<a ${SM} h='6'/>`);
    expect(sm.unacked()).toEqual([]);
    expect(stream.sent.some((e) => e.attrs.id === 'e')).toBe(false);
  });

  it('a new stream that closed before the client took it over is reported, and the session stays resumable', async () => {
    const { stream, client, sm } = await setup();
    client.send(msg('a'));
    stream.end();
    const closes: string[] = [];
    client.onDidClose((r) => closes.push(r));
    const next = createFakeStream();
    next.end('gone again');
    expect(sm.resumed(next, 0).ok).toBe(true);
    expect(closes).toEqual(['the stream closed before the client took it over']);
    expect(ids(sm.unacked())).toEqual(['a']);
    expect(sm.resumeToken()?.previd).toBe('sess-1');
  });

  it('a resumption whose h is more than was sent is refused with a stream error on the new stream', async () => {
    const { stream, client, sm } = await setup();
    client.send(msg('a'));
    stream.end();
    const next = createFakeStream();
    const fail = vi.spyOn(next, 'fail');
    expect(sm.resumed(next, 5)).toMatchObject({ ok: false });
    expect(fail.mock.calls[0]?.[2]).toContain('handled-count-too-high');
    expect(ids(sm.failed())).toEqual(['a']);
  });

  it('failed with h reports only the stanzas after h (XEP-0198 §5); without h, all unacked ones', async () => {
    const one = await setup();
    for (const id of ['a', 'b', 'c']) one.client.send(msg(id));
    one.stream.end();
    expect(ids(one.sm.failed(1))).toEqual(['b', 'c']);
    expect(ids(one.acked.at(-1) ?? [])).toEqual(['a']);
    expect(one.sm.state).toBe('off');
    expect(one.sm.resumeToken()).toBeUndefined();
    expect(one.sm.unacked()).toEqual([]);

    const two = await setup();
    for (const id of ['a', 'b', 'c']) two.client.send(msg(id));
    two.stream.receive(`<a ${SM} h='1'/>`);
    two.stream.end();
    expect(ids(two.sm.failed())).toEqual(['b', 'c']);

    const three = await setup();
    three.client.send(msg('a'));
    three.stream.end();
    expect(ids(three.sm.failed(7))).toEqual(['a']); // an impossible h: report everything, a duplicate beats a loss
  });

  it('no resume token once the link has been down longer than the server’s max; a closed client fails held IQs', async () => {
    let t = 0;
    const { stream, client, sm } = await setup({ now: () => t }, `id='s' resume='true' max='60'`);
    const q = client.request('get', undefined, xml('ping', { xmlns: 'urn:xmpp:ping' }), 60_000);
    stream.end();
    t = 59_000;
    expect(sm.resumeToken()).toBeDefined();
    t = 61_000;
    expect(sm.resumeToken()).toBeUndefined();
    await client.close();
    await expect(q).rejects.toMatchObject({ condition: 'disconnected' });
  });

  it('without resumption a closed stream still fails sends and pending IQs at once', async () => {
    const { stream, client, result } = await setup({ resume: false }, `id='x'`);
    expect(result).toEqual({ ok: true, enabled: { resumable: false } });
    const q = client.request('get', undefined, xml('ping', { xmlns: 'urn:xmpp:ping' }), 60_000);
    stream.end();
    await expect(q).rejects.toMatchObject({ condition: 'disconnected' });
    expect(() => client.send(msg('z'))).toThrow();
  });
});
