// Number formats of the Learn page: probabilities, losses and parameter counts in plain words.

export const pct = (logprob: number): string => {
  const p = Math.exp(logprob) * 100;
  return p >= 10 ? `${p.toFixed(0)}%` : p >= 0.1 ? `${p.toFixed(1)}%` : '<0.1%';
};

export const loss = (x: number): string => x.toFixed(3);

export function count(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} K`;
  return String(n);
}

/** A token's text made visible: spaces as ·, newlines as ↵, so " the" and "the" do not look alike. */
export const showToken = (t: string): string => (t === '' ? '∅' : t.replace(/ /g, '·').replace(/\n/g, '↵').replace(/\t/g, '⇥'));
