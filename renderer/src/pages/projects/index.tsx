// The Projects step: the library's projects with create, open, rename and delete (confirmed), plus a filter.
import { useEffect, useMemo, useRef, useState, type JSX } from 'react';
import type { Project } from '../../../../main/api/contract';
import { api } from '../../api/client';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorText } from '../../components/Field';
import { Icon } from '../../components/Icon';
import type { Notify } from '../../components/Toasts';
import type { Query } from '../../hooks/useApiQuery';
import { CreateProjectForm } from './CreateProjectForm';
import { ProjectRow } from './ProjectRow';

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName));
}

function EmptyState({ onCreate }: { onCreate: () => void }): JSX.Element {
  return (
    <div className="empty" data-testid="projects-empty">
      <div className="empty-icon">
        <Icon name="projects" size={28} />
      </div>
      <h2 className="empty-title">No projects yet</h2>
      <p className="empty-text">
        A project keeps one fine-tune together: the base model, its datasets, training runs, evaluations and exports. Everything stays on this
        machine.
      </p>
      <button type="button" className="btn btn-primary" onClick={onCreate}>
        <Icon name="plus" /> Create your first project
      </button>
    </div>
  );
}

function SkeletonList(): JSX.Element {
  return (
    <ul className="project-list" aria-busy="true" aria-label="Loading projects">
      {[0, 1, 2].map((i) => (
        <li key={i} className="project-row skeleton">
          <span className="avatar" />
          <span className="skeleton-lines">
            <span />
            <span />
          </span>
        </li>
      ))}
    </ul>
  );
}

export function ProjectsPage(props: {
  projects: Query<Project[]>;
  activeId: string | undefined;
  onOpen: (p: Project) => void;
  onDeleted: (p: Project) => void;
  notify: Notify;
}): JSX.Element {
  const { projects, activeId, notify } = props;
  const [creating, setCreating] = useState(false);
  const [filter, setFilter] = useState('');
  const [confirmDelete, setConfirmDelete] = useState<Project>();
  const [highlight, setHighlight] = useState<string>();
  const newBtn = useRef<HTMLButtonElement>(null);
  const filterRef = useRef<HTMLInputElement>(null);

  const list = projects.data ?? [];
  const shown = useMemo(() => {
    const q = filter.trim().toLowerCase();
    return q ? list.filter((p) => p.name.toLowerCase().includes(q) || p.description.toLowerCase().includes(q)) : list;
  }, [list, filter]);

  // Single-key shortcuts, as in Linear: N for a new project, / to filter. Ignored while typing or with a dialog open.
  useEffect(() => {
    function onKey(e: KeyboardEvent): void {
      if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target) || document.querySelector('dialog[open]')) return;
      if (e.key === 'n' || e.key === 'N') {
        e.preventDefault();
        setCreating(true);
      } else if (e.key === '/' && filterRef.current) {
        e.preventDefault();
        filterRef.current.focus();
      }
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  useEffect(() => {
    if (!highlight) return;
    const t = setTimeout(() => setHighlight(undefined), 2400);
    return () => clearTimeout(t);
  }, [highlight]);

  function closeCreate(): void {
    setCreating(false);
    requestAnimationFrame(() => newBtn.current?.focus());
  }

  const firstLoad = projects.loading && !projects.data;
  return (
    <section className="page" aria-labelledby="page-title" data-testid="projects-page">
      <header className="page-header">
        <div>
          <h1 id="page-title" className="page-title" tabIndex={-1}>
            Projects
          </h1>
          <p className="page-subtitle">Each project holds one fine-tune: base model, data, runs, evaluations and exports.</p>
        </div>
        {!creating && list.length > 0 && (
          <button type="button" ref={newBtn} className="btn btn-primary" onClick={() => setCreating(true)} title="New project (N)" data-testid="new-project">
            <Icon name="plus" /> New project
          </button>
        )}
      </header>

      {creating && (
        <CreateProjectForm
          onCancel={closeCreate}
          onCreated={(p) => {
            setCreating(false);
            setFilter('');
            setHighlight(p.id);
            notify(`Created “${p.name}”`);
            projects.reload();
            // A new project opens itself and the wizard moves on to its first step, the base model.
            props.onOpen(p);
          }}
        />
      )}

      {projects.error && (
        <div className="card card-error" data-testid="projects-error">
          <ErrorText error={projects.error} />
          <button type="button" className="btn btn-sm" onClick={projects.reload}>
            Try again
          </button>
        </div>
      )}

      {firstLoad ? (
        <SkeletonList />
      ) : list.length === 0 ? (
        !creating && !projects.error && <EmptyState onCreate={() => setCreating(true)} />
      ) : (
        <>
          <div className="list-toolbar">
            <label className="search">
              <Icon name="search" />
              <span className="sr-only">Filter projects</span>
              <input
                ref={filterRef}
                type="search"
                className="search-input"
                placeholder="Filter projects"
                value={filter}
                onChange={(e) => setFilter(e.target.value)}
                onKeyDown={(e) => {
                  if (e.key === 'Escape') {
                    setFilter('');
                    e.currentTarget.blur();
                  }
                }}
              />
              <kbd>/</kbd>
            </label>
            <span className="list-count" aria-live="polite">
              {shown.length === list.length ? `${list.length} project${list.length === 1 ? '' : 's'}` : `${shown.length} of ${list.length}`}
            </span>
          </div>
          {shown.length === 0 ? (
            <p className="list-empty">No projects match “{filter}”.</p>
          ) : (
            <ul className="project-list" aria-label="Projects" data-testid="project-list">
              {shown.map((p) => (
                <ProjectRow
                  key={p.id}
                  project={p}
                  active={p.id === activeId}
                  highlighted={p.id === highlight}
                  onOpen={props.onOpen}
                  onRenamed={(u) => {
                    notify(`Renamed to “${u.name}”`);
                    projects.reload();
                  }}
                  onDelete={setConfirmDelete}
                />
              ))}
            </ul>
          )}
        </>
      )}

      {confirmDelete && (
        <ConfirmDialog
          title={`Delete “${confirmDelete.name}”?`}
          confirmLabel="Delete project"
          danger
          onClose={() => setConfirmDelete(undefined)}
          onConfirm={async () => {
            await api.projects.delete({ id: confirmDelete.id });
            props.onDeleted(confirmDelete);
            notify(`Deleted “${confirmDelete.name}”`);
            projects.reload();
          }}
        >
          This removes the project from the library together with its files: datasets, training runs, checkpoints and exports. This cannot be
          undone.
        </ConfirmDialog>
      )}
    </section>
  );
}
