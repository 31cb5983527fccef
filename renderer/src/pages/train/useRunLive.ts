// One run, live: runs.get and the log's history (runs.log) on mount and after a reconnect, so the dashboard survives
// a reload; then the training.metrics / .status / .log events applied as they arrive. Also the run's memory plan (live
// metrics carry it; for a finished run it is asked of the fit check, which plans the same config).
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, connection } from '../../api/client';
import { toApiError, type ApiError } from '../../api/errors';
import { mergeFetched, mergeMetric, parseLogLine, withLogHistory, type ChartMetric, type LiveDetail, type LogEntry } from './run-math';

export interface LogLine {
  n: number;
  at: string | null;
  message: string;
}

const MAX_LOG_LINES = 500;
/** Live metrics are applied in batches at most this often: a small model can step many times a second, and redrawing
 * five charts per step would starve the page (and, on a small machine, the training) of CPU. */
const FLUSH_MS = 200;

/** Gives each entry a key that stays unique across history reloads. */
function numbered(entries: LogEntry[], counter: { current: number }): LogLine[] {
  return entries.slice(-MAX_LOG_LINES).map((e) => ({ ...e, n: ++counter.current }));
}

export interface LiveRun {
  detail: LiveDetail | undefined;
  error: ApiError | undefined;
  loading: boolean;
  logs: LogLine[];
  /** The engine's memory plan for this run (bytes), once known. */
  plannedBytes: number | null;
  reload: () => void;
}

export function useRunLive(id: string): LiveRun {
  const [detail, setDetail] = useState<LiveDetail>();
  const [error, setError] = useState<ApiError>();
  const [loading, setLoading] = useState(true);
  const [logs, setLogs] = useState<LogLine[]>([]);
  const [plannedBytes, setPlannedBytes] = useState<number | null>(null);
  const seq = useRef(0);
  // Metrics that arrived while the newest runs.get was out: applied over its answer.
  const liveSince = useRef<ChartMetric[]>([]);
  const logN = useRef(0);
  const logSeq = useRef(0);
  // Live log lines that arrived while the newest runs.log was out (null when none is out).
  const logMeanwhile = useRef<LogEntry[] | null>(null);
  const later = useRef<ReturnType<typeof setTimeout>>(undefined);
  const soon = useRef<ReturnType<typeof setTimeout>>(undefined);
  const planAsked = useRef(false);
  // Metrics received but not yet drawn (see FLUSH_MS).
  const pending = useRef<ChartMetric[]>([]);
  const flushTimer = useRef<ReturnType<typeof setTimeout>>(undefined);

  const reload = useCallback(() => {
    const mine = ++seq.current;
    liveSince.current = [];
    setLoading(true);
    api.runs.get({ id }).then(
      (d) => {
        if (mine !== seq.current) return;
        // Every metric not yet drawn is in the answer (stored before it was sent) or in liveSince (arrived since).
        pending.current = [];
        setDetail((prev) => mergeFetched(prev, d, liveSince.current));
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

  const reloadLog = useCallback(() => {
    const mine = ++logSeq.current;
    logMeanwhile.current = [];
    api.runs.log({ id }).then(
      ({ lines }) => {
        if (mine !== logSeq.current) return;
        setLogs(numbered(withLogHistory(lines.map(parseLogLine), logMeanwhile.current ?? []), logN));
        logMeanwhile.current = null;
      },
      () => {
        // No history (an old server, an unreadable file): the live lines alone are still shown.
        if (mine === logSeq.current) logMeanwhile.current = null;
      },
    );
  }, [id]);

  useEffect(() => {
    setDetail(undefined);
    setLogs([]);
    setPlannedBytes(null);
    planAsked.current = false;
    reload();
    reloadLog();
    let wasOpen = connection.get().status === 'open';
    const offConn = connection.subscribe((s) => {
      // Events sent while disconnected are lost; the stored metrics and the log file fill the gap.
      if (s.status === 'open' && !wasOpen) {
        reload();
        reloadLog();
      }
      wasOpen = s.status === 'open';
    });
    const flush = () => {
      flushTimer.current = undefined;
      const batch = pending.current;
      pending.current = [];
      if (!batch.length) return;
      setDetail((d) => {
        if (!d) return d;
        let { run, metrics } = d;
        for (const m of batch) {
          run = { ...run, step: m.step, lastLoss: m.loss ?? run.lastLoss };
          if (m.evalLoss !== null && (run.bestEvalLoss === null || m.evalLoss < run.bestEvalLoss)) run.bestEvalLoss = m.evalLoss;
          metrics = mergeMetric(metrics, m);
        }
        return { ...d, run, metrics };
      });
    };
    const offMetrics = api.on('training.metrics', ({ runId, metrics }) => {
      if (runId !== id) return;
      // The server sends the metric in the shape runs.get returns (main/runs/run-index.ts converts it, once).
      const m: ChartMetric = metrics;
      liveSince.current.push(m);
      pending.current.push(m);
      if (typeof metrics.plannedBytes === 'number') setPlannedBytes(metrics.plannedBytes);
      flushTimer.current ??= setTimeout(flush, FLUSH_MS);
    });
    const offStatus = api.on('training.status', ({ run }) => {
      if (run.id !== id) return;
      setDetail((d) => (d ? { ...d, run: { ...run, step: Math.max(run.step, run.status === 'running' ? d.run.step : 0) } } : d));
      // A status event also follows each checkpoint: fetch the checkpoint list (and anything missed) once things settle.
      clearTimeout(soon.current);
      soon.current = setTimeout(reload, 250);
      if (run.status !== 'running' && run.status !== 'queued') {
        // Checkpoints are indexed just after a job's final status is sent: look once more a little later.
        clearTimeout(later.current);
        later.current = setTimeout(reload, 1200);
      }
    });
    const offLog = api.on('training.log', ({ runId, message }) => {
      if (runId !== id) return;
      const entry = { at: new Date().toISOString(), message };
      logMeanwhile.current?.push(entry);
      const line = { ...entry, n: ++logN.current };
      setLogs((l) => (l.length >= MAX_LOG_LINES ? [...l.slice(1 - MAX_LOG_LINES), line] : [...l, line]));
    });
    return () => {
      clearTimeout(flushTimer.current);
      flushTimer.current = undefined;
      pending.current = [];
      clearTimeout(later.current);
      clearTimeout(soon.current);
      offConn();
      offMetrics();
      offStatus();
      offLog();
    };
  }, [id, reload, reloadLog]);

  // A run opened after its last step (or after a reload) has memory readings but no plan: the fit check plans the same
  // config without loading anything.
  const needsPlan = plannedBytes === null && !!detail?.metrics.some((m) => m.memoryBytes !== null);
  const config = detail?.run.config;
  useEffect(() => {
    if (!needsPlan || planAsked.current || !config) return;
    planAsked.current = true;
    api.training.fitCheck({ config: config as never, calibrate: false }).then(
      (fit) => setPlannedBytes((p) => p ?? fit.plannedBytes),
      () => undefined,
    );
  }, [needsPlan, config]);

  return { detail, error, loading, logs, plannedBytes, reload };
}
