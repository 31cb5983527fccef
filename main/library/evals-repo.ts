// Evals, chat transcripts and A/B ratings tables: the only code that writes SQL for them.
import { randomUUID } from 'node:crypto';
import { LatheError } from '../api/errors';
import type { Db } from './db';
import type { AbPair, ChatTurn, EvalRecord, EvalResult, SideResult, Transcript } from '../api/eval-types';
export type { AbPair, ChatTurn, EvalRecord, Transcript };

interface EvalRow {
  id: string; project_id: string | null; run_id: string | null; checkpoint: number | null; kind: EvalResult['kind']; source_kind: string; source_path: string | null;
  data_hash: string; model: string; adapter: string | null; settings_json: string; summary_json: string; result_json: string; created_at: string;
}

const toRecord = (r: EvalRow): EvalRecord => {
  const s = JSON.parse(r.summary_json) as { base: SideResult | null; adapter: SideResult };
  return {
    id: r.id, projectId: r.project_id, runId: r.run_id, checkpoint: r.checkpoint, kind: r.kind, sourceKind: r.source_kind, sourcePath: r.source_path,
    dataHash: r.data_hash, model: r.model, adapter: r.adapter, settings: JSON.parse(r.settings_json) as Record<string, unknown>, base: s.base, adapterSide: s.adapter, createdAt: r.created_at,
  };
};

/** The byPosition curve is part of the full result, not the list summary. */
const summarySide = (s: SideResult | undefined): SideResult | null => (s ? { loss: s.loss, ppl: s.ppl, tokens: s.tokens, ...(s.passRate !== undefined ? { passRate: s.passRate, passed: s.passed } : {}) } : null);

export class EvalsRepo {
  constructor(private readonly db: Db) {}

  insert(e: { projectId: string | null; runId: string | null; checkpoint: number | null; settings: Record<string, unknown>; result: EvalResult }): EvalRecord {
    const id = `eval-${randomUUID().slice(0, 13)}`;
    const src = e.result.source;
    this.db
      .prepare(`INSERT INTO evals (id, project_id, run_id, checkpoint, kind, source_kind, source_path, data_hash, model, adapter, settings_json, summary_json, result_json, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(id, e.projectId, e.runId, e.checkpoint, e.result.kind, src.kind, 'path' in src ? src.path : 'runDir' in src ? src.runDir : null, e.result.dataHash, e.result.model, e.result.adapterPath,
        JSON.stringify(e.settings), JSON.stringify({ base: summarySide(e.result.base), adapter: summarySide(e.result.adapter) }), JSON.stringify(e.result), new Date().toISOString());
    return this.get(id);
  }

  get(id: string): EvalRecord {
    const row = this.db.prepare('SELECT * FROM evals WHERE id = ?').get(id) as EvalRow | undefined;
    if (!row) throw new LatheError('evals.notFound', `No evaluation with id ${id}.`, 'Reload the list of evaluations.');
    return toRecord(row);
  }

  result(id: string): EvalResult {
    const row = this.db.prepare('SELECT result_json FROM evals WHERE id = ?').get(id) as { result_json: string } | undefined;
    if (!row) throw new LatheError('evals.notFound', `No evaluation with id ${id}.`, 'Reload the list of evaluations.');
    return JSON.parse(row.result_json) as EvalResult;
  }

  list(filter: { projectId?: string; runId?: string } = {}): EvalRecord[] {
    const where: string[] = [];
    const args: string[] = [];
    if (filter.projectId) { where.push('project_id = ?'); args.push(filter.projectId); }
    if (filter.runId) { where.push('run_id = ?'); args.push(filter.runId); }
    const sql = `SELECT * FROM evals ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id`;
    return (this.db.prepare(sql).all(...args) as EvalRow[]).map(toRecord);
  }

  saveTranscript(t: { projectId: string; title: string; settings: Record<string, unknown>; turns: ChatTurn[] }): Transcript {
    const id = `chat-${randomUUID().slice(0, 13)}`;
    const at = new Date().toISOString();
    this.db.prepare('INSERT INTO chat_transcripts (id, project_id, title, settings_json, turns_json, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(id, t.projectId, t.title, JSON.stringify(t.settings), JSON.stringify(t.turns), at);
    return { id, ...t, createdAt: at };
  }

  transcripts(projectId: string): Transcript[] {
    const rows = this.db.prepare('SELECT * FROM chat_transcripts WHERE project_id = ? ORDER BY created_at DESC, id').all(projectId) as { id: string; project_id: string; title: string; settings_json: string; turns_json: string; created_at: string }[];
    return rows.map((r) => ({ id: r.id, projectId: r.project_id, title: r.title, settings: JSON.parse(r.settings_json) as Record<string, unknown>, turns: JSON.parse(r.turns_json) as ChatTurn[], createdAt: r.created_at }));
  }

  addPair(p: Omit<AbPair, 'id' | 'choice' | 'createdAt'> & { settings: Record<string, unknown> }): AbPair {
    const id = `ab-${randomUUID().slice(0, 13)}`;
    this.db.prepare('INSERT INTO ab_ratings (id, project_id, prompt, answer_a, answer_b, side_a, side_b, settings_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(id, p.projectId, p.prompt, p.answerA, p.answerB, p.sideA, p.sideB, JSON.stringify(p.settings), new Date().toISOString());
    return this.pair(id);
  }

  pair(id: string): AbPair {
    const r = this.db.prepare('SELECT * FROM ab_ratings WHERE id = ?').get(id) as { id: string; project_id: string; prompt: string; answer_a: string; answer_b: string; side_a: string; side_b: string; choice: AbPair['choice']; created_at: string } | undefined;
    if (!r) throw new LatheError('evals.noPair', `No A/B pair with id ${id}.`, 'Start a new comparison.');
    return { id: r.id, projectId: r.project_id, prompt: r.prompt, answerA: r.answer_a, answerB: r.answer_b, sideA: r.side_a, sideB: r.side_b, choice: r.choice, createdAt: r.created_at };
  }

  rate(id: string, choice: 'a' | 'b' | 'both-bad'): AbPair {
    this.pair(id);
    this.db.prepare('UPDATE ab_ratings SET choice = ?, rated_at = ? WHERE id = ?').run(choice, new Date().toISOString(), id);
    return this.pair(id);
  }

  pairs(projectId: string): AbPair[] {
    const ids = this.db.prepare('SELECT id FROM ab_ratings WHERE project_id = ? ORDER BY created_at, id').all(projectId) as { id: string }[];
    return ids.map((r) => this.pair(r.id));
  }
}
