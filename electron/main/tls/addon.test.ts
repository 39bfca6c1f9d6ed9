import { execFileSync } from 'node:child_process';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { beforeAll, describe, expect, it } from 'vitest';
import { ADDON_RELATIVE, addonCandidates, loadGnuTls, resolveAddonPath, unpackedPath, type GnuTlsAddon, type NativeSession } from './addon';
import { ensureAddonBuilt } from './testing/build-addon';

const root = path.resolve(import.meta.dirname, '../../..');
const P = '/opt/Bastion/resources';

describe('addon path resolution', () => {
  it('finds the addon from the source tree, a dist/ bundle and a packaged app', () => {
    const fromSource = addonCandidates({ env: {}, searchFrom: ['/repo/electron/main/tls'] });
    expect(fromSource).toContain(path.join('/repo', ADDON_RELATIVE));
    const fromBundle = addonCandidates({ env: {}, searchFrom: ['/repo/dist/electron'] });
    expect(fromBundle).toContain(path.join('/repo', ADDON_RELATIVE));
    const packaged = addonCandidates({ env: {}, resourcesPath: P, searchFrom: [] });
    expect(packaged[0]).toBe(path.join(P, 'app.asar.unpacked', ADDON_RELATIVE));
  });

  it('rewrites paths inside app.asar to app.asar.unpacked', () => {
    expect(unpackedPath('/opt/Bastion/resources/app.asar/dist/electron')).toBe('/opt/Bastion/resources/app.asar.unpacked/dist/electron');
    const c = addonCandidates({ env: {}, searchFrom: [`${P}/app.asar/dist/electron`] });
    expect(c).toContain(path.join(P, 'app.asar.unpacked', ADDON_RELATIVE));
    expect(c.some((x) => x.includes(`app.asar${path.sep}`))).toBe(false);
  });

  it('puts an explicit path first and honours BASTION_GNUTLS_ADDON', () => {
    expect(addonCandidates({ addonPath: '/x/y.node' })).toEqual(['/x/y.node']);
    expect(addonCandidates({ env: { BASTION_GNUTLS_ADDON: '/env/a.node' }, searchFrom: [] })[0]).toBe('/env/a.node');
  });

  it('names every place it looked when the addon is missing', () => {
    expect(() => resolveAddonPath({ env: {}, searchFrom: ['/nowhere/a'], exists: () => false })).toThrow(
      /not found[\s\S]*\/nowhere\/a\/native\/gnutls/,
    );
  });
});

describe('native session lifecycle', () => {
  let addon: GnuTlsAddon;
  beforeAll(() => {
    addon = loadGnuTls({ addonPath: ensureAddonBuilt(root) });
  });

  const base = () => ({
    trustPem: '',
    priority: 'NORMAL',
    requestOcsp: false,
    minRsaBits: 2048,
    minEcBits: 256,
    onWrite: () => {},
  });

  it('loads once per path and exposes the GnuTLS version', () => {
    expect(loadGnuTls({ addonPath: ensureAddonBuilt(root) })).toBe(addon);
    expect(addon.gnutlsVersion).toMatch(/^3\.\d+\.\d+$/);
    expect(addon.signAlgorithms).toContain('RSA-PSS-RSAE-SHA256');
  });

  it('refuses options without trust anchors or with a bad priority string', () => {
    expect(() => addon.createSession(base())).toThrow(/trustPem/);
    expect(() => addon.createSession({ ...base(), trustPem: 'garbage' })).toThrow(/trustPem/);
  });

  const tls13 = 'NONE:+VERS-TLS1.3:+AES-128-GCM:+AEAD:+GROUP-X25519:+SIGN-ECDSA-SECP256R1-SHA256:+CTYPE-X509';
  let pem = '';
  beforeAll(() => {
    pem = execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', '/dev/null', '-subj', '/CN=gc', '-days', '1'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    );
  });

  it('survives sessions dropped without destroy() and collected by the GC, callbacks closing over them', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    let collected = 0;
    const registry = new FinalizationRegistry<number>(() => {
      collected++;
    });
    const written: number[] = [];
    for (let i = 0; i < 200; i++) {
      const holder: { s?: NativeSession } = {};
      holder.s = addon.createSession({
        ...base(),
        trustPem: pem,
        priority: tls13,
        serverName: 'example.test',
        onWrite: (b) => {
          written.push(b.length);
          void holder.s; // a cycle through the callback
        },
      });
      expect(holder.s.handshake()).toBe('again'); // ClientHello produced
      registry.register(holder.s, i);
    }
    expect(written.length).toBe(200);
    for (let i = 0; i < 20 && collected < 150; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(collected).toBeGreaterThan(150);
  });

  it('refuses use after destroy(); destroy() twice is harmless', () => {
    const s = addon.createSession({ ...base(), trustPem: pem, priority: tls13 });
    expect(s.handshake()).toBe('again');
    s.destroy();
    s.destroy();
    expect(() => s.handshake()).toThrow(/destroyed/);
    expect(() => s.feed(Buffer.from('x'))).toThrow(/destroyed/);
  });

  it('turns garbage from the peer into a thrown GnuTLS error, not a crash', () => {
    const s = addon.createSession({ ...base(), trustPem: pem, priority: tls13 });
    s.handshake();
    s.feed(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'));
    expect(() => s.handshake()).toThrow(expect.objectContaining({ code: expect.stringMatching(/^GNUTLS_E_/) }));
    s.destroy();
  });
});
