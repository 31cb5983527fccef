// The page for a wizard step that is not built yet: what the step will do, honestly, with no buttons that do nothing.
import type { JSX } from 'react';
import type { StepId } from '../steps';
import { STEPS } from '../steps';
import { Icon } from './Icon';

export function StepPlaceholder(props: { step: StepId; intro: string; points: { title: string; text: string }[] }): JSX.Element {
  const step = STEPS.find((s) => s.id === props.step)!;
  return (
    <section className="page" aria-labelledby="page-title" data-testid={`${props.step}-page`}>
      <header className="page-header">
        <div>
          <div className="eyebrow">
            Step {STEPS.indexOf(step)} of {STEPS.length - 1}
          </div>
          <h1 id="page-title" className="page-title" tabIndex={-1}>
            {step.label}
          </h1>
          <p className="page-subtitle">{props.intro}</p>
        </div>
        <span className="pill" title="This step is designed but not built yet">
          <Icon name="clock" size={13} /> Planned
        </span>
      </header>
      <ul className="plan-grid">
        {props.points.map((p) => (
          <li key={p.title} className="plan-card">
            <h2 className="plan-title">{p.title}</h2>
            <p className="plan-text">{p.text}</p>
          </li>
        ))}
      </ul>
      <p className="page-footnote">This step is part of the design but not built yet. Projects you create now will carry over.</p>
    </section>
  );
}
