// The New run form's values: model, dataset, name, goal, preset and the Advanced settings the user changed (or a cloned
// run's), the settings an imported dataset brings along, and the config the form would send now.
import { useEffect, useMemo, useState } from 'react';
import type { ConfigHelp, DatasetSummary } from '../../../../main/api/contract';
import { api } from '../../api/client';
import { useApiQuery } from '../../hooks/useApiQuery';
import type { Overrides } from './AdvancedSettings';
import { clonedDataset, cloneOverrides, takeClone } from './clone';
import { PRIMARY_KEYS, buildConfig, configFields, parseOverrides } from './config-form';
import { dataSettings } from './data-settings';
import { goalById, type GoalId } from './goals';
import { DEFAULT_PRESET, presetById, type PresetId } from './presets';

export type RunDraft = ReturnType<typeof useRunDraft>;

export function useRunDraft(projectId: string, defaultModel: string | undefined) {
  const help = useApiQuery<ConfigHelp>(() => api.training.configHelp());
  // The project's imported datasets, offered as a picker when there are any (the config takes a file or a dataset id).
  const datasets = useApiQuery<DatasetSummary[]>(() => api.datasets.list({ projectId }));
  // Opened with "Clone settings" on a run: its settings, model and dataset, under a new name.
  const [clone] = useState(takeClone);
  const [name, setName] = useState(clone?.name ?? '');
  const [model, setModel] = useState(clone ? String(clone.config.model ?? '') : (defaultModel ?? ''));
  const [dataset, setDataset] = useState(clone ? clonedDataset(String(clone.config.dataset ?? '')) : '');
  const [presetId, setPresetId] = useState<PresetId>(DEFAULT_PRESET);
  const [goalId, setGoalId] = useState<GoalId>('behaviour');
  const [overrides, setOverrides] = useState<Overrides>(() => (clone ? cloneOverrides(clone.config, PRIMARY_KEYS) : {}));

  // One source of truth: a dataset imported with the Data step's settings (validation share, max length, loss mask)
  // trains with them unless the user changes them here; picking it puts them into the form.
  const picked = datasets.data?.find((d) => d.id === dataset);
  const pickedId = picked?.id;
  useEffect(() => {
    const s = dataSettings(datasets.data?.find((d) => d.id === pickedId));
    if (!s || clone) return;
    setOverrides((o) => ({ ...o, ...Object.fromEntries(Object.entries(s).map(([k, v]) => [k, String(v)])) }));
  }, [pickedId]);  // only when the pick changes (the list reloading must not undo the user's edits)

  const fields = useMemo(() => (help.data ? configFields(help.data).filter((f) => !PRIMARY_KEYS.has(f.key)) : []), [help.data]);
  // The goal's objective and settings go over the preset; Advanced settings still override both.
  const goalConfig = goalById(goalId).config;
  const preset = useMemo(() => ({ ...presetById(presetId).config, ...goalConfig }) as Record<string, unknown>, [presetId, goalConfig]);

  // The config the form would send now, or why there is none yet; the fit check follows it.
  const draft = useMemo((): { config?: Record<string, unknown>; blocked?: string } => {
    if (!help.data) return { blocked: 'Loading the settings…' };
    const parsed = parseOverrides(fields, overrides);
    if (parsed.error) return { blocked: `${parsed.error.message} Fix it to check the fit.` };
    if (!model.trim() || !dataset.trim()) return {};
    return { config: buildConfig({ model, dataset }, preset, parsed.values) };
  }, [help.data, fields, overrides, model, dataset, preset]);

  /** Sets one Advanced setting; undefined puts it back to the preset's or the default. */
  function setOverride(key: string, value: string | boolean | string[] | undefined): void {
    setOverrides((o) => {
      const next = { ...o };
      if (value === undefined) delete next[key];
      else next[key] = value;
      return next;
    });
  }

  return { help, datasets, picked, name, setName, model, setModel, dataset, setDataset, presetId, setPresetId, goalId, setGoalId, overrides, setOverride, fields, preset, draft };
}
