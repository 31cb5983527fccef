// The model library's API methods (spread into the contract's method table): library, local import, the demo model,
// hub download with progress and cancel, the catalog with fit estimates, a project's base model, and the hub token.
import { z } from 'zod';
import type { CatalogView, FitVerdict, LibraryModel, ModelUse, PullProgress } from './model-library-types';
import { method } from './contract';
import { Id, LocalPath as Path } from './schemas';

export type { CatalogView, FitVerdict, LibraryModel, ModelUse };
export type ModelProgress = PullProgress & { jobId: string };

// Local copies of the contract's shared schemas: contract.ts imports this file, so its constants are not ready here.
const RepoRef = z.string().min(3, 'must be owner/name').max(300, 'must be at most 300 characters');

export interface TokenStatus {
  /** Where the token in use comes from: the HF_TOKEN variable, the one saved in Lathe, or none. */
  source: 'env' | 'saved' | null;
  /** How a saved token is kept: the OS keychain (desktop app) or a file only this user can read (web mode, CLI). */
  storage: 'keychain' | 'file';
}

export const modelMethods = {
  'models.list': method<LibraryModel[]>()(z.object({}).strict().optional(), 'Models in the library, newest first.'),
  'models.import': method<LibraryModel>()(
    z.object({ path: Path, copy: z.boolean().optional() }).strict(),
    'Add a local model folder to the library: a link to it (default) or a copy; every missing or bad file is named.',
  ),
  'models.addDemo': method<LibraryModel>()(z.object({}).strict().optional(), 'Generate (once) the tiny demo base model that `lathe demo` uses and add it to the library.'),
  'models.usage': method<ModelUse[]>()(z.object({ id: Id }).strict(), 'Runs that use a model (asked before it is deleted).'),
  'models.delete': method<{ deleted: true }>()(
    z.object({ id: Id, force: z.boolean().optional() }).strict(),
    'Remove a model from the library (its files too unless it is a linked folder). Refused while runs use it, unless force.',
  ),
  'models.pull': method<LibraryModel>()(
    z.object({ repo: RepoRef, revision: z.string().min(1).max(200).optional(), jobId: z.string().uuid() }).strict(),
    'Download a model from the Hugging Face Hub (resumes a partial download); progress events carry jobId.',
  ),
  'models.cancelPull': method<{ cancelled: boolean }>()(z.object({ jobId: z.string().uuid() }).strict(), 'Cancel a download; nothing of it is left in the library.'),
  'models.downloads': method<{ repo: string; commit: string }[]>()(z.object({}).strict().optional(), 'Partial downloads left by an exit or a crash (pull the repo again to resume).'),
  'models.catalog': method<CatalogView>()(z.object({}).strict().optional(), 'Curated small open models with licence, gating and the engine’s QLoRA memory plan on this machine.'),
  'models.fit': method<Record<string, { seqLen: number; plannedBytes: number; fit: FitVerdict }>>()(
    z.object({}).strict().optional(),
    'For each library model: the engine’s QLoRA plan at seq 1024 on this machine and where it fits (the cards’ fit badge).',
  ),
  'models.forProject': method<LibraryModel | null>()(z.object({ projectId: Id }).strict(), 'The base model chosen for a project (null when none).'),
  'models.useInProject': method<LibraryModel | null>()(
    z.object({ projectId: Id, modelId: Id.nullable() }).strict(),
    'Choose the base model of a project by library id (null clears it).',
  ),
  'models.tokenStatus': method<TokenStatus>()(z.object({}).strict().optional(), 'Whether a Hugging Face token is set, and where it comes from.'),
  'models.setToken': method<TokenStatus>()(
    z.object({ token: z.string().regex(/^[\x21-\x7e]{8,400}$/, 'is not a Hugging Face token').nullable() }).strict(),
    'Save the Hugging Face token (OS keychain in the desktop app, a user-only file in web mode), or forget it (null).',
  ),
};
