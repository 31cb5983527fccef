// Keeps this browser's copy of the open project's base model (what the Data and Train steps read as their default) in
// step with the library: the project names its model by library id on the server, so another window, browser or a
// deleted model is reflected as soon as the project is opened.
import { useEffect } from 'react';
import { api } from '../../api/client';
import { setChosenModel } from './chosen-model';

export function useProjectModelSync(projectId: string | undefined): void {
  useEffect(() => {
    if (!projectId) return;
    let live = true;
    const sync = () =>
      void api.models.forProject({ projectId }).then(
        (m) => {
          // Only a library choice overrides; a project without one keeps a folder path chosen before the library existed.
          if (live && m) setChosenModel(projectId, m.dir);
        },
        () => undefined,
      );
    sync();
    const off = api.on('projects.changed', (e) => {
      if (e.ids.includes(projectId)) sync();
    });
    return () => {
      live = false;
      off();
    };
  }, [projectId]);
}
