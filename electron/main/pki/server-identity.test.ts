import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DerError } from './der';
import { subjectAltNames } from './san';
import { dnsNameMatches, matchServerIdentity } from './server-identity';

let dir: string;

/** A self-signed EC certificate with the given subject and SAN extension (openssl syntax). */
function cert(name: string, subject: string, san?: string): Buffer {
  const ext = path.join(dir, `${name}.ext`);
  writeFileSync(ext, `[v3]\nbasicConstraints=CA:FALSE\n${san ? `subjectAltName=${san}\n` : ''}`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', path.join(dir, `${name}.key`),
    '-out', path.join(dir, `${name}.pem`), '-days', '1', '-subj', subject, '-config', ext, '-extensions', 'v3', '-outform', 'DER'], { stdio: 'pipe' });
  return readFileSync(path.join(dir, `${name}.pem`));
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'bastion-san-'));
  writeFileSync(path.join(dir, 'empty.cnf'), '');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('server identity (RFC 6125 for XMPP)', () => {
  it('matches a DNS-ID for the JID domain, and reads every SAN form', () => {
    const der = cert('full', '/CN=other.test', 'DNS:example.test,otherName:1.3.6.1.5.5.7.8.7;IA5STRING:_xmpp-client.example.test,otherName:1.3.6.1.5.5.7.8.5;UTF8:example.test,otherName:1.3.6.1.4.1.311.20.2.3;UTF8:1234567890@mil,email:a@example.test,IP:127.0.0.1,URI:xmpp:example.test');
    expect(matchServerIdentity(der, 'EXAMPLE.test.')).toEqual({ ok: true, type: 'DNS-ID', presented: 'example.test' });
    expect(subjectAltNames(der)).toEqual({
      dns: ['example.test'],
      srv: ['_xmpp-client.example.test'],
      xmppAddr: ['example.test'],
      upn: ['1234567890@mil'],
      email: ['a@example.test'],
      uri: ['xmpp:example.test'],
      ip: ['127.0.0.1'],
    });
  });

  it('matches an SRV-ID _xmpp-client.<domain>, but not another service', () => {
    const srv = cert('srv', '/CN=x', 'otherName:1.3.6.1.5.5.7.8.7;IA5STRING:_xmpp-client.example.test');
    expect(matchServerIdentity(srv, 'example.test')).toEqual({ ok: true, type: 'SRV-ID', presented: '_xmpp-client.example.test' });
    const s2s = cert('s2s', '/CN=x', 'otherName:1.3.6.1.5.5.7.8.7;IA5STRING:_xmpp-server.example.test');
    expect(matchServerIdentity(s2s, 'example.test').ok).toBe(false);
  });

  it('refuses a certificate for another name, and says what it presents', () => {
    const der = cert('wrong', '/CN=example.test', 'DNS:evil.test');
    const m = matchServerIdentity(der, 'example.test');
    expect(m).toEqual({ ok: false, reason: expect.stringContaining('DNS:evil.test'), presented: ['DNS:evil.test'] });
  });

  it('uses the CN only when the certificate has no SAN names at all', () => {
    expect(matchServerIdentity(cert('cn', '/CN=example.test'), 'example.test')).toEqual({ ok: true, type: 'CN-ID', presented: 'example.test' });
    // A CN that matches is ignored when a DNS-ID is present and does not.
    expect(matchServerIdentity(cert('cn-san', '/CN=example.test', 'DNS:other.test'), 'example.test').ok).toBe(false);
  });

  it('does not treat an xmppAddr or an IP address as a server name', () => {
    expect(matchServerIdentity(cert('xa', '/CN=x', 'otherName:1.3.6.1.5.5.7.8.5;UTF8:example.test'), 'example.test').ok).toBe(false);
    expect(matchServerIdentity(cert('ip', '/CN=x', 'IP:127.0.0.1'), '127.0.0.1').ok).toBe(false);
  });

  it.each([
    ['*.example.test', 'xmpp.example.test', true],
    ['*.example.test', 'example.test', false],
    ['*.example.test', 'a.b.example.test', false],
    ['*.test', 'example.test', false],
    ['x*.example.test', 'xy.example.test', false],
    ['*.example.test', 'xn--bcher-kva.example.test', true],
    ['*.example.test', 'xn--bcher-kva.test', false],
    ['Example.Test', 'example.test.', true],
  ])('wildcards: %s vs %s → %s', (presented, reference, expected) => {
    expect(dnsNameMatches(presented, reference)).toBe(expected);
  });

  it('malformed certificates throw a DerError, never read out of bounds', () => {
    const der = cert('trunc', '/CN=x', 'DNS:example.test');
    expect(() => subjectAltNames(der.subarray(0, der.length - 10))).toThrow(DerError);
    expect(() => subjectAltNames(Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff]))).toThrow(DerError);
    expect(() => subjectAltNames(Buffer.alloc(0))).toThrow(DerError);
  });
});
