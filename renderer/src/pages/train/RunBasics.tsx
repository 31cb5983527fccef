// The New run form's first fields: the base model, the dataset (a file path, or one of the project's imported datasets
// with the settings it brings from the Data step), their errors, and the run's name.
import type { JSX } from 'react';
import type { DatasetSummary } from '../../../../main/api/contract';
import type { ApiError } from '../../api/errors';
import { ErrorText, Field } from '../../components/Field';
import { dataSettings, dataSettingsHint } from './data-settings';

export function RunBasics(props: {
  model: string;
  onModel: (model: string) => void;
  /** A library dataset's id or a file path. */
  dataset: string;
  onDataset: (dataset: string) => void;
  name: string;
  onName: (name: string) => void;
  /** The project's imported datasets (undefined while loading). */
  datasets: DatasetSummary[] | undefined;
  overrides: Record<string, unknown>;
  errors: { model?: ApiError; dataset?: ApiError };
  /** Whether the Model step chose the model (the hint then says so). */
  fromModelStep: boolean;
}): JSX.Element {
  const { model: modelErr, dataset: datasetErr } = props.errors;
  const picked = props.datasets?.find((d) => d.id === props.dataset);
  return (
    <div className="form-grid">
      <Field label="Base model folder" htmlFor="run-model">
        <input
          id="run-model"
          className={`input input-mono${modelErr ? ' input-invalid' : ''}`}
          value={props.model}
          onChange={(e) => props.onModel(e.target.value)}
          placeholder="/home/me/models/SmolLM2-135M-Instruct"
          spellCheck={false}
          autoComplete="off"
          aria-invalid={modelErr ? true : undefined}
          data-testid="run-model"
        />
      </Field>
      <Field label="Dataset file" htmlFor="run-dataset">
        <input
          id="run-dataset"
          className={`input${picked ? '' : ' input-mono'}${datasetErr ? ' input-invalid' : ''}`}
          // An imported dataset shows its name, never its id; typing replaces the pick with a path.
          value={picked ? picked.name : props.dataset}
          onChange={(e) => props.onDataset(e.target.value)}
          title={picked ? `Imported dataset “${picked.name}”: ${picked.valid.toLocaleString('en-US')} rows (${picked.format})` : undefined}
          placeholder="/home/me/data/support.jsonl"
          spellCheck={false}
          autoComplete="off"
          aria-invalid={datasetErr ? true : undefined}
          data-testid="run-dataset"
        />
      </Field>
      {props.datasets && props.datasets.length > 0 && <DatasetPick datasets={props.datasets} picked={picked} onPick={props.onDataset} />}
      <DataSettingsHint picked={picked} overrides={props.overrides} />
      {modelErr && <ErrorText error={modelErr} context="training.start" />}
      {datasetErr && <ErrorText error={datasetErr} context="training.start" />}
      <p className="form-hint form-grid-wide">
        {props.fromModelStep ? 'The model chosen in the Model step.' : <>Choose a model in the <a href="#/model">Model step</a> to fill this in.</>} Datasets: JSONL, JSON, CSV, Parquet or
        text on the machine running Lathe.
      </p>
      <Field label="Run name" htmlFor="run-name" optional>
        <input id="run-name" className="input" value={props.name} onChange={(e) => props.onName(e.target.value)} placeholder="e.g. r16 first try" autoComplete="off" data-testid="run-name-input" />
      </Field>
    </div>
  );
}

/** The project's imported datasets as a picker; choosing one puts its id in the dataset field. */
function DatasetPick({ datasets, picked, onPick }: { datasets: DatasetSummary[]; picked: DatasetSummary | undefined; onPick: (id: string) => void }): JSX.Element {
  return (
    <div className="form-grid-wide dataset-pick">
      <label htmlFor="run-dataset-pick" className="subtle">
        Or an imported dataset
      </label>
      <select id="run-dataset-pick" className="input input-sm select" value={picked ? picked.id : ''} onChange={(e) => e.target.value && onPick(e.target.value)} data-testid="run-dataset-pick">
        <option value="">Choose…</option>
        {datasets.map((d) => (
          <option key={d.id} value={d.id}>
            {d.name} · {d.valid.toLocaleString()} rows · {d.format}
          </option>
        ))}
      </select>
    </div>
  );
}

/** The settings the picked dataset brought from the Data step, or which of them this run changes (a warning then). */
function DataSettingsHint({ picked, overrides }: { picked: DatasetSummary | undefined; overrides: Record<string, unknown> }): JSX.Element | null {
  const fromData = dataSettings(picked);
  if (!fromData) return null;
  const hint = dataSettingsHint(fromData, overrides);
  return (
    <p className={`form-hint form-grid-wide${hint.changed ? ' hint-warn' : ''}`} data-testid="data-settings-hint">
      {hint.text}
    </p>
  );
}
