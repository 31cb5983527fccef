// The typed API contract: every request, response and event of the app, with runtime validators for every argument.
// Electron IPC, the web-mode WebSocket and the preload bridge are all generated from this one table.
import { z } from 'zod';

// ---------- shared schemas ----------

/** A user-visible name: trimmed, 1..120 characters, no control characters. */
export const Name = z
  .string()
  .max(120, 'must be at most 120 characters')
  .transform((s) => s.trim())
  .refine((s) => s.length > 0, 'must not be empty')
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'must not contain control characters');

export const Id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'is not a valid id');

const NoArgs = z.object({}).strict().optional();

// ---------- response types ----------

export interface AppInfo {
  name: string;
  version: string;
  /** 'electron' | 'web' | 'cli' */
  shell: string;
  libraryDir: string;
  platform: string;
  node: string;
}

export interface Project {
  id: string;
  name: string;
  description: string;
  createdAt: string;
  updatedAt: string;
}

export interface GpuInfo {
  index: number;
  name: string;
  memoryBytes: number;
  computeCapability?: string;
}

export interface SystemInfo {
  cpu: { model: string; cores: number; features: { avx2: boolean; avx512f: boolean; amx: boolean; fma: boolean; f16c: boolean } };
  memory: { totalBytes: number; freeBytes: number };
  gpus: GpuInfo[];
  engine: {
    version: string;
    /** Backends the engine can run on this machine, e.g. ['cpu'] or ['cpu', 'cuda']. */
    backends: string[];
    /** Backends compiled into this build (cuda may be compiled but have no GPU to run on). */
    compiled: string[];
    /** Why a compiled backend is not available, keyed by backend. */
    notes: Record<string, string>;
  };
}

export interface HostCrash {
  /** What the host was doing when it died. */
  job: string;
  exitCode: number | null;
  signal: string | null;
  message: string;
  at: string;
}

// ---------- the method table ----------

function method<I extends z.ZodType, O>(input: I, description: string) {
  return { input, description, output: undefined as unknown as O };
}

export const methods = {
  'app.info': method<typeof NoArgs, AppInfo>(NoArgs, 'Name, version and where the library lives.'),
  'system.info': method<typeof NoArgs, SystemInfo>(NoArgs, 'CPU, memory, GPUs and engine backends, probed in the engine host.'),
  'projects.list': method<typeof NoArgs, Project[]>(NoArgs, 'All projects, most recently updated first.'),
  'projects.create': method<z.ZodObject<{ name: typeof Name; description: z.ZodOptional<z.ZodString> }>, Project>(
    z.object({ name: Name, description: z.string().max(2000).optional() }).strict(),
    'Create a project.',
  ),
  'projects.rename': method<z.ZodObject<{ id: typeof Id; name: typeof Name }>, Project>(
    z.object({ id: Id, name: Name }).strict(),
    'Rename a project.',
  ),
  'projects.delete': method<z.ZodObject<{ id: typeof Id }>, { deleted: true }>(z.object({ id: Id }).strict(), 'Delete a project and its files.'),
} as const;

export type MethodName = keyof typeof methods;
export type MethodInput<M extends MethodName> = z.input<(typeof methods)[M]['input']>;
export type MethodParsedInput<M extends MethodName> = z.output<(typeof methods)[M]['input']>;
export type MethodOutput<M extends MethodName> = (typeof methods)[M]['output'];

// ---------- events (main -> UI) ----------

export interface EventPayloads {
  'engine.hostCrashed': HostCrash;
  'projects.changed': { ids: string[] };
}
export type EventName = keyof EventPayloads;
export const eventNames: EventName[] = ['engine.hostCrashed', 'projects.changed'];

// ---------- the client shape (what window.lathe and the WebSocket client expose) ----------

type SplitName<S extends string> = S extends `${infer NS}.${infer M}` ? [NS, M] : never;
type Namespaces = SplitName<MethodName>[0];
type MethodsOf<NS extends string> = {
  [K in MethodName as SplitName<K>[0] extends NS ? SplitName<K>[1] : never]: undefined extends MethodInput<K>
    ? (args?: MethodInput<K>) => Promise<MethodOutput<K>>
    : (args: MethodInput<K>) => Promise<MethodOutput<K>>;
};

export type LatheApi = { [NS in Namespaces]: MethodsOf<NS> } & {
  /** Subscribe to an event; returns the function that unsubscribes. */
  on<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void): () => void;
};

export const methodNames = Object.keys(methods) as MethodName[];
