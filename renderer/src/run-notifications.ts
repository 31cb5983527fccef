// Desktop notifications when a run finishes or fails, through the web Notification API (Chromium in web mode, and
// Electron's renderer, which shows it as a native notification). Asked for once, when the user starts a run; shown
// only while Lathe is not the window in front, and once per run and outcome.
import type { Run } from '../../main/api/contract';

const shown = new Set<string>();

/** Asks for permission when it was never asked (call from a click: browsers only prompt on a user gesture). */
export function askToNotify(): void {
  if (typeof Notification !== 'undefined' && Notification.permission === 'default') void Notification.requestPermission().catch(() => {});
}

export function notifyRunEnded(run: Run): Notification | null {
  if (run.status !== 'completed' && run.status !== 'failed') return null;
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return null;
  if (document.hasFocus() && document.visibilityState === 'visible') return null;  // the dashboard already shows it
  const key = `${run.id}:${run.status}`;
  if (shown.has(key)) return null;
  shown.add(key);
  const body = run.status === 'completed' ? `Finished ${run.step} steps; the adapter is ready to evaluate and export.` : `Failed: ${run.error?.message ?? 'see the run log'}`;
  const n = new Notification(`Lathe: “${run.name}” ${run.status === 'completed' ? 'finished' : 'failed'}`, { body, tag: key });
  n.onclick = () => {
    window.focus();
    window.location.hash = '#/train';
    n.close();
  };
  return n;
}
