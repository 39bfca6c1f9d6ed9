// Account and privacy commands through the real main-process core: create an account in-band
// (after TLS, never in the clear), change its password, block and unblock, and the "only my
// contacts" preset — each checked against the real server, not just the command's answer.
import { randomBytes } from 'node:crypto';
import xml from '@xmpp/xml';
import { afterEach, describe, expect, it } from 'vitest';
import type { ImUpdate } from '../../shared/ipc';
import { waitFor } from '../support/clients';
import { startCore, type CoreHarness } from '../support/core-harness';
import { closeFreshSessions, freshAccount, freshSession } from '../support/fresh-user';
import { getTestbed } from '../support/testbed/get-testbed.js';
import type { ServerKind } from '../support/testbed/info.js';

const cores: CoreHarness[] = [];
afterEach(async () => {
  for (const c of cores.splice(0)) await c.close();
  await closeFreshSessions();
});
const start = (): CoreHarness => {
  const h = startCore();
  cores.push(h);
  return h;
};
const incoming = (h: CoreHarness, body: string): boolean =>
  h.events.some(([n, p]) => n === 'didUpdateIm' && (p as { updates: ImUpdate[] }).updates.some((u) => u.kind === 'message' && u.message.body === body));

describe.each(['prosody', 'ejabberd'] as ServerKind[])('account and privacy commands on %s', (kind) => {
  it('[UCR-G1] creates an account in-band and signs in with it; the password change takes effect on the server', async () => {
    const domain = getTestbed().servers[kind].domain;
    const account = `reg-${randomBytes(4).toString('hex')}@${domain}`;
    const h = start();
    await h.call('acknowledgeConsent', {});
    const created = await h.call('registerAccount', { account, password: 'first-password-1' });
    expect(created, JSON.stringify(created.error)).toMatchObject({ ok: true, value: { jid: expect.stringMatching(new RegExp(`^${account}/`)) } });
    expect((await h.call('registerAccount', { account, password: 'whatever-123' })).error?.code).toBe('invalid-state'); // already signed in
    expect(await h.call('changePassword', { newPassword: 'second-password-2' })).toMatchObject({ ok: true });
    await h.call('disconnect', {});
    expect((await h.call('connect', { account, auth: { kind: 'password', password: 'first-password-1' } })).ok).toBe(false);
    expect((await h.call('connect', { account, auth: { kind: 'password', password: 'second-password-2' } })).ok).toBe(true);
    await h.call('disconnect', {});
    // The name is taken now: creating it again is refused with a reason.
    const again = await h.call('registerAccount', { account, password: 'third-password-3' });
    expect(again).toMatchObject({ ok: false, error: { code: 'invalid-argument', message: expect.stringMatching(/could not be created/) } });
  });

  it('[IMPP-P2] blocks and unblocks a sender, and turns "only my contacts" on and off', async () => {
    const [alice, stranger] = await Promise.all([freshAccount(kind, 'priv-a'), freshAccount(kind, 'priv-s')]);
    const s = await freshSession(stranger);
    const h = start();
    await h.call('acknowledgeConsent', {});
    expect((await h.call('connect', { account: alice.jid, auth: { kind: 'password', password: alice.password } })).ok).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    const say = (body: string): void => s.send(xml('message', { to: alice.jid, type: 'chat', id: body }, xml('body', {}, body)));

    expect(await h.call('setBlocked', { jid: stranger.jid, blocked: true })).toMatchObject({ ok: true });
    expect((await h.call('getBlocked', {})).value).toEqual({ jids: [stranger.jid] });
    say('while-blocked');
    await new Promise((r) => setTimeout(r, 800));
    expect(incoming(h, 'while-blocked')).toBe(false);
    expect(await h.call('setBlocked', { jid: stranger.jid, blocked: false })).toMatchObject({ ok: true });
    say('unblocked');
    await waitFor([0], () => incoming(h, 'unblocked'), 5000);

    const on = await h.call('setMessagePrivacy', { onlyContacts: true });
    expect(on, JSON.stringify(on.error)).toMatchObject({ ok: true, value: { onlyContacts: true } });
    expect((await h.call('getMessagePrivacy', {})).value).toEqual({ onlyContacts: true });
    say('stranger-with-preset');
    await new Promise((r) => setTimeout(r, 800));
    expect(incoming(h, 'stranger-with-preset')).toBe(false);
    expect(await h.call('setMessagePrivacy', { onlyContacts: false })).toMatchObject({ ok: true, value: { onlyContacts: false } });
    say('stranger-after-preset');
    await waitFor([0], () => incoming(h, 'stranger-after-preset'), 5000);
  });
});
