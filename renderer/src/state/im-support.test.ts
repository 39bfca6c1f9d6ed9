// The roster's grouping and search, and the throttling of our chat states (XEP-0085).
import { describe, expect, it } from 'vitest';
import type { Contact } from '../../../shared/ipc/index';
import { createChatStateSender } from './chat-state-sender';
import { groupContacts } from './roster-groups';

const c = (jid: string, name: string | undefined, groups: string[]): Contact => ({ jid, ...(name ? { name } : {}), subscription: 'both', pendingOut: false, groups });

describe('roster groups', () => {
  const contacts = Object.fromEntries(
    [c('zed@x.mil', 'Zed', ['Ops']), c('amy@x.mil', 'amy', ['Ops', 'Staff']), c('bob@x.mil', undefined, []), c('cat@y.mil', 'Cat', ['staff'])].map((x) => [x.jid, x]),
  );

  it('groups sorted by name, contacts in every group they belong to, ungrouped last', () => {
    const g = groupContacts(contacts, '');
    expect(g.map((x) => [x.name, x.contacts.map((y) => y.jid)])).toEqual([
      ['Ops', ['amy@x.mil', 'zed@x.mil']],
      ['Staff', ['amy@x.mil']],
      ['staff', ['cat@y.mil']],
      [undefined, ['bob@x.mil']],
    ]);
  });

  it('search matches name or JID, case-insensitive, and drops empty groups', () => {
    expect(groupContacts(contacts, 'AM').map((x) => [x.name, x.contacts.map((y) => y.jid)])).toEqual([
      ['Ops', ['amy@x.mil']],
      ['Staff', ['amy@x.mil']],
    ]);
    expect(groupContacts(contacts, 'y.mil').flatMap((x) => x.contacts.map((y) => y.jid))).toEqual(['cat@y.mil']);
    expect(groupContacts(contacts, 'nobody')).toEqual([]);
  });
});

describe('chat-state sender', () => {
  function harness() {
    const sent: string[] = [];
    let timer: (() => void) | undefined;
    const s = createChatStateSender({
      send: (peer, state) => sent.push(`${peer}:${state}`),
      setTimer: (cb) => {
        timer = cb;
        return () => {
          timer = undefined;
        };
      },
    });
    return { s, sent, fire: () => timer?.(), pending: () => timer !== undefined };
  }

  it('composing once however many keystrokes, paused after the idle timer, composing again on the next keystroke', () => {
    const h = harness();
    for (const text of ['h', 'he', 'hel', 'hell']) h.s.typed('bob', text);
    expect(h.sent).toEqual(['bob:composing']);
    h.fire();
    expect(h.sent).toEqual(['bob:composing', 'bob:paused']);
    h.s.typed('bob', 'hello');
    expect(h.sent).toEqual(['bob:composing', 'bob:paused', 'bob:composing']);
  });

  it('a sent message needs no notification (it carries <active/>), and the next keystroke is composing again', () => {
    const h = harness();
    h.s.typed('bob', 'x');
    h.s.sent('bob');
    expect(h.pending()).toBe(false);
    h.s.typed('bob', 'y');
    expect(h.sent).toEqual(['bob:composing', 'bob:composing']);
  });

  it('clearing the draft says active; leaving while typing says inactive; leaving after sending says nothing', () => {
    const h = harness();
    h.s.typed('bob', 'x');
    h.s.typed('bob', '');
    h.s.typed('carol', 'x');
    h.s.left('carol');
    h.s.typed('dave', 'x');
    h.s.sent('dave');
    h.s.left('dave');
    expect(h.sent).toEqual(['bob:composing', 'bob:active', 'carol:composing', 'carol:inactive', 'dave:composing']);
  });
});
