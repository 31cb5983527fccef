// `lathe data inspect|import`: the validation report (and token statistics with --model) of a dataset file, and import into a project.
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { LatheError } from '../../api/errors';
import { parseFieldMap } from '../../data/detect';
import { loadMappingFile } from '../../data/mapping-import';
import { formatShares, planMixture } from '../../data/mixture';
import { LENGTH_POLICIES, type LengthPolicy } from '../../data/lengths';
import { runPipeline, type DatasetReport } from '../../data/pipeline';
import { MASK_MODES, TEMPLATE_NAMES, type MaskMode, type TemplateName } from '../../data/render';
import { SOURCE_KINDS } from '../../data/readers';
import { importDataset } from '../../data/store';
import { DATA_FORMATS, type DataFormat, type SourceKind } from '../../data/types';
import { ProjectsRepo } from '../../library/projects-repo';
import { loadTokenizer } from '../../models/tokenizer';
import { createRuntime } from '../../services/runtime';

interface DataOpts {
  format?: DataFormat;
  source?: SourceKind;
  map: string[];
  mapFrom?: string;
  jsonField?: string;
  textUnit?: 'document' | 'paragraph';
  maxLineBytes?: number;
  abortOnInvalid?: boolean;
  json?: boolean;
}
interface InspectOpts extends DataOpts {
  model?: string;
  template?: TemplateName;
  templateFile?: string;
  templateVar: string[];
  trainReasoning: boolean;
  trainEos: boolean;
  mask?: MaskMode;
  maxLen?: number;
  policy?: LengthPolicy;
  limit: number;
}
interface ImportOpts extends DataOpts {
  project: string;
  name?: string;
}

const oneOf = <T extends string>(list: readonly T[], what: string) => (v: string): T => {
  if (!list.includes(v as T)) throw new InvalidArgumentError(`${what} must be one of: ${list.join(', ')}`);
  return v as T;
};
const positiveInt = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive whole number');
  return n;
};
const collect = (v: string, prev: string[]): string[] => [...prev, v];

/** `FILE=WEIGHT` (or FILE) of `lathe data mix`; a path that itself contains "=" needs its weight given. */
export function parseMixSpec(spec: string): { file: string; weight: number } {
  const eq = spec.lastIndexOf('=');
  if (eq < 0) return { file: spec, weight: 1 };
  const weight = Number(spec.slice(eq + 1));
  if (!(weight > 0) || !Number.isFinite(weight)) {
    throw new LatheError('data_mixture_weight', `"${spec}": the weight after "=" is not a positive number.`, 'Write FILE=WEIGHT, e.g. chat.jsonl=3 code.jsonl=1.');
  }
  return { file: spec.slice(0, eq), weight };
}

/** `--template-var key=value` pairs: the value as JSON when it parses (false, 3, ["a"]), otherwise as text. */
export function parseTemplateVars(pairs: string[]): Record<string, unknown> | undefined {
  if (!pairs.length) return undefined;
  const vars: Record<string, unknown> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    const key = eq > 0 ? p.slice(0, eq).trim() : '';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
      throw new LatheError('data_bad_template_var', `--template-var "${p}" is not of the form name=value with a template variable name.`, 'Example: --template-var enable_thinking=false');
    }
    const raw = p.slice(eq + 1);
    try {
      vars[key] = JSON.parse(raw);
    } catch {
      vars[key] = raw;
    }
  }
  return vars;
}

function addReadOptions(c: Command): Command {
  return c
    .option('--format <format>', `dataset format instead of detecting it (${DATA_FORMATS.join(', ')})`, oneOf(DATA_FORMATS, '--format'))
    .option('--source <kind>', `file type instead of the extension (${SOURCE_KINDS.join(', ')})`, oneOf(SOURCE_KINDS, '--source'))
    .option('--map <field=column>', 'read a format field from another column, e.g. --map instruction=question; inside messages: --map role=from --map content=value --map role.user=human (repeatable)', collect, [])
    .option('--map-from <file[#name]>', 'take the mapping from a LLaMA-Factory dataset_info.json entry or an Axolotl config\'s datasets: entry (--map pairs win)')
    .option('--json-field <name>', 'JSON object files: the top-level field that holds the rows')
    .option('--text-unit <unit>', 'plain text: one example per document or paragraph', oneOf(['document', 'paragraph'] as const, '--text-unit'))
    .option('--max-line-bytes <n>', 'longest line accepted, in bytes (default 16 MiB)', positiveInt)
    .option('--abort-on-invalid', 'stop at the first bad row instead of skipping and listing bad rows')
    .option('--json', 'print the report as one JSON object');
}

async function readOptions(o: DataOpts) {
  const imported = o.mapFrom ? await loadMappingFile(o.mapFrom) : undefined;
  const map = { ...(imported?.map ?? {}), ...(o.map.length ? parseFieldMap(o.map) : {}) };
  return {
    format: o.format ?? imported?.format,
    source: o.source,
    map: Object.keys(map).length ? map : undefined,
    jsonField: o.jsonField,
    textUnit: o.textUnit,
    maxLineBytes: o.maxLineBytes,
    onInvalid: o.abortOnInvalid ? ('abort' as const) : ('skip' as const),
  };
}

export function formatReport(r: DatasetReport, limit: number): string {
  const unit = r.source === 'parquet' ? 'row' : 'line';
  const out = [
    `${r.file}: ${r.source}, format ${r.format}${r.confidence < 1 ? ` (detected, confidence ${Math.round(r.confidence * 100)}%)` : ''}`,
    `rows: ${r.total} total, ${r.valid} valid, ${r.invalidCount} left out (${r.duplicates} exact duplicates)${r.emptyLines ? `, ${r.emptyLines} blank lines ignored` : ''}`,
  ];
  if (r.invalidCount) {
    out.push('', 'left out:');
    for (const i of r.invalid.slice(0, limit)) out.push(`  ${i.file ? i.file + ' ' : ''}${unit} ${i.line}${i.field ? ` [${i.field}]` : ''}: ${i.reason}`);
    if (r.invalidCount > Math.min(limit, r.invalid.length)) out.push(`  ... and ${r.invalidCount - Math.min(limit, r.invalid.length)} more (use --json for the full list)`);
  }
  const t = r.tokens;
  if (t) {
    out.push('', `tokens (${t.template} template, ${t.mask} mask): min ${t.min}, median ${t.p50}, p95 ${t.p95}, max ${t.max}; ${t.trainedTokens} of ${t.totalTokens} tokens trained`);
    if (t.maxLen != null) {
      out.push(`over ${t.maxLen} tokens: ${t.overLimit} examples -> policy ${t.policy}: ${t.truncated} truncated, ${t.dropped} dropped, ${t.split} split into ${t.splitPieces} pieces (${t.emptyPieces} pieces with nothing to learn left out)`);
      for (const x of t.tooLong.slice(0, limit)) out.push(`  left out ${x.file ? x.file + ' ' : ''}${unit} ${x.line}: ${x.reason}`);
    }
    if (t.packing && t.packing.sequences) {
      const p = t.packing;
      out.push(`packing into ${t.maxLen}-token rows: ${p.sequences} sequences -> ${p.packs} rows (${p.rowsPerPack} per row), padding ${p.paddingUnpacked} -> ${p.paddingPacked} tokens (${Math.round(p.paddingSaved * 100)}% saved)`);
    }
    if (t.untrainedTurns.length) {
      out.push('', 'turns kept in the text but not trained:');
      for (const u of t.untrainedTurns.slice(0, limit)) out.push(`  ${u.file ? u.file + ' ' : ''}${unit} ${u.line} [${u.field}]: ${u.reason}`);
    }
    if (t.alignFallbacks) out.push(`note: ${t.alignFallbacks} sequences were masked by prefix tokenization (tokens did not align with the text)`);
  }
  return out.join('\n') + '\n';
}

/** The JSON report: the fields the issue promises first, then everything else. */
export function jsonReport(r: DatasetReport): Record<string, unknown> {
  const { format, total, valid, invalid, duplicates, tokens, ...rest } = r;
  return {
    format,
    total,
    valid,
    invalid: invalid.map((i) => ({ line: i.line, ...(i.file ? { file: i.file } : {}), field: i.field, reason: i.reason, code: i.code })),
    duplicates,
    ...(tokens ? { tokens } : {}),
    ...rest,
  };
}

export function register(program: Command): void {
  const data = program.command('data').description('inspect and import datasets');

  addReadOptions(
    data
      .command('inspect')
      .argument('<file>', 'dataset file (.jsonl, .json, .csv, .tsv, .parquet, .txt, .md) or a folder of text files')
      .description('validate a dataset and print what would be trained on; exits non-zero only when no valid row remains'),
  )
    .option('--model <dir>', 'model (or tokenizer) folder: adds token statistics and loss masks')
    .option('--template <name>', `chat template (${TEMPLATE_NAMES.join(', ')}); default: the model's own, else chatml`, oneOf(TEMPLATE_NAMES, '--template'))
    .option('--template-file <path>', 'a Jinja chat template to use instead of the model\'s')
    .option('--template-var <key=value>', 'a chat-template variable, e.g. enable_thinking=false (value read as JSON when it parses, else text; repeatable)', collect, [])
    .option('--no-train-reasoning', 'keep <think> reasoning in the text but do not train it')
    .option('--no-train-eos', 'do not train the end-of-turn token of trained turns')
    .option('--mask <mode>', `what is trained (${MASK_MODES.join(', ')})`, oneOf(MASK_MODES, '--mask'), 'assistant')
    .option('--max-len <n>', 'maximum sequence length in tokens (counts examples over it)', positiveInt)
    .option('--policy <policy>', `what happens to longer examples (${LENGTH_POLICIES.join(', ')})`, oneOf(LENGTH_POLICIES, '--policy'), 'truncate')
    .option('--limit <n>', 'bad rows listed in the text report', positiveInt, 20)
    .action(async (file: string, o: InspectOpts) => {
      const tokenizer = o.model ? await loadTokenizer(o.model) : undefined;
      if (!tokenizer && (o.maxLen || o.template || o.templateFile)) {
        throw new LatheError('data_needs_model', '--max-len, --template and --template-file need --model (token counts come from its tokenizer).', 'Add --model <model folder>.');
      }
      const templateOverride = o.templateFile ? await readFile(o.templateFile, 'utf8') : undefined;
      const report = await runPipeline(file, {
        ...(await readOptions(o)),
        tokenize: tokenizer
          ? { tokenizer, template: o.template, templateOverride, extra: parseTemplateVars(o.templateVar), trainReasoning: o.trainReasoning, trainOnEos: o.trainEos, mask: o.mask, maxLen: o.maxLen, policy: o.policy }
          : undefined,
      });
      process.stdout.write(o.json ? JSON.stringify(jsonReport(report)) + '\n' : formatReport(report, o.limit));
      if (report.valid === 0) process.exitCode = 2;
    });

  addReadOptions(
    data
      .command('mix')
      .argument('<datasets...>', 'dataset files, each FILE or FILE=WEIGHT (weight: relative share of the epoch, default 1)')
      .description('validate several datasets and show the share of an epoch each gets as a mixture'),
  )
    .option('--epoch-size <n>', 'examples in one epoch (default: all valid examples once)', positiveInt)
    .option('--seed <n>', 'seed of the epoch order', (v) => Number(v), 0)
    .action(async (specs: string[], o: DataOpts & { epochSize?: number; seed: number }) => {
      const read = await readOptions(o);
      const parts = specs.map(parseMixSpec);
      const reports: DatasetReport[] = [];
      for (const p of parts) reports.push(await runPipeline(p.file, read));
      const plan = planMixture(parts.map((p, i) => ({ name: basename(p.file), size: reports[i].valid, weight: p.weight })), { epochSize: o.epochSize, seed: o.seed });
      if (o.json) {
        process.stdout.write(JSON.stringify({ datasets: reports.map(jsonReport), shares: plan.shares, epochSize: plan.order.length }) + '\n');
        return;
      }
      const lines = reports.map((r) => `${r.file}: format ${r.format}, ${r.valid} valid of ${r.total}${r.invalidCount ? ` (${r.invalidCount} left out: lathe data inspect ${r.file})` : ''}`);
      process.stdout.write([...lines, '', `mixture, ${plan.order.length} examples per epoch:`, ...formatShares(plan.shares)].join('\n') + '\n');
    });

  addReadOptions(
    data
      .command('import')
      .argument('<file>', 'dataset file or folder of text files')
      .description('validate a dataset and store it (raw copy, normalised rows, report) in a project'),
  )
    .requiredOption('--project <name-or-id>', 'project to add the dataset to')
    .option('--name <name>', 'dataset name (default: the file name)')
    .action(async (file: string, o: ImportOpts) => {
      const runtime = createRuntime({ shell: 'cli' });
      try {
        const projects = new ProjectsRepo(runtime.ctx.db);
        const project = projects.findByName(o.project) ?? projects.list().find((p) => p.id === o.project);
        if (!project) throw new LatheError('projects.notFound', `No project named or with id "${o.project}".`, 'Create it with `lathe projects create NAME` (or in the app), or see `lathe projects list`.');
        const { dataset, report } = await importDataset(runtime.ctx.db, runtime.ctx.paths, file, { ...(await readOptions(o)), projectId: project.id, name: o.name });
        if (o.json) process.stdout.write(JSON.stringify({ dataset, report: jsonReport(report) }) + '\n');
        else process.stdout.write(formatReport(report, 20) + `\nimported as dataset ${dataset.id} ("${dataset.name}") in project "${project.name}"\n`);
      } finally {
        await runtime.close();
      }
    });
}
