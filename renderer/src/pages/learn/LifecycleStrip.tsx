// Section 4: the lifecycle strip. Pre-training -> mid-training -> SFT -> alignment as tabs (arrow keys move between
// them); the chosen stage shows its data, objective, budget and the Lathe objective that covers it.
import { useRef, useState, type JSX, type KeyboardEvent } from 'react';
import { STAGES } from './lifecycle-content';

export function LifecycleStrip(): JSX.Element {
  const [at, setAt] = useState(2);
  const tabs = useRef<(HTMLButtonElement | null)[]>([]);
  const onKey = (e: KeyboardEvent) => {
    const d = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (!d) return;
    e.preventDefault();
    const next = (at + d + STAGES.length) % STAGES.length;
    setAt(next);
    tabs.current[next]?.focus();
  };
  const s = STAGES[at];
  return (
    <div className="learn-demo">
      <p>A model you download has usually been through the first stages already. Fine-tuning in Lathe is the later, cheaper end of the same road.</p>
      <div className="learn-strip" role="tablist" aria-label="Stages of a model's life" onKeyDown={onKey}>
        {STAGES.map((x, i) => (
          <button
            key={x.id}
            ref={(el) => { tabs.current[i] = el; }}
            type="button"
            role="tab"
            id={`learn-stage-${x.id}`}
            aria-selected={i === at}
            aria-controls="learn-stage-panel"
            tabIndex={i === at ? 0 : -1}
            className={`learn-stage${i === at ? ' learn-stage-on' : ''}`}
            onClick={() => setAt(i)}
            data-testid={`learn-stage-${x.id}`}
          >
            <span className="learn-stage-n">{i + 1}</span> {x.label}
          </button>
        ))}
      </div>
      <dl className="learn-stage-panel" role="tabpanel" id="learn-stage-panel" aria-labelledby={`learn-stage-${s.id}`} data-testid="learn-stage-panel">
        <dt>Data</dt><dd>{s.data}</dd>
        <dt>Objective</dt><dd>{s.objective}</dd>
        <dt>Budget</dt><dd>{s.budget}</dd>
        <dt>In Lathe</dt><dd>{s.inLathe}</dd>
      </dl>
    </div>
  );
}
