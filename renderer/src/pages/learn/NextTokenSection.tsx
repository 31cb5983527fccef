// Section 1: next-token prediction. Every position's top-k guesses with probabilities, the true token marked, its
// loss; and "one step": the whole text as one summed loss, one real training step, the loss again.
import { useCallback, useState, type JSX } from 'react';
import type { NextTokenResult, OneStepResult } from '../../../../main/api/contract-learn';
import { api } from '../../api/client';
import { ErrorText } from '../../components/Field';
import { loss, pct, showToken } from './format';
import { useAction } from './useAction';

const START = 'The capital of France is Paris.';

function StepResult({ r }: { r: OneStepResult }): JSX.Element {
  const down = r.after.sumLoss < r.before.sumLoss;
  return (
    <div className="learn-step-result" data-testid="learn-step-result" role="status">
      <p>
        Summed loss over {r.before.logprobs.length} positions: <strong>{loss(r.before.sumLoss)}</strong> before,{' '}
        <strong data-testid="learn-step-after">{loss(r.after.sumLoss)}</strong> after one step ({down ? 'down' : 'not down'} by{' '}
        {loss(Math.abs(r.before.sumLoss - r.after.sumLoss))}).
      </p>
      <p className="form-hint">
        One backward pass and one AdamW step (learning rate {r.lr}) on a fresh rank-{r.rank} LoRA of {r.loraParameters.toLocaleString()} weights; gradient norm{' '}
        {r.gradNorm.toFixed(2)}. The adapter is thrown away afterwards. Real training repeats this over thousands of rows, which is why one row moves so little on its own.
      </p>
      <table className="learn-table" aria-label="Loss per position before and after the step">
        <thead>
          <tr><th scope="col">Token</th><th scope="col">Loss before</th><th scope="col">Loss after</th></tr>
        </thead>
        <tbody>
          {r.tokens.slice(1).map((t, i) => (
            <tr key={i}>
              <td><code>{showToken(t.text)}</code></td>
              <td>{loss(-r.before.logprobs[i])}</td>
              <td>{loss(-r.after.logprobs[i])}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function NextTokenSection({ model }: { model: string | undefined }): JSX.Element {
  const [text, setText] = useState(START);
  const predict = useAction(useCallback((t: string) => api.learn.nextToken({ model, text: t, k: 5 }), [model]));
  const step = useAction(useCallback((t: string) => api.learn.oneStep({ model, text: t }), [model]));
  const r: NextTokenResult | undefined = predict.data;
  return (
    <div className="learn-demo">
      <p>
        A causal language model reads text left to right and, at every position, gives a probability to each token that could come next. Training only ever asks one thing:
        put more probability on the token that really came next. The loss at a position is <code>-log p(true token)</code>: 0 when the model was sure and right, large
        when it was surprised.
      </p>
      <form className="learn-form" onSubmit={(e) => { e.preventDefault(); void predict.run(text); }}>
        <label className="field-label" htmlFor="learn-nt-text">Text</label>
        <input id="learn-nt-text" className="input" value={text} onChange={(e) => setText(e.target.value)} data-testid="learn-nt-text" />
        <div className="learn-actions">
          <button type="submit" className="btn btn-primary" disabled={predict.busy || !text.trim()} data-testid="learn-nt-run">
            {predict.busy ? 'Predicting…' : 'Predict each token'}
          </button>
          <button type="button" className="btn" disabled={step.busy || !text.trim()} onClick={() => void step.run(text)} data-testid="learn-step-run">
            {step.busy ? 'Training one step…' : 'Score all at once, then one step'}
          </button>
        </div>
      </form>
      {predict.error && <ErrorText error={predict.error} />}
      {r && (
        <>
          <p data-testid="learn-nt-summary">
            {r.positions.length} predictions; summed loss <strong>{loss(r.sumLoss)}</strong>, mean {loss(r.meanLoss)} per token. The true token is outlined; a row
            without an outline means the true token was not in the model&apos;s top {r.positions[0]?.top.length}.
          </p>
          <div className="learn-scroll">
            <table className="learn-table" data-testid="learn-nt-table" aria-label="Top next-token guesses at each position">
              <thead>
                <tr>
                  <th scope="col">After reading…</th>
                  <th scope="col">True next</th>
                  <th scope="col">Loss</th>
                  <th scope="col">Model&apos;s top guesses</th>
                </tr>
              </thead>
              <tbody>
                {r.positions.map((p, i) => (
                  <tr key={i}>
                    <td className="learn-context"><code>{showToken(r.tokens.slice(Math.max(0, i - 3), i + 1).map((t) => t.text).join(''))}</code></td>
                    <td><code>{showToken(p.target.text)}</code> <span className="form-hint">{pct(p.logprob)}</span></td>
                    <td>{loss(-p.logprob)}</td>
                    <td>
                      <ol className="learn-guesses">
                        {p.top.map((g, j) => (
                          <li key={j} className={g.id === p.target.id ? 'learn-true' : undefined} aria-label={`${g.text}${g.id === p.target.id ? ' (the true token)' : ''}, ${pct(g.logprob)}`}>
                            <code>{showToken(g.text)}</code> <span className="learn-prob">{pct(g.logprob)}</span>
                          </li>
                        ))}
                      </ol>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      {step.error && <ErrorText error={step.error} />}
      {step.data && <StepResult r={step.data} />}
    </div>
  );
}
