// Preload: exposes window.lathe, a small domain API generated from the contract's method list — never raw ipcRenderer.
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { eventNames, methodNames } from '../main/api/contract';
import { IPC_CALL, IPC_EVENT } from '../main/api/ipc-channels';
import { IPC_PICK_FOLDER, IPC_SHOW_IN_FOLDER, type DesktopApi } from '../main/api/ipc-desktop';

type Result = { ok: true; value: unknown } | { ok: false; error: { code: string; message: string; hint?: string; field?: string; issues?: { field: string; message: string }[] } };

const api: Record<string, unknown> = {};
for (const name of methodNames) {
  const [ns, method] = name.split('.') as [string, string];
  const group = (api[ns] ??= {}) as Record<string, (args?: unknown) => Promise<unknown>>;
  group[method] = async (args?: unknown) => {
    const result = (await ipcRenderer.invoke(IPC_CALL, name, args)) as Result;
    // A plain object survives the context bridge with its code and hint intact (Error subclasses do not).
    if (!result.ok) throw result.error;
    return result.value;
  };
}

const listeners = new Map<string, Set<(payload: unknown) => void>>();
ipcRenderer.on(IPC_EVENT, (_e, name: string, payload: unknown) => {
  for (const l of listeners.get(name) ?? []) l(payload);
});
api.on = (event: string, listener: (payload: unknown) => void) => {
  if (!(eventNames as string[]).includes(event)) throw new Error(`unknown event ${event}`);
  let set = listeners.get(event);
  if (!set) listeners.set(event, (set = new Set()));
  set.add(listener);
  return () => set.delete(listener);
};

contextBridge.exposeInMainWorld('lathe', api);

// Desktop-only helpers: the native folder picker and the path of a dropped folder (web mode has neither).
const desktop: DesktopApi = {
  pickFolder: (opts) => ipcRenderer.invoke(IPC_PICK_FOLDER, { title: String(opts?.title ?? '') }) as Promise<string | null>,
  pathForFile: (file) => webUtils.getPathForFile(file as File),
  showInFolder: (path) => ipcRenderer.invoke(IPC_SHOW_IN_FOLDER, String(path)) as Promise<boolean>,
};
contextBridge.exposeInMainWorld('latheDesktop', desktop);
