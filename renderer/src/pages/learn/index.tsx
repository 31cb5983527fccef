// The Learn page: how fine-tuning works, shown live on the open project's base model (or the demo model when none is
// chosen). Sections are anchors (#/learn/<id>) so the wizard steps can link straight to the one that answers a question.
import { useEffect, type JSX, type ReactNode } from 'react';
import type { Project } from '../../../../main/api/contract';
import { chosenModel } from '../model/chosen-model';
import { ApproachesSection } from './ApproachesSection';
import { FillMaskSection } from './FillMaskSection';
import { LeverGuide } from './LeverGuide';
import { LifecycleStrip } from './LifecycleStrip';
import { NextTokenSection } from './NextTokenSection';
import { PitfallsSection } from './PitfallsSection';
import { SECTIONS, type SectionId } from './sections';
import { SftSection } from './SftSection';
import './learn.css';

function Section({ id, children }: { id: SectionId; children: ReactNode }): JSX.Element {
  const s = SECTIONS.find((x) => x.id === id)!;
  return (
    <section className="card learn-section" id={`learn-${id}`} aria-labelledby={`learn-${id}-title`} data-testid={`learn-${id}`}>
      <h2 className="card-title" id={`learn-${id}-title`} tabIndex={-1}>{s.title}</h2>
      {children}
    </section>
  );
}

/** #/learn/<section> scrolls to (and focuses) that section's heading. */
function useSectionFromHash(): void {
  useEffect(() => {
    const go = () => {
      const id = window.location.hash.replace(/^#\/?learn\/?/, '').split(/[/?]/)[0];
      const el = id ? document.getElementById(`learn-${id}-title`) : null;
      if (el) {
        el.scrollIntoView({ block: 'start' });
        el.focus({ preventScroll: true });
      }
    };
    go();
    window.addEventListener('hashchange', go);
    return () => window.removeEventListener('hashchange', go);
  }, []);
}

export function LearnPage({ project }: { project: Project | undefined }): JSX.Element {
  const model = chosenModel(project?.id);
  useSectionFromHash();
  return (
    <section className="page page-wide learn-page" aria-labelledby="page-title" data-testid="learn-page">
      <header className="page-header">
        <div>
          <div className="eyebrow">Learn</div>
          <h1 id="page-title" className="page-title" tabIndex={-1}>How fine-tuning works</h1>
          <p className="page-subtitle">Every demo below runs on a real model through Lathe&apos;s own engine, not on pictures.</p>
        </div>
      </header>
      <p className="learn-model" data-testid="learn-model">
        {model ? (
          <>Running on this project&apos;s base model: <code>{model}</code></>
        ) : (
          <>Running on the demo model (no base model chosen{project ? ' for this project' : ''}). Its weights are random, so its guesses are noise, but every number is computed for real: choose a model on the Model step for meaningful predictions.</>
        )}
      </p>
      <nav className="learn-toc" aria-label="Learn sections">
        <ol>{SECTIONS.map((s) => <li key={s.id}><a href={`#/learn/${s.id}`}>{s.title}</a></li>)}</ol>
      </nav>
      <Section id="next-token"><NextTokenSection model={model} /></Section>
      <Section id="masked"><FillMaskSection model={model} /></Section>
      <Section id="sft"><SftSection project={project} model={model} /></Section>
      <Section id="lifecycle"><LifecycleStrip /></Section>
      <Section id="approaches"><ApproachesSection model={model} /></Section>
      <Section id="lever"><LeverGuide project={project} /></Section>
      <Section id="pitfalls"><PitfallsSection project={project} /></Section>
    </section>
  );
}
