// The backend choice is plumbed through loading: 'cpu' and 'auto' (no discrete GPU here) run on the CPU backend (same
// numbers), and an unknown or absent device is a clear error naming the accepted values, not a crash or a fallback.
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { openEngine, type Engine, type EngineDevice } from '../../main/engine/engine';
import { makeTiny } from './tiny';

const ROOT = join(process.cwd(), 'test', '.tmp', `engine-backend-${process.pid}`);
let engine: Engine;
let dir = '';

beforeAll(() => {
  engine = openEngine({ threads: 2 });
  dir = makeTiny(join(ROOT, 'llama'), { arch: 'llama', seed: 31, hidden: 32, intermediate: 48, vocab: 64 }).dir;
});

describe('backend selection', () => {
  test("'cpu' and 'auto' load on the CPU backend and score identically", async () => {
    const ids = [1, 7, 3, 9, 12, 5];
    const cpu = await engine.loadModel(dir, { device: 'cpu', maxSeqLen: 16 });
    const auto = await engine.loadModel(dir, { device: 'auto', maxSeqLen: 16 });
    expect(cpu.info().backend).toMatch(/^cpu \((scalar|avx2|avx512), \d+ threads?\)$/);
    expect(auto.info().backend).toBe(cpu.info().backend);
    expect(Array.from(await auto.logprobs(ids))).toEqual(Array.from(await cpu.logprobs(ids)));
    await cpu.close();
    await auto.close();
  });

  test('an unknown device is a clear error', async () => {
    await expect(engine.loadModel(dir, { device: 'tpu' as EngineDevice, maxSeqLen: 16 })).rejects.toMatchObject({
      message: expect.stringContaining('device "tpu" is not known (known: auto, cpu, vulkan, vulkan:N)'),
    });
  });

  test('a Vulkan device index that does not exist is a clear error, not a crash', async () => {
    await expect(engine.loadModel(dir, { device: 'vulkan:57', maxSeqLen: 16 })).rejects.toMatchObject({
      message: expect.stringMatching(/vulkan|Vulkan/),
    });
  });
});
