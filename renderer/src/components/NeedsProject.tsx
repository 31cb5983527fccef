// Empty state for steps that work inside a project (Model, Train) when none is open: one clear way forward.
import type { JSX } from 'react';
import { Icon, type IconName } from './Icon';

export function NeedsProject({ icon, text }: { icon: IconName; text: string }): JSX.Element {
  return (
    <div className="empty" data-testid="needs-project">
      <div className="empty-icon">
        <Icon name={icon} size={28} />
      </div>
      <h2 className="empty-title">Open a project first</h2>
      <p className="empty-text">{text}</p>
      <a className="btn btn-primary" href="#/projects">
        <Icon name="projects" /> Go to Projects
      </a>
    </div>
  );
}
