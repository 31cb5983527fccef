// Where the Train step is, in the URL hash: the run list, the New run form, one run (optionally one of its charts,
// #/train/<run id>/<chart>, which the dashboard scrolls to), or runs compared. A reload or the back button keeps it.

export type TrainView = { kind: 'list' } | { kind: 'new' } | { kind: 'run'; id: string; chart?: string } | { kind: 'compare'; ids: string[] };

export function parseTrainView(hash: string): TrainView {
  const [, sub, more] = hash.replace(/^#\/?/, '').split('/');
  if (!sub) return { kind: 'list' };
  if (sub === 'new') return { kind: 'new' };
  if (sub === 'compare' && more) return { kind: 'compare', ids: decodeURIComponent(more).split(',').filter(Boolean) };
  return { kind: 'run', id: decodeURIComponent(sub), ...(more ? { chart: decodeURIComponent(more) } : {}) };
}

export function trainHash(v: TrainView): string {
  if (v.kind === 'list') return '#/train';
  if (v.kind === 'new') return '#/train/new';
  if (v.kind === 'compare') return `#/train/compare/${encodeURIComponent(v.ids.join(','))}`;
  return `#/train/${encodeURIComponent(v.id)}${v.chart ? `/${encodeURIComponent(v.chart)}` : ''}`;
}
