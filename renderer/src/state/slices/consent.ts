import type { IpcError } from '../../../../shared/ipc/index';

/** The DoD Notice and Consent banner [UCR-G3]: its text and whether this run acknowledged it. */
export interface ConsentSlice {
  readonly status: 'loading' | 'ready' | 'failed';
  readonly text: string;
  readonly acknowledged: boolean;
  readonly acknowledging: boolean;
  readonly error: IpcError | undefined;
}

export const initialConsent: ConsentSlice = { status: 'loading', text: '', acknowledged: false, acknowledging: false, error: undefined };

export function consentLoaded(_s: ConsentSlice, value: { readonly text: string; readonly acknowledged: boolean }): ConsentSlice {
  return { status: 'ready', text: value.text, acknowledged: value.acknowledged, acknowledging: false, error: undefined };
}

export function consentFailed(s: ConsentSlice, error: IpcError): ConsentSlice {
  return { ...s, status: s.status === 'ready' ? 'ready' : 'failed', acknowledging: false, error };
}
