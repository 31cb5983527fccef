// A modal confirmation built on <dialog> (focus trap, Escape and the backdrop come from the browser); Cancel has focus first.
import { useEffect, useRef, useState, type JSX, type ReactNode } from 'react';
import { toApiError, type ApiError } from '../api/errors';
import { ErrorText } from './Field';

export function ConfirmDialog(props: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  /** The button that keeps things as they are (default "Cancel"; say what it keeps when "Cancel" would be ambiguous). */
  cancelLabel?: string;
  danger?: boolean;
  /** May reject; the error is shown inside the dialog and it stays open. */
  onConfirm: () => Promise<void>;
  onClose: () => void;
}): JSX.Element {
  const ref = useRef<HTMLDialogElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();

  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    cancelRef.current?.focus();
  }, []);

  async function confirm(): Promise<void> {
    setBusy(true);
    setError(undefined);
    try {
      await props.onConfirm();
      props.onClose();
    } catch (err) {
      setError(toApiError(err));
      setBusy(false);
    }
  }

  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby="confirm-title"
      aria-describedby="confirm-body"
      onCancel={(e) => {
        e.preventDefault();
        if (!busy) props.onClose();
      }}
      onClick={(e) => {
        // A click on the backdrop lands on the <dialog> itself.
        if (e.target === ref.current && !busy) props.onClose();
      }}
      data-testid="confirm-dialog"
    >
      <div className="dialog-body">
        <h2 id="confirm-title" className="dialog-title">
          {props.title}
        </h2>
        <div id="confirm-body" className="dialog-text">
          {props.children}
        </div>
        {error && <ErrorText error={error} />}
      </div>
      <div className="dialog-actions">
        <button type="button" className="btn" ref={cancelRef} onClick={props.onClose} disabled={busy} data-testid="confirm-keep">
          {props.cancelLabel ?? 'Cancel'}
        </button>
        <button type="button" className={`btn ${props.danger ? 'btn-danger' : 'btn-primary'}`} onClick={confirm} disabled={busy}>
          {busy ? 'Working…' : props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
