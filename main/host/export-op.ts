// Engine-host side of an export started from the UI: the file writing and quantization run here (CPU-heavy, off
// main's event loop), and so does the merge-quality KL, which needs the engine.
import { resolveExportSource, type ExportJobArgs } from '../export/export-args';
import { runExport, type ExportResult } from '../export/export-job';
import { klRowsFromExamples, measureMergeKL } from '../export/merge-kl';
import type { OpContext } from './ops';
import { loadTrainingData } from './trainer/training-data';

export async function exportRunOp(args: ExportJobArgs, ctx: OpContext<'export.run'>): Promise<ExportResult> {
  const src = await resolveExportSource(args.source);
  const wantKl = (args.kl ?? true) && !!src.adapterDir && !!src.run && ['merged', 'gguf', 'ollama', 'onnx'].includes(args.format);
  const rows = wantKl ? klRowsFromExamples((await loadTrainingData(src.run!.config, '', () => undefined)).validation) : [];
  let last = 0;
  return runExport(
    {
      source: src, format: args.format, quant: args.quant, out: args.out, force: args.force, system: args.system, separateAdapter: args.separateAdapter,
      signal: ctx.signal,
      onProgress: (p) => {
        // At most ~10 progress messages a second reach main.
        const now = Date.now();
        if (now - last < 100 && p.done !== p.total) return;
        last = now;
        ctx.emit('progress', p);
      },
    },
    {
      mergeKL: rows.length
        ? async (mergedDir) => (await measureMergeKL({ baseDir: src.baseDir, adapterDir: src.adapterDir!, quant: src.run!.config.quant, mergedDir, rows, signal: ctx.signal })).kl
        : undefined,
    },
  );
}
