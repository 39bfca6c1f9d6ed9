import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadGnuTls, type GnuTlsAddon, type NativeInfo } from './addon';
import { maxTlsVersionFor } from './engine';
import { toTlsInfo } from './info';
import { priorityString, versionsFor } from './priority';
import { ensureAddonBuilt } from './testing/build-addon';

const root = path.resolve(import.meta.dirname, '../../..');
let addon: GnuTlsAddon;

beforeAll(() => {
  addon = loadGnuTls({ addonPath: ensureAddonBuilt(root) });
});

describe('priorityString', () => {
  it('starts from NONE and requires safe renegotiation and the 112-bit profile', () => {
    const p = priorityString({ minVersion: '1.2' });
    expect(p.startsWith('NONE:')).toBe(true);
    expect(p).toContain('%SAFE_RENEGOTIATION');
    expect(p).toContain('%PROFILE_MEDIUM');
    const tokens = p.split(':');
    const forbidden = ['+RSA', '+PSK', '+ANON-DH', '+ANON-ECDH', '+VERS-TLS1.0', '+VERS-TLS1.1', '+SHA1', '+MD5', '+COMP-DEFLATE'];
    for (const t of forbidden) expect(tokens).not.toContain(t);
    for (const t of tokens) expect(t).not.toMatch(/CBC|ARCFOUR|3DES|SHA1|MD5|-ALL$|^\+CIPHER-NULL|^\+NULL/);
  });

  it('lists TLS 1.3 and 1.2 for min 1.2, only TLS 1.3 for min 1.3', () => {
    expect(versionsFor({ minVersion: '1.2' })).toEqual(['1.3', '1.2']);
    expect(versionsFor({ minVersion: '1.3' })).toEqual(['1.3']);
    expect(priorityString({ minVersion: '1.3' })).not.toContain('VERS-TLS1.2');
  });

  it('rejects an unknown minimum version', () => {
    expect(() => priorityString({ minVersion: '1.1' as unknown as '1.2' })).toThrow(RangeError);
  });

  it('maxVersion: 1.3 by default, 1.2 leaves TLS 1.3 out, below the minimum or unknown is refused', () => {
    expect(versionsFor({ minVersion: '1.2', maxVersion: '1.3' })).toEqual(['1.3', '1.2']);
    expect(versionsFor({ minVersion: '1.2', maxVersion: '1.2' })).toEqual(['1.2']);
    expect(versionsFor({ minVersion: '1.3', maxVersion: '1.3' })).toEqual(['1.3']);
    const p = priorityString({ minVersion: '1.2', maxVersion: '1.2' });
    expect(p).toContain('+VERS-TLS1.2');
    expect(p).not.toContain('VERS-TLS1.3');
    expect(() => priorityString({ minVersion: '1.3', maxVersion: '1.2' })).toThrow(/maximum TLS version 1.2 is below the minimum 1.3/);
    expect(() => priorityString({ minVersion: '1.2', maxVersion: '1.4' as unknown as '1.3' })).toThrow(RangeError);
  });

  it('maxTlsVersionFor: TLS 1.2 only for an RSA key without RSA-PSS', () => {
    expect(maxTlsVersionFor({ keyType: 'rsa', signAlgos: ['RSA-PKCS1-SHA256', 'RSA-PKCS1-SHA384'] })).toBe('1.2');
    expect(maxTlsVersionFor({ keyType: 'rsa', signAlgos: ['RSA-PKCS1-SHA256', 'RSA-PSS-RSAE-SHA256'] })).toBe('1.3');
    expect(maxTlsVersionFor({ keyType: 'ec', signAlgos: ['ECDSA-SECP256R1-SHA256'] })).toBe('1.3');
  });
});

describe('toTlsInfo enforces the version range again', () => {
  const native = (version: string): NativeInfo => ({
    state: 'open', version, mac: 'AEAD', cipherSuite: 'x', peerChainDer: [], verified: true, verifyStatus: 0, verifyReasons: [],
    clientCertRequested: false, clientCertSent: false, signatures: 0,
  });
  it('TLS 1.3 negotiated under maxVersion 1.2 is a policy violation; TLS 1.2 under min 1.3 too', () => {
    expect(toTlsInfo(native('TLS1.2'), { minVersion: '1.2', maxVersion: '1.2' }).version).toBe('TLS1.2');
    expect(() => toTlsInfo(native('TLS1.3'), { minVersion: '1.2', maxVersion: '1.2' })).toThrow(
      expect.objectContaining({ code: 'policy-violation', message: expect.stringMatching(/allows TLS 1.2/) }),
    );
    expect(() => toTlsInfo(native('TLS1.2'), { minVersion: '1.3' })).toThrow(expect.objectContaining({ code: 'policy-violation' }));
  });
});

describe('what GnuTLS makes of the policy', () => {
  it('[UCR-T7] min 1.2: TLS 1.2/1.3 only, AEAD suites with (EC)DHE only, SHA-2 signatures only', () => {
    const d = addon.describePriority(priorityString({ minVersion: '1.2' }));
    expect(d.protocols).toEqual(['TLS1.3', 'TLS1.2']);
    expect(d.macs).toEqual(['AEAD']);
    expect(d.ciphers.sort()).toEqual(['AES-128-GCM', 'AES-256-GCM', 'CHACHA20-POLY1305']);
    expect(d.kx.sort()).toEqual(['DHE-RSA', 'ECDHE-ECDSA', 'ECDHE-RSA']);
    expect(d.suites.length).toBeGreaterThanOrEqual(9);
    for (const s of d.suites) {
      expect(s.mac).toBe('AEAD');
      expect(s.cipher).toMatch(/GCM|POLY1305/);
      // TLS 1.3 suites carry no key exchange; every TLS 1.2 suite is ephemeral (EC)DH.
      if (s.minVersion !== 'TLS1.3') expect(s.kx).toMatch(/^(ECDHE|DHE)-/);
    }
    for (const sig of d.signatures) expect(sig).not.toMatch(/SHA1|MD5|SHA224/i);
    for (const g of d.groups) expect(g).toMatch(/^(X25519|SECP256R1|SECP384R1|FFDHE(2048|3072|4096))$/);
  });

  it('[UCR-T7] min 1.3: TLS 1.3 suites only', () => {
    const d = addon.describePriority(priorityString({ minVersion: '1.3' }));
    expect(d.protocols).toEqual(['TLS1.3']);
    expect(d.suites.map((s) => s.name).sort()).toEqual([
      'TLS_AES_128_GCM_SHA256',
      'TLS_AES_256_GCM_SHA384',
      'TLS_CHACHA20_POLY1305_SHA256',
    ]);
  });

  it('max 1.2: TLS 1.2 only', () => {
    const d = addon.describePriority(priorityString({ minVersion: '1.2', maxVersion: '1.2' }));
    expect(d.protocols).toEqual(['TLS1.2']);
  });

  it('reports a bad priority string with its position', () => {
    expect(() => addon.describePriority('NONE:+NO-SUCH-THING')).toThrow(/invalid priority string at: \+NO-SUCH-THING/);
  });
});
