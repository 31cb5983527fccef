// Dataset imports through the API report progress and can be cancelled, leaving nothing behind.
import { randomUUID } from 'node:crypto';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../../main/services/dispatch';
import { fakeRuntime } from '../../helpers/fake-runtime';
import { tempDir } from '../../helpers/temp-dir';

describe('dataset jobs', () => {
  const runtime = fakeRuntime();
  afterAll(() => runtime.close());
  const file = join(tempDir(), 'big.jsonl');
  const row = (i: number) => JSON.stringify({ instruction: `Summarise note ${i}`, input: 'x'.repeat(200), output: `Summary ${i}` });
  writeFileSync(file, Array.from({ length: 60_000 }, (_, i) => row(i)).join('\n') + '\n');
  const progress: { jobId: string; bytesRead: number; totalBytes: number }[] = [];
  runtime.subscribe((e, p) => {
    if (e === 'datasets.progress') progress.push(p as (typeof progress)[number]);
  });

  it('cancels an import midway: a cancelled error, no dataset, no files left', async () => {
    const projectId = ((await dispatch('projects.create', { name: 'data' }, runtime.ctx)) as { value: { id: string } }).value.id;
    const jobId = randomUUID();
    const pending = dispatch('datasets.import', { source: { path: file }, projectId, jobId }, runtime.ctx);
    while (!progress.some((p) => p.jobId === jobId)) await new Promise((r) => setTimeout(r, 5));
    expect(await dispatch('datasets.cancel', { jobId }, runtime.ctx)).toEqual({ ok: true, value: { cancelled: true } });
    expect(await pending).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    expect((await dispatch('datasets.list', undefined, runtime.ctx)) as { value: unknown[] }).toMatchObject({ value: [] });
    expect(readdirSync(runtime.ctx.paths.datasets)).toEqual([]);

    const second = randomUUID();
    const done = await dispatch('datasets.import', { source: { path: file }, projectId, jobId: second }, runtime.ctx);
    expect(done).toMatchObject({ ok: true, value: { report: { valid: 60_000 } } });
    const mine = progress.filter((p) => p.jobId === second);
    expect(mine.length).toBeGreaterThan(1);
    expect(mine.at(-1)!.bytesRead).toBe(mine.at(-1)!.totalBytes);
    expect(await dispatch('datasets.cancel', { jobId: second }, runtime.ctx)).toEqual({ ok: true, value: { cancelled: false } });
  });
});
