// Short notices in the corner: confirmations ("Created …") fade after a few seconds; errors (an engine crash) stay
// until dismissed. Announced to screen readers.
import { useCallback, useRef, useState, type JSX } from 'react';
import { Icon } from './Icon';

interface Toast {
  id: number;
  text: string;
  detail?: string;
  kind: 'ok' | 'error';
}

export type Notify = (text: string, opts?: { kind?: 'ok' | 'error'; detail?: string }) => void;

export function useToasts(): { toasts: Toast[]; notify: Notify; dismiss: (id: number) => void } {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const next = useRef(1);
  const dismiss = useCallback((id: number) => setToasts((t) => t.filter((x) => x.id !== id)), []);
  const notify = useCallback<Notify>(
    (text, opts = {}) => {
      const id = next.current++;
      const kind = opts.kind ?? 'ok';
      setToasts((t) => [...t.slice(-3), { id, text, detail: opts.detail, kind }]);
      if (kind === 'ok') setTimeout(() => dismiss(id), 3500);
    },
    [dismiss],
  );
  return { toasts, notify, dismiss };
}

export function Toasts({ toasts, onDismiss }: { toasts: Toast[]; onDismiss: (id: number) => void }): JSX.Element {
  return (
    <div className="toasts" role="status" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className={`toast toast-${t.kind}`} role={t.kind === 'error' ? 'alert' : undefined} data-testid={`toast-${t.kind}`}>
          <Icon name={t.kind === 'error' ? 'alert' : 'check'} size={14} />
          <div className="toast-text">
            <div>{t.text}</div>
            {t.detail && <div className="toast-detail">{t.detail}</div>}
          </div>
          {t.kind === 'error' && (
            <button type="button" className="icon-btn" onClick={() => onDismiss(t.id)} aria-label="Dismiss">
              <Icon name="x" size={14} />
            </button>
          )}
        </div>
      ))}
    </div>
  );
}
