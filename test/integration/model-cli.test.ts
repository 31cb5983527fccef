// The built CLI (`node bin/lathe.js`, needs `npm run build`) against a loopback mock hub: pull with progress, Ctrl-C
// mid-download then the same command resumes with a range request (a real process restart), list, rm, catalog --json.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoFromFolder, startMockHub, type MockHub } from '../helpers/mock-hub';
import { tempDir } from '../helpers/temp-dir';
import { tinyModel } from '../helpers/tiny-model';

const built = existsSync(join(process.cwd(), 'out', 'main', 'cli.js'));
const COMMIT = 'c'.repeat(40);

describe.skipIf(!built)('lathe model pull|list|rm|catalog (built CLI, mock hub)', () => {
  const home = tempDir('lathe-cli-home-');
  let hub: MockHub;
  let weightsSize = 0;

  beforeAll(async () => {
    const repo = repoFromFolder(await tinyModel({ arch: 'llama', tokenizer: 'synthetic' }), COMMIT);
    weightsSize = repo.files.get('model.safetensors')!.length;
    hub = await startMockHub({ 'test-org/tiny': repo });
  });
  afterAll(() => hub?.close());

  function lathe(args: string[], onStart?: (kill: (sig: NodeJS.Signals) => void) => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const p = spawn(process.execPath, ['bin/lathe.js', ...args], { cwd: process.cwd(), env: { ...process.env, LATHE_HOME: home, HF_ENDPOINT: hub.endpoint, HF_TOKEN: '' } });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    onStart?.((sig) => p.kill(sig));
    return new Promise((resolve) => p.on('exit', (code) => resolve({ code, stdout, stderr })));
  }

  it('Ctrl-C mid-download keeps the part; running the command again resumes it with one range request', async () => {
    hub.throttle(5);
    const staging = join(home, 'models', '.downloads', `test-org--tiny@${COMMIT}`);
    const part = join(staging, 'model.safetensors.part');
    const first = await lathe(['model', 'pull', 'test-org/tiny'], (kill) => {
      const timer = setInterval(() => {
        if (existsSync(part) && statSync(part).size > 0) {
          clearInterval(timer);
          kill('SIGINT');
        }
      }, 20);
    });
    expect(first.code).not.toBe(0);
    expect(first.stderr).toMatch(/Run `lathe model pull test-org\/tiny` again to resume/);
    const kept = statSync(part).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(weightsSize);

    const listed = await lathe(['model', 'list']);
    expect(listed.stdout).toContain(`interrupted download: test-org/tiny@${COMMIT.slice(0, 7)}`);

    hub.throttle(0);
    const from = hub.served.length;
    const second = await lathe(['model', 'pull', 'test-org/tiny', '--json']);
    expect(second.code, second.stderr).toBe(0);
    const model = JSON.parse(second.stdout);
    expect(model).toMatchObject({ source: { kind: 'hub', repo: 'test-org/tiny', commit: COMMIT }, architecture: 'LlamaForCausalLM' });
    const weights = hub.served.slice(from).filter((s) => s.file === 'model.safetensors');
    expect(weights).toEqual([{ file: 'model.safetensors', start: kept, bytes: weightsSize - kept, status: 206 }]);
    expect(existsSync(staging)).toBe(false);
    expect(readdirSync(model.dir)).toContain('model.safetensors');

    const list = await lathe(['model', 'list', '--json']);
    expect(JSON.parse(list.stdout).map((m: { id: string }) => m.id)).toEqual([model.id]);
    const rm = await lathe(['model', 'rm', model.id]);
    expect(rm.code, rm.stderr).toBe(0);
    expect(existsSync(model.dir)).toBe(false);
  });

  it('catalog --json gives every entry the engine plan at seq 1024 and 2048 with a fit verdict', async () => {
    const r = await lathe(['model', 'catalog', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const view = JSON.parse(r.stdout);
    expect(view.settings).toMatchObject({ quant: 'nf4', loraR: 16, seqLens: [1024, 2048] });
    expect(view.entries).toHaveLength(16);
    for (const e of view.entries) {
      expect(e.plans.map((p: { seqLen: number }) => p.seqLen)).toEqual([1024, 2048]);
      for (const p of e.plans) expect(['gpu', 'cpu', 'none']).toContain(p.fit);
      expect(e.plans[1].plannedBytes).toBeGreaterThan(e.plans[0].plannedBytes);
    }
  });
});
