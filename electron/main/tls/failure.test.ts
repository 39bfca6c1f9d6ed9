import { describe, expect, it } from 'vitest';
import { classifyHandshakeError, classifyRecordError, TlsFailure } from './failure';

const nativeError = (code: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(`TLS handshake failed: ${code}`), { code, ...extra });

describe('classifyHandshakeError', () => {
  it.each([
    [{ verifyReasons: ['invalid', 'signer-not-found'] }, 'untrusted-chain'],
    [{ verifyReasons: ['invalid', 'expired'] }, 'certificate-expired'],
    [{ verifyReasons: ['invalid', 'not-activated'] }, 'certificate-not-yet-valid'],
    [{ verifyReasons: ['invalid', 'revoked'] }, 'certificate-revoked'],
    [{ verifyReasons: ['weak-key'] }, 'weak-peer-certificate'],
    [{ verifyReasons: ['invalid', 'insecure-algorithm'] }, 'weak-peer-certificate'],
    [{ verifyReasons: ['rejected-by-check'], peerRejectReason: 'certificate is not valid for a.test' }, 'name-mismatch'],
    [{ verifyReasons: ['invalid', 'purpose-mismatch'] }, 'peer-certificate-rejected'],
  ])('maps certificate verification %j to %s', (extra, code) => {
    const f = classifyHandshakeError(nativeError('GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR', extra));
    expect(f).toBeInstanceOf(TlsFailure);
    expect(f.code).toBe(code);
    expect(f.gnutlsError).toBe('GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR');
  });

  it.each([
    ['GNUTLS_E_UNSUPPORTED_VERSION_PACKET', {}, 'protocol-version'],
    ['GNUTLS_E_FATAL_ALERT_RECEIVED', { alert: 'Protocol version' }, 'protocol-version'],
    ['GNUTLS_E_NO_CIPHER_SUITES', {}, 'no-shared-cipher'],
    ['GNUTLS_E_FATAL_ALERT_RECEIVED', { alert: 'Handshake failed' }, 'no-shared-cipher'],
    ['GNUTLS_E_FATAL_ALERT_RECEIVED', { alert: 'Certificate is required' }, 'client-auth-failed'],
    ['GNUTLS_E_PK_SIGN_FAILED', {}, 'signer-failed'],
    ['ERR_BASTION_TLS_TIMEOUT', {}, 'timeout'],
    ['GNUTLS_E_PREMATURE_TERMINATION', {}, 'closed'],
    ['GNUTLS_E_UNEXPECTED_PACKET', {}, 'handshake-failed'],
  ])('maps %s %j to %s', (name, extra, code) => {
    expect(classifyHandshakeError(nativeError(name, extra)).code).toBe(code);
  });

  it('keeps a JS exception from a callback as the cause', () => {
    const cause = new Error('card removed');
    const f = classifyHandshakeError(nativeError('GNUTLS_E_PK_SIGN_FAILED', { cause }));
    expect(f.cause).toBe(cause);
  });
});

describe('classifyRecordError', () => {
  it('reads a TLS 1.3 post-handshake refusal of our certificate as client-auth-failed', () => {
    expect(classifyRecordError(nativeError('GNUTLS_E_FATAL_ALERT_RECEIVED', { alert: 'Certificate is required' })).code).toBe(
      'client-auth-failed',
    );
    expect(classifyRecordError(nativeError('GNUTLS_E_DECRYPTION_FAILED')).code).toBe('protocol-error');
    expect(classifyRecordError(nativeError('GNUTLS_E_PREMATURE_TERMINATION')).code).toBe('closed');
  });
});
