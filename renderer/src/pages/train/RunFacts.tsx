// The run's headline figures: step, train loss, best eval loss, tokens/s, elapsed time, and time left (or per step).
import type { JSX } from 'react';
import type { Run } from '../../../../main/api/contract';
import { formatDuration, formatLoss, isLive } from './run-math';

const nf = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function RunFacts({ run, atStep, total, tokensPerSecond, elapsed, perStep, eta }: {
  run: Run;
  atStep: number;
  total: number | null;
  tokensPerSecond: number | null;
  elapsed: number | null;
  perStep: number | null;
  eta: number | null;
}): JSX.Element {
  return (
        <div className="run-facts">
          <span className="fact">
            <span className="fact-label">Step</span>
            <span className="fact-value" data-testid="run-step">
              {atStep}
              <span className="subtle"> / {total ?? '…'}</span>
            </span>
          </span>
          <span className="fact">
            <span className="fact-label">Train loss</span>
            <span className="fact-value" data-testid="run-last-loss">
              {formatLoss(run.lastLoss)}
            </span>
          </span>
          <span className="fact">
            <span className="fact-label">Best eval</span>
            <span className="fact-value">{formatLoss(run.bestEvalLoss)}</span>
          </span>
          <span className="fact">
            <span className="fact-label">Tokens/s</span>
            <span className="fact-value">{tokensPerSecond ? nf.format(tokensPerSecond) : '—'}</span>
          </span>
          <span className="fact">
            <span className="fact-label">Elapsed</span>
            <span className="fact-value" data-testid="run-elapsed">
              {elapsed === null ? '—' : formatDuration(elapsed)}
            </span>
          </span>
          <span className="fact">
            <span className="fact-label">{isLive(run.status) ? 'Time left' : 'Per step'}</span>
            <span className="fact-value" data-testid="run-eta" title={perStep ? `${perStep.toFixed(2)} s per step (last 20 steps)` : undefined}>
              {isLive(run.status) ? (eta === null ? 'estimating…' : formatDuration(eta)) : perStep ? `${perStep < 10 ? perStep.toFixed(2) : Math.round(perStep)}s` : '—'}
            </span>
          </span>
        </div>
  );
}
