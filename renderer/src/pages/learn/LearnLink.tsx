// A small "Learn why" link other steps place where a question comes up; it opens the Learn page at one section.
import type { JSX } from 'react';
import type { SectionId } from './sections';

export function LearnLink({ section, children }: { section: SectionId; children: string }): JSX.Element {
  return (
    <a className="learn-link" href={`#/learn/${section}`} data-testid={`learn-link-${section}`}>
      {children}
    </a>
  );
}
