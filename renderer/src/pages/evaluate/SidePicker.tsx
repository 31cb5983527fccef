// Which model answers on one side of a comparison: the base (adapter off), the run's final adapter, or a checkpoint.
import { useEffect, useState, type JSX } from 'react';
import { api } from '../../api/client';

export type Side = 'base' | 'adapter' | { checkpoint: number };

export const sideName = (s: Side) => (typeof s === 'string' ? s : `checkpoint ${s.checkpoint}`);
const parseSide = (v: string): Side => (v === 'base' || v === 'adapter' ? v : { checkpoint: Number(v) });
const sideValue = (s: Side) => (typeof s === 'string' ? s : String(s.checkpoint));

/** The run's checkpoint steps, oldest first. */
export function useCheckpoints(runId: string): number[] {
  const [steps, setSteps] = useState<number[]>([]);
  useEffect(() => void api.runs.get({ id: runId }).then((d) => setSteps(d.checkpoints.map((c) => c.step).sort((a, b) => a - b)), () => setSteps([])), [runId]);
  return steps;
}

export function SidePicker(props: { label: string; value: Side; checkpoints: number[]; onChange: (s: Side) => void; testId: string }): JSX.Element {
  return (
    <select className="input eval-select" aria-label={props.label} value={sideValue(props.value)} data-testid={props.testId} onChange={(e) => props.onChange(parseSide(e.target.value))}>
      <option value="base">base (adapter off)</option>
      <option value="adapter">adapter (final)</option>
      {props.checkpoints.map((c) => <option key={c} value={String(c)}>checkpoint {c}</option>)}
    </select>
  );
}
