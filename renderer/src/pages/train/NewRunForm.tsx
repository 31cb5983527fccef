// "New run": model and dataset, what the run should change (the goal picks the objective), a preset, every other setting under Advanced (from training.configHelp), the fit
// check, then training.start. Server errors that name a config key are shown at that key's field.
import { cloneOverrides, takeClone } from './clone';
import { askToNotify } from '../../run-notifications';
import { useEffect, useMemo, useRef, useState, type FormEvent, type JSX } from 'react';
import type { ConfigHelp, DatasetSummary, Project, Run } from '../../../../main/api/contract';
import { api } from '../../api/client';
import { ApiError, toApiError } from '../../api/errors';
import { ErrorText, Field } from '../../components/Field';
import { Icon } from '../../components/Icon';
import { useApiQuery } from '../../hooks/useApiQuery';
import { AdvancedSettings, type Overrides } from './AdvancedSettings';
import { DATA_KEYS, dataSettings } from './data-settings';
import { PresetPicker } from './PresetPicker';
import { PRIMARY_KEYS, buildConfig, configFields, configKeyOf, parseOverrides } from './config-form';
import { FitCheckPanel } from './FitCheckPanel';
import { GoalGuide } from './GoalGuide';
import { goalById, type GoalId } from './goals';
import { suggestionOverrides } from './fit-math';
import { DEFAULT_PRESET, presetById, type PresetId } from './presets';
import { formatBytes } from './run-math';
import { useFitCheck } from './useFitCheck';

const nf = new Intl.NumberFormat('en-US');

/** A run's dataset as the form holds it: a library dataset's id (its folder …/datasets/<id>), or the file path. */
function clonedDataset(path: string): string {
  const m = /[\\/]datasets[\\/]([^\\/]+)[\\/]?$/.exec(path);
  return m ? m[1] : path;
}

export function NewRunForm(props: { project: Project; defaultModel: string | undefined; onStarted: (run: Run) => void; onCancel: () => void }): JSX.Element {
  const help = useApiQuery<ConfigHelp>(() => api.training.configHelp());
  // The project's imported datasets, offered as a picker when there are any (the config takes a file or a dataset id).
  const datasets = useApiQuery<DatasetSummary[]>(() => api.datasets.list({ projectId: props.project.id }));
  // Opened with "Clone settings" on a run: its settings, model and dataset, under a new name.
  const [clone] = useState(takeClone);
  const [name, setName] = useState(clone?.name ?? '');
  const [model, setModel] = useState(clone ? String(clone.config.model ?? '') : (props.defaultModel ?? ''));
  const [dataset, setDataset] = useState(clone ? clonedDataset(String(clone.config.dataset ?? '')) : '');
  const [presetId, setPresetId] = useState<PresetId>(DEFAULT_PRESET);
  const [goalId, setGoalId] = useState<GoalId>('behaviour');
  const [overrides, setOverrides] = useState<Overrides>(() => (clone ? cloneOverrides(clone.config, PRIMARY_KEYS) : {}));
  const [advanced, setAdvanced] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ key?: string; error: ApiError }>();
  const advancedRef = useRef<HTMLDetailsElement>(null);

  // One source of truth: a dataset imported with the Data step's settings (validation share, max length, loss mask)
  // trains with them unless the user changes them here; picking it puts them into the form.
  const pickedId = datasets.data?.some((d) => d.id === dataset) ? dataset : undefined;
  useEffect(() => {
    const s = dataSettings(datasets.data?.find((d) => d.id === pickedId));
    if (!s || clone) return;
    setOverrides((o) => ({ ...o, ...Object.fromEntries(Object.entries(s).map(([k, v]) => [k, String(v)])) }));
  }, [pickedId]);  // only when the pick changes (the list reloading must not undo the user's edits)

  const fields = useMemo(() => (help.data ? configFields(help.data).filter((f) => !PRIMARY_KEYS.has(f.key)) : []), [help.data]);
  // The goal's objective and settings go over the preset; Advanced settings still override both.
  const goalConfig = goalById(goalId).config;
  const preset = useMemo(() => ({ ...presetById(presetId).config, ...goalConfig }) as Record<string, unknown>, [presetId, goalConfig]);
  const datasetFormat = datasets.data?.find((d) => d.id === dataset)?.format;
  const changed = Object.keys(overrides).length;

  // The batch arithmetic users otherwise do by hand: sequences and tokens per optimizer step.
  const effective = (key: string): number | undefined => {
    const o = overrides[key];
    const v = typeof o === 'string' && o.trim() ? Number(o) : (preset[key] ?? help.data?.[key]?.default);
    return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
  };
  const micro = effective('microBatch');
  const accum = effective('gradAccum');
  const seqLen = effective('seqLen');

  // The config the form would send now, or why there is none yet; the fit check follows it.
  const draft = useMemo((): { config?: Record<string, unknown>; blocked?: string } => {
    if (!help.data) return { blocked: 'Loading the settings…' };
    const parsed = parseOverrides(fields, overrides);
    if (parsed.error) return { blocked: `${parsed.error.message} Fix it to check the fit.` };
    if (!model.trim() || !dataset.trim()) return {};
    return { config: buildConfig({ model, dataset }, preset, parsed.values) };
  }, [help.data, fields, overrides, model, dataset, preset]);
  const fit = useFitCheck(draft.config);
  const fitNow = fit.plan && fit.plan.key === fit.key ? fit.plan.result : undefined;
  const overPlan = fitNow && !fitNow.fits ? fitNow : undefined;
  const maxAccum = help.data?.gradAccum?.max ?? 4096;
  const applyChanges = (s: { microBatch: number; seqLen: number }) =>
    micro && accum && seqLen ? suggestionOverrides({ microBatch: micro, gradAccum: accum, seqLen }, s, maxAccum) : { microBatch: String(s.microBatch), seqLen: String(s.seqLen) };
  const suggested = overPlan?.suggestion ? applyChanges(overPlan.suggestion) : undefined;

  function setOverride(key: string, value: string | boolean | string[] | undefined): void {
    if (error?.key === key) setError(undefined);
    setOverrides((o) => {
      const next = { ...o };
      if (value === undefined) delete next[key];
      else next[key] = value;
      return next;
    });
  }

  function showError(e: ApiError, key?: string): void {
    setError({ key, error: e });
    if (key && !PRIMARY_KEYS.has(key)) {
      setAdvanced(true);
      requestAnimationFrame(() => document.getElementById(`cfg-${key}`)?.scrollIntoView({ block: 'center', behavior: 'smooth' }));
    }
    requestAnimationFrame(() => document.getElementById(key ? `cfg-${key}` : 'run-form-error')?.focus({ preventScroll: !!key && !PRIMARY_KEYS.has(key) }));
  }

  async function submit(e: FormEvent): Promise<void> {
    e.preventDefault();
    if (busy) return;
    setError(undefined);
    // The two choices a run cannot start without: said next to their fields, before anything is sent.
    if (!model.trim()) return showError(new ApiError('form.required', 'Choose a base model first.', 'Pick one in the Model step, or type the folder of a Hugging Face model.'), 'model');
    if (!dataset.trim()) return showError(new ApiError('form.required', 'Choose a dataset first.', "Pick one of the project's datasets below, or type the path of a dataset file."), 'dataset');
    const parsed = parseOverrides(fields, overrides);
    if (parsed.error) return showError(new ApiError(parsed.error.code, parsed.error.message, parsed.error.hint), parsed.error.key);
    const config = buildConfig({ model, dataset }, preset, parsed.values);
    setBusy(true);
    askToNotify();  // a click: the one moment a browser lets us ask; runs often end while the user is elsewhere
    try {
      const run = await api.training.start({ config: config as never, name: name.trim() || undefined, projectId: props.project.id });
      props.onStarted(run);
    } catch (err) {
      const apiErr = toApiError(err);
      setBusy(false);
      // The server names the field it is about ("config.loraR", or "loraR" from a config check in the engine host).
      const key = configKeyOf(apiErr.field, ['model', 'dataset', ...fields.map((f) => f.key)]);
      // Shown next to the field, in words about it: "LoRA rank (r): must be at most 512".
      const label = key === 'model' ? 'Base model folder' : key === 'dataset' ? 'Dataset file' : fields.find((f) => f.key === key)?.label;
      showError(label && apiErr.fieldMessage ? new ApiError(apiErr.code, `${label}: ${apiErr.fieldMessage}`, apiErr.hint) : apiErr, key);
    }
  }

  const picked = datasets.data?.find((d) => d.id === dataset);
  const fromData = dataSettings(picked);
  const changedFromData = fromData ? Object.keys(fromData).filter((k) => overrides[k] !== undefined && String(overrides[k]).trim() !== String(fromData[k])) : [];
  const primaryError = (key: string) => (error?.key === key ? error.error : undefined);
  const modelErr = primaryError('model');
  const datasetErr = primaryError('dataset');
  const generalErr = error && (!error.key || !fields.some((f) => f.key === error.key) && !PRIMARY_KEYS.has(error.key)) ? error.error : undefined;

  return (
    <form className="card run-form" onSubmit={submit} aria-label="New training run" data-testid="new-run-form" noValidate>
      <div className="run-form-head">
        <h2 className="card-title">New run</h2>
        <span className="subtle">in {props.project.name}</span>
      </div>

      <div className="form-grid">
        <Field label="Base model folder" htmlFor="run-model">
          <input
            id="run-model"
            className={`input input-mono${modelErr ? ' input-invalid' : ''}`}
            value={model}
            onChange={(e) => setModel(e.target.value)}
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
            value={picked ? picked.name : dataset}
            onChange={(e) => setDataset(e.target.value)}
            title={picked ? `Imported dataset “${picked.name}”: ${picked.valid.toLocaleString('en-US')} rows (${picked.format})` : undefined}
            placeholder="/home/me/data/support.jsonl"
            spellCheck={false}
            autoComplete="off"
            aria-invalid={datasetErr ? true : undefined}
            data-testid="run-dataset"
          />
        </Field>
        {datasets.data && datasets.data.length > 0 && (
          <div className="form-grid-wide dataset-pick">
            <label htmlFor="run-dataset-pick" className="subtle">
              Or an imported dataset
            </label>
            <select
              id="run-dataset-pick"
              className="input input-sm select"
              value={datasets.data.some((d) => d.id === dataset) ? dataset : ''}
              onChange={(e) => e.target.value && setDataset(e.target.value)}
              data-testid="run-dataset-pick"
            >
              <option value="">Choose…</option>
              {datasets.data.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.name} · {d.valid.toLocaleString()} rows · {d.format}
                </option>
              ))}
            </select>
          </div>
        )}
        {fromData && (
          <p className={`form-hint form-grid-wide${changedFromData.length ? ' hint-warn' : ''}`} data-testid="data-settings-hint">
            {changedFromData.length
              ? `You changed the ${changedFromData.map((k) => DATA_KEYS[k]).join(' and ')} from your Data settings (${changedFromData.map((k) => `${DATA_KEYS[k]} ${fromData[k]}`).join(', ')}); this run uses your value.`
              : `${Object.entries(fromData).map(([k, v]) => `${DATA_KEYS[k].charAt(0).toUpperCase()}${DATA_KEYS[k].slice(1)} ${v}`).join(', ')}: from your Data settings, so the run trains on the rows the Data step reported.`}
          </p>
        )}
        {modelErr && <ErrorText error={modelErr} context="training.start" />}
        {datasetErr && <ErrorText error={datasetErr} context="training.start" />}
        <p className="form-hint form-grid-wide">
          {props.defaultModel ? 'The model chosen in the Model step.' : <>Choose a model in the <a href="#/model">Model step</a> to fill this in.</>} Datasets: JSONL, JSON, CSV, Parquet or
          text on the machine running Lathe.
        </p>
        <Field label="Run name" htmlFor="run-name" optional>
          <input id="run-name" className="input" value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. r16 first try" autoComplete="off" data-testid="run-name-input" />
        </Field>
      </div>

      <GoalGuide goalId={goalId} onChange={setGoalId} datasetFormat={datasetFormat} />

      <PresetPicker presetId={presetId} onChange={setPresetId} />

      <details ref={advancedRef} className="advanced" open={advanced} onToggle={(e) => setAdvanced(e.currentTarget.open)}>
        <summary data-testid="advanced-toggle">
          <span>Advanced settings</span>
          <span className="subtle">{changed ? `${changed} changed` : 'every setting, with its default and why'}</span>
        </summary>
        {help.error ? (
          <ErrorText error={help.error} />
        ) : !help.data ? (
          <div className="skeleton-block" style={{ height: 120 }} aria-busy="true" />
        ) : (
          <AdvancedSettings
            fields={fields}
            preset={preset}
            overrides={overrides}
            error={error?.key && !PRIMARY_KEYS.has(error.key) ? { key: error.key, error: error.error } : undefined}
            onChange={setOverride}
            datasets={datasets.data ?? []}
          />
        )}
      </details>

      <FitCheckPanel
        state={fit}
        blocked={draft.blocked}
        applyNote={suggested?.gradAccum ? `gradient accumulation ${nf.format(Number(suggested.gradAccum))} keeps ${nf.format(Number(suggested.gradAccum) * Number(suggested.microBatch))} sequences per step` : undefined}
        onApply={(s) => {
          for (const [k, v] of Object.entries(applyChanges(s))) setOverride(k, v);
        }}
      />

      {generalErr && <ErrorText error={generalErr} id="run-form-error" context="training.start" />}
      {overPlan && (
        <p className="fit-warning" role="alert" data-testid="fit-warning">
          <Icon name="alert" size={14} /> This run plans {formatBytes(overPlan.plannedBytes)} but {formatBytes(overPlan.budgetBytes)} is usable: it will likely run out of memory. Apply the
          suggestion above, or start anyway.
        </p>
      )}

      <div className="form-actions">
        <span className="form-hint" data-testid="batch-math">
          {micro && accum && seqLen
            ? `${micro * accum} sequence${micro * accum === 1 ? '' : 's'} of up to ${nf.format(seqLen)} tokens per optimizer step (${nf.format(micro * accum * seqLen)} tokens)`
            : ''}
        </span>
        <button type="button" className="btn" onClick={props.onCancel} disabled={busy} data-testid="new-run-cancel">
          Cancel
        </button>
        <button type="submit" className={`btn ${overPlan ? 'btn-warn' : 'btn-primary'}`} disabled={busy || !help.data} data-testid="run-start">
          {busy ? 'Starting…' : overPlan ? 'Start anyway' : 'Start training'}
        </button>
      </div>
    </form>
  );
}
