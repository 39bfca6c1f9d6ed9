/** Small inline SVG icons (no emoji: the workstation may have no emoji font). Always decorative: text says the same. */
import type { MessageStateName } from '../../../../shared/ipc/index';

const PATHS: Readonly<Record<Exclude<MessageStateName, 'received'>, string>> = {
  // clock
  queued: 'M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20Zm0 2a8 8 0 1 1 0 16 8 8 0 0 1 0-16Zm-1 3v6l5 3 1-1.7-4-2.4V7h-2Z',
  // one check
  sent: 'M9 16.2 4.8 12l-1.4 1.4L9 19 21 7l-1.4-1.4L9 16.2Z',
  // two checks
  delivered: 'M1.4 13.4 7 19l1.4-1.4L2.8 12l-1.4 1.4Zm20.2-7.8L11 16.2 6.8 12l-1.4 1.4L11 19 23 7l-1.4-1.4ZM17.6 7l-1.4-1.4-6.4 6.4 1.4 1.4L17.6 7Z',
  // two checks (shown in the accent colour)
  displayed: 'M1.4 13.4 7 19l1.4-1.4L2.8 12l-1.4 1.4Zm20.2-7.8L11 16.2 6.8 12l-1.4 1.4L11 19 23 7l-1.4-1.4ZM17.6 7l-1.4-1.4-6.4 6.4 1.4 1.4L17.6 7Z',
  // warning triangle
  failed: 'M1 21h22L12 2 1 21Zm12-3h-2v-2h2v2Zm0-4h-2v-4h2v4Z',
};

export function StateIcon({ state }: { readonly state: MessageStateName }): React.JSX.Element | null {
  if (state === 'received') return null;
  return (
    <svg className="state-icon" viewBox="0 0 24 24" width="14" height="14" aria-hidden="true" focusable="false">
      <path fill="currentColor" d={PATHS[state]} />
    </svg>
  );
}

export function ChevronIcon(): React.JSX.Element {
  return (
    <svg className="chevron" viewBox="0 0 24 24" width="14" height="14" aria-hidden="true" focusable="false">
      <path fill="currentColor" d="M8.6 5.4 15.2 12l-6.6 6.6L10 20l8-8-8-8-1.4 1.4Z" />
    </svg>
  );
}

/** Three dots: "more actions". */
export function MoreIcon(): React.JSX.Element {
  return (
    <svg className="icon" viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false">
      <path fill="currentColor" d="M6 10a2 2 0 1 0 0 4 2 2 0 0 0 0-4Zm6 0a2 2 0 1 0 0 4 2 2 0 0 0 0-4Zm6 0a2 2 0 1 0 0 4 2 2 0 0 0 0-4Z" />
    </svg>
  );
}
