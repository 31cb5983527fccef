// `lathe model pull|list|import|rm|catalog`: the model library from the command line, over the same services as the UI.
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { LatheError } from '../../api/errors';
import type { MethodName } from '../../api/contract';
import { ModelsRepo, type LibraryModel } from '../../library/models-repo';
import { hubEndpoint, parseRepoRef } from '../../models/hub/endpoint';
import { pullModel } from '../../models/hub/pull';
import { resolveToken } from '../../models/hub/token-store';
import { formatParams } from '../../models/params';
import { dispatch } from '../../services/dispatch';
import { createRuntime, type Runtime } from '../../services/runtime';
import { formatBytes } from '../format';

async function withRuntime<T>(fn: (rt: Runtime) => Promise<T>): Promise<T> {
  const rt = createRuntime({ shell: 'cli' });
  try {
    return await fn(rt);
  } finally {
    await rt.close();
  }
}

async function call<T>(rt: Runtime, method: MethodName, args?: unknown): Promise<T> {
  const r = await dispatch(method, args, rt.ctx);
  if (!r.ok) throw new LatheError(r.error.code, r.error.message, r.error.hint);
  return r.value as T;
}

const out = (s: string) => process.stdout.write(s + '\n');
const source = (m: LibraryModel) => (m.source.kind === 'hub' ? `${m.source.repo}@${m.source.revision}` : m.source.kind === 'demo' ? 'demo' : m.linked ? `link: ${m.dir}` : 'copy');

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

export function registerModelLibrary(model: Command): void {
  model
    .command('pull')
    .argument('<repo>', 'Hugging Face repo id, optionally @revision (e.g. HuggingFaceTB/SmolLM2-135M-Instruct@main)')
    .description('download a model from the Hugging Face Hub into the library (HF_ENDPOINT and HF_TOKEN are honoured; resumes after a cut)')
    .option('--json', 'print the library model as JSON when done')
    .action(async (ref: string, opts: { json?: boolean }) => {
      const { repo, revision } = parseRepoRef(ref);
      await withRuntime(async (rt) => {
        const ac = new AbortController();
        // Ctrl-C keeps the verified files and the part: the same command resumes where it stopped.
        const onSigint = () => ac.abort('shutdown');
        process.once('SIGINT', onSigint);
        const bar = !opts.json && process.stderr.isTTY ? new SingleBar({ format: ' {bar} {percentage}% | {done} of {size} | {speed}/s | ETA {eta_formatted} | {file}', hideCursor: true, stream: process.stderr }) : null;
        let lastLine = 0;
        try {
          const m = await pullModel({
            repo,
            revision,
            endpoint: hubEndpoint(),
            token: (await resolveToken(rt.ctx.paths.root)).token,
            modelsDir: rt.ctx.paths.models,
            models: new ModelsRepo(rt.ctx.db),
            signal: ac.signal,
            onProgress: (p) => {
              const fields = { done: formatBytes(p.bytes), size: formatBytes(p.totalBytes), speed: formatBytes(p.bytesPerSecond), file: p.file };
              if (bar) {
                if (!bar.getTotal()) bar.start(p.totalBytes, p.bytes, fields);
                bar.update(p.bytes, fields);
              } else if (!opts.json && Date.now() - lastLine > 2000) {
                lastLine = Date.now();
                process.stderr.write(`${fields.done} of ${fields.size} (${fields.speed}/s) ${p.file}\n`);
              }
            },
          });
          bar?.stop();
          if (opts.json) out(JSON.stringify(m, null, 2));
          else out(`${m.name}: ${m.architecture}, ${formatParams(m.parameterCount)} parameters, ${formatBytes(m.sizeBytes)} in ${m.dir}\nid ${m.id}`);
        } catch (err) {
          bar?.stop();
          if (ac.signal.aborted) throw new LatheError('cancelled', 'Download stopped; the files fetched so far are kept.', `Run \`lathe model pull ${ref}\` again to resume.`);
          throw err;
        } finally {
          process.off('SIGINT', onSigint);
        }
      });
    });

  model
    .command('list')
    .description('models in the library')
    .option('--json', 'print a JSON array')
    .action(async (opts: { json?: boolean }) => {
      await withRuntime(async (rt) => {
        const models = await call<LibraryModel[]>(rt, 'models.list');
        if (opts.json) return out(JSON.stringify(models, null, 2));
        if (!models.length) out('The library has no models yet. Try `lathe model pull HuggingFaceTB/SmolLM2-135M-Instruct` or `lathe model import DIR`.');
        else out(table([['ID', 'NAME', 'ARCHITECTURE', 'PARAMS', 'SIZE', 'SOURCE'], ...models.map((m) => [m.id, m.name, m.architecture, formatParams(m.parameterCount), formatBytes(m.sizeBytes), source(m)])]));
        for (const d of await call<{ repo: string; commit: string }[]>(rt, 'models.downloads')) {
          out(`interrupted download: ${d.repo}@${d.commit.slice(0, 7)} (run \`lathe model pull ${d.repo}@${d.commit}\` to resume)`);
        }
      });
    });

  model
    .command('import')
    .argument('<dir>', 'a Hugging Face model folder (config.json, tokenizer.json, *.safetensors)')
    .description('add a local model folder to the library: a link to it, or a copy with --copy')
    .option('--copy', 'copy the files a run needs into the library instead of linking the folder')
    .option('--json', 'print the library model as JSON')
    .action(async (dir: string, opts: { copy?: boolean; json?: boolean }) => {
      await withRuntime(async (rt) => {
        const m = await call<LibraryModel>(rt, 'models.import', { path: dir, copy: !!opts.copy });
        if (opts.json) return out(JSON.stringify(m, null, 2));
        out(`${opts.copy ? 'Copied' : 'Linked'} ${m.name}: ${m.architecture}, ${formatParams(m.parameterCount)} parameters (id ${m.id})`);
      });
    });

  model
    .command('rm')
    .argument('<id>', 'library model id (see `lathe model list`)')
    .description('remove a model from the library (its files too, unless it is a linked folder)')
    .option('--force', 'remove it even though runs use it')
    .action(async (id: string, opts: { force?: boolean }) => {
      await withRuntime(async (rt) => {
        try {
          await call(rt, 'models.delete', { id, force: !!opts.force });
        } catch (err) {
          if ((err as LatheError).code === 'models.inUse') throw new LatheError('models.inUse', (err as Error).message, 'Add --force to remove it anyway; the runs keep their results.');
          throw err;
        }
        out(`Removed ${id}.`);
      });
    });

  model
    .command('catalog')
    .description('curated small open models with licence, gating and whether QLoRA training fits this machine (the engine’s plan)')
    .option('--json', 'print one JSON object')
    .action(async (opts: { json?: boolean }) => {
      await withRuntime(async (rt) => {
        const view = await call<import('../../models/catalog-view').CatalogView>(rt, 'models.catalog');
        if (opts.json) return out(JSON.stringify(view, null, 2));
        const fit = { gpu: 'GPU', cpu: 'CPU only', none: 'no' } as const;
        const s = view.settings;
        out(`QLoRA ${s.quant}, r ${s.loraR}, micro-batch ${s.microBatch}; ${formatBytes(view.machine.freeBytes)} RAM free${view.machine.gpus.length ? `, GPUs: ${view.machine.gpus.map((g) => `${g.name} ${formatBytes(g.memoryBytes)}`).join(', ')}` : ', no GPU backend'}`);
        out(table([
          ['MODEL', 'REPO', 'PARAMS', 'LICENCE', 'GATED', ...s.seqLens.flatMap((n) => [`PLAN@${n}`, `FITS@${n}`])],
          ...view.entries.map((e) => [e.name, `${e.repo}${e.revision === 'main' ? '' : `@${e.revision.slice(0, 7)}`}`, formatParams(e.parameterCount), e.license, e.gated ? 'yes' : 'no',
            ...e.plans.flatMap((p) => [formatBytes(p.plannedBytes), fit[p.fit]])]),
        ]));
      });
    });
}

