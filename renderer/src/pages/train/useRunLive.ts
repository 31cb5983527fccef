// One run, live: runs.get on mount and after a reconnect (so the dashboard survives a reload), then the
// training.metrics / .status / .log events applied as they arrive.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { RunDetail } from '../../../../main/api/contract';
import { api, connection } from '../../api/client';
import { toApiError, type ApiError } from '../../api/errors';
import { mergeMetric, toRunMetric } from './run-math';

export interface LogLine {
  n: number;
  at: string;
  message: string;
}

const MAX_LOG_LINES = 500;

export interface LiveRun {
  detail: RunDetail | undefined;
  error: ApiError | undefined;
  loading: boolean;
  logs: LogLine[];
  reload: () => void;
}

export function useRunLive(id: string): LiveRun {
  const [detail, setDetail] = useState<RunDetail>();
  const [error, setError] = useState<ApiError>();
  const [loading, setLoading] = useState(true);
  const [logs, setLogs] = useState<LogLine[]>([]);
  const seq = useRef(0);
  const logN = useRef(0);
  const later = useRef<ReturnType<typeof setTimeout>>(undefined);

  const reload = useCallback(() => {
    const mine = ++seq.current;
    setLoading(true);
    api.runs.get({ id }).then(
      (d) => {
        if (mine !== seq.current) return;
        setDetail(d);
        setError(undefined);
        setLoading(false);
      },
      (err: unknown) => {
        if (mine !== seq.current) return;
        setError(toApiError(err));
        setLoading(false);
      },
    );
  }, [id]);

  useEffect(() => {
    setDetail(undefined);
    setLogs([]);
    reload();
    let wasOpen = connection.get().status === 'open';
    const offConn = connection.subscribe((s) => {
      // Events sent while disconnected are lost; the stored metrics fill the gap.
      if (s.status === 'open' && !wasOpen) reload();
      wasOpen = s.status === 'open';
    });
    const offMetrics = api.on('training.metrics', ({ runId, metrics }) => {
      if (runId !== id) return;
      setDetail((d) => {
        if (!d) return d;
        const m = toRunMetric(metrics);
        const run = { ...d.run, step: m.step, lastLoss: m.loss ?? d.run.lastLoss };
        if (m.evalLoss !== null && (run.bestEvalLoss === null || m.evalLoss < run.bestEvalLoss)) run.bestEvalLoss = m.evalLoss;
        return { ...d, run, metrics: mergeMetric(d.metrics, m) };
      });
    });
    const offStatus = api.on('training.status', ({ run }) => {
      if (run.id !== id) return;
      setDetail((d) => (d ? { ...d, run } : d));
      // Checkpoints are indexed when a job ends, just after its final status is sent: fetch them (and any metrics
      // missed meanwhile) now and once more shortly after.
      if (run.status !== 'running' && run.status !== 'queued') {
        reload();
        clearTimeout(later.current);
        later.current = setTimeout(reload, 1000);
      }
    });
    const offLog = api.on('training.log', ({ runId, message }) => {
      if (runId !== id) return;
      const line = { n: ++logN.current, at: new Date().toISOString(), message };
      setLogs((l) => (l.length >= MAX_LOG_LINES ? [...l.slice(1 - MAX_LOG_LINES), line] : [...l, line]));
    });
    return () => {
      clearTimeout(later.current);
      offConn();
      offMetrics();
      offStatus();
      offLog();
    };
  }, [id, reload]);

  return { detail, error, loading, logs, reload };
}
