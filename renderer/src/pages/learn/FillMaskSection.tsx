// Section 2: masked-word filling, done honestly with a causal model: each candidate is scored by the log-prob of the
// whole completed sentence (so the words after the gap count), shown beside the left-side-only score.
import { useCallback, useState, type JSX } from 'react';
import { api } from '../../api/client';
import { ErrorText } from '../../components/Field';
import { useAction } from './useAction';

export function FillMaskSection({ model }: { model: string | undefined }): JSX.Element {
  const [text, setText] = useState('I poured a cup of ___ and added milk.');
  const [cands, setCands] = useState('coffee, tea, water, sand');
  const fill = useAction(useCallback((t: string, c: string[]) => api.learn.fillMask({ model, text: t, candidates: c, modelGuesses: 3 }), [model]));
  const r = fill.data;
  const leftRank = r ? [...r.candidates].sort((a, b) => b.leftLogprob - a.leftLogprob).map((c) => c.word) : [];
  return (
    <div className="learn-demo">
      <p>
        BERT-style models are trained differently: a word in the middle is hidden and the model sees both sides at once to fill it in. That makes them good at understanding
        text, but they cannot write left to right, so they are not what you fine-tune in Lathe. A causal model can still use both sides of a gap in one honest way: put each
        candidate word in, and score the whole finished sentence. The words after the gap then decide between candidates that look equally good from the left.
      </p>
      <form className="learn-form" onSubmit={(e) => { e.preventDefault(); void fill.run(text, cands.split(',').map((s) => s.trim()).filter(Boolean)); }}>
        <label className="field-label" htmlFor="learn-mlm-text">Sentence with one gap (___)</label>
        <input id="learn-mlm-text" className="input" value={text} onChange={(e) => setText(e.target.value)} data-testid="learn-mlm-text" />
        <label className="field-label" htmlFor="learn-mlm-cands">Words to try (comma-separated; the model adds its own left-to-right guesses)</label>
        <input id="learn-mlm-cands" className="input" value={cands} onChange={(e) => setCands(e.target.value)} data-testid="learn-mlm-cands" />
        <div className="learn-actions">
          <button type="submit" className="btn btn-primary" disabled={fill.busy || !text.includes('___')} data-testid="learn-mlm-run">
            {fill.busy ? 'Scoring…' : 'Rank the fillers'}
          </button>
        </div>
      </form>
      {fill.error && <ErrorText error={fill.error} />}
      {r && (
        <table className="learn-table" data-testid="learn-mlm-table" aria-label="Candidate fillers ranked by whole-sentence log-probability">
          <thead>
            <tr>
              <th scope="col">Rank</th>
              <th scope="col">Word</th>
              <th scope="col">Whole sentence log-prob</th>
              <th scope="col">Left side only</th>
              <th scope="col">From</th>
            </tr>
          </thead>
          <tbody>
            {r.candidates.map((c, i) => (
              <tr key={c.word}>
                <td>{i + 1}</td>
                <td><strong>{c.word}</strong></td>
                <td>{c.logprob.toFixed(2)}</td>
                <td>{c.leftLogprob.toFixed(2)} (rank {leftRank.indexOf(c.word) + 1})</td>
                <td>{c.source === 'user' ? 'your list' : 'model guess'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {r && (
        <p className="form-hint">
          Higher (closer to 0) is more likely. The whole-sentence column is the total `lathe score` prints for that sentence; the left-only column is log p(word | the words
          before the gap). Where the two ranks differ, the right side of the gap changed the model&apos;s mind.
        </p>
      )}
    </div>
  );
}
