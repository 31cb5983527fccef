// Blind A/B: both models answer a prompt, shown in random order without saying which is which. The user picks the
// better one or marks both bad; rated pairs export as a prompt/chosen/rejected dataset (for DPO) into the project.
import { useState, type JSX } from 'react';
import type { Project, Run } from '../../../../main/api/contract';
import type { BlindPair } from '../../../../main/api/contract-evals';
import { api } from '../../api/client';
import { toApiError, type ApiError } from '../../api/errors';
import { ErrorText } from '../../components/Field';
import type { Notify } from '../../components/Toasts';
import { useApiQuery } from '../../hooks/useApiQuery';
import { ChatSettings, DEFAULT_CHAT_SETTINGS, type ChatSettingsValue } from './ChatSettings';
import { SidePicker, useCheckpoints, type Side } from './SidePicker';

export function AbPanel({ project, run, notify }: { project: Project; run: Run; notify: Notify }): JSX.Element {
  const pairs = useApiQuery<BlindPair[]>(() => api.evals.abList({ projectId: project.id }));
  const [settings, setSettings] = useState<ChatSettingsValue>(DEFAULT_CHAT_SETTINGS);
  const [prompt, setPrompt] = useState('');
  const [pair, setPair] = useState<BlindPair>();
  const [sides, setSides] = useState<[Side, Side]>(['base', 'adapter']);
  const checkpoints = useCheckpoints(run.id);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const rated = (pairs.data ?? []).filter((p) => p.choice);
  // Wins per model (revealed once rated): "adapter preferred 3, base preferred 1", or per checkpoint.
  const wins = new Map<string, number>();
  for (const p of rated) {
    const winner = p.choice === 'a' ? p.sideA : p.choice === 'b' ? p.sideB : undefined;
    if (winner) wins.set(winner, (wins.get(winner) ?? 0) + 1);
  }

  async function act(fn: () => Promise<void>): Promise<void> {
    setBusy(true);
    setError(undefined);
    try {
      await fn();
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setBusy(false);
    }
  }

  const next = () => act(async () => setPair(await api.evals.abNext({ runId: run.id, projectId: project.id, prompt: prompt.trim(), settings, sides })));
  const rate = (choice: 'a' | 'b' | 'both-bad') =>
    act(async () => {
      const r = await api.evals.abRate({ id: pair!.id, choice });
      setPair(undefined);
      setPrompt('');
      notify(`Rated: A was ${r.sideA}, B was ${r.sideB}`);
      pairs.reload();
    });
  const exportSet = () =>
    act(async () => {
      const r = await api.evals.abExport({ projectId: project.id });
      notify(`Exported ${r.pairs} pairs as “${r.dataset.name}”` + (r.skippedBothBad + r.skippedIdentical ? ` (${r.skippedBothBad} both bad and ${r.skippedIdentical} identical left out)` : ''), { detail: 'It is in the Data step, ready for preference training.' });
    });

  return (
    <div className="card eval-card" data-testid="ab-panel">
      <h2 className="card-title">Blind A/B</h2>
      <p className="form-hint">Both answer with the same seed; the order is random and hidden until you rate.</p>
      <div className="eval-form">
        <span className="field-label">Compare</span>
        <SidePicker label="First model" value={sides[0]} checkpoints={checkpoints} testId="ab-side-0" onChange={(v) => setSides((s) => [v, s[1]])} />
        <span className="field-label">with</span>
        <SidePicker label="Second model" value={sides[1]} checkpoints={checkpoints} testId="ab-side-1" onChange={(v) => setSides((s) => [s[0], v])} />
      </div>
      <ChatSettings value={settings} onChange={setSettings} blind />
      {!pair ? (
        <div className="chat-input">
          <textarea className="input textarea" rows={2} value={prompt} onChange={(e) => setPrompt(e.target.value)} placeholder="A prompt to compare on" aria-label="A/B prompt" data-testid="ab-prompt" />
          <button type="button" className="btn btn-primary" onClick={() => void next()} disabled={busy || !prompt.trim()} data-testid="ab-generate">
            {busy ? 'Generating…' : 'Generate pair'}
          </button>
        </div>
      ) : (
        <div data-testid="ab-pair">
          <div className="chat-prompt">{pair.prompt}</div>
          <div className="chat-columns">
            <div className="chat-column"><div className="field-label">A</div><div className="chat-answer" data-testid="ab-answer-a">{pair.answerA}</div></div>
            <div className="chat-column"><div className="field-label">B</div><div className="chat-answer" data-testid="ab-answer-b">{pair.answerB}</div></div>
          </div>
          <div className="chat-input">
            <button type="button" className="btn" onClick={() => void rate('a')} disabled={busy} data-testid="ab-pick-a">A is better</button>
            <button type="button" className="btn" onClick={() => void rate('b')} disabled={busy} data-testid="ab-pick-b">B is better</button>
            <button type="button" className="btn btn-ghost" onClick={() => void rate('both-bad')} disabled={busy} data-testid="ab-both-bad">Both bad</button>
          </div>
        </div>
      )}
      {error && <ErrorText error={error} context="evals.abNext" />}
      <div className="eval-ab-foot">
        <span data-testid="ab-rated" data-count={rated.length}>
          {rated.length} rated{[...wins].map(([name, n]) => `, ${name} preferred ${n}`).join('')}, both bad {rated.filter((p) => p.choice === 'both-bad').length}
        </span>
        <button type="button" className="btn" onClick={() => void exportSet()} disabled={busy || !rated.length} data-testid="ab-export">Export as preference dataset</button>
      </div>
    </div>
  );
}
