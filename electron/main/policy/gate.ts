/**
 * Where the core applies the admin policy to commands [UCR-G3]: sign-in methods, the broken-policy
 * stop, the consent text, and the audit events that go with them. Kept here so core.ts only
 * calls one function at each place.
 */
import { createHash } from 'node:crypto';
import type { AuthMethod, PolicyView } from '../../../shared/policy/schema';
import { DOD_CONSENT_BANNER } from '../../../shared/policy/consent';
import type { AuditSink } from '../audit/sink';
import { CommandFailure } from '../ipc/handlers';
import { effectivePolicy, policyRefusal } from './effective';
import { machinePolicyFile } from './load';

/** For cores whose session environment carries no policy (unit tests, hand-built hosts): defaults, nothing managed. */
export function policyViewOf(admin: PolicyView | undefined): PolicyView {
  return admin ?? effectivePolicy({ status: 'none', file: machinePolicyFile(), sources: [], policy: {}, notes: [] }, {});
}

/** Throws 'invalid-state' (and records it) when the policy is broken or does not allow the method. */
export function enforceSignInPolicy(view: PolicyView, method: AuthMethod, audit: AuditSink, account: string): void {
  const refused = policyRefusal(view, method);
  if (refused === undefined) return;
  audit.record({ type: 'login', outcome: 'refused', account, detail: { method, stage: 'policy', reason: refused } });
  throw new CommandFailure('invalid-state', refused);
}

/** The consent banner: the policy's when it sets one, else the host's, else the DoD standard text. */
export function consentTextOf(view: PolicyView, hostText: string | undefined): string {
  return view.managed.includes('consentBanner') ? view.effective.consentBanner : (hostText ?? DOD_CONSENT_BANNER);
}

/** Which banner the user acknowledged: its source and a hash of the exact text shown. */
export function auditConsent(audit: AuditSink, view: PolicyView, text: string): void {
  audit.record({
    type: 'consent-acknowledged',
    outcome: 'success',
    detail: { banner: view.managed.includes('consentBanner') ? 'admin-policy' : 'dod-standard', textSha256: createHash('sha256').update(text).digest('hex') },
  });
}

/** The policy as loaded at start: what is enforced, or why nothing will connect. */
export function auditPolicyLoad(audit: AuditSink, view: PolicyView): void {
  audit.record({
    type: 'policy-load',
    outcome: view.status === 'broken' ? 'failure' : 'success',
    detail: {
      status: view.status,
      file: view.file,
      sources: [...view.sources],
      managed: [...view.managed],
      ...(view.error !== undefined ? { error: view.error } : {}),
      ...(view.notes.length > 0 ? { notes: [...view.notes] } : {}),
    },
  });
}

/** Records the outcome of an account-management command (password change, account creation). */
export async function audited<T>(audit: AuditSink, type: 'password-changed' | 'account-created', account: string | undefined, run: () => Promise<T> | T): Promise<T> {
  try {
    const r = await run();
    audit.record({ type, outcome: 'success', account });
    return r;
  } catch (e: unknown) {
    const code = (e as { code?: unknown }).code;
    audit.record({ type, outcome: 'failure', account, detail: { ...(typeof code === 'string' ? { code } : {}), reason: e instanceof Error ? e.message : String(e) } });
    throw e;
  }
}
