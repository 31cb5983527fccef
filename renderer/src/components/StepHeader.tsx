// The header of a built wizard step: "Step N of 5", the title (focus target on navigation), a subtitle and actions.
import type { JSX, ReactNode } from 'react';
import { STEPS, type StepId } from '../steps';
import './step.css';

export function StepHeader(props: { step: StepId; subtitle: ReactNode; children?: ReactNode; title?: string }): JSX.Element {
  const step = STEPS.find((s) => s.id === props.step)!;
  return (
    <header className="page-header">
      <div>
        <div className="eyebrow">
          Step {STEPS.indexOf(step)} of {STEPS.length - 1}
        </div>
        <h1 id="page-title" className="page-title" tabIndex={-1}>
          {props.title ?? step.label}
        </h1>
        <p className="page-subtitle">{props.subtitle}</p>
      </div>
      {props.children && <div className="page-actions">{props.children}</div>}
    </header>
  );
}
