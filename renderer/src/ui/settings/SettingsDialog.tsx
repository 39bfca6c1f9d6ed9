import { useRef } from 'react';
import type { PolicyKey, PolicyView } from '../../../../shared/policy/schema';
import { t, type MessageKey } from '../../i18n/en';
import { usePolicyStore } from '../../state/policy';
import { ModalDialog } from '../common/ModalDialog';
import { LockGlyph } from '../common/LockGlyph';
import { PrivacySettings } from './PrivacySettings';

/** The security settings shown, in the order an admin reads them; each is one policy key. */
const SHOWN: readonly PolicyKey[] = [
  'minTlsVersion',
  'revocation',
  'history',
  'compression',
  'allowedDomains',
  'dnsServers',
  'authMethods',
  'cardRemoval',
  'trustAnchors',
  'pkcs11Modules',
  'xeps',
  'classificationBanner',
  'passwordSaving',
];

/** A setting's effective value, in words. */
export function settingValue(key: PolicyKey, e: PolicyView['effective']): string {
  switch (key) {
    case 'minTlsVersion':
      return t('settings.val.tls', { version: e.minTlsVersion });
    case 'revocation':
      return t(`settings.val.revocation.${e.revocation}`);
    case 'history':
      if (!e.history.enabled) return t('settings.val.historyOff');
      return e.history.retentionDays === null ? t('settings.val.historyOn') : t('settings.val.historyOnDays', { days: e.history.retentionDays });
    case 'compression':
      return t(`settings.val.compression.${e.compression}`);
    case 'allowedDomains':
      return e.allowedDomains === null ? t('settings.val.anyDomain') : e.allowedDomains.join(', ');
    case 'dnsServers':
      return e.dnsServers.length === 0 ? t('settings.val.systemDns') : e.dnsServers.join(', ');
    case 'authMethods':
      return e.authMethods.map((m) => t(`login.method.${m}`)).join(', ');
    case 'cardRemoval':
      return t(`settings.val.cardRemoval.${e.cardRemoval}`);
    case 'trustAnchors':
      return e.trustAnchors === '' ? t('settings.val.default') : e.trustAnchors;
    case 'pkcs11Modules':
      return e.pkcs11Modules.length === 0 ? t('settings.val.default') : e.pkcs11Modules.join(', ');
    case 'xeps': {
      const off = Object.entries(e.xeps)
        .filter(([, on]) => !on)
        .map(([name]) => name);
      return off.length === 0 ? t('settings.val.allFeaturesOn') : t('settings.val.featureOff', { names: off.join(', ') });
    }
    case 'classificationBanner':
      return e.classificationBanner ? e.classificationBanner.text : t('settings.val.default');
    case 'consentBanner':
      return t('settings.val.custom');
    case 'passwordSaving':
      return t('settings.val.never');
  }
}

/**
 * Settings: the security settings in force (read-only — Bastion has no user-editable security
 * settings; a padlock and "Managed" mark the keys the admin policy enforces) and, while signed
 * in, the user's own privacy controls.
 */
export function SettingsDialog({ connected, onClose }: { readonly connected: boolean; readonly onClose: () => void }): React.JSX.Element {
  const policy = usePolicyStore();
  const closeRef = useRef<HTMLButtonElement>(null);
  const view = policy.status === 'ready' ? policy.view : undefined;
  return (
    <ModalDialog labelledBy="settings-title" onCancel={onClose} initialFocus={closeRef} className="form-dialog settings-dialog">
      <div className="settings-head">
        <h2 id="settings-title">{t('settings.title')}</h2>
        <button ref={closeRef} type="button" onClick={onClose}>
          {t('settings.close')}
        </button>
      </div>
      <section aria-labelledby="settings-security-title" data-testid="settings-security">
        <h3 id="settings-security-title">{t('settings.securityTitle')}</h3>
        <p className="muted">{t('settings.securityIntro')}</p>
        {policy.status === 'loading' && <p>{t('settings.loading')}</p>}
        {policy.status === 'failed' && <p className="alert alert-error">{t('policy.unavailable', { message: policy.message })}</p>}
        {view && (
          <>
            <p className="muted" data-testid="settings-policy-source">
              {view.status === 'none' ? t('settings.policyNone') : t('settings.policySource', { sources: view.sources.join(', ') || view.file })}
            </p>
            <dl className="settings-list">
              {SHOWN.map((key) => (
                <div key={key} className="settings-row" data-testid={`setting-${key}`} data-managed={view.managed.includes(key) || undefined}>
                  <dt>{t(`settings.key.${key}` as MessageKey)}</dt>
                  <dd>
                    <span className="settings-value">{settingValue(key, view.effective)}</span>
                    {view.managed.includes(key) && (
                      <span className="badge badge-managed" title={t('policy.managedByAdmin')}>
                        <LockGlyph /> {t('policy.managed')}
                      </span>
                    )}
                  </dd>
                </div>
              ))}
            </dl>
          </>
        )}
      </section>
      {connected ? <PrivacySettings /> : <p className="muted">{t('settings.privacyOffline')}</p>}
    </ModalDialog>
  );
}
