import { useId, useState, type ReactNode, type RefObject } from 'react';
import type { IpcError } from '../../../../shared/ipc/index';
import { ModalDialog } from './ModalDialog';

export interface FormDialogProps {
  readonly title: string;
  readonly intro?: ReactNode;
  readonly submitLabel: string;
  readonly busyLabel: string;
  readonly cancelLabel: string;
  /** Runs the command; an error keeps the dialog open and is shown in it. */
  readonly onSubmit: () => Promise<IpcError | string | undefined>;
  readonly onClose: () => void;
  /** Called instead of onClose after a successful submit (the caller shows a result). */
  readonly onDone?: () => void;
  /** Checks the fields first; a message stops the submit. */
  readonly validate?: () => string | undefined;
  readonly failedText: (message: string) => string;
  readonly danger?: boolean;
  readonly initialFocus?: RefObject<HTMLElement | null>;
  readonly className?: string;
  readonly testId?: string;
  readonly children?: ReactNode;
}

/**
 * A modal form: heading, optional intro, fields, Cancel and a submit button. Submitting runs the
 * command, closes on success and shows the failure in an alert otherwise (the fields keep what
 * the user typed).
 */
export function FormDialog({
  title,
  intro,
  submitLabel,
  busyLabel,
  cancelLabel,
  onSubmit,
  onClose,
  onDone,
  validate,
  failedText,
  danger,
  initialFocus,
  className,
  testId,
  children,
}: FormDialogProps): React.JSX.Element {
  const id = useId();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | undefined>();
  // A "correct the fields" message goes once the user edits; a refusal by the server stays.
  const [fromValidation, setFromValidation] = useState(false);

  const submit = async (e: React.FormEvent): Promise<void> => {
    e.preventDefault();
    if (busy) return;
    const problem = validate?.();
    if (problem) {
      setFailure(problem);
      setFromValidation(true);
      return;
    }
    setFailure(undefined);
    setFromValidation(false);
    setBusy(true);
    const error = await onSubmit();
    setBusy(false);
    if (error === undefined) (onDone ?? onClose)();
    else setFailure(typeof error === 'string' ? error : failedText(error.message));
  };

  return (
    <ModalDialog
      labelledBy={`${id}-title`}
      describedBy={intro ? `${id}-intro` : undefined}
      onCancel={onClose}
      initialFocus={initialFocus}
      className={['form-dialog', className].filter(Boolean).join(' ')}
    >
      <form
        onSubmit={(e) => void submit(e)}
        onChange={() => {
          if (fromValidation) {
            setFailure(undefined);
            setFromValidation(false);
          }
        }}
        noValidate
        data-testid={testId}
      >
        <h2 id={`${id}-title`}>{title}</h2>
        {intro && (
          <div id={`${id}-intro`} className="muted dialog-intro">
            {intro}
          </div>
        )}
        {failure && (
          <p role="alert" className="alert alert-error">
            {failure}
          </p>
        )}
        {children}
        <div className="actions">
          <button type="button" onClick={onClose}>
            {cancelLabel}
          </button>
          <button type="submit" className={danger ? 'button-danger' : 'button-primary'} aria-disabled={busy || undefined}>
            {busy ? busyLabel : submitLabel}
          </button>
        </div>
      </form>
    </ModalDialog>
  );
}

export interface TextAreaFieldProps {
  readonly id: string;
  readonly label: string;
  readonly hint?: string;
  readonly value: string;
  readonly onChange: (v: string) => void;
  readonly maxLength?: number;
  readonly rows?: number;
  readonly inputRef?: RefObject<HTMLTextAreaElement | null>;
}

/** A labelled textarea (reasons, messages) in the look of Field. */
export function TextAreaField({ id, label, hint, value, onChange, maxLength, rows, inputRef }: TextAreaFieldProps): React.JSX.Element {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {hint && (
        <p id={`${id}-hint`} className="field-hint">
          {hint}
        </p>
      )}
      <textarea id={id} ref={inputRef} rows={rows ?? 3} value={value} maxLength={maxLength} aria-describedby={hint ? `${id}-hint` : undefined} onChange={(e) => onChange(e.target.value)} />
    </div>
  );
}
