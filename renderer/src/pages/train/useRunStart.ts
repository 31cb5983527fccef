// Starting the run: the form's own checks first (said at their fields), then training.start; a server error that names
// a config key is shown at that key's field, brought into view (opening Advanced settings when it is there) and focused.
import { useState, type FormEvent } from 'react';
import type { Run } from '../../../../main/api/contract';
import { api } from '../../api/client';
import { ApiError, toApiError } from '../../api/errors';
import { askToNotify } from '../../run-notifications';
import { PRIMARY_KEYS, buildConfig, parseOverrides } from './config-form';
import { fieldElementId, missingChoice, serverErrorAt, type FormErrorAt } from './start-errors';
import type { RunDraft } from './useRunDraft';

export interface RunStart {
  busy: boolean;
  error: FormErrorAt | undefined;
  /** An edit of a field takes its error away. */
  clearErrorAt(key: string): void;
  submit(e: FormEvent): Promise<void>;
}

export function useRunStart(d: RunDraft, opts: { projectId: string; onStarted: (run: Run) => void; openAdvanced: () => void }): RunStart {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<FormErrorAt>();

  function showError({ key, error: e }: FormErrorAt): void {
    setError({ key, error: e });
    const inAdvanced = !!key && !PRIMARY_KEYS.has(key);
    if (inAdvanced) {
      opts.openAdvanced();
      requestAnimationFrame(() => document.getElementById(fieldElementId(key))?.scrollIntoView({ block: 'center', behavior: 'smooth' }));
    }
    // A field's error moves the focus to the field; one about the whole run, to the error itself.
    requestAnimationFrame(() => document.getElementById(key ? fieldElementId(key) : 'run-form-error')?.focus({ preventScroll: inAdvanced }));
  }

  async function submit(e: FormEvent): Promise<void> {
    e.preventDefault();
    if (busy) return;
    setError(undefined);
    const missing = missingChoice(d.model, d.dataset);
    if (missing) return showError(missing);
    const parsed = parseOverrides(d.fields, d.overrides);
    if (parsed.error) return showError({ key: parsed.error.key, error: new ApiError(parsed.error.code, parsed.error.message, parsed.error.hint) });
    const config = buildConfig({ model: d.model, dataset: d.dataset }, d.preset, parsed.values);
    setBusy(true);
    askToNotify();  // a click: the one moment a browser lets us ask; runs often end while the user is elsewhere
    try {
      const run = await api.training.start({ config: config as never, name: d.name.trim() || undefined, projectId: opts.projectId });
      opts.onStarted(run);
    } catch (err) {
      setBusy(false);
      showError(serverErrorAt(toApiError(err), d.fields));
    }
  }

  return {
    busy,
    error,
    clearErrorAt: (key) => {
      if (error?.key === key) setError(undefined);
    },
    submit,
  };
}
