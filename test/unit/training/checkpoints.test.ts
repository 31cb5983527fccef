// Checkpoints: atomic publish, checksum verification with fallback, crash leftovers cleaned, disk-full handled, pruning.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanTempCheckpoints, latestValidCheckpoint, listCheckpoints, pruneCheckpoints, verifyCheckpoint, writeCheckpoint } from '../../../main/runs/checkpoints';
import { tempDir } from '../../helpers/temp-dir';

const payload = (step: number) => async (dir: string) => {
  writeFileSync(join(dir, 'adapter_model.safetensors'), Buffer.alloc(1000, step));
  writeFileSync(join(dir, 'trainer_state.json'), JSON.stringify({ step }));
};

describe('checkpoints', () => {
  it('publishes a verified checkpoint with a manifest of checksums', async () => {
    const dir = join(tempDir(), 'checkpoints');
    const final = await writeCheckpoint(dir, 10, 1.5, payload(10));
    expect(readdirSync(final).sort()).toEqual(['adapter_model.safetensors', 'manifest.json', 'trainer_state.json']);
    const v = await verifyCheckpoint(final);
    expect(v).toMatchObject({ ok: true, manifest: { step: 10, evalLoss: 1.5 } });
  });

  it('detects a flipped byte and falls back to the previous checkpoint, saying why', async () => {
    const dir = join(tempDir(), 'checkpoints');
    await writeCheckpoint(dir, 10, null, payload(10));
    const newest = await writeCheckpoint(dir, 20, null, payload(20));
    const f = join(newest, 'adapter_model.safetensors');
    const bytes = readFileSync(f);
    bytes[500] ^= 0x01;
    writeFileSync(f, bytes);
    const { checkpoint, skipped } = await latestValidCheckpoint(dir);
    expect(checkpoint?.step).toBe(10);
    expect(skipped).toEqual([{ step: 20, reason: expect.stringContaining('sha256') }]);
  });

  it('treats a truncated file and a missing manifest as damaged', async () => {
    const dir = join(tempDir(), 'checkpoints');
    const a = await writeCheckpoint(dir, 1, null, payload(1));
    writeFileSync(join(a, 'trainer_state.json'), '{');
    expect(await verifyCheckpoint(a)).toMatchObject({ ok: false, reason: expect.stringContaining('bytes') });
    mkdirSync(join(dir, 'step-00000002'));
    expect(await verifyCheckpoint(join(dir, 'step-00000002'))).toMatchObject({ ok: false, reason: expect.stringContaining('manifest') });
    expect((await latestValidCheckpoint(dir)).checkpoint).toBeNull();
  });

  it('leaves the previous checkpoint untouched and no temp folder when the disk fills mid-save', async () => {
    const dir = join(tempDir(), 'checkpoints');
    await writeCheckpoint(dir, 5, null, payload(5));
    const enospc = async (tmp: string) => {
      writeFileSync(join(tmp, 'adapter_model.safetensors'), Buffer.alloc(100));
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    };
    await expect(writeCheckpoint(dir, 6, null, enospc)).rejects.toMatchObject({ code: 'checkpoint.diskFull', hint: expect.stringContaining('previous checkpoint') });
    expect(readdirSync(dir)).toEqual(['step-00000005']);
    expect((await latestValidCheckpoint(dir)).checkpoint?.step).toBe(5);
  });

  it('reports disk full, not io_error, when the engine cannot write a payload, and for a real ENOSPC', async () => {
    const dir = join(tempDir(), 'checkpoints');
    await writeCheckpoint(dir, 5, null, payload(5));
    // What the native engine throws when its write() fails with ENOSPC (platform.cc puts strerror in the message).
    const engine = async () => {
      throw Object.assign(new Error('cannot write /x/engine_state.bin.tmp: No space left on device'), { code: 'io_error', hint: 'Check that the folder is writable and the disk is not full.' });
    };
    await expect(writeCheckpoint(dir, 6, null, engine)).rejects.toMatchObject({ code: 'checkpoint.diskFull', message: expect.stringContaining('No space left on device') });
    if (existsSync('/dev/full')) {
      const real = async () => writeFileSync('/dev/full', Buffer.alloc(10));
      await expect(writeCheckpoint(dir, 7, null, real)).rejects.toMatchObject({ code: 'checkpoint.diskFull' });
    }
    expect(readdirSync(dir)).toEqual(['step-00000005']);
    // Other I/O errors keep their own code.
    const other = async () => {
      throw Object.assign(new Error('cannot write /x: Permission denied'), { code: 'io_error' });
    };
    await expect(writeCheckpoint(dir, 8, null, other)).rejects.toMatchObject({ code: 'io_error' });
  });

  it('ignores and cleans temp folders left by a kill during a write', async () => {
    const dir = join(tempDir(), 'checkpoints');
    await writeCheckpoint(dir, 3, null, payload(3));
    mkdirSync(join(dir, '.tmp-step-00000004-123-456'));
    writeFileSync(join(dir, '.tmp-step-00000004-123-456', 'adapter_model.safetensors'), 'half');
    expect((await listCheckpoints(dir)).map((c) => c.step)).toEqual([3]);
    expect(await cleanTempCheckpoints(dir)).toBe(1);
    expect(existsSync(join(dir, '.tmp-step-00000004-123-456'))).toBe(false);
  });

  it('keeps the newest K plus the best by eval loss', async () => {
    const dir = join(tempDir(), 'checkpoints');
    const losses = [2.0, 0.9, 1.5, 1.7, 1.8];
    for (let i = 0; i < losses.length; i++) await writeCheckpoint(dir, (i + 1) * 10, losses[i], payload(i));
    const removed = await pruneCheckpoints(dir, 2);
    expect(removed.sort((a, b) => a - b)).toEqual([10, 30]);
    expect((await listCheckpoints(dir)).map((c) => c.step)).toEqual([50, 40, 20]);
  });
});
