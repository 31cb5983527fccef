// Short confirmations ("Created …") in the corner, announced to screen readers; each fades after a few seconds.
import { useCallback, useRef, useState, type JSX } from 'react';
import { Icon } from './Icon';

interface Toast {
  id: number;
  text: string;
}

export function useToasts(): { toasts: Toast[]; notify: (text: string) => void } {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const next = useRef(1);
  const notify = useCallback((text: string) => {
    const id = next.current++;
    setToasts((t) => [...t.slice(-2), { id, text }]);
    setTimeout(() => setToasts((t) => t.filter((x) => x.id !== id)), 3500);
  }, []);
  return { toasts, notify };
}

export function Toasts({ toasts }: { toasts: Toast[] }): JSX.Element {
  return (
    <div className="toasts" role="status" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className="toast">
          <Icon name="check" size={14} />
          {t.text}
        </div>
      ))}
    </div>
  );
}
