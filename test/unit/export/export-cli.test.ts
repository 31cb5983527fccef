// `lathe export` and `lathe merge` in-process (the commands as registered on the CLI): run sources with the best
// checkpoint, --json output with checksums and the merge-quality KL, no overwrite without --force, typed errors.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';
import { register as registerExport } from '../../../main/cli/commands/export';
import { register as registerMerge } from '../../../main/cli/commands/merge';
import { readPeftAdapter } from '../../../main/export/peft-adapter';
import { ggufValue, readGguf } from '../../../main/export/gguf-reader';
import { writeCheckpoint } from '../../../main/runs/checkpoints';
import { TrainingConfigSchema } from '../../../main/api/training-config';
import { createRunDir } from '../../../main/runs/run-dir';
import { writeTinyAdapter } from '../../helpers/tiny-adapter';
import { tempDir } from '../../helpers/temp-dir';
import { tinyModel } from '../../helpers/tiny-model';

const tmp = tempDir('lathe-export-cli-');

async function lathe(args: string[]): Promise<{ stdout: string; error: Error | null }> {
  const program = new Command('lathe').exitOverride();
  registerExport(program);
  registerMerge(program);
  let stdout = '';
  const orig = process.stdout.write.bind(process.stdout);
  const origErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string) => ((stdout += s), true)) as typeof process.stdout.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    await program.parseAsync(['node', 'lathe', ...args]);
    return { stdout, error: null };
  } catch (err) {
    return { stdout, error: err as Error };
  } finally {
    process.stdout.write = orig;
    process.stderr.write = origErr;
  }
}

let base = '';
let runDir = '';
beforeAll(async () => {
  base = await tinyModel({ arch: 'llama', tokenizer: 'synthetic' });
  runDir = join(tmp, 'run');
  const dataset = join(tmp, 'data.jsonl');
  await cp(join('test', 'fixtures', 'data', 'alpaca.jsonl'), dataset);
  const config = TrainingConfigSchema.parse({ model: base, dataset, validationFraction: 0.5, seqLen: 64 });
  const now = new Date().toISOString();
  await createRunDir(runDir, config, { id: 'r1', name: 'r1', projectId: null, createdAt: now });
  // Two checkpoints: step 10 has the lower validation loss, so it is the default source.
  for (const [step, loss, seed] of [[10, 1.5, 3], [20, 2.5, 4]] as const) {
    await writeCheckpoint(join(runDir, 'checkpoints'), step, loss, async (dir) => {
      await writeTinyAdapter(base, dir, { r: 4, seed });
    });
  }
});

describe('lathe export', () => {
  it('--run picks the best checkpoint; merged --json lists files with sha256 and the merge-quality KL', async () => {
    const out = join(tmp, 'merged');
    const r = await lathe(['export', '--run', runDir, '--format', 'merged', '--quant', 'f32', '--out', out, '--json', '--threads', '2']);
    expect(r.error).toBeNull();
    const res = JSON.parse(r.stdout);
    expect(res.format).toBe('merged');
    expect(typeof res.mergeKL).toBe('number');
    expect(res.mergeKL).toBeGreaterThan(0); // trained on NF4 (the config default), merged into the f32 base
    const st = res.files.find((f: { path: string }) => f.path.endsWith('model.safetensors'));
    expect(st.sha256).toBe(createHash('sha256').update(readFileSync(st.path)).digest('hex'));
    expect(st.bytes).toBe(readFileSync(st.path).length);
    // --merge-base quantized merges into the dequantized NF4 weights the adapter was trained on: the KL vanishes.
    const alt = await lathe(['export', '--run', runDir, '--format', 'merged', '--quant', 'f32', '--merge-base', 'quantized', '--out', join(tmp, 'merged-nf4'), '--json', '--threads', '2']);
    expect(alt.error).toBeNull();
    expect(Math.abs(JSON.parse(alt.stdout).mergeKL)).toBeLessThan(1e-4);
    expect(JSON.parse(alt.stdout).mergeKL).toBeLessThan(res.mergeKL / 100);
    // The best checkpoint (step 10) was merged: PEFT export of it carries the same tensors.
    const peft = join(tmp, 'peft');
    expect((await lathe(['export', '--run', runDir, '--checkpoint', '10', '--format', 'peft', '--out', peft, '--json'])).error).toBeNull();
    const a = await readPeftAdapter(peft);
    const src = await readPeftAdapter(join(runDir, 'checkpoints', 'step-00000010'));
    expect(a.modules[0].A).toEqual(src.modules[0].A);
    const card = readFileSync(join(peft, 'README.md'), 'utf8');
    expect(card).toContain('Validation loss: 1.5000');
    expect(card).toMatch(/Training data: .*data\.jsonl` \(sha256:[0-9a-f]{64}\)/);
  });

  it('gguf-lora writes the adapter and its base GGUF; gguf of a base alone works; nothing is overwritten without --force', async () => {
    const out = join(tmp, 'ad.gguf');
    const r = await lathe(['export', '--model', base, '--adapter', join(runDir, 'checkpoints', 'step-00000020'), '--format', 'gguf-lora', '--out', out, '--json']);
    expect(r.error).toBeNull();
    expect(JSON.parse(r.stdout).files.map((f: { path: string }) => f.path)).toEqual([out, join(tmp, 'ad.base.gguf')]);
    expect(ggufValue(await readGguf(out), 'general.type')).toBe('adapter');
    const g = join(tmp, 'base.gguf');
    expect((await lathe(['export', '--model', base, '--format', 'gguf', '--quant', 'q8_0', '--out', g])).error).toBeNull();
    const again = await lathe(['export', '--model', base, '--format', 'gguf', '--out', g]);
    expect(again.error?.message).toMatch(/already exists/);
    expect((await lathe(['export', '--model', base, '--format', 'gguf', '--out', g, '--force'])).error).toBeNull();
    expect(ggufValue(await readGguf(g), 'general.file_type')).toBe(1);
    const onnx = await lathe(['export', '--model', base, '--adapter', join(runDir, 'checkpoints', 'step-00000020'), '--format', 'onnx', '--out', join(tmp, 'onnx'), '--json']);
    expect(onnx.error).toBeNull();
    expect(JSON.parse(onnx.stdout).files.map((f: { path: string }) => f.path.slice(tmp.length + 1))).toEqual(['onnx/model.onnx', 'onnx/model.onnx.data']);
    // No temp files left beside the outputs.
    expect((await readdir(tmp)).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('explains bad requests', async () => {
    expect((await lathe(['export', '--model', base, '--format', 'peft', '--out', join(tmp, 'x')])).error?.message).toMatch(/--format peft needs an adapter/);
    expect((await lathe(['export', '--model', base, '--format', 'zip', '--out', join(tmp, 'x')])).error?.message).toMatch(/--format must be one of/);
    expect((await lathe(['export', '--run', runDir, '--model', base, '--format', 'gguf', '--out', join(tmp, 'x')])).error?.message).toMatch(/exactly one of --run or --model/);
    expect((await lathe(['export', '--run', runDir, '--checkpoint', '99', '--format', 'peft', '--out', join(tmp, 'x')])).error?.message).toMatch(/no checkpoint at step 99/);
    expect(existsSync(join(tmp, 'x'))).toBe(false);
  });
});

describe('lathe merge', () => {
  it('merges two checkpoints with svd at rank 2 into a loadable PEFT adapter', async () => {
    await mkdir(join(tmp, 'm'), { recursive: true });
    const out = join(tmp, 'm', 'svd');
    const r = await lathe(['merge', '--adapter', join(runDir, 'checkpoints', 'step-00000010'), '--adapter', join(runDir, 'checkpoints', 'step-00000020'), '--method', 'svd', '--rank', '2', '--weights', '0.7,0.3', '--out', out, '--json']);
    expect(r.error).toBeNull();
    expect(JSON.parse(r.stdout)).toMatchObject({ method: 'svd', rank: 2 });
    const a = await readPeftAdapter(out);
    expect(a.modules.every((m) => m.r === 2)).toBe(true);
    expect(a.config.baseModel).toBe(base);
  });
});
