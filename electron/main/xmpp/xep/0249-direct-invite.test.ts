import type { Element } from '@xmpp/xml';
import { parse } from 'ltx';
import { describe, expect, it } from 'vitest';
import type { BareJid, FullJid } from '../../../../shared/xmpp/jid';
import { createXmppClient } from '../client/client';
import { createFakeStream } from '../client/testing/fake-stream';
import { registerInvitations, type Invitation, type InvitationDecline } from './0045-muc-invite';
import { buildDirectInvite, MAX_INVITE_TEXT, NS_CONFERENCE, parseDirectInvite } from './0249-direct-invite';

const el = (s: string): Element => parse(s) as Element;
const ROOM = 'darkcave@macbeth.shakespeare.lit';
const MUC_USER = 'http://jabber.org/protocol/muc#user';

function setup() {
  const stream = createFakeStream();
  const client = createXmppClient({ jid: 'hecate@shakespeare.lit/broom' as FullJid, account: 'hecate@shakespeare.lit' as BareJid, stream });
  const inv = registerInvitations(client);
  const got: Invitation[] = [];
  const declines: InvitationDecline[] = [];
  const refused: string[] = [];
  inv.onDidReceiveInvitation((i) => got.push(i));
  inv.onDidReceiveDecline((d) => declines.push(d));
  inv.onDidRefuseInvitation((r) => refused.push(r));
  return { stream, client, inv, got, declines, refused };
}

describe('XEP-0249 direct invitations', () => {
  it('[UCR-G1] builds and parses §2 invitations (password, reason, continue/thread); advertises jabber:x:conference', () => {
    const { stream, client, inv, got } = setup();
    expect(client.disco.features()).toContain(NS_CONFERENCE);
    inv.inviteDirect('hecate@shakespeare.lit', 'DarkCave@Macbeth.Shakespeare.lit', { password: 'cauldronburn', reason: 'Hey Hecate', continueThread: 'e0ffe42b' });
    expect(stream.last().toString()).toBe(
      `<message to="hecate@shakespeare.lit"><x xmlns="jabber:x:conference" jid="${ROOM}" password="cauldronburn" reason="Hey Hecate" continue="true" thread="e0ffe42b"/></message>`,
    );
    stream.receive(`<message from='crone1@shakespeare.lit/desktop' to='hecate@shakespeare.lit'><x xmlns='jabber:x:conference' jid='${ROOM}' password='cauldronburn' reason='Hey Hecate' continue='true' thread='e0ffe42b'/></message>`);
    expect(got).toEqual([{ kind: 'direct', room: ROOM, from: 'crone1@shakespeare.lit/desktop', password: 'cauldronburn', reason: 'Hey Hecate', continues: true, thread: 'e0ffe42b' }]);
    stream.receive(`<message from='crone1@shakespeare.lit/desktop'><x xmlns='jabber:x:conference' jid='${ROOM}'/></message>`);
    expect(got[1]).toEqual({ kind: 'direct', room: ROOM, from: 'crone1@shakespeare.lit/desktop', continues: false });
    expect(() => buildDirectInvite('x@y', 'not a room')).toThrow(/not a room address/);
    inv.dispose();
    expect(client.disco.features()).not.toContain(NS_CONFERENCE);
  });

  it('[IMPP-D1] refuses spoofed or broken direct invitations, saying why', () => {
    const { stream, got, refused } = setup();
    const x = `<x xmlns='jabber:x:conference' jid='${ROOM}'/>`;
    stream.receive(`<message from='crone1@shakespeare.lit'>${x}</message>`); // bare: a server or room could pose as the inviter
    stream.receive(`<message from='shakespeare.lit'>${x}</message>`);
    stream.receive(`<message>${x}</message>`);
    stream.receive(`<message from='crone1@shakespeare.lit/desktop' type='groupchat'>${x}</message>`);
    stream.receive(`<message from='crone1@shakespeare.lit/desktop' type='error'>${x}</message>`);
    stream.receive(`<message from='crone1@shakespeare.lit/desktop'><x xmlns='jabber:x:conference' jid='macbeth.shakespeare.lit'/></message>`);
    stream.receive(`<message from='crone1@shakespeare.lit/desktop'><x xmlns='jabber:x:conference' jid='${ROOM}/nick'/></message>`);
    stream.receive(`<message from='crone1@shakespeare.lit/desktop'><x xmlns='jabber:x:conference'/></message>`);
    stream.receive(`<message from='crone1@shakespeare.lit/desktop'><x xmlns='jabber:x:conference' jid='${ROOM}' reason='${'r'.repeat(MAX_INVITE_TEXT + 1)}'/></message>`);
    expect(got).toEqual([]);
    expect(refused).toHaveLength(9);
    expect(refused[0]).toMatch(/not from a full JID/);
    expect(refused[3]).toMatch(/groupchat/);
    expect(refused[5]).toMatch(/not a room address/);
    expect(refused[8]).toMatch(/longer than/);
    expect(parseDirectInvite(el("<message from='a@b/c'><body>hi</body></message>"))).toBeUndefined();
  });
});

describe('XEP-0045 §7.8.2 mediated invitations', () => {
  const relayed = (from: string, invite: string, extra = '') => `<message from='${from}' to='hecate@shakespeare.lit'><x xmlns='${MUC_USER}'>${invite}${extra}</x><body>crone1 invited you</body></message>`;

  it('[UCR-G1] sends an invitation through the room, receives one relayed by the room (with its password), declines it', () => {
    const { stream, inv, got, declines } = setup();
    inv.invite(ROOM, 'Hecate@Shakespeare.lit', { reason: 'Hey Hecate', continueThread: 't1' });
    expect(stream.last().toString()).toBe(`<message to="${ROOM}"><x xmlns="${MUC_USER}"><invite to="Hecate@Shakespeare.lit"><reason>Hey Hecate</reason><continue thread="t1"/></invite></x></message>`);
    expect(() => inv.invite('no room', 'a@b')).toThrow(/not a room address/);
    expect(() => inv.invite(ROOM, 'a b@c')).toThrow(/not a JID/);

    stream.receive(relayed(ROOM, "<invite from='crone1@shakespeare.lit/desktop'><reason>Hey Hecate</reason><continue thread='t1'/></invite>", '<password>cauldronburn</password>'));
    expect(got).toEqual([{ kind: 'mediated', room: ROOM, from: 'crone1@shakespeare.lit/desktop', reason: 'Hey Hecate', password: 'cauldronburn', continues: true, thread: 't1' }]);
    const first = got[0];
    if (first?.kind !== 'mediated') throw new Error('not mediated');
    inv.decline(first, 'Sorry, busy');
    expect(stream.last().toString()).toBe(`<message to="${ROOM}"><x xmlns="${MUC_USER}"><decline to="crone1@shakespeare.lit/desktop"><reason>Sorry, busy</reason></decline></x></message>`);

    // The inviter gets the decline from the room.
    stream.receive(`<message from='${ROOM}'><x xmlns='${MUC_USER}'><decline from='hecate@shakespeare.lit'><reason>Sorry, busy</reason></decline></x></message>`);
    expect(declines).toEqual([{ room: ROOM, from: 'hecate@shakespeare.lit', reason: 'Sorry, busy' }]);
  });

  it('[IMPP-D1] refuses mediated invitations and declines that do not come from the room itself', () => {
    const { stream, got, declines, refused } = setup();
    const invite = "<invite from='crone1@shakespeare.lit/desktop'><reason>trust me</reason></invite>";
    stream.receive(relayed('mallory@evil.example/x', invite)); // a user writing <invite from=…> herself
    stream.receive(relayed(`${ROOM}/mallory`, invite)); // an occupant's private message
    stream.receive(relayed('macbeth.shakespeare.lit', invite)); // the service, not a room
    stream.receive(`<message from='${ROOM}' type='groupchat'><x xmlns='${MUC_USER}'>${invite}</x></message>`);
    stream.receive(relayed(ROOM, '<invite><reason>who?</reason></invite>'));
    stream.receive(relayed(ROOM, invite + invite));
    stream.receive(relayed(ROOM, invite, `<password>${'p'.repeat(MAX_INVITE_TEXT + 1)}</password>`));
    stream.receive(`<message from='mallory@evil.example/x'><x xmlns='${MUC_USER}'><decline from='hecate@shakespeare.lit'/></x></message>`);
    expect(got).toEqual([]);
    expect(declines).toEqual([]);
    expect(refused).toHaveLength(8);
    expect(refused[0]).toMatch(/only the room itself/);
    expect(refused[4]).toMatch(/does not say who sent it/);
    expect(refused[5]).toMatch(/a room relays one/);
    expect(refused[7]).toMatch(/mediated decline/);
    // A message with a mediated invitation is judged as one even if it also carries the legacy
    // jabber:x:conference element: from a user it is refused, from the room (Prosody adds the
    // element for old clients) it counts once, as mediated.
    stream.receive(`<message from='crone1@shakespeare.lit/desktop'><x xmlns='${MUC_USER}'>${invite}</x><x xmlns='jabber:x:conference' jid='${ROOM}'/></message>`);
    expect(got).toEqual([]);
    expect(refused).toHaveLength(9);
    stream.receive(`<message from='${ROOM}'><x xmlns='${MUC_USER}'>${invite}</x><x xmlns='jabber:x:conference' jid='${ROOM}'>trust me</x></message>`);
    expect(got).toEqual([{ kind: 'mediated', room: ROOM, from: 'crone1@shakespeare.lit/desktop', reason: 'trust me', continues: false }]);
    expect(refused).toHaveLength(9);
  });

  it('a listener that throws does not break stanza routing', () => {
    const { stream, inv } = setup();
    inv.onDidReceiveInvitation(() => {
      throw new Error('ui bug');
    });
    expect(() => stream.receive(relayed(ROOM, "<invite from='crone1@shakespeare.lit'/>"))).not.toThrow();
    expect(() => stream.receive(`<message from='crone1@shakespeare.lit/desktop'><x xmlns='jabber:x:conference' jid='${ROOM}'/></message>`)).not.toThrow();
  });
});
