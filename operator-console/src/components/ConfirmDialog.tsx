import { useEffect, useId, useRef } from 'react';

interface ConfirmDialogProps {
  title: string;
  /** What will happen, in plain words. */
  warning: string;
  confirmLabel: string;
  cancelLabel: string;
  onConfirm(): void;
  /** Also on Escape. */
  onCancel(): void;
}

/** A modal question before a change that cannot be taken back; the safe answer has the focus. */
export function ConfirmDialog({ title, warning, confirmLabel, cancelLabel, onConfirm, onCancel }: ConfirmDialogProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const id = useId();
  useEffect(() => {
    const element = dialog.current;
    element?.showModal();
    return () => element?.close();
  }, []);
  return (
    <dialog
      ref={dialog}
      className="confirm-dialog"
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-warning`}
      data-testid="confirm-dialog"
      onCancel={(event) => {
        event.preventDefault();
        onCancel();
      }}
    >
      <h2 id={`${id}-title`}>{title}</h2>
      <p id={`${id}-warning`}>{warning}</p>
      <div className="confirm-actions">
        <button type="button" className="button" onClick={onCancel} autoFocus data-testid="confirm-cancel">
          {cancelLabel}
        </button>
        <button type="button" className="button button-end" onClick={onConfirm} data-testid="confirm-ok">
          {confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
