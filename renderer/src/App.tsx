// The app shell: sidebar with the wizard steps, the current step's page, the status bar, and app-wide state
// (theme, open project, connection, projects list kept fresh by the projects.changed event).
import { notifyRunEnded } from './run-notifications';
import { useCallback, useEffect, useState, type JSX } from 'react';
import type { Project } from '../../main/api/contract';
import { api, hasToken, transport } from './api/client';
import { ConnectionBanner } from './components/ConnectionBanner';
import { Sidebar } from './components/Sidebar';
import { StatusBar } from './components/StatusBar';
import { Toasts, useToasts } from './components/Toasts';
import { useApiQuery } from './hooks/useApiQuery';
import { useConnection } from './hooks/useConnection';
import { useRoute } from './hooks/useRoute';
import { useTheme } from './hooks/useTheme';
import { DataPage } from './pages/data';
import { EvaluatePage } from './pages/evaluate';
import { ExportPage } from './pages/export';
import { LibraryProblem } from './pages/library';
import { ModelPage } from './pages/model';
import { ProjectsPage } from './pages/projects';
import { useProjectModelSync } from './pages/model/useProjectModelSync';
import { TrainPage } from './pages/train';
import { PAGES, STEPS, type PageId } from './steps';
import { LearnPage } from './pages/learn';

const ACTIVE_KEY = 'lathe.activeProject';

function readActive(): string | undefined {
  try {
    return localStorage.getItem(ACTIVE_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

export function App(): JSX.Element {
  const { theme, toggle } = useTheme();
  const { step, go } = useRoute();
  const conn = useConnection();
  const { toasts, notify, dismiss } = useToasts();
  const projects = useApiQuery<Project[]>(() => api.projects.list());
  const library = useApiQuery(() => api.library.status());
  const [activeId, setActiveId] = useState<string | undefined>(readActive);

  const reloadProjects = projects.reload;
  // Another window, tab or the CLI may change projects; the server tells every client.
  useEffect(() => api.on('projects.changed', () => reloadProjects()), [reloadProjects]);
  // The engine runs in its own process; when it dies the app keeps going, and the user should know why a job stopped.
  useEffect(
    () =>
      api.on('engine.hostCrashed', (crash) =>
        notify(crash.message, { kind: 'error', detail: 'Lathe is still running; the engine restarts on the next request.' }),
      ),
    [notify],
  );

  // A run that ends while the user is elsewhere gets a desktop notification (when they allowed it).
  useEffect(() => api.on('training.status', ({ run }) => void notifyRunEnded(run)), []);

  const setActive = useCallback((id: string | undefined) => {
    setActiveId(id);
    try {
      if (id) localStorage.setItem(ACTIVE_KEY, id);
      else localStorage.removeItem(ACTIVE_KEY);
    } catch {
      // Only convenience state; fine to lose.
    }
  }, []);

  // Forget an open project that no longer exists (deleted elsewhere, or a different library). Not while the list is
  // reloading: a project just created opens before the fresh list that holds it arrives.
  const activeProject = projects.data?.find((p) => p.id === activeId);
  useProjectModelSync(activeProject?.id);
  useEffect(() => {
    if (projects.data && !projects.loading && activeId && !activeProject) setActive(undefined);
  }, [projects.data, projects.loading, activeId, activeProject, setActive]);

  // Ctrl/Cmd+1..6 jumps to a step, like tabs in an editor.
  useEffect(() => {
    function onKey(e: KeyboardEvent): void {
      if (!(e.ctrlKey || e.metaKey) || e.altKey || e.shiftKey) return;
      const n = Number(e.key);
      if (Number.isInteger(n) && n >= 1 && n <= STEPS.length) {
        e.preventDefault();
        go(STEPS[n - 1].id);
      }
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [go]);

  useEffect(() => {
    document.title = `${PAGES.find((s) => s.id === step)?.label ?? ''} · Lathe`;
    // Move focus to the new page's heading so screen readers announce the step change.
    document.getElementById('page-title')?.focus({ preventScroll: true });
  }, [step]);

  const pages: Record<PageId, () => JSX.Element> = {
    projects: () => (
      <ProjectsPage
        projects={projects}
        activeId={activeId}
        notify={notify}
        onOpen={(p) => {
          setActive(p.id);
          go('model');
        }}
        onDeleted={(p) => {
          if (p.id === activeId) setActive(undefined);
        }}
      />
    ),
    model: () => <ModelPage project={activeProject} />,
    data: () => <DataPage project={activeProject} notify={notify} />,
    train: () => <TrainPage project={activeProject} notify={notify} />,
    evaluate: () => <EvaluatePage project={activeProject} notify={notify} />,
    export: () => <ExportPage project={activeProject} notify={notify} />,
    learn: () => <LearnPage project={activeProject} />,
  };

  // A damaged or busy library: its own start screen (why, and the rebuild) instead of steps that cannot work.
  if (library.data && library.data.state !== 'ok') return <LibraryProblem status={library.data} onRetry={() => window.location.reload()} />;

  return (
    <div className="app">
      <Sidebar step={step} activeProject={activeProject} theme={theme} onToggleTheme={toggle} />
      <main className="content" id="content">
        <ConnectionBanner conn={conn} hasToken={hasToken} />
        <div className="content-inner">{pages[step]()}</div>
      </main>
      <StatusBar conn={conn} transport={transport} />
      <Toasts toasts={toasts} onDismiss={dismiss} />
    </div>
  );
}
