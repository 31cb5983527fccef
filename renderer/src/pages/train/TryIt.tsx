// "Try it": one prompt answered by the finished run's adapter, streamed, right on the dashboard (the same engine call
// as Evaluate's chat, adapter side only). Side by side with the base is one click further, in Evaluate.
import { useEffect, useRef, useState, type JSX } from 'react';
import type { Run } from '../../../../main/api/contract';
import { api } from '../../api/client';
import { toApiError, type ApiError } from '../../api/errors';
import { ErrorText } from '../../components/Field';
import { DEFAULT_CHAT_SETTINGS } from '../evaluate/ChatSettings';

export function TryIt({ run }: { run: Run }): JSX.Element {
  const [prompt, setPrompt] = useState('');
  const [answer, setAnswer] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const chatId = useRef('');
  useEffect(() => api.on('evals.chatToken', ({ chatId: id, delta }) => void (id === chatId.current && setAnswer((a) => (a ?? '') + delta))), []);

  async function send(): Promise<void> {
    const text = prompt.trim();
    if (!text || busy) return;
    chatId.current = crypto.randomUUID();
    setAnswer('');
    setBusy(true);
    setError(undefined);
    try {
      const res = await api.evals.chat({ runId: run.id, chatId: chatId.current, sides: ['adapter'], messages: [{ role: 'user', content: text }], settings: DEFAULT_CHAT_SETTINGS });
      setAnswer(res.answers[0]?.text ?? '');
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="try-it" data-testid="try-it">
      <label className="field-label" htmlFor="try-it-prompt">
        Try it
      </label>
      <div className="cmd-row">
        <input
          id="try-it-prompt"
          className="input"
          value={prompt}
          onChange={(e) => setPrompt(e.target.value)}
          onKeyDown={(e) => e.key === 'Enter' && void send()}
          placeholder="A prompt for the fine-tuned model"
          data-testid="try-it-prompt"
        />
        <button type="button" className="btn btn-primary" onClick={() => void send()} disabled={busy || !prompt.trim()} data-testid="try-it-send">
          {busy ? 'Answering…' : 'Ask'}
        </button>
      </div>
      {answer !== undefined && (
        <pre className="try-it-answer" aria-live="polite" data-testid="try-it-answer">
          {answer || (busy ? '…' : '(an empty answer)')}
        </pre>
      )}
      {error && <ErrorText error={error} context="evals.chat" />}
    </div>
  );
}
