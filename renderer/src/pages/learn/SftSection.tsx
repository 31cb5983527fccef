// Section 3: SFT on the project's own data. One row rendered with the chat template, every token marked trained or
// not (the Data step's loss-mask view, reused), then the base model's answer to its prompt beside a finished run's.
import { useCallback, type JSX } from 'react';
import type { DatasetSummary, Project, Run } from '../../../../main/api/contract';
import { api } from '../../api/client';
import { ErrorText } from '../../components/Field';
import { useApiQuery } from '../../hooks/useApiQuery';
import { MaskPreview } from '../data/Preview';
import { useAction } from './useAction';

interface Msg { role: string; content: string }
const GREEDY = { temperature: 0, topP: 1, maxNewTokens: 48, seed: 1, sameSeed: true };

function Row({ dataset, model, run }: { dataset: DatasetSummary; model: string; run: Run | undefined }): JSX.Element {
  const preview = useApiQuery(() => api.datasets.preview({ source: { path: dataset.sourcePath }, format: dataset.format as 'alpaca', tokenizerPath: model, count: 1 }));
  const row = useApiQuery(() => api.datasets.rows({ id: dataset.id, offset: 0, limit: 1 }));
  const messages = ((row.data?.rows[0]?.row as { messages?: Msg[] } | undefined)?.messages ?? []).filter((m) => m.role === 'user' || m.role === 'assistant');
  const prompt = messages.slice(0, messages.map((m) => m.role).lastIndexOf('assistant')).filter((m) => m.role === 'user' || m.role === 'assistant') as { role: 'user' | 'assistant'; content: string }[];
  const gen = useAction(useCallback(() => api.evals.chat(run
    ? { runId: run.id, chatId: crypto.randomUUID(), sides: ['base', 'adapter'], messages: prompt, settings: GREEDY }
    : { model, chatId: crypto.randomUUID(), sides: ['base'], messages: prompt, settings: GREEDY }), [run, model, prompt]));
  return (
    <>
      {preview.error && <ErrorText error={preview.error} />}
      {preview.data && <div data-testid="learn-sft-mask"><MaskPreview examples={preview.data} /></div>}
      {row.error && <ErrorText error={row.error} />}
      {prompt.length > 0 && (
        <div className="learn-actions">
          <button type="button" className="btn btn-primary" disabled={gen.busy} onClick={() => void gen.run()} data-testid="learn-sft-generate">
            {gen.busy ? 'Generating…' : run ? 'Answer this prompt: base vs trained' : 'Answer this prompt with the base model'}
          </button>
        </div>
      )}
      {gen.error && <ErrorText error={gen.error} />}
      {gen.data && (
        <div className="learn-answers" data-testid="learn-sft-answers">
          {gen.data.answers.map((a) => (
            <div key={a.side ?? 'base'} className="learn-answer">
              <div className="field-label">{a.side === 'base' ? 'Base model (before SFT)' : `After training (${run?.name ?? ''})`}</div>
              <pre>{a.text || '(empty)'}</pre>
            </div>
          ))}
          {!run && <p className="form-hint">No finished run in this project yet: train one and its answer appears beside the base model&apos;s.</p>}
        </div>
      )}
    </>
  );
}

export function SftSection({ project, model }: { project: Project | undefined; model: string | undefined }): JSX.Element {
  const demo = useApiQuery(() => (model ? Promise.resolve({ path: model }) : api.learn.demoModel()));
  const datasets = useApiQuery(() => (project ? api.datasets.list({ projectId: project.id }) : Promise.resolve([] as DatasetSummary[])));
  const runs = useApiQuery(() => (project ? api.runs.list({ projectId: project.id }) : Promise.resolve([] as Run[])));
  const ds = datasets.data?.find((d) => d.format !== 'text' && d.format !== 'preference');
  const run = runs.data?.find((r) => r.status === 'completed');
  return (
    <div className="learn-demo">
      <p>
        A pre-trained model continues text; it does not know it should answer. Asked a question, it may well write the next question of a quiz. SFT trains on conversations
        rendered with the model&apos;s chat template, and only the answer tokens count in the loss: the model learns to write answers, not to predict the user. Highlighted
        tokens below are the ones trained.
      </p>
      {datasets.error && <ErrorText error={datasets.error} />}
      {datasets.data && !ds && (
        <p className="form-hint" data-testid="learn-sft-empty">
          {project ? 'This project has no chat or instruction dataset yet.' : 'Open a project with a dataset to see one of its rows here.'} <a href="#/data">Go to Data</a>
        </p>
      )}
      {ds && demo.data && <Row dataset={ds} model={demo.data.path} run={run} />}
    </div>
  );
}
