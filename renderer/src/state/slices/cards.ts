import type { Cards, IpcError } from '../../../../shared/ipc/index';

/** Smart-card tokens and their certificates [UCR-T5]; read on demand (the card service starts lazily). */
export interface CardsSlice {
  readonly status: 'idle' | 'loading' | 'ready' | 'failed';
  readonly cards: Cards | undefined;
  readonly error: IpcError | undefined;
}

export const initialCards: CardsSlice = { status: 'idle', cards: undefined, error: undefined };

export function cardsLoading(s: CardsSlice): CardsSlice {
  return { ...s, status: 'loading', error: undefined };
}

export function cardsChanged(_s: CardsSlice, cards: Cards): CardsSlice {
  return { status: 'ready', cards, error: undefined };
}

export function cardsFailed(s: CardsSlice, error: IpcError): CardsSlice {
  return { ...s, status: 'failed', error };
}
