import type { ContactPresence } from '../../../../shared/ipc/index';
import { t } from '../../i18n/en';

export type ShowName = ContactPresence['show'] | 'unknown';

export function showLabel(show: ShowName): string {
  switch (show) {
    case 'online':
      return t('presence.online');
    case 'chat':
      return t('presence.chat');
    case 'away':
      return t('presence.away');
    case 'xa':
      return t('presence.xa');
    case 'dnd':
      return t('presence.dnd');
    case 'offline':
      return t('presence.offline');
    case 'unknown':
      return t('presence.unknown');
  }
}

/**
 * The coloured presence dot. Colour is never the only cue: the dot has a distinct shape per
 * state (ring, bar, clock hands) and the text next to it always says the state.
 */
export function PresenceDot({ show }: { readonly show: ShowName }): React.JSX.Element {
  return <span className={`presence-dot presence-${show}`} aria-hidden="true" />;
}
