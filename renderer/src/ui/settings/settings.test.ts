// The words the settings dialog and the banners derive from the effective policy.
import { describe, expect, it } from 'vitest';
import type { PolicyView } from '../../../../shared/policy/schema';
import { bannerFromPolicy, CLASSIFICATION } from '../classification';
import { settingValue } from './SettingsDialog';

const effective: PolicyView['effective'] = {
  allowedDomains: null,
  trustAnchors: '/etc/ssl/dod.pem',
  pkcs11Modules: [],
  authMethods: ['card'],
  minTlsVersion: '1.3',
  revocation: 'hard',
  cardRemoval: 'terminate',
  consentBanner: 'x',
  classificationBanner: null,
  history: { enabled: true, retentionDays: 30 },
  compression: 'off',
  xeps: { privacyLists: true, multicast: false, xhtmlIm: true, entityCapabilities: true },
  dnsServers: [],
  passwordSaving: 'never',
};

describe('settingValue', () => {
  it('words each effective value', () => {
    expect(settingValue('minTlsVersion', effective)).toBe('TLS 1.3');
    expect(settingValue('revocation', effective)).toBe('Required (fail when status is unknown)');
    expect(settingValue('history', effective)).toBe('Kept on this computer for 30 days');
    expect(settingValue('history', { ...effective, history: { enabled: false, retentionDays: null } })).toBe('Not kept');
    expect(settingValue('allowedDomains', effective)).toBe('Any domain');
    expect(settingValue('allowedDomains', { ...effective, allowedDomains: ['a.mil', 'b.mil'] })).toBe('a.mil, b.mil');
    expect(settingValue('dnsServers', effective)).toBe('The system’s');
    expect(settingValue('authMethods', effective)).toBe('Smart card (CAC)');
    expect(settingValue('xeps', effective)).toBe('off: multicast');
    expect(settingValue('compression', effective)).toBe('Off');
  });
});

describe('bannerFromPolicy', () => {
  it('the policy banner gives text and exact colours; none keeps the default marking', () => {
    expect(bannerFromPolicy(null)).toBe(CLASSIFICATION);
    expect(bannerFromPolicy({ text: 'CUI', foreground: '#000000', background: '#502b85' })).toEqual({
      level: 'policy',
      text: 'CUI',
      colours: { foreground: '#000000', background: '#502b85' },
    });
  });
});
