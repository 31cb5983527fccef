// "Will it fit?" in the New run form: the verdict, a memory bar (the plan's arenas against what a run may use), the
// largest settings that would fit with a one-click Apply, and a time estimate from a short calibration on request.
import type { CSSProperties, JSX } from 'react';
import type { FitCheck } from '../../../../main/api/contract';
import { ErrorText } from '../../components/Field';
import { Icon } from '../../components/Icon';
import { formatShare, hostMemory, memoryBar } from './fit-math';
import { formatBytes, formatDuration } from './run-math';
import type { FitCheckState } from './useFitCheck';
import './fit-check.css';
import { LearnLink } from '../learn/LearnLink';

const nf = new Intl.NumberFormat('en-US');

function MemoryBarView({ fit }: { fit: FitCheck }): JSX.Element {
  const bar = memoryBar(fit);
  // The device's own verdict: a run can fit the GPU and still not fit, when its offloaded activations exceed the RAM.
  const deviceFits = fit.plannedBytes <= fit.budgetBytes;
  const host = hostMemory(fit);
  const label = `${formatBytes(fit.plannedBytes)} planned of ${formatBytes(fit.budgetBytes)} a run may use`;
  return (
    <div className="fit-mem">
      <div
        className={`fit-bar${deviceFits ? '' : ' is-over'}`}
        style={{ '--over-from': `${bar.budgetAt * 100}%` } as CSSProperties}
        role="img"
        aria-label={label}
        data-testid="fit-bar"
      >
        {bar.segments.map((s) => (
          <span key={s.key} className={`fit-seg arena-${s.key}`} style={{ width: `${s.width * 100}%` }} title={`${s.label}: ${formatBytes(s.bytes)}`} data-testid={`fit-seg-${s.key}`} />
        ))}
        {!deviceFits && <span className="fit-budget" style={{ left: `${bar.budgetAt * 100}%` }} title={`Usable: ${formatBytes(fit.budgetBytes)}`} />}
      </div>
      <div className="fit-mem-text">
        <span data-testid="fit-planned">
          <strong>{formatBytes(fit.plannedBytes)}</strong> planned
        </span>
        <span className="fit-sep" aria-hidden="true" />
        <span data-testid="fit-budget" title={`A run may plan up to ${Math.round((fit.budgetBytes / Math.max(1, fit.freeBytes)) * 100)}% of the memory free now; the rest stays for the system and other programs.`}>
          <strong>{formatBytes(fit.budgetBytes)}</strong> usable <span className="subtle">of {formatBytes(fit.freeBytes)} free on <span data-testid="fit-device">{fit.deviceName}</span></span>
        </span>
        <span className="fit-sep" aria-hidden="true" />
        <span className={deviceFits ? 'subtle' : 'fit-over-text'} data-testid="fit-share">
          {deviceFits ? `uses ${formatShare(bar.usedShare)} of it` : `needs ${formatShare(bar.usedShare)} what is usable`}
        </span>
      </div>
      {host && (
        <p className={host.over ? 'fit-over-text' : 'subtle'} data-testid="fit-host" data-over={host.over || undefined}>
          Offloaded activations: <strong>{formatBytes(host.bytes)}</strong> in system memory
          {host.budgetBytes !== null && <> ({host.over ? 'only ' : ''}{formatBytes(host.budgetBytes)} usable)</>}
          {host.over && ': lower the micro-batch or sequence length, or turn offloadActivations off if the GPU can hold them.'}
        </p>
      )}
      <ul className="fit-legend" aria-label="Memory plan by part">
        {bar.segments.map((s) => (
          <li key={s.key} title={s.what}>
            <span className={`fit-swatch arena-${s.key}`} aria-hidden="true" />
            {s.label} <span className="fit-legend-bytes">{formatBytes(s.bytes)}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

function TimeEstimate({ state, fit, current }: { state: FitCheckState; fit: FitCheck | undefined; current: boolean }): JSX.Element {
  const t = state.timing;
  const fresh = !!t && t.key === state.key;
  const result = fresh ? t.result : undefined;
  const canCalibrate = !!state.key && !state.calibrating && (!current || fit?.fits !== false);
  const button = (
    <button type="button" className="btn btn-sm" onClick={state.calibrate} disabled={!canCalibrate} data-testid="fit-calibrate">
      <Icon name="clock" size={14} /> {state.calibrating ? 'Timing two steps…' : result ? 'Time again' : 'Estimate time'}
    </button>
  );
  let body: JSX.Element;
  if (result?.etaSeconds !== undefined && result.secondsPerStep !== undefined && result.totalSteps !== undefined) {
    body = (
      <div className="fit-time-text" data-testid="fit-eta">
        <span className="fit-time-main">
          About <strong>{result.etaSeconds < 1 ? 'a second' : formatDuration(result.etaSeconds)}</strong> for {nf.format(result.totalSteps)} step{result.totalSteps === 1 ? '' : 's'}
        </span>
        <span className="subtle">
          {result.secondsPerStep < 10 ? result.secondsPerStep.toFixed(2) : Math.round(result.secondsPerStep)} s per step, timed on real micro-batches
          {result.trainExamples !== undefined ? ` · ${nf.format(result.trainExamples)} training examples` : ''}. Evaluation and checkpoints add a little.
        </span>
      </div>
    );
  } else if (fresh && t.error) {
    body = <ErrorText error={t.error} context="training.fitCheck" />;
  } else {
    body = (
      <div className="fit-time-text">
        <span className="fit-time-main">{t && !fresh && t.result ? 'Settings changed since the last estimate.' : 'How long will it take?'}</span>
        <span className="subtle">
          {current && fit?.fits === false
            ? 'Make it fit first: the estimate runs real training steps.'
            : 'Loads the model and times two real micro-batches on your data (seconds for small models, longer for large ones).'}
        </span>
      </div>
    );
  }
  return (
    <div className="fit-time">
      <Icon name="clock" size={16} />
      {body}
      {button}
    </div>
  );
}

export function FitCheckPanel(props: {
  state: FitCheckState;
  /** Why the form cannot make a config yet (missing model or dataset, a setting that does not parse). */
  blocked?: string;
  onApply: (suggestion: { microBatch: number; seqLen: number }) => void;
  /** What applying the suggestion does to gradient accumulation, to say so on the button's line. */
  applyNote?: string;
}): JSX.Element {
  const { state } = props;
  const plan = state.plan;
  const current = !!plan && plan.key === state.key;
  const fit = plan?.result;
  const verdict = !state.key ? 'none' : !current ? 'checking' : plan.error ? 'error' : fit?.fits ? 'fits' : 'over';
  return (
    <section className={`fit-panel fit-${verdict}`} aria-labelledby="fit-title" aria-busy={state.checking || undefined} data-testid="fit-check" data-verdict={verdict}>
      <div className="fit-head">
        <h3 className="fit-title" id="fit-title">
          Will it fit?
        </h3>
        <LearnLink section="approaches">Why LoRA and QLoRA fit</LearnLink>
        <span className="fit-verdict" data-testid="fit-verdict" role="status">
          {verdict === 'fits' && (
            <>
              <Icon name="check" size={14} /> Fits in {fit?.device === 'cpu' ? 'memory' : 'GPU memory'}
            </>
          )}
          {verdict === 'over' && (
            <>
              <Icon name="x" size={14} /> Does not fit
            </>
          )}
          {verdict === 'checking' && (plan ? 'Checking the new settings…' : 'Checking…')}
          {verdict === 'error' && (
            <>
              <Icon name="alert" size={14} /> Could not check
            </>
          )}
        </span>
        <span className="fit-device subtle">{fit ? (fit.device === 'cpu' ? 'CPU · system memory' : fit.device) : ''}</span>
        <button type="button" className="btn btn-sm" onClick={state.check} disabled={!state.key || state.checking} data-testid="fit-recheck" title="Free memory changes as other programs run">
          {state.checking ? 'Checking…' : 'Check fit'}
        </button>
      </div>

      {!state.key ? (
        <p className="fit-empty" data-testid="fit-blocked">
          {props.blocked ?? 'Fill in the base model and the dataset to see whether the run fits in memory and how long it takes.'}
        </p>
      ) : plan?.error && current ? (
        <ErrorText error={plan.error} context="training.fitCheck" />
      ) : fit ? (
        <div className={current ? '' : 'fit-stale'}>
          <MemoryBarView fit={fit} />
          {current && !fit.fits && (
            <div className="fit-suggest" data-testid="fit-suggestion">
              <Icon name="alert" size={15} />
              {fit.suggestion ? (
                <>
                  <span>
                    Micro-batch <strong>{nf.format(fit.suggestion.microBatch)}</strong> with sequence length <strong>{nf.format(fit.suggestion.seqLen)}</strong> would fit
                    {props.applyNote ? ` (${props.applyNote})` : ''}.
                  </span>
                  <button type="button" className="btn btn-sm btn-primary" onClick={() => fit.suggestion && props.onApply(fit.suggestion)} data-testid="fit-apply">
                    Apply
                  </button>
                </>
              ) : (
                <span>Even micro-batch 1 with shorter sequences does not fit. Use NF4 base weights (Advanced settings), close other programs, or pick a smaller model.</span>
              )}
            </div>
          )}
        </div>
      ) : (
        <div className="fit-bar fit-bar-loading" aria-hidden="true" />
      )}

      {state.key && <TimeEstimate state={state} fit={fit} current={current} />}
    </section>
  );
}
