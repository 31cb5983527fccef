// Side-by-side chat: one prompt, answers from the base and the adapter (or two checkpoints) streamed as they are
// generated, rendered with the model's chat template; the conversation can be saved in the project.
import { useEffect, useRef, useState, type JSX } from 'react';
import type { Project, Run } from '../../../../main/api/contract';
import { api } from '../../api/client';
import { toApiError, type ApiError } from '../../api/errors';
import { ErrorText } from '../../components/Field';
import type { Notify } from '../../components/Toasts';
import { ChatSettings, DEFAULT_CHAT_SETTINGS, type ChatSettingsValue } from './ChatSettings';

import { SidePicker, sideName, useCheckpoints, type Side } from './SidePicker';
import { useApiQuery } from '../../hooks/useApiQuery';
import type { Transcript } from '../../../../main/api/contract-evals';

interface Turn { prompt: string; answers: string[] }

export function ChatPanel({ project, run, notify }: { project: Project; run: Run; notify: Notify }): JSX.Element {
  const [settings, setSettings] = useState<ChatSettingsValue>(DEFAULT_CHAT_SETTINGS);
  const [sides, setSides] = useState<[Side, Side]>(['base', 'adapter']);
  const checkpoints = useCheckpoints(run.id);
  const saved = useApiQuery<Transcript[]>(() => api.evals.transcripts({ projectId: project.id }));
  const [turns, setTurns] = useState<Turn[]>([]);
  const [prompt, setPrompt] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const chatId = useRef<string>('');

  useEffect(
    () =>
      api.on('evals.chatToken', ({ chatId: id, index, delta }) => {
        if (id !== chatId.current) return;
        setTurns((ts) => ts.map((t, i) => (i === ts.length - 1 ? { ...t, answers: t.answers.map((a, k) => (k === index ? a + delta : a)) } : t)));
      }),
    [],
  );

  async function send(): Promise<void> {
    const text = prompt.trim();
    if (!text) return;
    chatId.current = crypto.randomUUID();
    setTurns((ts) => [...ts, { prompt: text, answers: ['', ''] }]);
    setPrompt('');
    setBusy(true);
    setError(undefined);
    try {
      // Each side sees the same conversation: the user's prompts and its own earlier answers would differ per side, so
      // the history sent is the user's turns with the first side's answers (the base's, by default).
      const history = turns.flatMap((t) => [{ role: 'user' as const, content: t.prompt }, { role: 'assistant' as const, content: t.answers[0] }]);
      const res = await api.evals.chat({ runId: run.id, chatId: chatId.current, sides, messages: [...history, { role: 'user', content: text }], settings });
      setTurns((ts) => ts.map((t, i) => (i === ts.length - 1 ? { ...t, answers: res.answers.map((a) => a.text) } : t)));
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setBusy(false);
    }
  }

  async function save(): Promise<void> {
    try {
      const t = await api.evals.saveTranscript({ projectId: project.id, title: turns[0].prompt.slice(0, 80) || 'Chat', settings: { ...settings, sides: sides.map(sideName), runId: run.id }, turns: turns.map((t) => ({ prompt: t.prompt, answers: t.answers.map((text, i) => ({ side: sideName(sides[i]), text })) })) });
      notify(`Saved the chat “${t.title}” in ${project.name}`);
      saved.reload();
    } catch (err) {
      setError(toApiError(err));
    }
  }

  const picker = (i: 0 | 1) => (
    <SidePicker label={`Side ${i + 1}`} value={sides[i]} checkpoints={checkpoints} testId={`chat-side-${i}`} onChange={(v) => setSides((s) => (i === 0 ? [v, s[1]] : [s[0], v]))} />
  );

  return (
    <div className="card eval-card" data-testid="chat-panel" data-busy={busy}>
      <h2 className="card-title">Side-by-side chat</h2>
      <ChatSettings value={settings} onChange={setSettings} />
      <div className="chat-columns">
        {([0, 1] as const).map((i) => (
          <div key={i} className="chat-column" data-testid={`chat-column-${i}`}>
            {picker(i)}
            {turns.map((t, k) => (
              <div key={k} className="chat-turn">
                <div className="chat-prompt">{t.prompt}</div>
                <div className="chat-answer" data-testid={`chat-answer-${i}`}>{t.answers[i] || (busy && k === turns.length - 1 ? '…' : '')}</div>
              </div>
            ))}
          </div>
        ))}
      </div>
      <div className="chat-input">
        <textarea className="input textarea" rows={2} value={prompt} onChange={(e) => setPrompt(e.target.value)} placeholder="Ask both models the same thing" aria-label="Prompt" data-testid="chat-prompt"
          onKeyDown={(e) => { if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); void send(); } }} />
        <button type="button" className="btn btn-primary" onClick={() => void send()} disabled={busy || !prompt.trim()} data-testid="chat-send">Send</button>
        <button type="button" className="btn" onClick={() => void save()} disabled={busy || !turns.length} data-testid="chat-save">Save transcript</button>
        <button type="button" className="btn btn-ghost" onClick={() => setTurns([])} disabled={busy || !turns.length}>New chat</button>
      </div>
      {error && <ErrorText error={error} context="evals.chat" />}
      {!!saved.data?.length && (
        <details className="eval-saved" data-testid="chat-saved">
          <summary>Saved chats in this project ({saved.data.length})</summary>
          <ul className="eval-list">
            {saved.data.map((t) => (
              <li key={t.id}>
                <button type="button" className="btn btn-ghost btn-sm" disabled={busy} onClick={() => setTurns(t.turns.map((x) => ({ prompt: x.prompt, answers: x.answers.map((a) => a.text) })))}>
                  {t.title}
                </button>{' '}
                <span className="eval-sub-inline">{new Date(t.createdAt).toLocaleString()} · {t.turns[0]?.answers.map((a) => a.side).join(' vs ')}</span>
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}
