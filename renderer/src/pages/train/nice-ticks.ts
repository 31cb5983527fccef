// Value-axis ticks at "nice" steps (1, 2 or 5 × 10^k) covering the data, and labels that never repeat: a chart of
// losses between 6.271 and 6.279 gets 6.272, 6.274 … rather than five ticks all reading "6.27".
export function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const pow = 10 ** Math.floor(Math.log10(raw));
  const f = raw / pow;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * pow;
}

/** About `count` ticks from below the minimum to above the maximum (from 0 when asked); null without finite data. */
export function niceTicks(values: number[], opts: { count?: number; fromZero?: boolean } = {}): number[] | null {
  const finite = values.filter(Number.isFinite);
  if (!finite.length) return null;
  let lo = opts.fromZero ? Math.min(0, ...finite) : Math.min(...finite);
  let hi = Math.max(...finite);
  if (hi === lo) {
    const pad = Math.abs(hi) > 0 ? Math.abs(hi) * 0.05 : 1;
    hi += pad;
    if (!opts.fromZero) lo -= pad;
  }
  const step = niceStep(hi - lo, opts.count ?? 4);
  const start = Math.floor(lo / step) * step;
  const ticks: number[] = [];
  for (let t = start; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  if (ticks[ticks.length - 1] < hi) ticks.push(Number((ticks[ticks.length - 1] + step).toPrecision(12)));
  return ticks;
}

/** The chart's own labels when they are all different; else fixed decimals enough for the tick step. */
export function tickLabeller(ticks: number[], format: (v: number) => string): (v: number) => string {
  if (new Set(ticks.map(format)).size === ticks.length) return format;
  const step = ticks.length > 1 ? Math.abs(ticks[1] - ticks[0]) : 1;
  const decimals = Math.min(12, Math.max(0, -Math.floor(Math.log10(step)) + (step / 10 ** Math.floor(Math.log10(step)) === 1 ? 0 : 1)));
  return (v: number) => v.toFixed(decimals);
}
