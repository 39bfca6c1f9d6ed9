import { useState, type LiHTMLAttributes, type ReactNode } from 'react';
import type { IpcError } from '../../../../shared/ipc/index';

/**
 * Things waiting for the user's yes or no — contact requests, room invitations, voice requests:
 * a heading with the count, an optional introduction, the last failure, and one row per item.
 */
export function Inbox(props: {
  readonly titleId: string;
  readonly title: string;
  readonly count: number;
  readonly className: string;
  readonly testId: string;
  readonly intro?: string;
  readonly error: string | undefined;
  readonly children: ReactNode;
}): React.JSX.Element {
  return (
    <section className={props.className} aria-labelledby={props.titleId} data-testid={props.testId}>
      <h3 id={props.titleId}>
        {props.title} <span className="count-badge">{props.count}</span>
      </h3>
      {props.intro && <p className="requests-intro">{props.intro}</p>}
      {props.error && (
        <p role="alert" className="field-error">
          {props.error}
        </p>
      )}
      <ul className="request-list">{props.children}</ul>
    </section>
  );
}

interface Answer {
  /** The button text, and its name for screen readers (which says what it answers). */
  readonly text: string;
  readonly label: string;
  readonly onClick: () => void;
}

/** One item: what it is (`children`), then the positive and the negative answer. */
export function InboxItem({ yes, no, disabled, children, ...li }: { readonly yes: Answer; readonly no: Answer; readonly disabled?: boolean; readonly children: ReactNode } & LiHTMLAttributes<HTMLLIElement>): React.JSX.Element {
  return (
    <li {...li}>
      {children}
      <span className="request-actions">
        <button type="button" className="button-primary button-small" aria-label={yes.label} disabled={disabled} onClick={yes.onClick}>
          {yes.text}
        </button>
        <button type="button" className="button-small" aria-label={no.label} disabled={disabled} onClick={no.onClick}>
          {no.text}
        </button>
      </span>
    </li>
  );
}

/**
 * Answering one item at a time: `busy` while an answer is on its way, `error` the last failure
 * (`failure` turns the core's message into the sentence shown).
 */
export function useInboxAnswer(): {
  readonly busy: boolean;
  readonly error: string | undefined;
  readonly answer: (call: () => Promise<IpcError | undefined>, failure: (message: string) => string) => Promise<void>;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const answer = async (call: () => Promise<IpcError | undefined>, failure: (message: string) => string): Promise<void> => {
    setBusy(true);
    setError(undefined);
    const e = await call();
    setBusy(false);
    if (e) setError(failure(e.message));
  };
  return { busy, error, answer };
}
