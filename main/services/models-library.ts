// Model library handlers: list, import, demo model, delete (asking first when runs use it), a project's base model,
// hub download with progress and cancel, the catalog's fit column (planned in the engine host), and the hub token.
import { freemem } from 'node:os';
import type { MethodOutput, MethodParsedInput, SystemInfo } from '../api/contract';
import { LatheError } from '../api/errors';
import { ModelsRepo } from '../library/models-repo';
import { loadCatalog } from '../models/catalog';
import type { CatalogView } from '../models/catalog-view';
import { CATALOG_SETTINGS, type CatalogPlans } from '../models/catalog-plan';
import { fitVerdict, type MachineMemory } from '../models/fit';
import { hubEndpoint, parseRepoRef } from '../models/hub/endpoint';
import { partialDownloads, pullModel } from '../models/hub/pull';
import { resolveToken, saveToken, tokenStorage } from '../models/hub/token-store';
import { addDemoModel, importFolder, removeModel } from '../models/library';
import type { ServiceContext } from './context';
import { systemHandlers } from './system';

const downloads = new Map<string, AbortController>();
let catalogPlans: Promise<CatalogPlans> | undefined;
/** Library models' plans at FIT_SEQ by model id (a model's files do not change once it is in the library). */
const libraryPlans = new Map<string, number>();
const FIT_SEQ = 1024;

/** The GPUs the engine can train on: usable Vulkan devices that are real GPUs (a CPU device such as lavapipe is not). */
function trainingGpus(system: SystemInfo): { name: string; memoryBytes: number }[] {
  return system.vulkanDevices.filter((d) => d.usable && d.type !== 'cpu').map((d) => ({ name: d.name, memoryBytes: d.budgetBytes ?? d.vramBytes }));
}

/** Free RAM now, and the memory of each GPU the engine can train on. */
async function machineMemory(ctx: ServiceContext): Promise<MachineMemory> {
  const system = await systemHandlers['system.info'](undefined, ctx);
  return { freeBytes: freemem(), gpuBytes: trainingGpus(system).map((g) => g.memoryBytes) };
}

async function tokenStatus(ctx: ServiceContext): Promise<MethodOutput<'models.tokenStatus'>> {
  return { source: (await resolveToken(ctx.paths.root)).source, storage: tokenStorage() };
}

export const modelLibraryHandlers = {
  'models.list': async (_a: MethodParsedInput<'models.list'>, ctx: ServiceContext): Promise<MethodOutput<'models.list'>> => new ModelsRepo(ctx.db).list(),

  'models.import': async (args: MethodParsedInput<'models.import'>, ctx: ServiceContext): Promise<MethodOutput<'models.import'>> => {
    // Remote web mode limits args.path to the allowed folders before this runs (dispatch → path-policy).
    return importFolder(new ModelsRepo(ctx.db), ctx.paths.models, args.path, { copy: args.copy });
  },

  'models.addDemo': async (_a: MethodParsedInput<'models.addDemo'>, ctx: ServiceContext): Promise<MethodOutput<'models.addDemo'>> =>
    addDemoModel(new ModelsRepo(ctx.db), ctx.paths.models),

  'models.usage': async (args: MethodParsedInput<'models.usage'>, ctx: ServiceContext): Promise<MethodOutput<'models.usage'>> => {
    const repo = new ModelsRepo(ctx.db);
    return repo.usedBy(repo.get(args.id));
  },

  'models.delete': async (args: MethodParsedInput<'models.delete'>, ctx: ServiceContext): Promise<MethodOutput<'models.delete'>> => {
    await removeModel(new ModelsRepo(ctx.db), ctx.paths.models, args.id, { force: args.force });
    return { deleted: true };
  },

  'models.pull': async (args: MethodParsedInput<'models.pull'>, ctx: ServiceContext): Promise<MethodOutput<'models.pull'>> => {
    const ref = parseRepoRef(args.revision ? `${args.repo}@${args.revision}` : args.repo);
    if (downloads.has(args.jobId)) throw new LatheError('models.jobExists', `A download with job id ${args.jobId} is already running.`, 'Use a new job id for each download.');
    const ac = new AbortController();
    downloads.set(args.jobId, ac);
    try {
      const { token } = await resolveToken(ctx.paths.root);
      return await pullModel({
        ...ref,
        endpoint: hubEndpoint(),
        token,
        modelsDir: ctx.paths.models,
        models: new ModelsRepo(ctx.db),
        signal: ac.signal,
        onProgress: (p) => ctx.emit('models.progress', { jobId: args.jobId, ...p }),
      });
    } finally {
      downloads.delete(args.jobId);
    }
  },

  'models.cancelPull': async (args: MethodParsedInput<'models.cancelPull'>): Promise<MethodOutput<'models.cancelPull'>> => {
    const ac = downloads.get(args.jobId);
    ac?.abort('cancel');
    return { cancelled: !!ac };
  },

  'models.downloads': async (_a: MethodParsedInput<'models.downloads'>, ctx: ServiceContext): Promise<MethodOutput<'models.downloads'>> => partialDownloads(ctx.paths.models),

  'models.fit': async (_a: MethodParsedInput<'models.fit'>, ctx: ServiceContext): Promise<MethodOutput<'models.fit'>> => {
    const models = new ModelsRepo(ctx.db).list();
    const missing = models.filter((m) => !libraryPlans.has(m.id));
    if (missing.length) {
      const plans = await ctx.supervisor.request('models.planCatalog', { entries: missing.map((m) => ({ id: m.id, dir: m.dir })), seqLens: [FIT_SEQ] });
      for (const m of missing) if (plans[m.id]) libraryPlans.set(m.id, plans[m.id][String(FIT_SEQ)]);
    }
    const machine = await machineMemory(ctx);
    const out: MethodOutput<'models.fit'> = {};
    for (const m of models) {
      const plannedBytes = libraryPlans.get(m.id);
      if (plannedBytes !== undefined) out[m.id] = { seqLen: FIT_SEQ, plannedBytes, fit: fitVerdict(plannedBytes, machine) };
    }
    return out;
  },

  'models.catalog': async (_a: MethodParsedInput<'models.catalog'>, ctx: ServiceContext): Promise<MethodOutput<'models.catalog'>> => {
    const entries = loadCatalog();
    // Plans depend only on the configs: computed once per app run in the engine host (main never loads the engine).
    catalogPlans ??= ctx.supervisor.request('models.planCatalog', { entries: entries.map((e) => ({ id: e.id, config: e.configJson, storageDtype: e.storageDtype })) }).catch((err: unknown) => {
      catalogPlans = undefined;
      throw err;
    });
    const [plans, system] = await Promise.all([catalogPlans, systemHandlers['system.info'](undefined, ctx)]);
    const machine = await machineMemory(ctx);
    const library = new ModelsRepo(ctx.db).list();
    const view: CatalogView = {
      settings: { quant: CATALOG_SETTINGS.quant, loraR: CATALOG_SETTINGS.loraR, microBatch: CATALOG_SETTINGS.microBatch, seqLens: CATALOG_SETTINGS.seqLens },
      machine: { freeBytes: machine.freeBytes, gpus: trainingGpus(system) },
      entries: entries.map(({ configJson: _c, config: _f, storageDtype: _d, ...e }) => ({
        ...e,
        plans: CATALOG_SETTINGS.seqLens.map((seqLen) => {
          const plannedBytes = plans[e.id][String(seqLen)];
          return { seqLen, plannedBytes, fit: fitVerdict(plannedBytes, machine) };
        }),
        libraryId: library.find((m) => m.source.kind === 'hub' && m.source.repo === e.repo)?.id ?? null,
      })),
    };
    return view;
  },

  'models.forProject': async (args: MethodParsedInput<'models.forProject'>, ctx: ServiceContext): Promise<MethodOutput<'models.forProject'>> =>
    new ModelsRepo(ctx.db).forProject(args.projectId),

  'models.useInProject': async (args: MethodParsedInput<'models.useInProject'>, ctx: ServiceContext): Promise<MethodOutput<'models.useInProject'>> => {
    const repo = new ModelsRepo(ctx.db);
    repo.setForProject(args.projectId, args.modelId);
    ctx.emit('projects.changed', { ids: [args.projectId] });
    return repo.forProject(args.projectId);
  },

  'models.tokenStatus': async (_a: MethodParsedInput<'models.tokenStatus'>, ctx: ServiceContext): Promise<MethodOutput<'models.tokenStatus'>> => tokenStatus(ctx),

  'models.setToken': async (args: MethodParsedInput<'models.setToken'>, ctx: ServiceContext): Promise<MethodOutput<'models.setToken'>> => {
    await saveToken(ctx.paths.root, args.token);
    return tokenStatus(ctx);
  },
};

/** Aborts running downloads when the app closes, keeping their parts so the next start resumes them. */
export function stopDownloads(): void {
  for (const ac of downloads.values()) ac.abort('shutdown');
}
