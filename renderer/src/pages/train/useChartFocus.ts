// Brings one chart of the run dashboard into view when the URL names it (#/train/<run>/<chart test id>), e.g. from
// the Learn page's pitfalls. Charts load lazily and appear once metrics arrive, so it waits for the chart a while.
import { useEffect } from 'react';

const WAIT_MS = 15_000;

export function useChartFocus(chart: string | undefined): void {
  useEffect(() => {
    if (!chart) return;
    let frame = 0;
    const until = Date.now() + WAIT_MS;
    const look = () => {
      const el = document.querySelector<HTMLElement>(`[data-testid="${CSS.escape(chart)}"]`);
      if (el) {
        el.scrollIntoView({ block: 'center' });
        el.classList.add('chart-focused');
        return;
      }
      if (Date.now() < until) frame = requestAnimationFrame(look);
    };
    frame = requestAnimationFrame(look);
    return () => cancelAnimationFrame(frame);
  }, [chart]);
}
