/**
 * The renderer's one zustand store, composed of one slice per domain (slices/). Components read
 * it through narrow selectors (selectors.ts); nothing writes it directly: every change is an
 * update function queued with `dispatch`, and the frame batcher commits what was queued once per
 * animation frame.
 */
import { create } from 'zustand';
import { browserFrameScheduler, createFrameBatcher, type FrameBatcher, type FrameScheduler, type Update } from './frame-batcher';
import { initialApp, type AppSlice } from './slices/app';
import { initialCards, type CardsSlice } from './slices/cards';
import { initialChats, type ChatsSlice } from './slices/chats';
import { initialConnection, type ConnectionSlice } from './slices/connection';
import { initialConsent, type ConsentSlice } from './slices/consent';
import { initialRooms, type RoomsSlice } from './slices/rooms';
import { initialRoster, type RosterSlice } from './slices/roster';
import { initialSecurity, type SecuritySlice } from './slices/security';

export interface RootState {
  readonly app: AppSlice;
  readonly consent: ConsentSlice;
  readonly connection: ConnectionSlice;
  readonly security: SecuritySlice;
  readonly cards: CardsSlice;
  readonly roster: RosterSlice;
  readonly chats: ChatsSlice;
  readonly rooms: RoomsSlice;
}

export const initialState: RootState = {
  app: initialApp,
  consent: initialConsent,
  connection: initialConnection,
  security: initialSecurity,
  cards: initialCards,
  roster: initialRoster,
  chats: initialChats,
  rooms: initialRooms,
};

export const useStore = create<RootState>()(() => initialState);

let batcher: FrameBatcher<RootState> | undefined;

function getBatcher(): FrameBatcher<RootState> {
  batcher ??= createFrameBatcher<RootState>((u) => useStore.setState(u, true), browserFrameScheduler());
  return batcher;
}

/** Queues a state update; it is committed with the others at the next animation frame. */
export function dispatch(update: Update<RootState>): void {
  getBatcher().push(update);
}

/** Lifts a slice reducer to a root update: `dispatch(on('cards', cardsLoading))`. */
export function on<K extends keyof RootState>(key: K, reduce: (slice: RootState[K]) => RootState[K]): Update<RootState> {
  return (s) => {
    const next = reduce(s[key]);
    return next === s[key] ? s : { ...s, [key]: next };
  };
}

/** Tests: a scheduler they control, and a fresh state. */
export function resetStore(scheduler?: FrameScheduler): void {
  batcher?.dispose();
  batcher = scheduler ? createFrameBatcher<RootState>((u) => useStore.setState(u, true), scheduler) : undefined;
  useStore.setState(initialState, true);
}

/** Commits queued updates at once (tests). */
export function flushUpdates(): void {
  batcher?.flush();
}
