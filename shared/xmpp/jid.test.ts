import { describe, expect, it } from 'vitest';
import { parseAccountJid, parseFullJid, parseJid } from './jid';

describe('JIDs', () => {
  it('normalises case of localpart and domain, keeps the resource', () => {
    expect(parseJid('Alice@Example.TEST./Desk Top')).toEqual({ ok: true, jid: { local: 'alice', domain: 'example.test', resource: 'Desk Top' } });
    expect(parseFullJid('a@b.test/r/with/slash')).toBe('a@b.test/r/with/slash');
  });

  it.each(['', '@example.test', 'a@', 'a b@example.test', 'a@exa mple.test', 'a@example.test/', 'a"b@x.test', 'a@x..test', 'a@x\u0000.test', `${'a'.repeat(1024)}@x.test`])(
    'refuses %j',
    (bad) => {
      expect(parseJid(bad).ok).toBe(false);
    },
  );

  it('an account JID is user@domain without a resource', () => {
    expect(parseAccountJid(' Alice@Example.test ')).toEqual({ ok: true, jid: 'alice@example.test', local: 'alice', domain: 'example.test' });
    expect(parseAccountJid('example.test').ok).toBe(false);
    expect(parseAccountJid('a@example.test/r').ok).toBe(false);
  });
});
