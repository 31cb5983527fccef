// An in-memory LatheApi for `vite dev` with ?mock (UI work without a server). Never used in builds or tests of the real app.
import type { EventName, EventPayloads, LatheApi, Project, SystemInfo } from '../../../main/api/contract';
import { ApiError } from './errors';
import { createMockTraining } from './mock-training';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function checkName(method: string, name: unknown): string {
  const s = typeof name === 'string' ? name.trim() : '';
  if (typeof name === 'string' && name.length > 120) throw new ApiError('api.invalidArgs', `${method}: name must be at most 120 characters.`, 'Check the value and try again.');
  if (!s) throw new ApiError('api.invalidArgs', `${method}: name must not be empty.`, 'Check the value and try again.');
  return s;
}

export function createMockApi(): LatheApi {
  const now = () => new Date().toISOString();
  let projects: Project[] = [];
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const emit = <E extends EventName>(event: E, payload: EventPayloads[E]) => listeners.get(event)?.forEach((l) => l(payload));
  const slug = (name: string) => `${name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'project'}-${Math.random().toString(36).slice(2, 6)}`;

  const system: SystemInfo = {
    cpu: { model: 'Mock CPU @ 3.0GHz', cores: 8, features: { avx2: true, avx512f: false, amx: false, fma: true, f16c: true } },
    memory: { totalBytes: 32 * 2 ** 30, freeBytes: 20 * 2 ** 30 },
    gpus: [],
    vulkanDevices: [],
    engine: { version: '0.1.0', backends: ['cpu'], compiled: ['cpu'], notes: {} },
  };

  const training = createMockTraining(emit);
  const api = {
    ...training,
    app: {
      info: async () => ({ name: 'Lathe', version: '0.1.0-mock', shell: 'web', libraryDir: '/mock/library', platform: 'linux-x64', node: '20' }),
    },
    system: { info: async () => (await sleep(300), system) },
    projects: {
      list: async () => (await sleep(150), [...projects].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))),
      create: async (args: { name: string; description?: string }) => {
        const name = checkName('projects.create', args.name);
        const p: Project = { id: slug(name), name, description: args.description ?? '', createdAt: now(), updatedAt: now() };
        projects.push(p);
        emit('projects.changed', { ids: [p.id] });
        return p;
      },
      rename: async (args: { id: string; name: string }) => {
        const name = checkName('projects.rename', args.name);
        const p = projects.find((x) => x.id === args.id);
        if (!p) throw new ApiError('projects.notFound', `No project with id "${args.id}".`, 'It may have been deleted; reload the list.');
        p.name = name;
        p.updatedAt = now();
        emit('projects.changed', { ids: [p.id] });
        return { ...p };
      },
      delete: async (args: { id: string }) => {
        projects = projects.filter((x) => x.id !== args.id);
        emit('projects.changed', { ids: [args.id] });
        return { deleted: true as const };
      },
    },
    on(event: EventName, listener: (p: never) => void) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      const l = listener as (p: unknown) => void;
      set.add(l);
      return () => void set.delete(l);
    },
  };
  return api as unknown as LatheApi;
}
