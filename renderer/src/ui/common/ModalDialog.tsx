import { useEffect, useRef, type ReactNode, type RefObject } from 'react';

export interface ModalDialogProps {
  /** id of the element that names the dialog (its heading). */
  readonly labelledBy: string;
  readonly describedBy?: string;
  /** Escape, or the platform's other cancel gestures. */
  readonly onCancel: () => void;
  /** Focused when the dialog opens; default: the first focusable element. */
  readonly initialFocus?: RefObject<HTMLElement | null>;
  readonly className?: string;
  readonly children: ReactNode;
}

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

function focusables(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => !el.closest('[inert]') && el.getClientRects().length > 0);
}

/**
 * A modal dialog on the native <dialog> element opened with showModal(): the rest of the page
 * is inert, the dialog sits in the top layer, and Escape raises 'cancel' (handled here, so the
 * parent decides what cancelling means). Tab and Shift+Tab wrap inside the dialog, so focus never
 * leaves it, and focus returns to where it was when the dialog closes.
 */
export function ModalDialog({ labelledBy, describedBy, onCancel, initialFocus, className, children }: ModalDialogProps): React.JSX.Element {
  const ref = useRef<HTMLDialogElement>(null);
  const onCancelRef = useRef(onCancel);
  useEffect(() => {
    onCancelRef.current = onCancel;
  }, [onCancel]);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return undefined;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!dialog.open) dialog.showModal();
    const target = initialFocus?.current ?? focusables(dialog)[0];
    target?.focus();
    return () => {
      if (dialog.open) dialog.close();
      if (opener?.isConnected) opener.focus();
    };
    // Opening is a mount-time effect: initialFocus is read once.
  }, []);

  const onKeyDown = (e: React.KeyboardEvent<HTMLDialogElement>): void => {
    if (e.key !== 'Tab' || !ref.current) return;
    const items = focusables(ref.current);
    const first = items[0];
    const last = items[items.length - 1];
    if (!first || !last) {
      e.preventDefault();
      return;
    }
    const active = document.activeElement;
    if (e.shiftKey && (active === first || !ref.current.contains(active))) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && (active === last || !ref.current.contains(active))) {
      e.preventDefault();
      first.focus();
    }
  };

  return (
    <dialog
      ref={ref}
      aria-modal="true"
      aria-labelledby={labelledBy}
      aria-describedby={describedBy}
      className={['modal', className].filter(Boolean).join(' ')}
      onKeyDown={onKeyDown}
      onCancel={(e) => {
        e.preventDefault();
        onCancelRef.current();
      }}
    >
      {children}
    </dialog>
  );
}
