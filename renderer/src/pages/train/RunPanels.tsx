// The dashboard's lower panels: the checkpoint list (best by eval loss marked) and the collapsible log of the run.
import { useEffect, useRef, type JSX } from 'react';
import type { RunDetail } from '../../../../main/api/contract';
import { Icon } from '../../components/Icon';
import { bestCheckpointStep, formatLoss } from './run-math';
import type { LogLine } from './useRunLive';

export function CheckpointList({ checkpoints }: { checkpoints: RunDetail['checkpoints'] }): JSX.Element {
  const best = bestCheckpointStep(checkpoints);
  return (
    <section className="card panel" aria-labelledby="checkpoints-title" data-testid="checkpoints">
      <h2 className="panel-title" id="checkpoints-title">
        Checkpoints <span className="subtle">{checkpoints.length || ''}</span>
      </h2>
      {checkpoints.length === 0 ? (
        <p className="panel-empty">None yet. Checkpoints are written on schedule, on pause and at the end; a resume starts from the newest valid one.</p>
      ) : (
        <ul className="cp-list">
          {checkpoints.map((c) => (
            <li key={c.step} className={`cp-row${c.step === best ? ' is-best' : ''}`} data-testid="checkpoint-row" title={c.dir}>
              <span className="cp-step">Step {c.step}</span>
              <span className="cp-eval">{c.evalLoss === null ? <span className="subtle">no eval</span> : <>eval {formatLoss(c.evalLoss)}</>}</span>
              {c.step === best && (
                <span className="pill pill-accent" data-testid="checkpoint-best">
                  <Icon name="check" size={11} /> Best
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function LogPanel({ logs, live }: { logs: LogLine[]; live: boolean }): JSX.Element {
  const endRef = useRef<HTMLDivElement>(null);
  const boxRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    // Follow the tail like a terminal, unless the user scrolled up to read.
    const box = boxRef.current;
    if (box && box.scrollHeight - box.scrollTop - box.clientHeight < 40) endRef.current?.scrollIntoView({ block: 'nearest' });
  }, [logs.length]);
  return (
    <details className="card panel log-panel" data-testid="run-log" data-lines={logs.length}>
      <summary className="panel-title">
        Log <span className="subtle">{logs.length ? `${logs.length} line${logs.length === 1 ? '' : 's'}` : live ? 'waiting for output' : ''}</span>
      </summary>
      <div className="log-box" ref={boxRef}>
        {logs.length === 0 ? (
          <p className="panel-empty">{live ? 'Nothing logged yet: lines appear as the run starts.' : 'This run logged nothing.'} The full log is log.txt in the run folder.</p>
        ) : (
          logs.map((l) => (
            <div key={l.n} className="log-line">
              <time className="log-time" dateTime={l.at ?? undefined}>
                {l.at ? new Date(l.at).toLocaleTimeString(undefined, { hour12: false }) : ''}
              </time>
              <span>{l.message}</span>
            </div>
          ))
        )}
        <div ref={endRef} />
      </div>
    </details>
  );
}
