// The evals tables: an evaluation keeps its lineage and full result; deleting a project takes its evals, transcripts
// and ratings with it; ratings stay hidden-side data until read back.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLibraryDb } from '../../../main/library/db';
import { EvalsRepo } from '../../../main/library/evals-repo';
import { ProjectsRepo } from '../../../main/library/projects-repo';
import type { EvalResult } from '../../../main/api/eval-types';
import { tempDir } from '../../helpers/temp-dir';

const result = (loss: number): EvalResult => ({
  kind: 'loss', source: { kind: 'data', path: '/d/val.jsonl' }, dataHash: 'ab'.repeat(32), model: '/m', adapterPath: '/r/adapter',
  base: { loss: loss + 1, ppl: Math.exp(loss + 1), tokens: 10, byPosition: [{ start: 0, loss: 1, tokens: 10 }] },
  adapter: { loss, ppl: Math.exp(loss), tokens: 10, byPosition: [{ start: 0, loss: 1, tokens: 10 }] },
  rows: [{ index: 0, tokens: 10, loss, baseLoss: loss + 1 }], truncated: 0, seconds: 1, tokensPerSecond: 10,
});

describe('evals repository', () => {
  it('stores evaluations with lineage and lists them by project', () => {
    const db = openLibraryDb(join(tempDir(), 'lib.sqlite'));
    const projects = new ProjectsRepo(db);
    const p = projects.create('eval lineage');
    const repo = new EvalsRepo(db);
    const a = repo.insert({ projectId: p.id, runId: null, checkpoint: 50, settings: { quant: 'nf4' }, result: result(2) });
    repo.insert({ projectId: null, runId: null, checkpoint: null, settings: {}, result: result(3) });
    expect(a).toMatchObject({ projectId: p.id, checkpoint: 50, kind: 'loss', sourceKind: 'data', sourcePath: '/d/val.jsonl', dataHash: 'ab'.repeat(32), adapter: '/r/adapter', settings: { quant: 'nf4' } });
    // The list carries the figures, not the curves; the full result has everything.
    expect(a.adapterSide).toEqual({ loss: 2, ppl: Math.exp(2), tokens: 10 });
    expect(repo.result(a.id).adapter.byPosition).toHaveLength(1);
    expect(repo.list({ projectId: p.id }).map((e) => e.id)).toEqual([a.id]);
    expect(repo.list()).toHaveLength(2);
    expect(() => repo.get('eval-nope')).toThrow(/No evaluation/);

    const t = repo.saveTranscript({ projectId: p.id, title: 'chat', settings: { seed: 1 }, turns: [{ prompt: 'hi', answers: [{ side: 'base', text: 'yo' }] }] });
    expect(repo.transcripts(p.id)).toEqual([t]);
    const pair = repo.addPair({ projectId: p.id, prompt: 'q', answerA: 'x', answerB: 'y', sideA: 'adapter', sideB: 'base', settings: {} });
    expect(pair.choice).toBeNull();
    expect(repo.rate(pair.id, 'b').choice).toBe('b');
    expect(() => db.prepare("UPDATE ab_ratings SET choice = 'maybe'").run()).toThrow(/CHECK/);

    projects.delete(p.id);
    expect(repo.list()).toHaveLength(1);
    expect(repo.transcripts(p.id)).toEqual([]);
    expect(repo.pairs(p.id)).toEqual([]);
  });
});
