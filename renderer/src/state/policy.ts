/**
 * The admin policy as the core reports it (`getPolicy`), in its own small store: it is read once
 * at start-up (the policy is machine-wide and fixed for the run) and only the login screen, the
 * classification banners and the settings dialog read it.
 */
import { create } from 'zustand';
import type { BastionApi } from '../../../shared/ipc/contract';
import type { PolicyView } from '../../../shared/policy/schema';

export type PolicyState =
  | { readonly status: 'loading' }
  | { readonly status: 'ready'; readonly view: PolicyView }
  | { readonly status: 'failed'; readonly message: string };

export const usePolicyStore = create<PolicyState>()(() => ({ status: 'loading' }));

export async function loadPolicy(api: BastionApi): Promise<void> {
  const r = await api.invoke('getPolicy', {});
  usePolicyStore.setState(r.ok ? { status: 'ready', view: r.value } : { status: 'failed', message: r.error.message }, true);
}

/** The policy view once loaded (undefined while loading or when the core could not answer). */
export const usePolicy = (): PolicyView | undefined => usePolicyStore((s) => (s.status === 'ready' ? s.view : undefined));
