// `lathe merge`: the adapter merge lab on the command line: two or more PEFT adapters of one base into one
// ordinary PEFT adapter (linear, TIES, DARE or SVD re-rank), written atomically.
import type { Command } from 'commander';
import { LatheError } from '../../api/errors';
import { MERGE_METHODS, mergeAdapters, type MergeMethod } from '../../export/merge-lab';
import { writeFolderAtomic } from '../../export/output-target';
import { readPeftAdapter, writePeftAdapter } from '../../export/peft-adapter';
import { listExportFiles } from '../../export/export-job';

const collect = (v: string, prev: string[]) => [...prev, v];

function numberList(v: string, flag: string): number[] {
  const xs = v.split(',').map((s) => Number(s.trim()));
  if (!xs.length || xs.some((x) => !Number.isFinite(x))) throw new LatheError('invalid_option', `${flag} must be comma-separated numbers (got "${v}")`, `Example: ${flag} 0.5,0.5`);
  return xs;
}

export function register(program: Command): void {
  program
    .command('merge')
    .description('combine LoRA adapters of the same base into one adapter (linear | ties | dare | svd)')
    .option('--adapter <dir>', 'PEFT adapter folder (repeat for each adapter)', collect, [] as string[])
    .option('--weights <list>', 'one weight per adapter, e.g. 0.5,0.5 (default: equal, summing to 1)')
    .option('--method <m>', MERGE_METHODS.join(' | '), 'linear')
    .option('--rank <r>', 'target rank (svd/ties/dare; default the largest input rank; linear re-factors when set)')
    .option('--density <d>', 'share of weights kept by ties/dare', '0.5')
    .option('--seed <n>', 'seed for dare and the randomized SVD', '1')
    .requiredOption('--out <dir>', 'output adapter folder')
    .option('--force', 'replace an existing output')
    .option('--json', 'print {method, files:[{path,bytes,sha256}], rank}')
    .action(async (o: { adapter: string[]; weights?: string; method: string; rank?: string; density: string; seed: string; out: string; force?: boolean; json?: boolean }) => {
      if (!(MERGE_METHODS as string[]).includes(o.method)) throw new LatheError('invalid_option', `--method must be one of ${MERGE_METHODS.join(', ')} (got "${o.method}")`);
      const adapters = [];
      for (const dir of o.adapter) adapters.push(await readPeftAdapter(dir));
      const withTables = adapters.filter((a) => a.tables.size);
      if (withTables.length) {
        throw new LatheError('invalid_option', `${withTables.map((a) => a.dir).join(', ')} also trained the embedding table/head (trainEmbeddings); merging full tables of several adapters is not defined`, 'Merge adapters trained without trainEmbeddings, or export that adapter on its own.');
      }
      const merged = mergeAdapters(adapters, {
        method: o.method as MergeMethod,
        weights: o.weights ? numberList(o.weights, '--weights') : undefined,
        rank: o.rank !== undefined ? Number(o.rank) : undefined,
        density: Number(o.density),
        seed: Number(o.seed),
      });
      const baseModel = adapters[0].config.baseModel;
      await writeFolderAtomic(o.out, !!o.force, (tmp) => writePeftAdapter(tmp, { baseModel, alpha: merged.alpha, useRslora: false, modules: merged.modules }));
      const files = await listExportFiles(o.out);
      const rank = Math.max(...merged.modules.map((m) => m.r));
      if (o.json) process.stdout.write(JSON.stringify({ method: o.method, rank, files }) + '\n');
      else process.stdout.write(`Merged ${adapters.length} adapters (${o.method}, rank ${rank}) into ${o.out}\n`);
    });
}
