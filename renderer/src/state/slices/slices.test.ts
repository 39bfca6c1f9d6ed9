import { describe, expect, it } from 'vitest';
import { connectFinished, connectStarted, connectionStateChanged, initialConnection } from './connection';
import { certificateChangeDetected, decisionFinished, initialSecurity, securitySawConnectionState, type CertificateChangeQuestion } from './security';

const known = { spkiSha256: 'a', issuer: 'CN=CA', issuerSpkiSha256: 'b', leafSha256: 'c', firstSeen: '2025-01-01T00:00:00Z', lastSeen: '2025-01-01T00:00:00Z' };
const question: CertificateChangeQuestion = { requestId: 'r1', account: 'alice@example.mil', previous: known, presented: { ...known, spkiSha256: 'z' } };

describe('connection slice', () => {
  it('an established session that fails becomes an alert; a failed attempt keeps the command error', () => {
    let s = connectStarted(initialConnection, { account: 'alice@example.mil', method: 'password' });
    s = connectionStateChanged(s, { state: 'connecting', account: 'alice@example.mil' });
    s = connectionStateChanged(s, { state: 'connected', account: 'alice@example.mil', jid: 'alice@example.mil/x' });
    s = connectFinished(s, undefined);
    expect(s.alert).toBeUndefined();
    s = connectionStateChanged(s, { state: 'failed', account: 'alice@example.mil', error: { stage: 'stream', message: 'socket closed' } });
    expect(s.alert).toEqual({ code: 'connection-lost', message: 'The server or the network ended the session: socket closed' });
    s = connectStarted(s, { account: 'alice@example.mil', method: 'password' });
    s = connectionStateChanged(s, { state: 'failed', account: 'alice@example.mil', error: { stage: 'sasl', message: 'bad' } });
    expect(s.alert).toBeUndefined();
    s = connectFinished(s, { code: 'connection-failed', message: 'authentication failed' });
    expect(s.alert).toEqual({ code: 'connection-failed', message: 'authentication failed' });
  });

  it("'locked' (card removed) always says to insert the card and enter the PIN again", () => {
    const s = connectionStateChanged({ ...initialConnection, current: { state: 'connected' } }, { state: 'locked', account: 'a@b.c' });
    expect(s.alert?.message).toBe('Smart card removed — insert it and enter your PIN again.');
  });
});

describe('security slice', () => {
  it('a certificate question lives while its attempt runs, and is retired by an answer or by the attempt ending', () => {
    let s = certificateChangeDetected(initialSecurity, question);
    s = securitySawConnectionState(s, { state: 'awaiting-certificate-decision' });
    expect(s.pendingChange).toBe(question);
    expect(securitySawConnectionState(s, { state: 'failed' }).pendingChange).toBeUndefined();
    expect(decisionFinished(s, 'other', undefined).pendingChange).toBe(question);
    expect(decisionFinished(s, 'r1', undefined).pendingChange).toBeUndefined();
    expect(decisionFinished(s, 'r1', { code: 'invalid-state', message: 'x' })).toMatchObject({ pendingChange: question, decisionError: { code: 'invalid-state' } });
  });
});
