// One export: resolves the adapter, writes the chosen format atomically (nothing half-written, no overwrite without
// force), optionally measures the merge-quality KL through an injected engine hook, and lists files with checksums.
import type { ExportJobArgs, ExportedFile, ExportResult } from '../api/export-types';
import { readdir, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { LatheError } from '../api/errors';
import { sha256File } from '../runs/checkpoints';
import type { ExportSource } from './export-source';
import { exportGguf, type GgufOutType } from './gguf-model';
import { exportGgufLora } from './gguf-lora';
import { mergedSource, type BaseWeights } from './merge-source';
import { exportMergedFolder, type MergedDtype } from './merged-folder';
import { modelCard } from './model-card';
import { writeOllamaFolder } from './ollama';
import { exportOnnx } from './onnx-model';
import { writeFileTarget, writeFolderAtomic } from './output-target';
import { loraScale, readPeftAdapter, writePeftAdapter, type PeftAdapter } from './peft-adapter';

import { EXPORT_FORMATS } from '../api/export-formats';
export { EXPORT_FORMATS, EXPORT_QUANTS, type ExportFormat, type ExportQuant } from '../api/export-formats';

/** An export job's arguments with its source resolved (export-args.ts), plus progress and cancellation. */
export interface ExportRequest extends Omit<ExportJobArgs, 'source' | 'kl'> {
  source: ExportSource;
  onProgress?: (p: { phase: string; done: number; total: number }) => void;
  /** Aborting stops at the next tensor; the partial output is removed and the target is untouched. */
  signal?: AbortSignal;
}

export type { ExportedFile, ExportResult };

export interface ExportHooks {
  /** Base weights to merge into instead of the stored ones (the CLI's --merge-base nf4 passes the engine's). */
  baseWeights?: BaseWeights;
  /** Mean per-token KL between the adapter on the quantized base and the merged folder (runs the engine). */
  mergeKL?: (mergedDir: string) => Promise<number>;
}

export async function listExportFiles(path: string): Promise<ExportedFile[]> {
  const st = await stat(path);
  const paths = st.isDirectory() ? (await readdir(path)).sort().map((f) => join(path, f)) : [path];
  const out: ExportedFile[] = [];
  for (const p of paths) out.push({ path: p, bytes: (await stat(p)).size, sha256: await sha256File(p) });
  return out;
}

function needAdapter(a: PeftAdapter | null, format: string): PeftAdapter {
  if (!a) throw new LatheError('adapter_missing', `--format ${format} needs an adapter`, 'Pass --run RUN_DIR, or --adapter DIR with --model.');
  return a;
}

/** PEFT scales by alpha/r (or alpha/√r); pattern-specific alphas are folded into B so one alpha describes the file. */
function normalizedModules(a: PeftAdapter) {
  return a.modules.map((m) => {
    const want = loraScale(a.config.loraAlpha, m.r, a.config.useRslora);
    return want === m.scale ? m : { ...m, B: m.B.map((x) => (x * m.scale) / want) };
  });
}

export async function runExport(req: ExportRequest, hooks: ExportHooks = {}): Promise<ExportResult> {
  const { source: src, format, out } = req;
  const force = req.force ?? false;
  const adapter = src.adapterDir ? await readPeftAdapter(src.adapterDir) : null;
  const checkAbort = () => {
    if (req.signal?.aborted) throw new LatheError('cancelled', 'The export was cancelled; nothing was written.');
  };
  const progress = (phase: string) => (done: number, total: number) => {
    checkAbort();
    req.onProgress?.({ phase, done, total });
  };
  checkAbort();
  let mergeKL: number | undefined;
  const kl = async (mergedDir: string) => {
    if (adapter && hooks.mergeKL) {
      req.onProgress?.({ phase: 'merge-quality KL', done: 0, total: 1 });
      mergeKL = await hooks.mergeKL(mergedDir);
    }
  };
  /** Measures KL against a temporary f16 merged folder beside the output, removed afterwards. */
  const klViaTemp = async () => {
    if (!adapter || !hooks.mergeKL) return;
    const tmp = join(dirname(out), `.${basename(out)}.${process.pid}.kl-merged`);
    try {
      await exportMergedFolder(src.baseDir, adapter, tmp, { dtype: 'f16', force: true, baseWeights: hooks.baseWeights });
      await kl(tmp);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  };
  const quant = req.quant ?? null;
  switch (format) {
    case 'peft': {
      const a = needAdapter(adapter, format);
      const baseModel = a.config.baseModel || src.baseDir;
      await writeFolderAtomic(out, force, async (tmp) => {
        checkAbort();
        await writePeftAdapter(tmp, { baseModel, alpha: a.config.loraAlpha, useRslora: a.config.useRslora, modules: normalizedModules(a), dropout: Number(a.config.raw.lora_dropout ?? 0), tables: a.tables });
        await writeFile(join(tmp, 'README.md'), await modelCard(src, { ...a.config, baseModel }, null));
      });
      break;
    }
    case 'merged': {
      const dtype = (quant ?? 'f16') as MergedDtype;
      if (!['f32', 'f16', 'bf16'].includes(dtype)) throw new LatheError('invalid_option', `--quant ${dtype} is not a merged-folder dtype`, 'Use --quant f32, f16 or bf16 with --format merged.');
      await exportMergedFolder(src.baseDir, adapter, out, { dtype, force, onProgress: progress('merge'), baseWeights: hooks.baseWeights });
      await kl(out);
      break;
    }
    case 'gguf': {
      const src2 = await mergedSource(src.baseDir, adapter, hooks.baseWeights);
      await writeFileTarget(out, force, () => exportGguf(src.baseDir, out, { outType: (quant ?? 'f16') as GgufOutType, read: (info) => src2.read(info.name), onProgress: progress('gguf') }));
      await klViaTemp();
      break;
    }
    case 'gguf-lora': {
      const a = needAdapter(adapter, format);
      // The base GGUF the adapter is loaded onto is written beside it.
      const basePath = out.replace(/(\.gguf)?$/i, '.base.gguf');
      await writeFileTarget(basePath, force, () => exportGguf(src.baseDir, basePath, { outType: (quant ?? 'f16') as GgufOutType, onProgress: progress('base gguf') }));
      await writeFileTarget(out, force, () => exportGgufLora(src.baseDir, a, out));
      return { format, quant, files: [...(await listExportFiles(out)), ...(await listExportFiles(basePath))] };
    }
    case 'ollama': {
      await writeOllamaFolder(src.baseDir, adapter, out, { baseWeights: hooks.baseWeights, quant: (quant ?? (req.separateAdapter ? 'f16' : 'q8_0')) as GgufOutType, force, system: req.system, separateAdapter: req.separateAdapter, onProgress: progress('gguf') });
      if (!req.separateAdapter) await klViaTemp();
      break;
    }
    case 'onnx': {
      const q = quant ?? 'int4';
      if (q !== 'int4' && q !== 'f32') throw new LatheError('invalid_option', `--quant ${q} is not an ONNX weight type`, 'Use --quant int4 (MatMulNBits) or f32 with --format onnx.');
      const src2 = await mergedSource(src.baseDir, adapter, hooks.baseWeights);
      await exportOnnx(src.baseDir, src2, out, { weights: q, force, onProgress: progress('onnx') });
      await klViaTemp();
      break;
    }
    default:
      throw new LatheError('invalid_option', `unknown export format ${String(format)}`, `Use one of ${EXPORT_FORMATS.join(', ')}.`);
  }
  return { format, quant, files: await listExportFiles(out), ...(mergeKL !== undefined ? { mergeKL } : {}) };
}
