import { create } from 'zustand';
import type { AppInfo, IpcError } from '../../../shared/ipc/index';

export type CoreLink =
  | { readonly state: 'connecting' }
  | { readonly state: 'ready'; readonly info: AppInfo }
  | { readonly state: 'failed'; readonly error: IpcError };

interface AppState {
  readonly link: CoreLink;
  readonly lastPing: { readonly nonce: string; readonly roundTripMs: number; readonly eventSeen: boolean } | undefined;
  setLink(link: CoreLink): void;
  setPing(ping: AppState['lastPing']): void;
}

/** App-level slice: is the core reachable, and what is it. Domain slices come with their issues. */
export const useAppStore = create<AppState>()((set) => ({
  link: { state: 'connecting' },
  lastPing: undefined,
  setLink: (link) => set({ link }),
  setPing: (lastPing) => set({ lastPing }),
}));
