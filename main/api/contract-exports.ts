// API methods of the Export step: size estimate, start (runs in the engine host), cancel, and the exports table.
import { z } from 'zod';
import type { ExportRecord } from './export-types';
import { EXPORT_FORMATS, EXPORT_QUANTS } from './export-formats';
// Only the hoisted `method` function comes from contract.ts: its consts are not initialised yet when contract.ts
// (which spreads this table) pulls this module in, so the schemas below are local.
import { method } from './contract';
import { Id, LocalPath } from './schemas';

export interface ExportView extends ExportRecord {
  /** Copyable commands for the consuming tools (ollama create, llama-cli, PEFT). */
  commands: { label: string; command: string }[];
}

const Source = z.union([
  z.object({ runId: Id, checkpoint: z.union([z.number().int().min(0), z.literal('best'), z.literal('final')]).optional() }).strict(),
  z.object({ model: LocalPath, adapter: LocalPath.optional() }).strict(),
]);

const Target = z
  .object({
    source: Source,
    format: z.enum(EXPORT_FORMATS),
    quant: z.enum(EXPORT_QUANTS).optional(),
  })
  .strict();

export const exportsMethods = {
  'exports.estimate': method<{ bytes: number; adapterDir: string | null; checkpoint: number | null }>()(Target, 'Estimated size of an export before it starts, and which adapter it would use.'),
  'exports.start': method<ExportView>()(
    Target.extend({
      out: LocalPath.optional(),
      force: z.boolean().optional(),
      system: z.string().max(20000).optional(),
      separateAdapter: z.boolean().optional(),
    }).strict(),
    'Start an export in the engine host; progress arrives as exports.progress events, the result as exports.status.',
  ),
  'exports.cancel': method<{ cancelled: boolean }>()(z.object({ id: z.string().regex(/^exp-[0-9a-f]{8}$/) }).strict(), 'Cancel a running export (nothing is left behind).'),
  'exports.list': method<ExportView[]>()(z.object({ runId: Id.optional() }).strict().optional(), 'Exports, newest first (optionally of one run), with their files, sizes and merge-quality figure.'),
};

export interface ExportsEvents {
  'exports.progress': { id: string; phase: string; done: number; total: number };
  'exports.status': { export: ExportView };
}
