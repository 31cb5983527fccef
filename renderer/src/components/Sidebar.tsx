// The left rail: brand, the open project, the wizard steps (keyboard: Ctrl/Cmd+1..6) and the theme toggle.
import type { JSX } from 'react';
import type { Project } from '../../../main/api/contract';
import type { Theme } from '../hooks/useTheme';
import { LEARN_PAGE, STEPS, type PageId } from '../steps';
import { Icon } from './Icon';

const isMac = typeof navigator !== 'undefined' && /Mac/i.test(navigator.platform);
export const MOD_LABEL = isMac ? '⌘' : 'Ctrl+';

export function LogoMark({ size = 22 }: { size?: number }): JSX.Element {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" aria-hidden="true" focusable="false" className="logo-mark">
      <rect x="1" y="1" width="22" height="22" rx="6" fill="var(--accent)" />
      <path d="M8 6v12h8" fill="none" stroke="var(--accent-contrast)" strokeWidth="2.4" strokeLinecap="round" strokeLinejoin="round" />
      <circle cx="16" cy="8" r="2" fill="var(--accent-contrast)" opacity="0.85" />
    </svg>
  );
}

export function Sidebar(props: {
  step: PageId;
  activeProject: Project | undefined;
  theme: Theme;
  onToggleTheme: () => void;
}): JSX.Element {
  const { step, activeProject, theme, onToggleTheme } = props;
  const [home, ...workflow] = STEPS;
  const link = (s: (typeof STEPS)[number], index: number, numbered: boolean) => (
    <li key={s.id}>
      <a
        href={`#/${s.id}`}
        className="nav-item"
        aria-current={step === s.id ? 'page' : undefined}
        title={`${s.summary} (${MOD_LABEL}${index + 1})`}
        data-testid={`nav-${s.id}`}
      >
        {numbered ? <span className="nav-step" aria-hidden="true">{index}</span> : <Icon name={s.id} />}
        <span className="nav-label">{s.label}</span>
      </a>
    </li>
  );

  return (
    <aside className="sidebar">
      <div className="brand">
        <LogoMark />
        <span className="brand-name">Lathe</span>
      </div>

      <div className="sidebar-project" data-testid="active-project">
        <span className="eyebrow">Project</span>
        {activeProject ? (
          <span className="sidebar-project-name" title={activeProject.name}>
            {activeProject.name}
          </span>
        ) : (
          <span className="sidebar-project-none">None open</span>
        )}
      </div>

      <nav aria-label="Wizard steps" className="nav">
        <ul>{link(home, 0, false)}</ul>
        <div className="nav-section">Workflow</div>
        <ol>{workflow.map((s, i) => link(s, i + 1, true))}</ol>
        <div className="nav-section">Help</div>
        <ul>
          <li>
            <a href="#/learn" className="nav-item" aria-current={step === 'learn' ? 'page' : undefined} title={LEARN_PAGE.summary} data-testid="nav-learn">
              <Icon name="learn" />
              <span className="nav-label">{LEARN_PAGE.label}</span>
            </a>
          </li>
        </ul>
      </nav>

      <div className="sidebar-footer">
        <button
          type="button"
          className="btn btn-ghost btn-sm theme-toggle"
          onClick={onToggleTheme}
          aria-label={theme === 'dark' ? 'Switch to light theme' : 'Switch to dark theme'}
          data-testid="theme-toggle"
        >
          <Icon name={theme === 'dark' ? 'sun' : 'moon'} />
          <span>{theme === 'dark' ? 'Light theme' : 'Dark theme'}</span>
        </button>
      </div>
    </aside>
  );
}
