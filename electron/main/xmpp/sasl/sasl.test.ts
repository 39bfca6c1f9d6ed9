import { describe, expect, it } from 'vitest';
import { createExternal } from './external';
import { SaslFailure } from './mechanism';
import { createPlain } from './plain';
import { saslprep } from './saslprep';
import { createScram } from './scram';
import { selectMechanism, type ChannelBindingData } from './select';

describe('SCRAM', () => {
  it('matches the RFC 5802 §5 SCRAM-SHA-1 example and verifies the server signature', () => {
    const m = createScram({ hash: 'sha1', username: 'user', password: 'pencil', clientNonce: 'fyko+d2lbbFgONRv9qkxdawL' });
    expect(m.start()?.toString()).toBe('n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL');
    const final = m.challenge(Buffer.from('r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096'));
    expect(final.toString()).toBe('c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=');
    expect(() => m.success(Buffer.from('v=rmF9pqV8S7suAoZWja4dJRkFsKQ='))).not.toThrow();
  });

  it('matches the RFC 7677 §3 SCRAM-SHA-256 example', () => {
    const m = createScram({ hash: 'sha256', username: 'user', password: 'pencil', clientNonce: 'rOprNGfwEbeRWgbNEkqO' });
    const final = m.challenge(Buffer.from('r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'));
    expect(final.toString()).toBe(
      'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
    );
    expect(() => m.success(Buffer.from('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4='))).not.toThrow();
  });

  it('refuses a server that cannot prove it knows the password', () => {
    const m = createScram({ hash: 'sha256', username: 'user', password: 'pencil', clientNonce: 'rOprNGfwEbeRWgbNEkqO' });
    m.challenge(Buffer.from('r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'));
    expect(() => m.success(Buffer.from('v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='))).toThrow(SaslFailure);
    expect(() => m.success(undefined)).toThrow(SaslFailure);
  });

  it.each([
    ['a nonce that does not extend ours', 'r=other,s=QSXCR+Q6sek8bf92,i=4096'],
    ['too few iterations', 'r=abcXYZ,s=QSXCR+Q6sek8bf92,i=1'],
    ['absurd iterations', 'r=abcXYZ,s=QSXCR+Q6sek8bf92,i=999999999'],
    ['a mandatory extension', 'm=ext,r=abcXYZ,s=QSXCR+Q6sek8bf92,i=4096'],
    ['garbage', '\u0000\u0001'],
  ])('refuses a server-first message with %s', (_what, msg) => {
    const m = createScram({ hash: 'sha1', username: 'u', password: 'p', clientNonce: 'abc' });
    expect(() => m.challenge(Buffer.from(msg))).toThrow(SaslFailure);
  });

  it('binds to the channel with -PLUS: the gs2 header and the binding data go into c=', () => {
    const data = Buffer.alloc(32, 7);
    const m = createScram({ hash: 'sha256', username: 'u', password: 'p', clientNonce: 'abc', binding: { type: 'tls-exporter', data } });
    expect(m.name).toBe('SCRAM-SHA-256-PLUS');
    expect(m.start()?.toString()).toBe('p=tls-exporter,,n=u,r=abc');
    const final = m.challenge(Buffer.from('r=abcdef,s=QSXCR+Q6sek8bf92,i=4096')).toString();
    const c = /c=([^,]+)/.exec(final)?.[1] ?? '';
    expect(Buffer.from(c, 'base64')).toEqual(Buffer.concat([Buffer.from('p=tls-exporter,,'), data]));
  });

  it('escapes "," and "=" in the user name (RFC 5802 §5.1)', () => {
    const m = createScram({ hash: 'sha1', username: 'a,b=c', password: 'p', clientNonce: 'n' });
    expect(m.start()?.toString()).toBe('n,,n=a=2Cb=3Dc,r=n');
  });
});

describe('PLAIN, EXTERNAL, SASLprep', () => {
  it('PLAIN sends authcid and password with no authzid', () => {
    expect(createPlain({ username: 'alice', password: 'pw' }).start()).toEqual(Buffer.from('\0alice\0pw'));
  });

  it('EXTERNAL sends the authorization identity, or an empty response', () => {
    expect(createExternal({ authzid: 'alice@example.test' }).start()?.toString()).toBe('alice@example.test');
    expect(createExternal({ authzid: undefined }).start()?.length).toBe(0);
  });

  it('SASLprep maps spaces and soft hyphens, and refuses control characters (RFC 4013 examples)', () => {
    expect(saslprep('I\u00ADX')).toBe('IX');
    expect(saslprep('user')).toBe('user');
    expect(saslprep('\u00AA')).toBe('a');
    expect(saslprep('\u2168')).toBe('IX');
    expect(saslprep('a\u00A0b')).toBe('a b');
    expect(() => saslprep('\u0007')).toThrow();
  });
});

describe('mechanism selection', () => {
  const pw = { kind: 'password', username: 'alice', password: 'pw' } as const;
  const exporter = { tlsExporter: Buffer.alloc(32, 1) };
  const unique = { tlsUnique: Buffer.alloc(12, 2) };

  it('prefers SCRAM-SHA-256-PLUS, then -PLUS over plain SCRAM, SCRAM over PLAIN', () => {
    const pick = (offered: string[], binding: ChannelBindingData = unique) => {
      const s = selectMechanism({ offered, credentials: pw, binding });
      return s.ok ? s.mechanism.name : s.reason;
    };
    expect(pick(['PLAIN', 'SCRAM-SHA-1', 'SCRAM-SHA-256', 'SCRAM-SHA-256-PLUS'])).toBe('SCRAM-SHA-256-PLUS');
    expect(pick(['PLAIN', 'SCRAM-SHA-1', 'SCRAM-SHA-1-PLUS'])).toBe('SCRAM-SHA-1-PLUS');
    expect(pick(['PLAIN', 'SCRAM-SHA-1', 'SCRAM-SHA-1-PLUS'], {})).toBe('SCRAM-SHA-1');
    expect(pick(['PLAIN', 'SCRAM-SHA-1'])).toBe('SCRAM-SHA-1');
    expect(pick(['PLAIN'])).toBe('PLAIN');
  });

  it('says "y" when it could bind but the server offered no -PLUS (downgrade detection)', () => {
    const s = selectMechanism({ offered: ['SCRAM-SHA-1'], credentials: pw, binding: unique });
    expect(s.ok && s.mechanism.start()?.toString().startsWith('y,,')).toBe(true);
  });

  it('uses tls-exporter only when the server lists it (XEP-0440), and then says "n", not "y", without it', () => {
    const listed = selectMechanism({ offered: ['SCRAM-SHA-1-PLUS'], credentials: pw, binding: exporter, serverBindingTypes: ['tls-exporter'] });
    expect(listed.ok && listed.mechanism.start()?.toString()).toMatch(/^p=tls-exporter,,/);
    // ejabberd 23.01 under TLS 1.3: offers -PLUS, lists no types, rejects tls-exporter.
    const unlisted = selectMechanism({ offered: ['SCRAM-SHA-1-PLUS', 'SCRAM-SHA-1'], credentials: pw, binding: exporter });
    expect(unlisted.ok && unlisted.mechanism.name).toBe('SCRAM-SHA-1');
    expect(unlisted.ok && unlisted.mechanism.start()?.toString()).toMatch(/^n,,/);
  });

  it('respects the policy list and the advertised binding types (XEP-0440)', () => {
    const s = selectMechanism({ offered: ['PLAIN', 'SCRAM-SHA-1'], allowed: ['SCRAM-SHA-256', 'SCRAM-SHA-1'], credentials: pw, binding: {} });
    expect(s.ok && s.mechanism.name).toBe('SCRAM-SHA-1');
    const none = selectMechanism({ offered: ['PLAIN'], allowed: ['SCRAM-SHA-256', 'SCRAM-SHA-1'], credentials: pw, binding: {} });
    expect(none).toEqual({ ok: false, reason: expect.stringContaining('server offers PLAIN') });
    const types = selectMechanism({ offered: ['SCRAM-SHA-1-PLUS', 'SCRAM-SHA-1'], credentials: pw, binding: exporter, serverBindingTypes: ['tls-server-end-point'] });
    expect(types.ok && types.mechanism.name).toBe('SCRAM-SHA-1');
  });

  it('uses EXTERNAL only with a certificate, and never falls back to a password mechanism', () => {
    const cert = { kind: 'certificate', authzid: 'alice@example.test' } as const;
    const s = selectMechanism({ offered: ['SCRAM-SHA-1', 'EXTERNAL'], credentials: cert, binding: {} });
    expect(s.ok && s.mechanism.name).toBe('EXTERNAL');
    expect(selectMechanism({ offered: ['SCRAM-SHA-1', 'PLAIN'], credentials: cert, binding: {} }).ok).toBe(false);
    const pwOnly = selectMechanism({ offered: ['EXTERNAL'], credentials: pw, binding: {} });
    expect(pwOnly.ok).toBe(false);
  });
});
