import { describe, expect, it } from 'vitest';
import { jidForDomain, xmppIdentityOf } from './xmpp-identity';

const none = { xmppAddr: [], upn: [], email: [] };

describe('pkcs11: XMPP identity of a card certificate (XEP-0178)', () => {
  it('pkcs11: xmppAddr wins over UPN and e-mail, and several xmppAddrs ask for an authzid', () => {
    const id = xmppIdentityOf({ xmppAddr: ['alice@prosody.test', 'alice@ejabberd.test'], upn: ['1234567890@mil'], email: ['alice@example.mil'] });
    expect(id).toEqual({
      jid: 'alice@prosody.test',
      source: 'xmppAddr',
      candidates: ['alice@prosody.test', 'alice@ejabberd.test'],
      needsAuthzid: true,
    });
    expect(id && jidForDomain(id, 'EJABBERD.test')).toBe('alice@ejabberd.test');
    expect(id && jidForDomain(id, 'other.test')).toBeUndefined();
  });

  it('pkcs11: one xmppAddr needs no authzid; a full JID keeps its resource', () => {
    expect(xmppIdentityOf({ ...none, xmppAddr: ['bob@Prosody.TEST'] })).toMatchObject({ jid: 'bob@prosody.test', needsAuthzid: false });
    expect(xmppIdentityOf({ ...none, xmppAddr: ['bob@prosody.test/desk'] })).toMatchObject({ jid: 'bob@prosody.test/desk' });
  });

  it('pkcs11: without xmppAddr the UPN is used (DoD CAC: EDIPI@mil), then the e-mail address', () => {
    expect(xmppIdentityOf({ ...none, upn: ['1234567890@mil'], email: ['john.doe@mail.mil'] })).toEqual({
      jid: '1234567890@mil',
      source: 'upn',
      candidates: ['1234567890@mil'],
      needsAuthzid: true,
    });
    expect(xmppIdentityOf({ ...none, email: ['John.Doe@MAIL.MIL'] })).toMatchObject({ jid: 'John.Doe@mail.mil', source: 'email' });
  });

  it('pkcs11: malformed values are skipped, and nothing usable gives null', () => {
    expect(xmppIdentityOf({ xmppAddr: ['prosody.test', '@x', 'a b@c'], upn: ['a@b@c'], email: ['ok@mail.mil'] })).toMatchObject({
      source: 'email',
      jid: 'ok@mail.mil',
    });
    expect(xmppIdentityOf(none)).toBeNull();
  });
});
