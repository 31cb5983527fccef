// "New run": model and dataset, what the run should change (the goal picks the objective), a preset, every other setting
// under Advanced (from training.configHelp), the fit check, then training.start. The parts live in their own files:
// the values (useRunDraft), starting and errors at their fields (useRunStart), the memory check (useRunFit).
import { useState, type JSX } from 'react';
import type { Project, Run } from '../../../../main/api/contract';
import { AdvancedSection } from './AdvancedSection';
import { effectiveBatch } from './batch-math';
import { FitCheckPanel } from './FitCheckPanel';
import { GoalGuide } from './GoalGuide';
import { PresetPicker } from './PresetPicker';
import { RunBasics } from './RunBasics';
import { RunFormFooter } from './RunFormFooter';
import { errorSlots } from './start-errors';
import { useRunDraft } from './useRunDraft';
import { useRunFit } from './useRunFit';
import { useRunStart } from './useRunStart';

export function NewRunForm(props: { project: Project; defaultModel: string | undefined; onStarted: (run: Run) => void; onCancel: () => void }): JSX.Element {
  const d = useRunDraft(props.project.id, props.defaultModel);
  const [advanced, setAdvanced] = useState(false);
  const start = useRunStart(d, { projectId: props.project.id, onStarted: props.onStarted, openAdvanced: () => setAdvanced(true) });
  const batch = effectiveBatch(d.overrides, d.preset, d.help.data);
  const fit = useRunFit(d.draft.config, batch, d.help.data?.gradAccum?.max ?? 4096);
  const errors = errorSlots(start.error, d.fields);

  function setOverride(key: string, value: string | boolean | string[] | undefined): void {
    start.clearErrorAt(key);
    d.setOverride(key, value);
  }

  return (
    <form className="card run-form" onSubmit={start.submit} aria-label="New training run" data-testid="new-run-form" noValidate>
      <div className="run-form-head">
        <h2 className="card-title">New run</h2>
        <span className="subtle">in {props.project.name}</span>
      </div>

      <RunBasics
        model={d.model}
        onModel={(v) => {
          start.clearErrorAt('model');
          d.setModel(v);
        }}
        dataset={d.dataset}
        onDataset={(v) => {
          start.clearErrorAt('dataset');
          d.setDataset(v);
        }}
        name={d.name}
        onName={d.setName}
        datasets={d.datasets.data}
        overrides={d.overrides}
        errors={errors}
        fromModelStep={!!props.defaultModel}
      />

      <GoalGuide goalId={d.goalId} onChange={d.setGoalId} datasetFormat={d.picked?.format} />

      <PresetPicker presetId={d.presetId} onChange={d.setPresetId} />

      <AdvancedSection
        open={advanced}
        onToggle={setAdvanced}
        help={d.help}
        fields={d.fields}
        preset={d.preset}
        overrides={d.overrides}
        error={errors.advanced}
        onChange={setOverride}
        datasets={d.datasets.data}
      />

      <FitCheckPanel
        state={fit.state}
        blocked={d.draft.blocked}
        applyNote={fit.applyNote}
        onApply={(s) => {
          for (const [k, v] of Object.entries(fit.changesFor(s))) setOverride(k, v);
        }}
      />

      <RunFormFooter error={errors.general} overPlan={fit.overPlan} batch={batch} busy={start.busy} ready={!!d.help.data} onCancel={props.onCancel} />
    </form>
  );
}
