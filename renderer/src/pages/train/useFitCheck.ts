// The New run form's fit check: the memory plan is re-checked by itself shortly after the settings stop changing (it
// only reads config.json), while the time estimate loads the model and runs real micro-batches, so it waits for a click.
// Every result is kept with the exact settings it was made for; answers for older settings are never shown as current.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { FitCheck } from '../../../../main/api/contract';
import { api } from '../../api/client';
import { toApiError, type ApiError } from '../../api/errors';
import { configKey } from './fit-math';

export interface FitResult {
  key: string;
  result?: FitCheck;
  error?: ApiError;
}

export interface FitCheckState {
  /** The key of the settings in the form now; undefined while the form cannot make a config. */
  key: string | undefined;
  /** The latest plan (maybe for older settings: compare `plan.key` with `key`). */
  plan: FitResult | undefined;
  /** The latest time estimate (a calibrated check). */
  timing: FitResult | undefined;
  checking: boolean;
  calibrating: boolean;
  check(): void;
  calibrate(): void;
}

/** How long the settings must stay unchanged before the plan is checked by itself. */
export const SETTLE_MS = 500;

export function useFitCheck(config: Record<string, unknown> | undefined): FitCheckState {
  const key = config ? configKey(config) : undefined;
  const [plan, setPlan] = useState<FitResult>();
  const [timing, setTiming] = useState<FitResult>();
  const [checking, setChecking] = useState(false);
  const [calibrating, setCalibrating] = useState(false);
  // Latest config and request numbers: an answer is used only if no newer request of its kind was made since.
  const latest = useRef(config);
  latest.current = config;
  const planSeq = useRef(0);
  const timeSeq = useRef(0);
  // Estimates by settings: switching a value back shows its estimate again without re-running the model.
  const timings = useRef(new Map<string, FitResult>());

  const check = useCallback(() => {
    const cfg = latest.current;
    if (!cfg) return;
    const k = configKey(cfg);
    const mine = ++planSeq.current;
    setChecking(true);
    api.training.fitCheck({ config: cfg as never, calibrate: false }).then(
      (result) => mine === planSeq.current && setPlan({ key: k, result }),
      (err: unknown) => mine === planSeq.current && setPlan({ key: k, error: toApiError(err) }),
    ).finally(() => mine === planSeq.current && setChecking(false));
  }, []);

  const calibrate = useCallback(() => {
    const cfg = latest.current;
    if (!cfg) return;
    const k = configKey(cfg);
    const mine = ++timeSeq.current;
    setCalibrating(true);
    api.training.fitCheck({ config: cfg as never, calibrate: true }).then(
      (result) => {
        // A calibrated check carries the plan too.
        if (latest.current && configKey(latest.current) === k) setPlan({ key: k, result });
        const r = { key: k, result };
        timings.current.set(k, r);
        if (mine === timeSeq.current) setTiming(r);
      },
      (err: unknown) => mine === timeSeq.current && setTiming({ key: k, error: toApiError(err) }),
    ).finally(() => mine === timeSeq.current && setCalibrating(false));
  }, []);

  useEffect(() => {
    if (!key) {
      ++planSeq.current;
      setChecking(false);
      return;
    }
    const known = timings.current.get(key);
    if (known) setTiming(known);
    const t = setTimeout(check, SETTLE_MS);
    return () => clearTimeout(t);
  }, [key, check]);

  return { key, plan, timing, checking, calibrating, check, calibrate };
}
